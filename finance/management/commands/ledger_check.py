"""`manage.py ledger_check`: run every integrity check now (F3.3) — the ledger's,
the settlement account's parts, and those other apps register in finance.hooks
(settlements: payouts and funding postings); exits 1 when a check fails, so it
can gate a deploy or a restore."""

from django.core.management.base import BaseCommand, CommandError

from finance.services import integrity_run


class Command(BaseCommand):
    help = ("Check the ledger and settlements: balanced transactions, running balances, no negative guarded "
            "account, the settlement account equal to its parts, one payout per paid settlement.")

    def handle(self, *args: object, **options: object) -> None:
        run = integrity_run()
        for line in run.problems:
            self.stdout.write(f"{line['check']}: {line['detail']}")
        if run.problem_count:
            raise CommandError(f"ledger check failed: {run.problem_count} problem(s)")
        self.stdout.write(self.style.SUCCESS("Ledger check passed."))
