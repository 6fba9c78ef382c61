"""Setting a loss the student caused off against their pay (S3.2) within
《工资支付暂行规定》 art. 16 (劳部发〔1994〕489号, 1994-12-06): a month's set-offs take
at most 20 % of the month's pay from the employer, and the pay left never falls
below the local minimum wage for the hours worked; the rest of the claim stays
owed and is never deducted later beyond the same limits (docs/tax.md).

Worked examples through the database: statements prepared, funded, carried into
the next month, checked again at funding; the claim, the statement pages, the
admin and the integrity checks. The arithmetic alone is in test_statement.py and
test_income_tax.py."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from applications.models import LossClaim
from core.history import history_for
from finance.guarantee import guarantee_fund_contribute
from finance.hooks import integrity_checks
from finance.ledger import account_balance, employer_escrow, ledger_integrity_check, student_payable
from settlements.funding import settlement_fund
from settlements.guarantee import settlement_advance
from settlements.integrity import loss_setoff_check
from settlements.models import Settlement, SettlementStatus
from settlements.services import settlement_prepare
from settlements.statement import LineKind
from tests.factories.settlements import agreed_loss, low_minimum_city, worked_engagement
from tests.settlements.test_funding import escrow_in

pytestmark = pytest.mark.django_db

# Friday 20 March 2026, 10:00 in Shanghai: shifts 40 days before fall in February, 10 days before in March.
NOW = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
FEBRUARY, MARCH = 40, 10


def prepared(hours_minutes: int = 240, rate_fen: int = 5000, *, claim_fen: int = 0, days_ago: int = MARCH,
             city: str | None = None, student=None, employer=None):
    """A completed engagement (one shift of `hours_minutes` at `rate_fen` an hour),
    optionally a loss the student agreed to, and its statement."""
    kwargs = {"student": student} if student is not None else {}
    if employer is not None:
        kwargs["employer"] = employer
    engagement = worked_engagement(hours=[(hours_minutes, 0)], base_rate_fen=rate_fen, days_ago=days_ago,
                                   city=city or low_minimum_city(), **kwargs)
    claim = agreed_loss(engagement, claim_fen) if claim_fen else None
    return settlement_prepare(engagement_id=engagement.pk), claim


def fund(settlement: Settlement) -> Settlement:
    escrow_in(settlement.employer_id, 100_000, key=f"in-{settlement.pk}")
    return settlement_fund(settlement_id=settlement.pk)


def loss_lines(settlement: Settlement) -> list[tuple[int | None, int]]:
    return list(settlement.lines.filter(kind=LineKind.LOSS).order_by("order")
                .values_list("loss_claim_id", "amount_fen"))


def assert_books_clean():
    assert ledger_integrity_check() == []
    for name, check in integrity_checks():
        assert check() == [], name


# ------------------------------------------------------------------ the 20 % cap
def test_art16_loss_setoff_capped_at_20_percent_of_pay():
    with time_machine.travel(NOW, tick=False):
        # given: 4 h at ¥50.00 = ¥200.00; the student agreed to a ¥100.00 loss
        settlement, claim = prepared(claim_fen=10_000)
        # then: 20% of ¥200.00 = ¥40.00 is set off; ¥60.00 stays owed
        assert loss_lines(settlement) == [(claim.pk, -4000)]
        assert (settlement.losses_fen, settlement.student_total_fen) == (-4000, 16_000)
        assert settlement.setoff_remainder_fen == 6000
        assert settlement.employer_total_fen == 16_000 + 2000  # commission 10% of the gross ¥200.00
        # when: funded
        fund(settlement)
    # then: escrow paid the student ¥160.00 and the commission; the claim keeps what is still owed
    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.FUNDED
    assert account_balance(student_payable(settlement.student_id)) == 16_000
    assert account_balance(employer_escrow(settlement.employer_id)) == 100_000 - 18_000
    claim.refresh_from_db()
    assert (claim.offset_fen, claim.outstanding_fen) == (4000, 6000)
    assert history_for(claim).filter(transition="set_off").count() == 1
    assert_books_clean()


def test_art16_remainder_never_below_minimum_wage():
    with time_machine.travel(NOW, tick=False):
        # given: Shanghai's ¥25.00 an hour; 4 h at ¥30.00 = ¥120.00, the minimum for 4 h is ¥100.00
        settlement, claim = prepared(rate_fen=3000, claim_fen=5000, city="上海市")
    # then: 20% would be ¥24.00, but only ¥20.00 keeps the pay at the minimum
    assert loss_lines(settlement) == [(claim.pk, -2000)]
    assert settlement.student_total_fen == 10_000
    assert settlement.hourly_minimum_fen == 2500


def test_art16_pay_at_the_minimum_wage_sets_nothing_off_and_the_line_says_so():
    with time_machine.travel(NOW, tick=False):
        # given: 4 h at exactly Shanghai's minimum hourly wage
        settlement, claim = prepared(rate_fen=2500, claim_fen=3000, city="上海市")
    # then: a line of its own with nothing set off, the whole claim still owed
    line = settlement.lines.get(kind=LineKind.LOSS)
    assert (line.loss_claim_id, line.amount_fen) == (claim.pk, 0)
    assert "¥30.00 still owed" in line.quantity
    assert settlement.student_total_fen == 10_000


def test_art16_nothing_is_set_off_where_no_minimum_wage_is_on_file():
    with time_machine.travel(NOW, tick=False):
        # given: a city whose minimum wage staff have not entered
        settlement, _claim = prepared(claim_fen=3000, city="无标准市")
    # then: the floor cannot be checked, so nothing is set off
    assert settlement.losses_fen == 0 and settlement.hourly_minimum_fen is None
    assert settlement.setoff_remainder_fen == 3000


# ------------------------------------------------------------------ what stays owed
def test_art16_remainder_carried_and_not_over_deducted_in_the_next_month():
    with time_machine.travel(NOW, tick=False):
        # given: February — ¥200.00 of pay, a ¥100.00 loss: ¥40.00 set off and funded, ¥60.00 owed
        february, claim = prepared(claim_fen=10_000, days_ago=FEBRUARY)
        fund(february)
        # when: March's statement for the same employer, ¥200.00 of pay
        march, _ = prepared(student=february.student, employer=february.employer)
        # then: it sets off ¥40.00 more — its own month's 20%, no more
        assert march.pay_month == dt.date(2026, 3, 1) and february.pay_month == dt.date(2026, 2, 1)
        assert loss_lines(march) == [(claim.pk, -4000)]
        assert march.setoff_claimed_fen == 6000 and march.setoff_earlier_fen == 0
        fund(march)
        # and a third statement in March (¥200.00) takes the last ¥20.00, within the month's ¥80.00
        third, _ = prepared(student=february.student, employer=february.employer)
        assert loss_lines(third) == [(claim.pk, -2000)]
        assert third.setoff_earlier_fen == 4000 and third.setoff_earlier_pay_fen == 20_000
        fund(third)
    claim.refresh_from_db()
    assert (claim.offset_fen, claim.outstanding_fen) == (10_000, 0)
    assert_books_clean()


def test_art16_a_claim_is_set_off_only_against_the_claimants_pay():
    with time_machine.travel(NOW, tick=False):
        # given: a remainder owed to one employer
        february, claim = prepared(claim_fen=10_000, days_ago=FEBRUARY)
        fund(february)
        # when: the student works for another employer
        other, _ = prepared(student=february.student)
    # then: nothing of it is set off there
    assert loss_lines(other) == [] and other.student_total_fen == 20_000


def test_art16_two_claims_in_one_month_share_one_cap():
    with time_machine.travel(NOW, tick=False):
        # given: two claims on one statement of ¥200.00 (¥30.00 and ¥25.00)
        engagement = worked_engagement(hours=[(240, 0)], base_rate_fen=5000, days_ago=MARCH, city=low_minimum_city())
        first, second = agreed_loss(engagement, 3000, "cup"), agreed_loss(engagement, 2500, "plate")
        settlement = settlement_prepare(engagement_id=engagement.pk)
        # then: one cap of ¥40.00, the first claim first
        assert loss_lines(settlement) == [(first.pk, -3000), (second.pk, -1000)]
        fund(settlement)
        # when: another statement of the same month and employer (¥100.00) with a claim of its own
        later, third = prepared(hours_minutes=120, student=engagement.student, employer=engagement.employer,
                                claim_fen=5000)
    # then: the month's pay is ¥300.00, its cap ¥60.00 less the ¥40.00 already set off: ¥20.00, oldest claim first
    assert loss_lines(later) == [(second.pk, -1500), (third.pk, -500)]
    assert later.setoff_earlier_fen == 4000 and later.setoff_claimed_fen == 1500 + 5000


def test_art16_a_ready_statement_is_checked_again_when_it_is_funded():
    with time_machine.travel(NOW, tick=False):
        # given: March already paid ¥200.00 without a loss; two ready statements of ¥100.00 with ¥100.00 claims
        paid, _ = prepared()
        fund(paid)
        one, _ = prepared(hours_minutes=120, student=paid.student, employer=paid.employer, claim_fen=10_000)
        two, _ = prepared(hours_minutes=120, student=paid.student, employer=paid.employer, claim_fen=10_000)
        # each alone may take 20% of ¥300.00 = ¥60.00
        assert one.losses_fen == two.losses_fen == -6000
        # when: both are funded
        fund(one)
        fund(two)
    # then: the second was recomputed against the first: the month's ¥400.00 allow ¥80.00 in all
    two.refresh_from_db()
    assert two.status == SettlementStatus.FUNDED
    assert two.losses_fen == -2000 and two.student_total_fen == 8000
    assert history_for(two).filter(transition="recompute").exists()
    assert_books_clean()


def test_art16_the_guarantee_advance_books_the_setoff_too():
    with time_machine.travel(NOW, tick=False):
        # given: a ready statement with a loss, the employer late
        settlement, claim = prepared(claim_fen=10_000)
        guarantee_fund_contribute(amount_fen=100_000, actor=None, memo="test fund", key="fund-setoff")
        # when: the guarantee fund advances it
        settlement_advance(settlement_id=settlement.pk)
    # then: the student receives the pay less the set-off, and the claim records it
    settlement.refresh_from_db()
    assert settlement.advanced_fen == 16_000
    claim.refresh_from_db()
    assert claim.offset_fen == 4000
    assert_books_clean()


# ------------------------------------------------------------------ the checks
def test_art16_the_integrity_check_finds_a_claim_booked_wrongly():
    with time_machine.travel(NOW, tick=False):
        settlement, claim = prepared(claim_fen=10_000)
        fund(settlement)
    assert loss_setoff_check() == []
    # when: someone edits the claim's record behind the services' back
    LossClaim.objects.filter(pk=claim.pk).update(offset_fen=5000)
    # then
    assert [p.check for p in loss_setoff_check()] == ["loss_claim_offset"]


def test_art16_the_integrity_check_finds_a_setoff_above_the_cap():
    with time_machine.travel(NOW, tick=False):
        settlement, _claim = prepared(claim_fen=10_000)
        fund(settlement)
    Settlement.objects.filter(pk=settlement.pk).update(losses_fen=-5000, student_total_fen=15_000,
                                                       employer_total_fen=17_000)
    checks = {p.check for p in loss_setoff_check()}
    assert "settlement_loss_setoff" in checks


# ------------------------------------------------------------------ what people read
def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_art16_the_student_reads_the_rule_and_what_stays_owed(settings):
    with time_machine.travel(NOW, tick=False):
        settlement, _claim = prepared(claim_fen=10_000)
    url = reverse("settlements:student_statement", args=[settlement.pk])
    # English
    html = signed_in(settlement.student).get(url).content.decode()
    assert 'id="loss-setoff"' in html
    assert "art. 16" in html and "20%" in html and "¥60.00" in html and "still owed" in html
    # and Chinese
    settings.LANGUAGE_CODE = "zh-hans"
    html = signed_in(settlement.student).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "依《工资支付暂行规定》第十六条" in html
    assert "其余¥60.00仍由您承担" in html


def test_art16_the_employer_reads_the_same_limits():
    with time_machine.travel(NOW, tick=False):
        settlement, _claim = prepared(claim_fen=10_000)
    user = settlement.employer.members.get().user
    html = signed_in(user).get(reverse("settlements:employer_statement", args=[settlement.pk])).content.decode()
    assert 'id="loss-setoff"' in html and "¥60.00" in html and "-¥40.00" in html


def test_art16_staff_see_what_was_set_off_and_what_is_still_owed_on_the_claim(staff_client):
    with time_machine.travel(NOW, tick=False):
        settlement, claim = prepared(claim_fen=10_000)
        fund(settlement)
    client, _moderator = staff_client("moderator")
    html = client.get(reverse("admin:applications_lossclaim_change", args=[claim.pk])).content.decode()
    assert "Still owed by the student" in html and "¥60.00" in html and "¥40.00" in html


def test_art16_both_sides_read_what_is_still_owed_on_the_engagement():
    with time_machine.travel(NOW, tick=False):
        settlement, claim = prepared(claim_fen=10_000)
        fund(settlement)
    student = signed_in(settlement.student).get(
        reverse("applications:student_engagement", args=[settlement.engagement_id])).content.decode()
    employer = signed_in(settlement.employer.members.get().user).get(
        reverse("applications:employer_engagement", args=[settlement.engagement_id])).content.decode()
    for html in (student, employer):
        assert f'id="claim-{claim.pk}-setoff"' in html
        assert "Set off against pay so far: ¥40.00; still owed: ¥60.00." in html
