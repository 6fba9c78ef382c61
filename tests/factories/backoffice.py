"""Factories for the finance back office (F2, F4): expenses and budgets (F2, above), audits (F4, below)."""

# ---------------------------------------------------------------- expenses, budgets (F1, F2) — H10
import io as _io  # noqa: E402

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image as _Image  # noqa: E402


def receipt_png(name: str = "receipt.png") -> SimpleUploadedFile:
    """A real (tiny) PNG receipt, as a browser uploads it."""
    buffer = _io.BytesIO()
    _Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def budget_make(*, category: str, start, end, amount_fen: int, by=None):
    """A budget written directly (the service is tested in tests/backoffice/test_expenses.py)."""
    from backoffice.models import Budget
    from tests.factories.accounts import StaffFactory as _Staff

    return Budget.objects.create(category=category, period_start=start, period_end=end, amount_fen=amount_fen,
                                 created_by=by or _Staff(role="finance"))


# ---------------------------------------------------------------- audits (F4) — H11
import datetime as dt  # noqa: E402

import factory  # noqa: E402
from factory.django import DjangoModelFactory  # noqa: E402

from backoffice.models import AuditEngagement, AuditFinding  # noqa: E402
from tests.factories.accounts import StaffFactory  # noqa: E402


class AuditEngagementFactory(DjangoModelFactory):
    class Meta:
        model = AuditEngagement

    title = factory.Sequence(lambda n: f"Audit {n}")
    kind = AuditEngagement.Kind.INTERNAL
    period_start = dt.date(2026, 10, 1)
    period_end = dt.date(2026, 10, 31)
    scope = "Ledger, settlements and expenses"


class AuditFindingFactory(DjangoModelFactory):
    """A finding written directly (no notification); services are tested in tests/backoffice/test_audits.py."""

    class Meta:
        model = AuditFinding

    engagement = factory.SubFactory(AuditEngagementFactory)
    title = factory.Sequence(lambda n: f"Finding {n}")
    description = "Two approvals by the same person"
    severity = AuditFinding.Severity.MEDIUM
    owner = factory.SubFactory(StaffFactory, role="finance")
    due_on = dt.date(2026, 12, 15)
