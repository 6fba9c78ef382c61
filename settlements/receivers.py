"""Settlements' part of a user's PIPL rights (accounts.signals): payout methods
appear in the data export (masked — the full number never leaves again), and
on account deletion the account numbers are erased while the rows, which
payouts and audits refer to, stay with their masked form in the history."""

from typing import Any

from django.utils import timezone

from accounts.models import User

from .models import Payout, PayoutMethod


def payout_methods_for_export(sender: object, *, user: User,
                              **kwargs: Any) -> dict[str, list[dict[str, Any]]]:
    methods = PayoutMethod.objects.filter(student=user).order_by("created_at")
    return {"payout_methods": [
        {"kind": m.kind, "bank": m.bank_name, "account": m.account_masked, "account_holder": m.account_holder,
         "default": m.is_default, "added_at": m.created_at.isoformat(),
         "removed_at": m.removed_at.isoformat() if m.removed_at else None}
        for m in methods
    ]}


def payout_methods_erase(sender: object, *, user: User, **kwargs: Any) -> None:
    methods = PayoutMethod.objects.filter(student=user)
    methods.filter(removed_at__isnull=True).update(is_default=False, removed_at=timezone.now())
    methods.update(account_number="", account_hash="", account_holder="", bank_name="")
    # The account copies on finished payouts go too (their masked form stays for
    # audit); a payout still in flight keeps its copy until the bank has paid it.
    Payout.objects.filter(student=user, status__in=[Payout.Status.PAID, Payout.Status.FAILED]).update(
        account_number="", account_holder="")
