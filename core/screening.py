"""One gate for every text another user reads (G2, J1.1, J1.4, E2.2).

A posting, a change of place, an invitation, an answer to a review, a message
on a loss claim or a dispute: whatever one user writes for another goes
through `screen_user_text` before anyone else sees it. Blocking findings
refuse the write at the field (`TextRefused`, a DomainError); flags hold the
text for a moderator (`held_text_create`): the reader sees nothing until a
moderator clears it, and the door's registered handlers then deliver or drop it.

The screen itself lives in jobs (the staff-edited lexicon), above core in the
layers; jobs registers it here in its AppConfig.ready(), as settlements feeds
finance through finance.hooks. A door declares itself with `register_door`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils.translation import gettext as _

from .errors import DomainError, NotPermitted
from .history import history_record
from .models import CoreAction, HeldText
from .transitions import lock_row, run_transition

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # AUTH_USER_MODEL, as django-stubs resolves it
    from django_stubs_ext import StrOrPromise

    _FormBase = forms.BaseForm  # ScreenedFormMixin is mixed into forms
else:
    _FormBase = object


class Finding(Protocol):
    """What a screener reports (jobs.compliance.Finding): read-only."""

    @property
    def code(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> StrOrPromise: ...
    @property
    def field(self) -> str: ...
    @property
    def matched_text(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def blocks(self) -> bool: ...


# A screener takes {field: text} and returns its findings.
Screener = Callable[[dict[str, str]], Iterable[Finding]]
DoorHandler = Callable[[HeldText, "User"], None]


@dataclass(frozen=True)
class Door:
    """A place where one user's text reaches another, with what a moderator's decision does."""

    name: str
    label: StrOrPromise
    on_clear: DoorHandler | None = None
    on_reject: DoorHandler | None = None
    # The moderator reads labels, not field names.
    field_labels: dict[str, StrOrPromise] = field(default_factory=dict)


_screeners: dict[str, Screener] = {}
_doors: dict[str, Door] = {}
_moderator_notifiers: list[Callable[..., None]] = []


def register_screener(name: str, fn: Screener) -> None:
    """Add (or replace, by name) a screener every door runs."""
    _screeners[name] = fn


def register_moderator_notifier(fn: Callable[..., None]) -> None:
    """fn(subject=..., link=...) tells the moderators a text is held (accounts owns the staff roles)."""
    if fn not in _moderator_notifiers:
        _moderator_notifiers.append(fn)


def register_door(
    name: str, *, label: StrOrPromise, on_clear: DoorHandler | None = None,
    on_reject: DoorHandler | None = None, field_labels: dict[str, StrOrPromise] | None = None,
) -> None:
    """Declare a door; `on_clear(held, actor)` delivers the held text, `on_reject(held, actor)` drops it;
    `field_labels` names its fields for the moderator."""
    _doors[name] = Door(name=name, label=label, on_clear=on_clear, on_reject=on_reject,
                        field_labels=dict(field_labels or {}))


def doors() -> dict[str, Door]:
    return dict(_doors)


@dataclass(frozen=True)
class GateResult:
    door: str
    values: dict[str, str]
    findings: list[Finding] = field(default_factory=list)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocks]

    @property
    def flags(self) -> list[Finding]:
        return [f for f in self.findings if not f.blocks]

    @property
    def blocked(self) -> bool:
        return bool(self.blocking)

    @property
    def held(self) -> bool:
        """Nothing blocks but something needs a moderator before readers see it."""
        return not self.blocked and bool(self.flags)

    def refusals(self, *, hold_flags: bool = True) -> list[Finding]:
        """The findings that refuse the write: blocking ones, and flags where the door cannot hold."""
        return self.blocking if hold_flags else list(self.findings)


class TextRefused(DomainError):
    """The screen refused a text; `findings` carries every refusing finding (field, message)."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = findings
        first = findings[0]
        super().__init__(first.message, field=first.field or None)


def screen_user_text(values: Mapping[str, str | None], *, door: str) -> GateResult:
    """Run every registered screener over every field of `values` (None reads as blank)."""
    if not _screeners:  # an empty gate would let everything through: fail loudly instead
        raise ImproperlyConfigured("No screener is registered in core.screening (jobs registers one in ready()).")
    clean = {name: str(text or "") for name, text in values.items()}
    findings: list[Finding] = []
    for screener in _screeners.values():
        findings.extend(screener(clean))
    return GateResult(door=door, values=clean, findings=findings)


def gate_check(values: dict[str, str], *, door: str, hold_flags: bool = True) -> GateResult:
    """Screen and refuse: raises TextRefused on blocking findings (and on flags
    where the door cannot hold a text); returns the result otherwise."""
    result = screen_user_text(values, door=door)
    refusing = result.refusals(hold_flags=hold_flags)
    if refusing:
        raise TextRefused(refusing)
    return result


# ------------------------------------------------------------------ held texts
def _finding_row(finding: Finding) -> dict[str, object]:
    return {"code": finding.code, "severity": finding.severity, "message": str(finding.message),
            "field": finding.field, "matched_text": finding.matched_text, "start": finding.start,
            "end": finding.end}


def held_text_create(*, result: GateResult, target: models.Model, author: User | None) -> HeldText:
    """Hold a flagged text for a moderator (J1.4): a history row, moderators told on commit."""
    if result.door not in _doors:
        raise ImproperlyConfigured(f"Door {result.door!r} is not registered in core.screening.")
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    held = HeldText.objects.create(
        door=result.door, content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk),
        values=result.values, findings=[_finding_row(f) for f in result.flags],
        author=author if getattr(author, "pk", None) else None)
    history_record(subject=held, transition=CoreAction.HOLD, from_state="", to_state=held.status, actor=author,
                   reason=", ".join(sorted({f.code for f in result.flags})))
    for tell in _moderator_notifiers:
        tell(subject=_("A text is held by the screen for review"),
             link=reverse("admin:core_heldtext_change", args=[held.pk]))
    return held


def held_texts_pending_for(target: models.Model) -> models.QuerySet[HeldText]:
    from django.contrib.contenttypes.models import ContentType

    return HeldText.objects.filter(content_type=ContentType.objects.get_for_model(target),
                                   object_id=str(target.pk), status=HeldText.Status.PENDING)


def _decide(*, pk: int, actor: User, name: str, reason: str) -> HeldText:
    held = lock_row(HeldText, pk)
    if not (actor.is_active and actor.has_perm("core.moderate_heldtext")):
        raise NotPermitted()
    reason = (reason or "").strip()
    run_transition(held, name, actor=actor, note=reason, by=actor, reason=reason)
    door = _doors.get(held.door)
    handler = door and (door.on_clear if name == "clear" else door.on_reject)
    if handler:
        handler(held, actor)  # the door's own service: it notifies on commit
    return held


@transaction.atomic
def held_text_clear(*, pk: int, actor: User, reason: str = "") -> HeldText:
    """A moderator clears a held text: the door delivers it to its readers (J1.4)."""
    return _decide(pk=pk, actor=actor, name="clear", reason=reason)


@transaction.atomic
def held_text_reject(*, pk: int, actor: User, reason: str = "") -> HeldText:
    """A moderator rejects a held text with a reason: the door drops it and tells the author."""
    if not (reason or "").strip():
        from .errors import ReasonRequired

        raise ReasonRequired()
    return _decide(pk=pk, actor=actor, name="reject", reason=reason)


# ------------------------------------------------------------------ forms
class ScreenedFormMixin(_FormBase):
    """Field-level errors from the gate for free: list the fields another user
    reads in `screened_fields`, name the `gate_door`. Blocking findings become
    errors at their field; with `gate_holds_flags = False` (a door that cannot
    hold a text for review) flags do too. The result is kept in `gate_result`
    for the service, which screens again (the service is the gate of record)."""

    screened_fields: tuple[str, ...] = ()
    gate_door: str = ""
    gate_holds_flags: bool = True
    gate_result: GateResult | None = None

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        data = self.cleaned_data  # a form's own clean() may return None
        values = {name: data.get(name) for name in self.screened_fields
                  if isinstance(data.get(name), str) and data.get(name)}
        if values:
            self.gate_result = screen_user_text(values, door=self.gate_door)
            for finding in self.gate_result.refusals(hold_flags=self.gate_holds_flags):
                target = finding.field if finding.field in self.fields else None
                if target is None or target not in self.errors or finding.message not in self.errors[target]:
                    self.add_error(target, forms.ValidationError(finding.message, code=f"screen_{finding.code}"))
        return cleaned
