"""The suggestion scheme (P3): any staff member submits a suggestion; a
manager adopts or declines it with a reason (never their own); an adopted
suggestion whose effect was measured earns a recorded reward, exactly once."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.notifications import notify
from core.transitions import lock_row, run_transition

from .appraisal import reward_or_penalty_record
from .models import DECIDE_SUGGESTION_PERMISSION, OperationsAction, RewardOrPenalty, Suggestion


class OwnSuggestion(DomainError):
    default_message = _("You cannot decide on your own suggestion; another manager does.")


def suggestions_of(*, author):
    return Suggestion.objects.filter(author=author).select_related("decided_by").order_by("-created_at", "-id")


@transaction.atomic
def suggestion_submit(*, author, title: str, body: str) -> Suggestion:
    """A staff member submits a suggestion (P3). Effects: the suggestion, a history row."""
    if not (author and author.is_active and author.is_platform_staff):
        raise NotPermitted()
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise DomainError(_("Give your suggestion a title."), field="title")
    if not body:
        raise DomainError(_("Describe your suggestion."), field="body")
    suggestion = Suggestion.objects.create(author=author, title=title[:200], body=body[:5000])
    history_record(subject=suggestion, transition=OperationsAction.SUBMIT, from_state="",
                   to_state=suggestion.status, actor=author)
    return suggestion


def _for_decision(*, pk: int, actor) -> Suggestion:
    if not (actor and actor.is_active and actor.has_perm(DECIDE_SUGGESTION_PERMISSION)):
        raise NotPermitted()
    try:
        suggestion = lock_row(Suggestion, pk, related=("author",))
    except Suggestion.DoesNotExist:
        raise DomainError(_("There is no such suggestion.")) from None
    if suggestion.author_id == actor.pk:
        raise OwnSuggestion()
    return suggestion


def _decide(*, pk: int, actor, reason: str, name: str) -> Suggestion:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    suggestion = _for_decision(pk=pk, actor=actor)
    try:
        run_transition(suggestion, name, actor=actor, note=reason, by=actor, reason=reason)
    except InvalidTransition:
        raise InvalidTransition(_("This suggestion has already been decided.")) from None
    notify(recipient=suggestion.author,
           subject=(_("Your suggestion was adopted: %(title)s") if name == "adopt"
                    else _("Your suggestion was declined: %(title)s")) % {"title": suggestion.title},
           body=reason, link=reverse("operations:suggestions"))
    return suggestion


@transaction.atomic
def suggestion_adopt(*, pk: int, actor, reason: str) -> Suggestion:
    """A manager adopts a submitted suggestion, saying why and how (P3)."""
    return _decide(pk=pk, actor=actor, reason=reason, name="adopt")


@transaction.atomic
def suggestion_decline(*, pk: int, actor, reason: str) -> Suggestion:
    """A manager declines a submitted suggestion with a reason the author reads (P3)."""
    return _decide(pk=pk, actor=actor, reason=reason, name="decline")


@transaction.atomic
def suggestion_reward(*, pk: int, actor, effect: str, amount_fen: int = 0, reason: str = "") -> Suggestion:
    """Record the measured effect of an adopted suggestion and reward its author (P3).

    Preconditions: the actor may decide suggestions and record rewards, and is
    not the author; the suggestion is adopted and not yet rewarded; the effect
    is described. Effects: the suggestion becomes "adopted and rewarded", a
    reward linked to it (one per suggestion: the state and a one-to-one key
    both guard it), history rows, the author told."""
    effect = (effect or "").strip()
    if not effect:
        raise DomainError(_("Describe the effect that was measured."), field="effect")
    suggestion = _for_decision(pk=pk, actor=actor)
    try:
        run_transition(suggestion, "reward", actor=actor, note=effect, effect=effect)
    except InvalidTransition:
        raise InvalidTransition(
            _("Only an adopted suggestion that has not been rewarded yet can be rewarded.")) from None
    try:
        with transaction.atomic():
            reward_or_penalty_record(
                actor=actor, staff_id=suggestion.author_id, kind=RewardOrPenalty.Kind.REWARD,
                amount_fen=amount_fen, suggestion=suggestion,
                reason=(reason or "").strip() or str(_("Adopted suggestion: %(title)s") % {"title": suggestion.title}))
    except IntegrityError:
        raise InvalidTransition(_("This suggestion has already been rewarded.")) from None
    return suggestion
