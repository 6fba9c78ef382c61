"""The sanctions ladder, appeals and what a sanction means in practice (E4.2, K3.2).

A confirmed violation climbs the subject's ladder by its unexpired strikes:
warning → restriction (a student may not apply, an employer may not post) →
suspension 7 days → suspension 30 days → termination of cooperation. A severe
violation (taking money from students, fraud) starts at suspension 30 days,
and ends cooperation if the subject was already suspended. Each sanction is a
strike for `policy.strike_expiry_days`; an overturned one never counts.

What is in force is written onto the student profile or the employer through
accounts' and employers' services (`standing_refresh`), so lower apps read
`profile.can_apply`, `employer.can_post` and `is_suspended` without importing
risk. Every sanction records a credit fact (`sanction:<pk>`), reversed if the
sanction is overturned on appeal.

Appeals: the sanctioned student (or a member of the sanctioned employer) may
appeal once, before `appeal_due_at`; a staff member other than the one who
imposed it decides. Overturning lifts the sanction's effects on standing; jobs
an employer lost through termination are not restored automatically (the
employer submits them again)."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StudentProfile, User
from accounts.roles import MODERATOR
from accounts.services import staff_role_notify, student_standing_set
from applications.models import EngagementStatus
from applications.selectors import employer_engagements
from core.alerts import alert_send
from core.credit import credit_event_record, credit_event_reverse
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.models import AlertKind
from core.notifications import notify
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from employers.models import Employer
from employers.services import employer_standing_set
from jobs.services import employer_jobs_take_down
from settlements.guarantee import employer_wages_secure

from .models import DECIDE_APPEAL_PERMISSION, IMPOSE_PERMISSION, Appeal, RiskAction, Sanction, Subject

Level, Status = Sanction.Level, Sanction.Status
SEVERE_CATEGORIES = {Sanction.Category.MONEY_FROM_STUDENTS, Sanction.Category.FRAUD}
# Sanctions whose effects apply: an appeal does not suspend a sanction (E4.2), only overturning ends it.
IN_FORCE_STATUSES = (Status.IN_FORCE, Status.APPEALED, Status.UPHELD)
MAX_TEXT = 4000


# ------------------------------------------------------------------ errors users can cause
class NoSuchSubject(DomainError):
    default_message = _("There is no student or employer with this id.")


class AlreadyAppealed(DomainError):
    default_message = _("You have already appealed against this sanction; it can be appealed once.")


class AppealWindowClosed(DomainError):
    default_message = _("The time to appeal against this sanction has passed.")


class AppealTextRequired(DomainError):
    default_message = _("Please say why the sanction is wrong.")

    def __init__(self):
        super().__init__(field="text")


class SameStaffMember(NotPermitted):
    default_message = _("You imposed this sanction: a different staff member must decide the appeal.")


# ------------------------------------------------------------------ helpers
def _date(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _lock_subject(subject_kind: str, subject_id: int):
    """Lock the subject's row: violations of one subject are serialised, so two
    moderators at once give two consecutive rungs, never the same rung twice."""
    if subject_kind == Subject.STUDENT:
        subject = StudentProfile.objects.select_for_update(of=("self",)).select_related("user").filter(
            user_id=subject_id).first()
    elif subject_kind == Subject.EMPLOYER:
        subject = Employer.objects.select_for_update().filter(pk=subject_id).first()
    else:
        subject = None
    if subject is None:
        raise NoSuchSubject()
    return subject


def subject_label(subject_kind: str, subject_id: int) -> str:
    if subject_kind == Subject.STUDENT:
        profile = StudentProfile.objects.filter(user_id=subject_id).only("real_name", "school").first()
        return str(profile) if profile else f"student {subject_id}"
    employer = Employer.objects.filter(pk=subject_id).only("name").first()
    return employer.name if employer else f"employer {subject_id}"


def strikes_of(*, subject_kind: str, subject_id: int, now: dt.datetime | None = None):
    """The subject's strikes: sanctions still counting on the ladder and not overturned."""
    return Sanction.objects.filter(subject_kind=subject_kind, subject_id=subject_id,
                                   strike_expires_at__gt=now or timezone.now()).exclude(status=Status.OVERTURNED)


def next_rung(*, strikes: list[Sanction], severe: bool) -> tuple[str, int | None]:
    """(level, suspension days) for a new violation given the unexpired strikes (K3.2)."""
    ladder = [(Level.WARNING, None), (Level.RESTRICTION, None), (Level.SUSPENSION, 7), (Level.SUSPENSION, 30)]
    rung = ladder[len(strikes)] if len(strikes) < len(ladder) else (Level.TERMINATION, None)
    if severe:
        if rung[0] == Level.TERMINATION or any(s.level == Level.SUSPENSION for s in strikes):
            return Level.TERMINATION, None
        return Level.SUSPENSION, 30
    return rung


def _recipients(subject_kind: str, subject_id: int) -> list[User]:
    if subject_kind == Subject.STUDENT:
        return list(User.objects.filter(pk=subject_id))
    return list(User.objects.filter(employer_membership__employer_id=subject_id, is_active=True))


def rung_text(sanction: Sanction) -> str:
    if sanction.level == Level.SUSPENSION:
        return str(_("Suspension for %(days)s days") % {"days": sanction.suspension_days})
    return str(sanction.get_level_display())


def effect_text(sanction: Sanction) -> str:
    """What the sanction means for the subject, in one sentence."""
    student = sanction.subject_kind == Subject.STUDENT
    if sanction.level == Level.WARNING:
        return str(_("This is a warning: nothing is restricted, but a further violation climbs the ladder."))
    if sanction.level == Level.RESTRICTION:
        if student:
            return str(_("You may not apply for jobs until %(until)s.") % {"until": _date(sanction.ends_at)})
        return str(_("You may not submit jobs until %(until)s.") % {"until": _date(sanction.ends_at)})
    if sanction.level == Level.SUSPENSION:
        return str(_("Your account is suspended until %(until)s: you can read your pages, appeal and receive or "
                     "pay what is owed, but nothing else.") % {"until": _date(sanction.ends_at)})
    return str(_("The platform has ended its cooperation with you: you can read your pages, appeal and receive or "
                 "pay what is owed, but nothing else."))


# ------------------------------------------------------------------ standing
def standing_refresh(*, subject_kind: str, subject_id: int, actor=None, reason: str = ""):
    """Recompute what is in force on a subject from ALL its sanctions in force and
    write it onto the profile or employer (restriction and suspension: the latest
    end; termination: the earliest start). Call inside the caller's transaction."""
    in_force = Sanction.objects.filter(subject_kind=subject_kind, subject_id=subject_id,
                                       status__in=IN_FORCE_STATUSES)
    found = in_force.aggregate(
        restricted=Max("ends_at", filter=Q(level=Level.RESTRICTION)),
        suspended=Max("ends_at", filter=Q(level=Level.SUSPENSION)),
        terminated=Min("starts_at", filter=Q(level=Level.TERMINATION)))
    reason = reason or str(_("sanctions in force recomputed"))
    if subject_kind == Subject.STUDENT:
        return student_standing_set(user_id=subject_id, applying_restricted_until=found["restricted"],
                                    suspended_until=found["suspended"], terminated_at=found["terminated"],
                                    actor=actor, reason=reason)
    return employer_standing_set(employer_id=subject_id, posting_restricted_until=found["restricted"],
                                 suspended_until=found["suspended"], terminated_at=found["terminated"],
                                 actor=actor, reason=reason)


# ------------------------------------------------------------------ the ladder (E4.2, K3.2)
@transaction.atomic
def violation_record(*, subject_kind: str, subject_id: int, category: str, reason: str, actor, evidence: str = "",
                     severe: bool | None = None, source=None) -> Sanction:
    """Record a confirmed violation; returns the Sanction imposed (the next rung of the ladder).

    Preconditions: the actor may impose sanctions (`risk.add_sanction`); a reason
    (shown to the subject). Effects, in one transaction under a lock on the
    subject: the sanction, a history row, the credit fact `sanction:<pk>`, the
    standing fields; the subject told (with the appeal link and deadline); for a
    terminated employer its live and pending jobs taken down, its hired students
    told and the wages it owes secured (escrow, else the guarantee fund)."""
    if actor is None or not (actor.is_active and actor.has_perm(IMPOSE_PERMISSION)):
        raise NotPermitted()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    if category not in Sanction.Category.values:
        raise DomainError(_("Choose the kind of violation."), field="category")
    subject = _lock_subject(subject_kind, subject_id)
    severe = category in SEVERE_CATEGORIES if severe is None else bool(severe)
    now, policy = timezone.now(), get_policy()
    strikes = list(strikes_of(subject_kind=subject_kind, subject_id=subject_id, now=now))
    level, days = next_rung(strikes=strikes, severe=severe)
    ends_at = None
    if level == Level.RESTRICTION:
        ends_at = now + dt.timedelta(days=policy.restriction_days)
    elif level == Level.SUSPENSION:
        ends_at = now + dt.timedelta(days=days)
    sanction = Sanction.objects.create(
        subject_kind=subject_kind, subject_id=subject_id, level=level, suspension_days=days, category=category,
        severe=severe, reason=reason[:MAX_TEXT], evidence=(evidence or "").strip()[:MAX_TEXT], imposed_by=actor,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=str(source.pk) if source is not None else "",
        starts_at=now, ends_at=ends_at, strike_expires_at=now + dt.timedelta(days=policy.strike_expiry_days),
        appeal_due_at=now + dt.timedelta(days=policy.appeal_window_days))
    history_record(subject=sanction, transition=RiskAction.IMPOSE, from_state="", to_state=sanction.status,
                   actor=actor, reason=f"{rung_text(sanction)} ({len(strikes)} strikes): {reason}")
    credit_event_record(key=f"sanction:{sanction.pk}", subject_kind=subject_kind, subject_id=subject_id,
                        kind=f"sanction_{level}", reason=f"{rung_text(sanction)}: {reason}", source=sanction)
    standing_refresh(subject_kind=subject_kind, subject_id=subject_id, actor=actor,
                     reason=str(_("sanction %(pk)s: %(rung)s") % {"pk": sanction.pk, "rung": rung_text(sanction)}))
    _tell_sanctioned(sanction)
    if level == Level.TERMINATION and subject_kind == Subject.EMPLOYER:
        _terminate_employer(subject, sanction=sanction, actor=actor)
    return sanction


def _tell_sanctioned(sanction: Sanction) -> None:
    subject = _("Sanction: %(rung)s") % {"rung": rung_text(sanction)}
    body = _("Reason: %(reason)s\n\n%(effect)s\n\nEvidence: %(evidence)s\n\nIf you think this is wrong, you may "
             "appeal once until %(due)s; a different staff member decides.") % {
        "reason": sanction.reason, "effect": effect_text(sanction), "evidence": sanction.evidence or "—",
        "due": _date(sanction.appeal_due_at)}
    link = reverse("risk:appeal_file", args=[sanction.pk])
    for user in _recipients(sanction.subject_kind, sanction.subject_id):
        alert_send(recipient=user, kind=AlertKind.SANCTION, subject=subject, body=body, link=link)


def _terminate_employer(employer: Employer, *, sanction: Sanction, actor) -> None:
    """E4.2: its jobs come down, its hired students are told their pay is
    protected, and what it owes now is secured. Statements prepared later (hours
    still open) follow the ordinary sweeps: funded from escrow when money is
    there, otherwise advanced by the guarantee fund after the grace period."""
    reason = str(_("Cooperation with the employer ended: %(reason)s") % {"reason": sanction.reason})
    employer_jobs_take_down(employer_id=employer.pk, actor=actor, reason=reason)
    engagements = employer_engagements(employer_id=employer.pk).filter(status=EngagementStatus.ACTIVE)
    told = set()
    for engagement in engagements:
        if engagement.student_id in told:
            continue
        told.add(engagement.student_id)
        notify(recipient=engagement.student,
               subject=_("The platform has ended its cooperation with %(employer)s") % {"employer": employer.name},
               body=_("The platform has ended its cooperation with %(employer)s, for whom you are hired for "
                      "%(job)s. Your pay for the work you have done is protected: the platform pays it from the "
                      "employer's escrow or, if that is not enough, from its guarantee fund.") % {
                   "employer": employer.name, "job": engagement.job.title},
               link=reverse("settlements:student_home"))
    employer_wages_secure(employer_id=employer.pk, actor=actor)


# ------------------------------------------------------------------ appeals (E4.2)
def is_sanctioned_user(*, user, sanction: Sanction) -> bool:
    if not (user and user.is_authenticated):
        return False
    if sanction.subject_kind == Subject.STUDENT:
        return sanction.subject_id == user.pk
    membership = getattr(user, "employer_membership", None) if user.is_employer_member else None
    return membership is not None and membership.employer_id == sanction.subject_id


@transaction.atomic
def appeal_file(*, sanction_id: int, user, text: str, evidence: str = "") -> Appeal:
    """The sanctioned student, or a member of the sanctioned employer, appeals once
    before `appeal_due_at`; the sanction stays in force while moderators decide."""
    try:
        sanction = lock_row(Sanction, sanction_id)
    except Sanction.DoesNotExist:
        raise NotPermitted() from None
    if not is_sanctioned_user(user=user, sanction=sanction):
        raise NotPermitted()
    if Appeal.objects.filter(sanction=sanction).exists():
        raise AlreadyAppealed()
    if sanction.appeal_due_at <= timezone.now():
        raise AppealWindowClosed(_("The time to appeal against this sanction ended on %(date)s.") % {
            "date": _date(sanction.appeal_due_at)})
    if sanction.status != Status.IN_FORCE:
        raise InvalidTransition()
    text = (text or "").strip()
    if not text:
        raise AppealTextRequired()
    appeal = Appeal.objects.create(sanction=sanction, appellant=user, text=text[:MAX_TEXT],
                                   evidence=(evidence or "").strip()[:MAX_TEXT])
    run_transition(sanction, "appeal", actor=user, note=text[:500])
    history_record(subject=appeal, transition=RiskAction.FILE, from_state="", to_state=appeal.status,
                   actor=user, reason=text[:500])
    staff_role_notify(
        role=MODERATOR,
        subject=_("Appeal against sanction %(pk)s (%(rung)s, %(subject)s)") % {
            "pk": sanction.pk, "rung": rung_text(sanction),
            "subject": subject_label(sanction.subject_kind, sanction.subject_id)},
        link=reverse("admin:risk_appeal_change", args=[appeal.pk]))
    return appeal


@transaction.atomic
def appeal_decide(*, appeal_id: int, actor, outcome: str, reason: str) -> Appeal:
    """A staff member other than the one who imposed the sanction upholds or
    overturns it. Overturned: the credit fact reversed and the standing recomputed
    (restrictions and suspensions lifted; an employer's jobs taken down on
    termination are not restored). The subject is told either way."""
    if actor is None or not (actor.is_active and actor.has_perm(DECIDE_APPEAL_PERMISSION)):
        raise NotPermitted()
    try:
        appeal = lock_row(Appeal, appeal_id)
    except Appeal.DoesNotExist:
        raise InvalidTransition() from None
    sanction = lock_row(Sanction, appeal.sanction_id)
    if sanction.imposed_by_id == actor.pk:
        raise SameStaffMember()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    if outcome not in (Appeal.Status.UPHELD, Appeal.Status.OVERTURNED):
        raise DomainError(_("Choose whether to uphold or overturn the sanction."), field="outcome")
    if appeal.status != Appeal.Status.OPEN or sanction.status != Status.APPEALED:
        raise InvalidTransition(_("This appeal has already been decided."))
    # Both records take the outcome: the appeal is decided, the sanction upheld or overturned.
    name, action = (("overturn", RiskAction.OVERTURNED) if outcome == Appeal.Status.OVERTURNED
                    else ("uphold", RiskAction.UPHELD))
    run_transition(appeal, name, actor=actor, note=reason, action=action, by=actor, reason=reason)
    run_transition(sanction, name, actor=actor, note=reason, action=action)
    if outcome == Appeal.Status.OVERTURNED:
        credit_event_reverse(key=f"sanction:{sanction.pk}",
                             reason=str(_("Sanction overturned on appeal: %(reason)s") % {"reason": reason}))
        standing_refresh(subject_kind=sanction.subject_kind, subject_id=sanction.subject_id, actor=actor,
                         reason=str(_("sanction %(pk)s overturned on appeal") % {"pk": sanction.pk}))
    _tell_decision(sanction, appeal)
    return appeal


def _tell_decision(sanction: Sanction, appeal: Appeal) -> None:
    if appeal.status == Appeal.Status.OVERTURNED:
        subject = _("Your appeal succeeded: the %(rung)s is withdrawn") % {"rung": rung_text(sanction)}
        body = _("%(reason)s\n\nThe sanction no longer counts against you and its restrictions are lifted.") % {
            "reason": appeal.decision_reason}
        if sanction.level == Level.TERMINATION and sanction.subject_kind == Subject.EMPLOYER:
            body = _("%(body)s Jobs taken down when cooperation ended are not restored automatically: submit "
                     "them again for review.") % {"body": body}
    else:
        subject = _("Your appeal was not successful: the %(rung)s stands") % {"rung": rung_text(sanction)}
        body = _("%(reason)s\n\nThe sanction stays in force as notified.") % {"reason": appeal.decision_reason}
    for user in _recipients(sanction.subject_kind, sanction.subject_id):
        notify(recipient=user, subject=subject, body=body, link=reverse("risk:sanctions"))


# ------------------------------------------------------------------ reads for the user's pages
def subject_of_user(user) -> tuple[str, int] | None:
    """The subject whose sanctions a signed-in user sees: a student their own, an
    employer member the organisation's."""
    if not (user and user.is_authenticated):
        return None
    if user.is_student:
        return Subject.STUDENT, user.pk
    membership = getattr(user, "employer_membership", None) if user.is_employer_member else None
    return (Subject.EMPLOYER, membership.employer_id) if membership is not None else None


def sanctions_for_user(*, user):
    subject = subject_of_user(user)
    if subject is None:
        return Sanction.objects.none()
    return Sanction.objects.filter(subject_kind=subject[0], subject_id=subject[1]).select_related("appeal_filed")


def sanction_for_user(*, user, pk: int) -> Sanction | None:
    return sanctions_for_user(user=user).filter(pk=pk).first()


def can_appeal(sanction: Sanction, now: dt.datetime | None = None) -> bool:
    has_appeal = hasattr(sanction, "appeal_filed")
    return (sanction.status == Status.IN_FORCE and not has_appeal
            and sanction.appeal_due_at > (now or timezone.now()))
