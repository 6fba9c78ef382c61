"""Finance's own writes outside posting (the ledger's posting API is
`finance.ledger`): recording integrity checks and alerting finance staff."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.services import staff_role_notify

from . import hooks
from .integrity import settlement_account_check
from .ledger import IntegrityProblem, ledger_integrity_check
from .models import IntegrityRun


def integrity_checks_run() -> list[IntegrityProblem]:
    """Every check (F3.3): the ledger's, the settlement account's parts, and each
    one other apps registered in `finance.hooks` (settlements: one payout per paid
    settlement, one funding posting per funded one). A check that crashes is a
    problem too, never a silent pass."""
    problems = ledger_integrity_check() + settlement_account_check()
    for name, check in hooks.integrity_checks():
        try:
            problems += list(check())
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            problems.append(IntegrityProblem(name, f"the check failed to run: {error!r}"[:500]))
    return problems


def integrity_run() -> IntegrityRun:
    """Run every check and record it; any problem alerts finance (in-site)."""
    problems = integrity_checks_run()
    run = IntegrityRun.objects.create(problem_count=len(problems),
                                      problems=[{"check": p.check, "detail": p.detail} for p in problems])
    if problems:
        staff_role_notify(role="finance", subject=_("The ledger integrity check found problems"),
                          link=reverse("admin:finance_integrityrun_change", args=[run.pk]))
    return run
