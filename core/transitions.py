"""The one way a record changes state.

A service locks the row (`lock_row`), checks what only it knows (who may act,
deadlines, money), then calls `run_transition`, which:

1. refuses a transition the actor lacks permission for (when asked) or that the
   record's state or conditions do not allow (`InvalidTransition`, nothing saved);
2. runs the django-fsm-2 transition method;
3. saves exactly the fields the transition changed (plus `auto_now` stamps);
4. writes the history row in the model's typed vocabulary (`history_actions`);
5. schedules the side effects the caller passes on commit.

Every step happens inside the caller's transaction, so a refusal further down
leaves nothing half-saved."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from .errors import InvalidTransition, NotPermitted
from .history import history_record

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # AUTH_USER_MODEL, as django-stubs resolves it

M = TypeVar("M", bound=models.Model)


def lock_row(source: type[M] | models.QuerySet[M], pk: object, *, related: tuple[str, ...] = ()) -> M:
    """The row with `pk`, locked until the transaction ends (SELECT … FOR UPDATE).

    `source` is a model or a queryset (to narrow it); `related` are loaded with it, unlocked."""
    queryset = source if isinstance(source, models.QuerySet) else source._default_manager.all()
    if not related:
        return queryset.select_for_update().get(pk=pk)
    # The related rows come in the same query but only this row is locked: PostgreSQL
    # cannot lock the nullable side of an outer join, and the rule is one row, one lock.
    return queryset.select_related(*related).select_for_update(of=("self",)).get(pk=pk)


def state_field_of(method: Any) -> models.Field[Any, Any]:
    """The FSM field a bound transition method moves."""
    field = method._django_fsm.field
    if isinstance(field, str):  # declared by name
        field = method.__self__._meta.get_field(field)
    return field


def _snapshot(obj: models.Model) -> dict[str, object]:
    return {f.attname: copy.copy(getattr(obj, f.attname)) for f in obj._meta.concrete_fields if not f.primary_key}


def _state_refusal(obj: models.Model, state: models.Field[Any, Any]) -> str:
    """What happened, and what to do: "该录用通知当前为「已接受」，无法执行此操作。请刷新页面…" (issue 21)."""
    value = getattr(obj, state.attname)
    label = dict(state.flatchoices).get(value, value)
    return _("This %(thing)s is now “%(state)s”, so this can no longer be done. Reload the page to see "
             "where it stands.") % {"thing": obj._meta.verbose_name, "state": label}


def run_transition(
    obj: M,
    method_name: str,
    *,
    actor: User | None = None,
    note: str = "",
    action: str | None = None,
    check_permission: bool = False,
    on_commit: Callable[[], object] | None = None,
    **method_kwargs: Any,
) -> M:
    """Run `obj.<method_name>(**method_kwargs)` as one recorded state change.

    `obj` must have been locked in the current transaction (`lock_row`).
    `note` is the history row's reason; `action` overrides the recorded action
    when the vocabulary names the change differently from the method (e.g. an
    automatic lapse recorded as "expire"). Returns `obj`, saved."""
    method = getattr(obj, method_name)
    # django-fsm-2 types the user as required; None is passed on as before (a transition without
    # a permission lets it through, the permission callables refuse it).
    if check_permission and not has_transition_perm(method, actor):  # type: ignore[arg-type]
        raise NotPermitted()
    state = state_field_of(method)
    if not can_proceed(method):
        raise InvalidTransition(_state_refusal(obj, state))
    before_values = _snapshot(obj)
    before = getattr(obj, state.attname)
    method(**method_kwargs)
    after_values = _snapshot(obj)
    changed = {name for name, value in after_values.items() if value != before_values[name]}
    changed |= {f.attname for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)}
    changed.add(state.attname)
    obj.save(update_fields=sorted(changed))
    history_record(subject=obj, transition=action or method_name, from_state=before,
                   to_state=getattr(obj, state.attname), actor=actor, reason=note)
    if on_commit is not None:
        transaction.on_commit(on_commit)
    return obj
