"""Registries that let other apps feed finance without finance importing them.

settlements registers its integrity checks (F3.3) and what an employer's escrow
must keep for work already done or promised (E5.1), in its AppConfig.ready();
finance only calls what is registered here."""

from collections.abc import Callable

_integrity_checks: dict[str, Callable[[], list]] = {}
_commitment_providers: list[Callable[[int], int]] = []


def register_integrity_check(name: str, fn: Callable[[], list]) -> None:
    """Add (or replace, by name) a check returning a list of finance.ledger.IntegrityProblem."""
    _integrity_checks[name] = fn


def integrity_checks() -> list[tuple[str, Callable[[], list]]]:
    """The registered checks, in registration order."""
    return list(_integrity_checks.items())


def register_escrow_commitments(fn: Callable[[int], int]) -> None:
    """Add a provider of fen an employer's escrow must keep (fn(employer_id) -> int)."""
    if fn not in _commitment_providers:
        _commitment_providers.append(fn)


def escrow_committed_fen(employer_id: int) -> int:
    """What the employer's escrow must keep, summed over every provider (0 if none)."""
    return sum(int(fn(employer_id)) for fn in _commitment_providers)
