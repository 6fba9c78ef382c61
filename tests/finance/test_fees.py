"""Income (F1): the posting fee is booked in the ledger when a job is first
published, once, as revenue owed by the employer."""

import pytest

from core.policy import get_policy, policy_update
from finance.fees import posting_fee_charge
from finance.ledger import account_balance, employer_receivable, ledger_integrity_check, platform_account
from finance.models import AccountKind, LedgerTransaction
from jobs.models import JobStatus
from jobs.services import job_approve
from tests.factories.accounts import StaffFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db


def test_f1_publishing_a_job_books_the_posting_fee_as_revenue_owed_by_the_employer():
    # given: a job waiting for review, the policy's fee at ¥12.50
    moderator = StaffFactory(role="moderator")
    policy_update(actor=moderator, changes={"job_posting_fee_fen": 1250})
    job = JobFactory(status=JobStatus.PENDING_REVIEW)
    # when
    job_approve(pk=job.pk, actor=moderator)
    # then
    assert account_balance(employer_receivable(job.employer_id)) == 1250
    assert account_balance(platform_account(AccountKind.REVENUE_POSTING_FEES)) == 1250
    txn = LedgerTransaction.objects.get()
    assert txn.key == f"posting-fee:job:{job.pk}"
    # and the transaction names the job it is for (F3.3, F4: audits follow this link, not the key)
    assert txn.source == job
    assert ledger_integrity_check() == []


def test_f1_the_posting_fee_is_charged_once_per_job():
    job = JobFactory(published=True)
    fee = get_policy().job_posting_fee_fen
    # when: charged twice (a retried approval, a job published again)
    posting_fee_charge(employer_id=job.employer_id, job_id=job.pk, amount_fen=fee, memo="m")
    posting_fee_charge(employer_id=job.employer_id, job_id=job.pk, amount_fen=fee, memo="m")
    # then
    assert LedgerTransaction.objects.count() == 1
    assert account_balance(platform_account(AccountKind.REVENUE_POSTING_FEES)) == fee


def test_f1_a_zero_fee_books_nothing():
    job = JobFactory(published=True)
    assert posting_fee_charge(employer_id=job.employer_id, job_id=job.pk, amount_fen=0, memo="m") is None
    assert not LedgerTransaction.objects.exists()


def test_f3_3_a_reversal_is_for_the_same_record_as_what_it_reverses():
    # given a posting fee booked for a job
    from finance.ledger import transaction_reverse

    job = JobFactory(published=True)
    original = posting_fee_charge(employer_id=job.employer_id, job_id=job.pk, amount_fen=500, memo="m")
    # when it is reversed
    reversal = transaction_reverse(original_key=original.key, memo="charged in error")
    # then the reversal documents the same job
    assert (reversal.reverses, reversal.source) == (original, job)
