"""Factories for the risk register (K1) and hand-made platform facts for the key risk indicators."""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from risk.models import KeyRiskIndicator, RiskItem
from settlements.models import PaymentDispute, Payout, PayoutBatch, PayoutMethod, Settlement
from tests.factories.accounts import StaffFactory
from tests.factories.settlements import PayoutMethodFactory, worked_engagement


class RiskItemFactory(DjangoModelFactory):
    class Meta:
        model = RiskItem

    title = factory.Sequence(lambda n: f"Risk {n}")
    category = "technical"
    description = "What could go wrong."
    likelihood = 3
    impact = 3
    owner = factory.SubFactory(StaffFactory, role="manager")
    response_plan = "What we do about it."
    review_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))


def settlement_made(**fields) -> Settlement:
    """A statement on a finished engagement, with its dates and status written directly."""
    engagement = worked_engagement(hours=[(180, 0)])
    settlement = Settlement.objects.create(engagement=engagement, student=engagement.student,
                                           employer=engagement.employer)
    Settlement.objects.filter(pk=settlement.pk).update(**fields)
    return Settlement.objects.get(pk=settlement.pk)


def dispute_made(settlement: Settlement, *, at: dt.datetime) -> PaymentDispute:
    dispute = PaymentDispute.objects.create(settlement=settlement, student=settlement.student,
                                            employer=settlement.employer, kind=PaymentDispute.Kind.HOURS,
                                            description="少算了 1 小时", employer_response_due_at=at)
    PaymentDispute.objects.filter(pk=dispute.pk).update(created_at=at)
    return dispute


def payout_made(settlement: Settlement, *, at: dt.datetime, status: str) -> Payout:
    method = (PayoutMethod.objects.filter(student=settlement.student).first()
              or PayoutMethodFactory(student=settlement.student))
    batch = PayoutBatch.objects.create()
    payout = Payout.objects.create(settlement=settlement, batch=batch, student=settlement.student, amount_fen=100,
                                   method=method, method_kind=method.kind, account_masked="6222****0001",
                                   account_holder="张三", ledger_key=f"payout-{settlement.pk}-{status}")
    Payout.objects.filter(pk=payout.pk).update(status=status, created_at=at)
    return payout


def indicator(code: str) -> KeyRiskIndicator:
    return KeyRiskIndicator.objects.get(code=code)
