"""Checks a higher app adds to hiring without applications importing it (E5.1).

settlements registers the prefunding check in its AppConfig.ready(): an
employer below the prefunding credit tier hires only with the pay in escrow.
A check raises a DomainError to refuse the hire (nothing is saved)."""

from collections.abc import Callable

_hire_checks: list[Callable[..., None]] = []


def register_hire_check(fn: Callable[..., None]) -> None:
    """Add a check called as fn(employer=..., job=...) before an offer is made."""
    if fn not in _hire_checks:
        _hire_checks.append(fn)


def hire_checks_run(*, employer, job) -> None:
    """Run every registered check; the first that refuses raises."""
    for check in _hire_checks:
        check(employer=employer, job=job)
