"""The guarantee fund (E5.2, 先行赔付): the platform's own money set aside to pay
students whose employer is late. Finance puts money in here; advances and
their recovery are in settlements.guarantee."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, NotPermitted

from .ledger import account_balance, platform_account, transaction_post
from .models import AccountKind, LedgerTransaction

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from accounts.models import User

# Finance staff who import bank statements (money in) may also put the
# platform's money into the fund; auditors only read it.
CONTRIBUTE_PERMISSION = "finance.add_bankstatementimport"
DEMO_GUARANTEE_FEN = 5_000_000  # ¥50,000
DEMO_KEY = "demo:guarantee-fund"


class ContributionInvalid(DomainError):
    default_message = _("Enter a positive amount in fen.")

    def __init__(self, message: StrOrPromise | None = None) -> None:
        super().__init__(message, field="amount")


def guarantee_fund_balance() -> int:
    """What the fund holds now, in fen."""
    return account_balance(platform_account(AccountKind.GUARANTEE_FUND))


def guarantee_fund_contribute(*, amount_fen: int, actor: User | None, memo: str,
                              key: str) -> LedgerTransaction:
    """The platform puts its own money into the guarantee fund, once per `key`:
    Dr bank clearing, Cr the guarantee fund. A positive integer amount only;
    `actor` (None for the demo seed) needs the finance money-in permission."""
    if type(amount_fen) is not int or amount_fen <= 0:  # noqa: E721 - bool and float are refused too
        raise ContributionInvalid()
    if actor is not None and not actor.has_perm(CONTRIBUTE_PERMISSION):
        raise NotPermitted()
    return transaction_post(key=key, kind="guarantee_contribution", actor=actor,
                            memo=memo or "guarantee fund contribution",
                            lines=[(platform_account(AccountKind.BANK_CLEARING), amount_fen),
                                   (platform_account(AccountKind.GUARANTEE_FUND), -amount_fen)])


def guarantee_fund_seed_demo() -> None:
    """Demo only (`seed_demo`): ¥50,000 in the fund, once."""
    guarantee_fund_contribute(amount_fen=DEMO_GUARANTEE_FEN, actor=None, memo="demo guarantee fund", key=DEMO_KEY)
