"""`manage.py credit_recompute`: recompute every credit score now (K3.1), as the
nightly job does — set-based, writing only the scores and tiers that changed."""

import time

from django.core.management.base import BaseCommand

from risk.scoring import credit_scores_recompute


class Command(BaseCommand):
    help = "Recompute every student's and employer's credit score and tier from their credit events."

    def handle(self, *args, **options):
        started = time.perf_counter()
        counts = credit_scores_recompute()
        self.stdout.write(self.style.SUCCESS(
            f"Recomputed {counts['subjects']} credit scores in {time.perf_counter() - started:.1f} s: "
            f"{counts['scores_written']} scores written, {counts['tiers_changed']} tiers changed."))
