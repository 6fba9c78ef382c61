"""Reading and changing the policy parameters.

Most parameters change at once (`policy_update`, one PolicyChange row per value).
The ones in FOUR_EYES_FIELDS decide who carries a legal duty (who withholds income
tax on students' pay, docs/tax.md): one staff member requests the change
(`policy_change_request`), ANOTHER approves it (`policy_change_approve`), and only
then is it applied and logged; or it is rejected with a note."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from .errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from .history import history_record
from .models import CoreAction, Policy, PolicyChange, PolicyChangeRequest
from .transitions import lock_row, run_transition

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # AUTH_USER_MODEL, as django-stubs resolves it

# Parameters a single staff member may not change: a request and a second approval.
FOUR_EYES_FIELDS = ("tax_withholding_agent",)
REQUEST_PERMISSION = "core.add_policychangerequest"
APPROVE_PERMISSION = "core.approve_policychangerequest"


class FourEyesRequired(DomainError):
    default_message = _("This parameter changes only when a second staff member approves a request: request the "
                        "change under Policy change requests.")


class OwnPolicyChange(NotPermitted):
    default_message = _("Another staff member must approve a policy change you requested.")


def get_policy() -> Policy:
    """The current policy row, created with the safe defaults on first use."""
    policy = Policy.objects.order_by("pk").first()
    if policy is None:
        policy, _created = Policy.objects.get_or_create(pk=1)
    return policy


def _policy_apply(*, actor: User | None, changes: dict[str, object]) -> Policy:
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


@transaction.atomic
def policy_update(*, actor: User | None, changes: dict[str, object]) -> Policy:
    """Change parameters; each changed value writes one PolicyChange row. Refuses
    (nothing saved) a change of a four-eyes parameter: that is a request."""
    policy = get_policy()
    if any(field in FOUR_EYES_FIELDS and getattr(policy, field) != value for field, value in changes.items()):
        raise FourEyesRequired(field=next(f for f in changes if f in FOUR_EYES_FIELDS))
    return _policy_apply(actor=actor, changes=changes)


def four_eyes_field(name: str) -> models.Field[Any, Any]:
    """The Policy field of a four-eyes parameter (its label and its choices)."""
    if name not in FOUR_EYES_FIELDS:
        raise DomainError(_("This parameter is not changed by a request."), field="field")
    field = Policy._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _allowed_values(field: str) -> list[str]:
    return [str(value) for value, _label in four_eyes_field(field).choices or []]


def policy_change_check(*, field: str, value: str) -> None:
    """Refuses a value the parameter cannot take, or the value it already has."""
    if value not in _allowed_values(field):
        raise DomainError(_("Choose one of the values offered."), field="new_value")
    if str(getattr(get_policy(), field)) == value:
        raise DomainError(_("The policy already has this value."), field="new_value")


@transaction.atomic
def policy_change_request(*, actor: User, field: str, value: str, reason: str) -> PolicyChangeRequest:
    """A staff member asks to change a four-eyes parameter; nothing changes yet."""
    if not (actor is not None and actor.is_active and actor.has_perm(REQUEST_PERMISSION)):
        raise NotPermitted()
    if not (reason or "").strip():
        raise ReasonRequired()
    policy_change_check(field=field, value=value)
    request = PolicyChangeRequest.objects.create(field=field, old_value=str(getattr(get_policy(), field)),
                                                 new_value=value, reason=reason.strip()[:2000], requested_by=actor)
    history_record(subject=request, transition=CoreAction.REQUEST, from_state="", to_state=request.status,
                   actor=actor, reason=request.reason)
    return request


def _decider(request_id: int, actor: User) -> PolicyChangeRequest:
    if not (actor is not None and actor.is_active and actor.has_perm(APPROVE_PERMISSION)):
        raise NotPermitted()
    try:
        request = lock_row(PolicyChangeRequest, request_id)
    except PolicyChangeRequest.DoesNotExist:
        raise InvalidTransition() from None
    if request.requested_by_id == actor.pk:
        raise OwnPolicyChange()
    return request


@transaction.atomic
def policy_change_approve(*, request_id: int, actor: User) -> PolicyChangeRequest:
    """A second staff member approves: the value is applied and logged (PolicyChange).
    Refused for the requester, and when the parameter changed since the request."""
    request = _decider(request_id, actor)
    policy = Policy.objects.select_for_update().get(pk=get_policy().pk)
    if request.status == PolicyChangeRequest.Status.REQUESTED and str(getattr(policy, request.field)) != \
            request.old_value:
        raise InvalidTransition(_("The parameter changed since this request was made: reject it and request "
                                  "again."))
    run_transition(request, "apply", actor=actor, by=actor)
    _policy_apply(actor=actor, changes={request.field: request.new_value})
    return request


@transaction.atomic
def policy_change_reject(*, request_id: int, actor: User, note: str) -> PolicyChangeRequest:
    if not (note or "").strip():
        raise ReasonRequired()
    request = _decider(request_id, actor)
    text = note.strip()[:2000]
    return run_transition(request, "reject", actor=actor, note=text, by=actor, text=text)
