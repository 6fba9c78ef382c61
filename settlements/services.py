"""Every write of settlements so far: preparing an engagement's statement from
its final hours (S4.1, J1.2) and the student's payout methods (S4.2).

Each service: check → lock → write changed fields → history row → side
effects. Funding, payouts, disputes and the guarantee come with the ledger
(`finance`), which these services will call; nothing here moves money."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import TYPE_CHECKING

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from stdnum import luhn

from accounts.models import Consent, StudentProfile, User
from accounts.services import consent_record, has_current_consent
from applications.models import (
    HOURS_FINAL,
    Attendance,
    AttendanceStatus,
    Engagement,
    EngagementItem,
    EngagementStatus,
)
from applications.services import loss_claim_setoff_record
from core.crypto import keyed_hash
from core.errors import DomainError, NotPermitted
from core.history import history_record
from core.money import format_fen
from core.notifications import notify
from core.policy import get_policy
from core.transitions import run_transition
from jobs.compliance import minimum_wage_for
from jobs.models import Job

from . import selectors
from .models import RECOMPUTABLE, PayoutMethod, Settlement, SettlementAction, SettlementLine, SettlementStatus
from .payout_execution import payouts_reschedule_for_student
from .selectors import ENDED, hours_not_final_q
from .statement import (
    LOSS_ITEM_KIND,
    LineKind,
    MoneyItem,
    PayTerms,
    SetOffMonth,
    ShiftWork,
    Statement,
    statement_compute,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A student needs one or two accounts; more only makes mistakes and misuse easier.
MAX_PAYOUT_METHODS = 5
BANK_CARD_LENGTHS = range(16, 20)  # 16–19 digits (UnionPay cards issued in mainland China)


# ------------------------------------------------------------------ errors users can cause
class InvalidAccount(DomainError):
    default_message = _("This account number is not valid.")

    def __init__(self, message: StrOrPromise | None = None) -> None:
        super().__init__(message, field="account_number")


class HolderNameMismatch(DomainError):
    default_message = _("Payouts go only to an account in your own name: the account holder must be the real "
                        "name of your registration.")

    def __init__(self, message: StrOrPromise | None = None) -> None:
        super().__init__(message, field="account_holder")


class DuplicatePayoutMethod(DomainError):
    default_message = _("You have already added this account.")

    def __init__(self, message: StrOrPromise | None = None) -> None:
        super().__init__(message, field="account_number")


# ------------------------------------------------------------------ statements (S4.1, J1.2)
def _terms(job: Job) -> PayTerms:
    return PayTerms(pay_unit=job.pay_unit, base_rate_fen=job.base_rate_fen, hourly_pay_fen=job.hourly_pay_fen,
                    pieces_per_hour=job.pieces_per_hour, overtime_rate_fen=job.overtime_rate_fen,
                    meal_allowance_fen=job.meal_allowance_fen, transport_allowance_fen=job.transport_allowance_fen)


def _shift_work(row: Attendance) -> ShiftWork:
    final = row.hours_status in HOURS_FINAL
    return ShiftWork(date=row.shift.date, scheduled_minutes=row.scheduled_minutes,
                     minutes=(row.confirmed_minutes or 0) if final else 0,
                     overtime_minutes=row.overtime_minutes if final else 0,
                     attended=row.status == AttendanceStatus.ATTENDED, final=final)


def _shifts_not_final(engagement: Engagement, now: dt.datetime) -> int:
    """Shifts whose hours can still change (see selectors.hours_not_final_q)."""
    return Attendance.objects.filter(engagement=engagement).filter(hours_not_final_q(now)).count()


def _pay_month(rows: list[Attendance], now: dt.datetime) -> dt.date:
    """The month a statement's pay is for (《工资支付暂行规定》 art. 16's 当月): the month of
    its last day worked — else of its last shift, else this month — as its first day."""
    worked = [r.shift.date for r in rows if _shift_work(r).worked] or [r.shift.date for r in rows]
    day = max(worked) if worked else timezone.localdate(now)
    return day.replace(day=1)


def _hourly_minimum_fen(engagement: Engagement, on: dt.date) -> int | None:
    """The local minimum hourly wage where the work is done (remote work: the employer's city), or None."""
    job = engagement.job
    city = engagement.employer.city if job.is_remote else job.city
    standard = minimum_wage_for(city, on)
    return standard.hourly_min_fen if standard is not None else None


def _statement_for(engagement: Engagement, *, commission_percent: int, settlement_id: int | None,
                   now: dt.datetime) -> tuple[Statement, dt.date, SetOffMonth | None]:
    """The statement from the database: its hours, its items, the loss claims it sets
    off (selectors.loss_claims_to_set_off) and, if there are any, the month's funded
    statements and the local minimum wage for the art. 16 limits."""
    rows = list(Attendance.objects.filter(engagement=engagement).select_related("shift")
                .order_by("shift__date", "shift__start_time", "pk"))
    items = [MoneyItem(i.kind, int(i.amount_fen), i.description)
             for i in engagement.items.exclude(kind=EngagementItem.Kind.LOSS).order_by("created_at", "pk")]
    month = _pay_month(rows, now)
    claims = selectors.loss_claims_to_set_off(engagement_id=engagement.pk, student_id=engagement.student_id,
                                              employer_id=engagement.employer_id)
    before = None
    if claims:
        last_day = max((r.shift.date for r in rows), default=timezone.localdate(now))
        before = selectors.setoff_month_before(
            settlement_id=settlement_id, student_id=engagement.student_id, employer_id=engagement.employer_id,
            month=month, hourly_minimum_fen=_hourly_minimum_fen(engagement, last_day))
        items += [MoneyItem(LOSS_ITEM_KIND, -claim.outstanding_fen,
                            f"{_('Compensation for a loss (claim %(n)s)') % {'n': claim.pk}}: {claim.description}",
                            claim_id=claim.pk)
                  for claim in claims]
    statement = statement_compute(terms=_terms(engagement.job), shifts=[_shift_work(r) for r in rows],
                                  items=items, commission_percent=commission_percent, month=before)
    return statement, month, before


# What makes two statement lines the same: (kind, amount, description, quantity, day worked, loss claim).
LineKey = tuple[str, int, str, str, dt.date | None, int | None]


def _line_key(line: SettlementLine) -> LineKey:
    return (line.kind, int(line.amount_fen), line.description, line.quantity, line.work_date, line.loss_claim_id)


AMOUNT_FIELDS = ["commission_percent", "wages_fen", "allowances_fen", "compensation_fen", "losses_fen",
                 "commission_fen", "student_total_fen", "employer_total_fen", "pending_shifts"]
# The art. 16 figures (settlements.statement.SetOffMonth): stored with the amounts, recomputed with them.
SETOFF_FIELDS = ["pay_month", "worked_minutes", "counted_pay_fen", "hourly_minimum_fen", "setoff_claimed_fen",
                 "setoff_earlier_pay_fen", "setoff_earlier_counted_fen", "setoff_earlier_minutes",
                 "setoff_earlier_fen"]


def _setoff_values(statement: Statement, month: dt.date, before: SetOffMonth | None) -> dict[str, object]:
    before = before or SetOffMonth(hourly_minimum_fen=None)
    return {"pay_month": month, "worked_minutes": statement.worked_minutes,
            "counted_pay_fen": statement.counted_pay_fen, "hourly_minimum_fen": before.hourly_minimum_fen,
            "setoff_claimed_fen": statement.setoff.claimed_fen if statement.setoff else 0,
            "setoff_earlier_pay_fen": before.earlier_pay_fen, "setoff_earlier_counted_fen": before.earlier_counted_fen,
            "setoff_earlier_minutes": before.earlier_minutes, "setoff_earlier_fen": before.earlier_setoff_fen}


def _statement_apply(settlement: Settlement, statement: Statement, month: dt.date,
                     before: SetOffMonth | None) -> None:
    """Copy a computed statement's amounts and art. 16 figures onto the settlement (unsaved)."""
    for name in AMOUNT_FIELDS:
        setattr(settlement, name, getattr(statement, name))
    for name, value in _setoff_values(statement, month, before).items():
        setattr(settlement, name, value)


@transaction.atomic
def settlement_prepare(*, engagement_id: int) -> Settlement | None:
    """Compute, or recompute, the statement of one engagement (S4.1, J1.2).

    Idempotent: the same hours and items give the same lines, and an unchanged
    statement writes nothing but `computed_at`. Locks the engagement, then the
    settlement, so concurrent calls (a sweep redelivered, two workers) run one
    after the other and create one settlement.

    Creates the settlement on the first call: for a completed engagement always
    (even if nothing is owed, so the student sees why), for an active one as a
    draft, for a cancelled or released one only when something is owed — hours
    worked before the end must be paid, and so must compensation. Rewrites the
    lines while the settlement is draft or ready; from funding on it is returned
    untouched. It is `ready` once the engagement has ended and every shift's
    hours are final, `draft` otherwise. A status change writes a history row (a
    ready statement with something to pay tells the student); a ready statement
    whose lines change writes one too, so no amount changes unrecorded."""
    now = timezone.now()
    engagement = (Engagement.objects.select_for_update(of=("self",)).select_related("job")
                  .get(pk=engagement_id))
    settlement = Settlement.objects.select_for_update().filter(engagement=engagement).first()
    if settlement is not None and settlement.status not in RECOMPUTABLE:
        return settlement
    percent = settlement.commission_percent if settlement is not None else get_policy().commission_percent
    # In the site's default language, whoever triggers it, so the same facts give the same lines.
    with translation.override(settings.LANGUAGE_CODE):
        statement, month, before = _statement_for(engagement, commission_percent=percent,
                                                  settlement_id=settlement.pk if settlement else None, now=now)
    created = settlement is None
    old_lines: list[LineKey] = []
    if settlement is None:
        if engagement.status in ENDED and engagement.status != EngagementStatus.COMPLETED and not statement.gross_fen:
            return None  # ended early with nothing worked and nothing owed: nothing to settle
        settlement = Settlement(engagement=engagement, student_id=engagement.student_id,
                                employer_id=engagement.employer_id, commission_percent=percent)
        before_status, before_total = "", 0
    else:
        before_status, before_total = settlement.status, settlement.student_total_fen
        old_lines = [_line_key(line) for line in settlement.lines.order_by("order")]

    _statement_apply(settlement, statement, month, before)
    # Not only hours still unconfirmed: confirmed hours in their dispute window can change too.
    settlement.pending_shifts = _shifts_not_final(engagement, now)
    settlement.computed_at = now
    final = engagement.status in ENDED and not settlement.pending_shifts
    total_text = format_fen(settlement.student_total_fen)
    _settlement_status_follow(settlement, created=created, final=final, before_status=before_status,
                              job=engagement.job, now=now, note=total_text)
    lines_changed = _settlement_lines_write(settlement, statement, old_lines=old_lines)

    if settlement.status != before_status:
        if settlement.status == SettlementStatus.READY and settlement.student_total_fen > 0:
            _tell_student_ready(settlement, engagement)
    elif lines_changed and settlement.status == SettlementStatus.READY:
        history_record(subject=settlement, transition=SettlementAction.RECOMPUTE, from_state=before_status,
                       to_state=settlement.status, reason=f"{format_fen(before_total)} → {total_text}")
    return settlement


def settlement_setoff_settle(settlement: Settlement, *, now: dt.datetime) -> None:
    """Fix a ready statement's loss set-off as it is funded or advanced (S3.2,
    《工资支付暂行规定》 art. 16). Call with the settlement locked and ready.

    A statement's set-off was computed against the month's statements funded at
    the time and the claims as they stood; another statement of the student's may
    have been funded since, taking part of the month's limit or of a claim. So,
    when the statement sets off a loss or a claim is outstanding, this locks the
    student's user row (one student's fundings run one after the other, as the
    income tax does), recomputes the statement against what is funded now and
    rewrites it if it changed (a history row says so). `settlement_setoff_record`
    then books the set-off on the claims, with the funding's posting."""
    claims = selectors.loss_claims_to_set_off(engagement_id=settlement.engagement_id,
                                              student_id=settlement.student_id, employer_id=settlement.employer_id)
    if not claims and not settlement.setoff_claimed_fen:
        return
    User.objects.select_for_update().filter(pk=settlement.student_id).first()
    engagement = Engagement.objects.select_related("job", "employer").get(pk=settlement.engagement_id)
    with translation.override(settings.LANGUAGE_CODE):
        statement, month, before = _statement_for(engagement, commission_percent=settlement.commission_percent,
                                                  settlement_id=settlement.pk, now=now)
    old_lines = [_line_key(line) for line in settlement.lines.order_by("order")]
    before_total = settlement.student_total_fen
    _statement_apply(settlement, statement, month, before)
    if _settlement_lines_write(settlement, statement, old_lines=old_lines):
        settlement.save(update_fields=[*AMOUNT_FIELDS, *SETOFF_FIELDS, "updated_at"])
        history_record(subject=settlement, transition=SettlementAction.RECOMPUTE, from_state=settlement.status,
                       to_state=settlement.status,
                       reason=f"{format_fen(before_total)} → {format_fen(settlement.student_total_fen)} "
                              "(loss set-off, 工资支付暂行规定 art. 16)")
    else:  # the same amounts, but the month's figures that explain them may have moved
        settlement.save(update_fields=[*SETOFF_FIELDS, "updated_at"])


def settlement_setoff_record(settlement: Settlement) -> None:
    """Book what a funded (advanced) statement sets off on its loss claims: each claim's
    set-off grows by its line, and the rest stays owed (applications' service). Inside
    the funding's savepoint, so an escrow too short books nothing."""
    note = f"settlement {settlement.pk}"
    for claim_id, amount in settlement.lines.filter(kind=LineKind.LOSS, loss_claim__isnull=False,
                                                    amount_fen__lt=0).values_list("loss_claim_id", "amount_fen"):
        loss_claim_setoff_record(claim_id=claim_id, amount_fen=-int(amount), note=note)


def _settlement_status_follow(settlement: Settlement, *, created: bool, final: bool, before_status: str,
                              job: Job, now: dt.datetime, note: str) -> None:
    """Save the recomputed statement in the state its hours give it: ready once the
    engagement has ended and every shift's hours are final, draft otherwise."""
    if created:
        # A new statement starts in the state its hours give it: one history row, from nothing.
        if final:
            settlement.mark_ready(funding_due_at=funding_due_at(job, now))
        settlement.save()
        history_record(subject=settlement, transition=SettlementAction.PREPARE, from_state=before_status,
                       to_state=settlement.status, reason=note)
        return
    settlement.save(update_fields=[*AMOUNT_FIELDS, *SETOFF_FIELDS, "computed_at", "updated_at"])
    if final and settlement.status == SettlementStatus.DRAFT:
        run_transition(settlement, "mark_ready", action=SettlementAction.PREPARE, note=note,
                       funding_due_at=funding_due_at(job, now))
    elif not final and settlement.status == SettlementStatus.READY:
        run_transition(settlement, "reopen", action=SettlementAction.PREPARE, note=note)


def _settlement_lines_write(settlement: Settlement, statement: Statement, *,
                            old_lines: list[LineKey]) -> bool:
    """Replace the statement's lines when the computation gives others; True if it did."""
    new_lines = [SettlementLine(settlement=settlement, order=n, kind=line.kind, amount_fen=line.amount_fen,
                                description=line.description[:300], quantity=line.quantity[:120],
                                work_date=line.work_date, loss_claim_id=line.claim_id)
                 for n, line in enumerate(statement.employer_lines)]
    if [_line_key(line) for line in new_lines] == old_lines:
        return False
    settlement.lines.all().delete()
    SettlementLine.objects.bulk_create(new_lines)
    return True


def funding_due_at(job: Job, now: dt.datetime) -> dt.datetime:
    """E5.1: the employer pays within the job's stated payment days after the
    hours are final — never later than MAX_SETTLEMENT_DAYS (Labour Contract Law
    art. 72: part-time pay is settled at least every 15 days). # R-E5.1"""
    return job.payment_due_at(now)


def _tell_student_ready(settlement: Settlement, engagement: Engagement) -> None:
    notify(recipient=engagement.student,
           subject=_("%(job)s: your pay statement is ready") % {"job": engagement.job.title},
           body=_("You will receive %(amount)s once the employer's payment arrives. Check each line; if something "
                  "is wrong, contact us.") % {"amount": format_fen(settlement.student_total_fen)},
           link=reverse("settlements:student_statement", args=[settlement.pk]), email=False)


# ------------------------------------------------------------------ payout methods (S4.2)
def _plain(value: str) -> str:
    """Full-width digits and letters (typed with a Chinese input method) as ASCII, trimmed."""
    return unicodedata.normalize("NFKC", value or "").strip()


def bank_card_number_normalise(value: str) -> str:
    """A mainland bank card number: 16–19 digits passing the Luhn check. Spaces and
    dashes, as printed on the card, are allowed while typing and dropped."""
    number = re.sub(r"[\s-]", "", _plain(value))
    if not number or not (number.isascii() and number.isdigit()):
        raise InvalidAccount(_("A bank card number has digits only."))
    if len(number) not in BANK_CARD_LENGTHS:
        raise InvalidAccount(_("A bank card number has 16 to 19 digits."))
    if not luhn.is_valid(number):
        raise InvalidAccount(_("This card number has a typing mistake: its check digit does not match."))
    return number


def alipay_account_normalise(value: str) -> str:
    """An Alipay account: a mainland mobile number (11 digits, stored without +86)
    or an e-mail address (stored lower-case)."""
    text = _plain(value)
    wrong = InvalidAccount(_("Enter the mobile number or e-mail address of your Alipay account."))
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            raise wrong from None
        return text.lower()
    try:
        number = phonenumbers.parse(re.sub(r"[\s-]", "", text), "CN")
    except phonenumbers.NumberParseException:
        raise wrong from None
    mobile = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if not (phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == "CN"
            and phonenumbers.number_type(number) in mobile):
        raise wrong
    return str(number.national_number)


def _name_key(name: str) -> str:
    return "".join(_plain(name).split()).casefold()


def _lock_student(student: User) -> StudentProfile:
    """Serialise a student's payout-method writes (one default, the cap) on their user row."""
    if not getattr(student, "is_student", False):
        raise NotPermitted()
    User.objects.select_for_update().filter(pk=student.pk).first()
    profile = StudentProfile.objects.filter(user=student).first()
    if profile is None:
        raise DomainError(_("Please complete your registration first."))
    return profile


@transaction.atomic
def payout_method_add(*, student: User, kind: str, account_number: str, account_holder: str, bank_name: str = "",
                      make_default: bool = False, consents: bool = False) -> PayoutMethod:
    """The student adds a bank card or Alipay account to be paid into (S4.2).

    Preconditions: a student registration; separate consent to processing the
    account (financial accounts are sensitive information, PIPL art. 28–29),
    recorded here if given now; a valid number (bank card: 16–19 digits and the
    Luhn check; Alipay: a mainland mobile number or an e-mail address); the
    holder is the student's real name (wages go to the person who worked); not
    already added; at most MAX_PAYOUT_METHODS.
    Effects: the number is stored encrypted with a keyed hash, shown masked from
    now on; the first method, or one marked so, becomes the default."""
    profile = _lock_student(student)
    if kind == PayoutMethod.Kind.BANK_CARD:
        number = bank_card_number_normalise(account_number)
        bank_name = _plain(bank_name)
        if not bank_name:
            raise DomainError(_("Name the bank of the card."), field="bank_name")
    elif kind == PayoutMethod.Kind.ALIPAY:
        number, bank_name = alipay_account_normalise(account_number), ""
    else:
        raise DomainError(_("Choose a bank card or Alipay."), field="kind")
    if _name_key(account_holder) != _name_key(profile.real_name):
        raise HolderNameMismatch()
    if not has_current_consent(user=student, kind=Consent.Kind.SENSITIVE_DATA):
        if not consents:
            raise DomainError(_("Please consent to the processing of your account details."), field="consents")
        consent_record(user=student, kind=Consent.Kind.SENSITIVE_DATA)
    current = PayoutMethod.objects.filter(student=student, removed_at__isnull=True)
    digest = keyed_hash(f"{kind}:{number}")
    if current.filter(account_hash=digest).exists():
        raise DuplicatePayoutMethod()
    if current.count() >= MAX_PAYOUT_METHODS:
        raise DomainError(_("You can keep at most %(n)s payout methods; remove one first.")
                          % {"n": MAX_PAYOUT_METHODS})
    is_default = make_default or not current.exists()
    if is_default:
        current.filter(is_default=True).update(is_default=False, updated_at=timezone.now())
    method = PayoutMethod.objects.create(student=student, kind=kind, bank_name=bank_name[:60], account_number=number,
                                         account_hash=digest, account_holder=_plain(account_holder)[:50],
                                         is_default=is_default)
    history_record(subject=method, transition=SettlementAction.ADD, from_state="",
                   to_state="default" if is_default else "active", actor=student, reason=method.account_masked)
    if is_default:
        payouts_reschedule_for_student(student_id=student.pk)  # a failed payout is due again (F3.2)
    return method


@transaction.atomic
def payout_method_set_default(*, student: User, method_id: int) -> PayoutMethod:
    """The student chooses which method payouts go to (S4.2). Another student's
    method, or a removed one, does not exist for them (PayoutMethod.DoesNotExist)."""
    _lock_student(student)
    method = PayoutMethod.objects.get(pk=method_id, student=student, removed_at__isnull=True)
    if not method.is_default:
        now = timezone.now()
        PayoutMethod.objects.filter(student=student, is_default=True).update(is_default=False, updated_at=now)
        method.is_default = True
        method.save(update_fields=["is_default", "updated_at"])
        history_record(subject=method, transition=SettlementAction.SET_DEFAULT, from_state="active",
                       to_state="default", actor=student)
    payouts_reschedule_for_student(student_id=student.pk)  # a failed payout is due again (F3.2)
    return method


@transaction.atomic
def payout_method_remove(*, student: User, method_id: int) -> PayoutMethod | None:
    """The student removes a method: the row stays (`removed_at`) for the payouts
    that named it; its number is never shown again. If it was the default, the
    newest remaining method becomes the default, which is returned (else None)."""
    _lock_student(student)
    method = PayoutMethod.objects.get(pk=method_id, student=student, removed_at__isnull=True)
    was_default = method.is_default
    method.removed_at, method.is_default = timezone.now(), False
    method.save(update_fields=["removed_at", "is_default", "updated_at"])
    history_record(subject=method, transition=SettlementAction.REMOVE,
                   from_state="default" if was_default else "active", to_state="removed", actor=student)
    if not was_default:
        return None
    successor = PayoutMethod.objects.filter(student=student, removed_at__isnull=True).order_by(
        "-created_at", "-id").first()
    if successor is not None:
        successor.is_default = True
        successor.save(update_fields=["is_default", "updated_at"])
        history_record(subject=successor, transition=SettlementAction.SET_DEFAULT, from_state="active",
                       to_state="default", actor=student, reason="previous default removed")
    return successor
