"""One yuan-to-fen parser (core.money.parse_yuan) and one form field (core.forms.YuanField) for every
amount typed or read in yuan (J1.2 pay, S3.2 losses, S4.3 disputes, E3.1 expected pay, E5.1 money in,
E5.2 the guarantee fund, F1/F2/F3.1 the back office, P3 staff rewards).

The rules, the same everywhere: blank is None (never a silent 0), a third decimal is an error (never
truncated or rounded), negative only where allowed, never above the field's maximum. Before, six copies
disagreed: settlements' field read blank as 0 and accepted 1e3; the filters and the intentions truncated or
rounded through DecimalField; the adjustment lines accepted "--5" as -5."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.forms import YuanField
from core.money import MAX_FEN, AmountError, format_fen, parse_yuan, yuan_decimal, yuan_text


# ------------------------------------------------------------------ the parser
@pytest.mark.parametrize(("value", "fen"), [
    ("1,234.50", 123450), ("0.01", 1), ("¥1,000", 100000), ("￥ 12.3", 1230), ("-200.00", -20000),
    ("0.29", 29), ("1.10", 110), ("99999999.99", 9999999999), (1234.5, 123450), (0.1, 10), (7, 700),
    ("25元", 2500), ("1，000", 100000), ("+5", 500), (Decimal("12.5"), 1250), ("-¥1,234.50", -123450),
])
def test_e5_1_amounts_parse_exactly_to_fen(value, fen):
    assert parse_yuan(value, allow_negative=True) == fen


@pytest.mark.parametrize("value", [None, "", "   ", "¥"])
def test_blank_is_none_never_zero(value):
    assert parse_yuan(value) is None


@pytest.mark.parametrize(("value", "code"), [
    ("1.005", "precision"), ("12.345", "precision"), ("3.001", "precision"), ("12.500", "precision"),
    ("1,2a", "invalid"), ("--1", "invalid"), ("1e3", "invalid"), ("NaN", "invalid"), ("1.2.3", "invalid"),
    (".5", "invalid"), ("5.", "invalid"), (True, "invalid"), (float("inf"), "invalid"), (float("nan"), "invalid"),
    ("-5", "negative"), ("-0.01", "negative"), ("9" * 30, "too_large"),
])
def test_what_is_not_yuan_is_refused_with_a_reason(value, code):
    with pytest.raises(AmountError) as caught:
        parse_yuan(value)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)  # the file importers catch ValueError per row


def test_the_maximum_is_the_callers():
    assert parse_yuan("100000", max_fen=100_000 * 100) == 10_000_000
    with pytest.raises(AmountError, match="too_large"):
        parse_yuan("100000.01", max_fen=100_000 * 100)
    with pytest.raises(AmountError, match="too_large"):
        parse_yuan(str(MAX_FEN // 100 + 1))


@given(st.integers(min_value=-10**13, max_value=10**13))
def test_e5_1_every_amount_written_as_yuan_parses_back_to_the_same_fen(fen):
    assert parse_yuan(format_fen(fen), allow_negative=True) == fen
    assert parse_yuan(yuan_text(fen), allow_negative=True) == fen


def test_f3_2_one_fen_to_yuan_decimal_for_bank_files_and_reports():
    from backoffice import reports
    from finance import refunds
    from settlements import exports

    assert [yuan_decimal(n) for n in (0, 5, 100, 12345, -250)] == ["0.00", "0.05", "1.00", "123.45", "-2.50"]
    assert exports.yuan is reports.yuan is yuan_decimal and not hasattr(refunds, "_yuan")


# ------------------------------------------------------------------ the field
def test_the_field_required_optional_zero_and_initial():
    with pytest.raises(ValidationError) as caught:
        YuanField().clean("")
    assert caught.value.code == "required"
    assert YuanField(required=False).clean("") is None
    assert YuanField().clean("0") == 0
    with pytest.raises(ValidationError) as caught:
        YuanField(allow_zero=False).clean("0")
    assert caught.value.code == "zero"
    with pytest.raises(ValidationError, match="at most two decimal places"):
        YuanField().clean("1.234")
    assert YuanField(allow_negative=True).clean("-1.5") == -150
    assert YuanField().prepare_value(6050) == "60.50" and YuanField().prepare_value("60.5") == "60.5"


# ------------------------------------------------------------------ each former copy's caller, through its form
def test_s4_3_dispute_forms_say_a_blank_amount_is_no_money():
    from settlements.forms import DisputeDecisionForm, PaymentDisputeForm

    form = PaymentDisputeForm({"kind": "hours", "description": "x", "claimed_fen": ""})
    assert form.is_valid() and form.cleaned_data["claimed_fen"] == 0
    form = PaymentDisputeForm({"kind": "hours", "description": "x", "claimed_fen": "¥1,012.5"})
    assert form.is_valid() and form.cleaned_data["claimed_fen"] == 101250
    form = DisputeDecisionForm({"decision": "d", "outcome": "no_change", "adjustment_fen": "", "refund_fen": ""})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["adjustment_fen"], form.cleaned_data["refund_fen"]) == (0, 0)
    form = DisputeDecisionForm({"decision": "d", "outcome": "no_change", "adjustment_fen": "1e3"})
    assert not form.is_valid() and "adjustment_fen" in form.errors  # was accepted as ¥1000


def test_s3_2_loss_claim_forms():
    from applications.forms import LossClaimDecisionForm

    form = LossClaimDecisionForm({"decision": "uphold", "amount": "", "reason": "r"})
    assert form.is_valid() and "amount_fen" not in form.cleaned_data  # blank: the full amount claimed
    form = LossClaimDecisionForm({"decision": "uphold", "amount": "12.30", "reason": "r"})
    assert form.is_valid() and form.cleaned_data["amount_fen"] == 1230
    form = LossClaimDecisionForm({"decision": "uphold", "amount": "100000.01", "reason": "r"})
    assert not form.is_valid() and "too large" in str(form.errors["amount"])


@pytest.mark.django_db
def test_e3_1_expected_pay_is_exact_and_shows_back_in_yuan():
    from applications.forms_student import IntentionForm
    from applications.models import StudentIntention

    form = IntentionForm({"expected_pay": "35.50", "accepts_remote": "on"})
    assert form.is_valid(), form.errors
    assert form.expected_hourly_fen() == 3550
    form = IntentionForm({"expected_pay": ""})
    assert form.is_valid() and form.expected_hourly_fen() == 0
    form = IntentionForm({"expected_pay": "35.555"})  # was rounded half up to 35.56 by one path
    assert not form.is_valid() and "expected_pay" in form.errors
    initial = IntentionForm.initial_for(StudentIntention(expected_hourly_fen=3550))
    assert IntentionForm(initial=initial)["expected_pay"].value() == "35.50"


def test_s2_1_the_minimum_pay_filter():
    from jobs.views.public import JobSearchForm

    form = JobSearchForm({"min_pay": "200.50"}, cities=[])
    assert form.is_valid() and form.filters().min_pay_fen == 20050
    form = JobSearchForm({"min_pay": ""}, cities=[])
    assert form.is_valid() and form.filters().min_pay_fen is None


@pytest.mark.django_db
def test_e5_1_e5_2_f2_positive_amounts_in_the_finance_forms():
    from finance.forms import SandboxPaymentForm
    from settlements.admin_guarantee import ContributionForm

    form = SandboxPaymentForm({"amount": "1,000.50"})
    assert form.is_valid() and form.cleaned_data["amount"] == 100050
    for bad, message in (("0", "above zero"), ("-5", "cannot be negative"), ("", "required"),
                         ("1.001", "two decimal places")):
        form = SandboxPaymentForm({"amount": bad})
        assert not form.is_valid() and message in str(form.errors["amount"])
    form = ContributionForm({"amount": "10,000.00", "memo": "m", "token": "6f1c1b9e-3b1a-4c1e-9a34-1d1e1f1a1b1c"})
    assert form.is_valid() and form.cleaned_data["amount"] == 1_000_000


@pytest.mark.django_db
def test_f2_budget_form_shows_yuan_and_refuses_negative():
    from backoffice.admin_expenses import BudgetForm
    from backoffice.models import Budget

    form = BudgetForm(instance=Budget(pk=1, amount_fen=123450, category="office", period_start=dt.date(2026, 1, 1),
                                      period_end=dt.date(2026, 12, 31)))
    assert form["amount"].value() == "1234.50"
    data = {"category": "office", "period_start": "2026-01-01", "period_end": "2026-12-31"}
    assert not BudgetForm({**data, "amount": "-1"}).is_valid()
    form = BudgetForm({**data, "amount": "¥1,234.5"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == 123450


def test_f1_f3_1_signed_amounts_in_the_back_office_forms():
    from backoffice.forms import AdjustmentForm, BankClosingForm

    form = AdjustmentForm({"memo": "m", "lines": "1001, 12.50\n2001, -12.50"})
    assert form.is_valid() and form.cleaned_data["lines"] == [("1001", 1250), ("2001", -1250)]
    for bad in ("1001, --12.50", "1001, 1.005", "1001, "):  # "--12.50" was read as -12.50
        assert not AdjustmentForm({"memo": "m", "lines": bad}).is_valid()
    form = BankClosingForm({"bank_closing": "-¥1,000.5"})
    assert form.is_valid() and form.cleaned_data["bank_closing"] == -100050
    assert not BankClosingForm({"bank_closing": "12.345"}).is_valid()


def test_p3_staff_reward_amounts():
    from operations.forms_staff import SuggestionRewardForm, amount_or_zero

    form = SuggestionRewardForm({"effect": "e", "amount": ""})
    assert form.is_valid() and amount_or_zero(form.cleaned_data["amount"]) == 0
    form = SuggestionRewardForm({"effect": "e", "amount": "88.8"})
    assert form.is_valid() and amount_or_zero(form.cleaned_data["amount"]) == 8880
    assert SuggestionRewardForm()["amount"].value() == "0"
    assert not SuggestionRewardForm({"effect": "e", "amount": "1000000.01"}).is_valid()
