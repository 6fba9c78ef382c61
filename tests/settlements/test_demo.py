"""`seed_demo` gives the demo student a payout method (issue 23, S4.2), so the
first demo batch pays them; running it again adds none."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import demo as accounts_demo
from settlements.funding import settlements_fund_ready
from settlements.models import Payout, PayoutMethod, Settlement, SettlementStatus
from settlements.payouts import payout_batch_build
from tests.settlements.test_funding import escrow_in

pytestmark = pytest.mark.django_db


def test_s4_2_seed_demo_gives_the_demo_student_a_default_payout_method():
    # when
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    # then: one default bank card in their real name, stored masked
    methods = PayoutMethod.objects.filter(student__email=accounts_demo.STUDENT_LOGIN)
    assert methods.count() == 1
    method = methods.get()
    assert method.is_default and method.kind == PayoutMethod.Kind.BANK_CARD
    assert method.account_holder == method.student.student_profile.real_name
    # and a batch built later than every demo due date pays the demo student's funded statements
    # (the demo employer's escrow is topped up so the ready statements fund, as its next payment would)
    mine = Settlement.objects.filter(student=method.student)
    for employer_id in set(mine.values_list("employer_id", flat=True)):
        escrow_in(employer_id, 1_000_000, key=f"demo-top-up-{employer_id}")
    settlements_fund_ready()
    funded = mine.filter(status=SettlementStatus.FUNDED).count()
    assert funded >= 1
    payout_batch_build(now=timezone.now() + dt.timedelta(days=60))
    assert Payout.objects.filter(student=method.student).count() == funded
