"""The platform's income (F1): the posting fee charged when a job is first
published. (Commissions are charged with each settlement — settlements calls
the ledger for those.) Income is recorded here, in the ledger, never edited."""

from .ledger import employer_receivable, platform_account, transaction_post
from .models import AccountKind, LedgerTransaction


def posting_fee_charge(*, employer_id: int, job_id: int, amount_fen: int, memo: str) -> LedgerTransaction | None:
    """Book the posting fee of a job once (F1): the employer owes it (a receivable
    collected from its next payment) and it is posting-fee revenue. A job
    published again after a pause or a revision is not charged twice."""
    if amount_fen <= 0:
        return None
    return transaction_post(
        key=f"posting-fee:job:{job_id}", kind="posting_fee", memo=memo, source=("jobs.Job", job_id),
        lines=[(employer_receivable(employer_id), amount_fen),
               (platform_account(AccountKind.REVENUE_POSTING_FEES), -amount_fen)])
