"""E5.1 (issue 23): the employer's escrow keeps back the estimated pay of its hired
students' work not settled yet — shown as "reserved" on the funding page and held
back from refunds — whatever the employer's credit tier."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.money import format_fen
from core.policy import get_policy
from employers.models import EmployerMember
from finance.refunds import RefundNotAvailable, refund_available_fen, refund_request
from settlements.selectors import employer_commitments
from tests.factories.applications import EngagementFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory
from tests.settlements.test_funding import escrow_in

pytestmark = pytest.mark.django_db


def three_hired_students(employer):
    """One job at ¥30/h, two future shifts of 3 hours, three hired students."""
    day = timezone.localdate() + dt.timedelta(days=3)
    job = JobFactory(published=True, employer=employer, base_rate_fen=3000,
                     shifts=[(day, "09:00", "12:00"), (day + dt.timedelta(days=1), "09:00", "12:00")])
    for _n in range(3):
        EngagementFactory(application__job=job)
    return job


def test_e5_1_hired_students_unsettled_work_is_reserved_for_a_high_tier_employer():
    # given: a high-tier employer (no prefunding), ¥1,000 in escrow, three hired students
    employer = EmployerFactory(approved=True, credit_tier=4)
    assert employer.credit_tier >= get_policy().prefund_below_tier
    escrow_in(employer.pk, 100_000, key=f"in-{employer.pk}")
    three_hired_students(employer)
    percent = get_policy().commission_percent
    # each student: 360 min × ¥30/h = ¥180, commission on top
    estimate = 3 * (18_000 + (18_000 * percent + 50) // 100)
    # when
    commitments = employer_commitments(employer.pk)
    # then: reserved, not withdrawable
    assert commitments.reserved_fen == estimate and commitments.owed_fen == 0
    assert refund_available_fen(employer_id=employer.pk) == 100_000 - estimate
    owner = employer.members.get(role=EmployerMember.Role.OWNER).user
    with pytest.raises(RefundNotAvailable):
        refund_request(employer_id=employer.pk, actor=owner, amount_fen=100_000 - estimate + 1,
                       account_holder=employer.name, bank_name="招商银行", account_number="6222021234567890123")
    # and the funding page shows it
    client = Client()
    client.force_login(owner)
    page = client.get(reverse("funding:page")).content.decode()
    reserved = page[page.index('id="reserved"'):]
    assert format_fen(estimate) in reserved[:reserved.index("</li>")]
    available = page[page.index('id="available"'):]
    assert format_fen(100_000 - estimate) in available[:available.index("</li>")]
