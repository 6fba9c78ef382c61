"""Demo money for `manage.py seed_demo` (embedded mode only, PAYMENTS_SANDBOX):
the approved demo employer pays ¥5,000 into escrow through the sandbox, once,
so its statements can be funded and the student sees when they will be paid."""

from django.conf import settings

from accounts.models import User

from .banking import funding_sandbox_pay
from .models import BankStatementLine

DEMO_FUNDING_FEN = 500_000


def seed_funding(*, employer_login: str) -> None:
    if not settings.PAYMENTS_SANDBOX:
        return
    member = User.objects.filter(email=employer_login).select_related("employer_membership").first()
    membership = getattr(member, "employer_membership", None)
    if membership is None or BankStatementLine.objects.filter(matched_employer_id=membership.employer_id).exists():
        return
    funding_sandbox_pay(employer_id=membership.employer_id, amount_fen=DEMO_FUNDING_FEN, actor=member)
