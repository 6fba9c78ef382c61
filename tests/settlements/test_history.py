"""Settlements' history (DESIGN: state changes): one vocabulary for every record
of the app, read in the reader's language; each payout step leaves its row on
what it changed, with who did it and why."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from core.history import history_for, history_record
from settlements.models import (
    PaymentDispute,
    Payout,
    PayoutBatch,
    PayoutMethod,
    Settlement,
    SettlementAction,
    SettlementAdjustment,
)
from settlements.payouts import payout_batch_build, payout_batch_confirm, payout_fail
from tests.factories.accounts import StaffFactory
from tests.factories.settlements import PayoutMethodFactory
from tests.settlements.test_funding import DUE_AT, FUNDED_AT, funded_settlement

pytestmark = pytest.mark.django_db

RECORDING_MODELS = (Settlement, PayoutMethod, PayoutBatch, Payout, PaymentDispute, SettlementAdjustment)


def test_g_every_settlements_record_with_history_speaks_the_apps_vocabulary():
    assert all(model.history_actions is SettlementAction for model in RECORDING_MODELS)


def test_g_every_settlements_action_reads_as_an_event_in_chinese():
    with translation.override("en"):
        english = {action.value: str(action.label) for action in SettlementAction}
    with translation.override("zh-hans"):
        untranslated = [value for value, label in english.items()
                        if str(SettlementAction(value).label) == label]
    assert untranslated == []


def test_g_an_action_outside_the_vocabulary_is_refused():
    with time_machine.travel(FUNDED_AT, tick=False):
        settlement = funded_settlement()
    with pytest.raises(ValueError):
        history_record(subject=settlement, transition="teleport", from_state="funded", to_state="paid")


def test_f3_2_a_failed_line_and_its_settlement_each_record_who_failed_it_and_why():
    # given: a due settlement in a batch
    with time_machine.travel(FUNDED_AT, tick=False):
        settlement = funded_settlement()
        PayoutMethodFactory(student=settlement.student)
    with time_machine.travel(DUE_AT, tick=False):
        batch = payout_batch_build()
    payout = batch.payouts.get()
    finance = StaffFactory(role="finance")
    # when: finance marks the line failed, then confirms the (now empty) batch
    with time_machine.travel(DUE_AT + dt.timedelta(hours=2), tick=False):
        payout_fail(payout_id=payout.pk, actor=finance, reason="账户已注销")
        payout_batch_confirm(batch_id=batch.pk, actor=finance)
    # then: the line, its settlement and the batch each say what happened to them
    [line] = history_for(payout)
    assert (line.transition, line.from_state, line.to_state, line.actor, line.reason) == (
        SettlementAction.FAIL, "queued", "failed", finance, "账户已注销")
    last = history_for(settlement).order_by("id").last()
    assert (last.transition, last.from_state, last.to_state, last.actor, last.reason) == (
        SettlementAction.PAYOUT_FAIL, "paying", "funded", finance, "账户已注销")
    assert [(h.transition, h.to_state, h.actor) for h in history_for(batch).order_by("id")] == [
        (SettlementAction.BUILD, "open", None), (SettlementAction.CONFIRM, "confirmed", finance)]
    with translation.override("zh-hans"):
        assert line.action_label == "转账失败"
