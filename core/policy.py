"""Reading and changing the policy parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from .models import Policy, PolicyChange

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # AUTH_USER_MODEL, as django-stubs resolves it


def get_policy() -> Policy:
    """The current policy row, created with the safe defaults on first use."""
    policy = Policy.objects.order_by("pk").first()
    if policy is None:
        policy, _ = Policy.objects.get_or_create(pk=1)
    return policy


@transaction.atomic
def policy_update(*, actor: User, changes: dict[str, int]) -> Policy:
    """Change parameters; each changed value writes one PolicyChange row."""
    policy = Policy.objects.select_for_update().get(pk=get_policy().pk)
    changed = []
    for field, value in changes.items():
        old = getattr(policy, field)
        if old != value:
            setattr(policy, field, value)
            changed.append(field)
            PolicyChange.objects.create(field=field, old_value=str(old), new_value=str(value), changed_by=actor)
    if changed:
        policy.save(update_fields=[*changed, "updated_at"])
    return policy
