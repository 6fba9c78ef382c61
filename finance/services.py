"""Finance's own writes outside posting (the ledger's posting API is
`finance.ledger`): recording integrity checks and alerting finance staff."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.services import staff_role_notify

from .ledger import ledger_integrity_check
from .models import IntegrityRun


def integrity_run() -> IntegrityRun:
    """Run the ledger checks and record them; any problem alerts finance (in-site)."""
    problems = ledger_integrity_check()
    run = IntegrityRun.objects.create(problem_count=len(problems),
                                      problems=[{"check": p.check, "detail": p.detail} for p in problems])
    if problems:
        staff_role_notify(role="finance", subject=_("The ledger integrity check found problems"),
                          link=reverse("admin:finance_integrityrun_change", args=[run.pk]))
    return run
