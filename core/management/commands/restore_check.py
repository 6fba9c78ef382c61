"""Restore the newest backup into a scratch database and check its ledger (K5; docs/backups.md)."""

from django.core.management.base import BaseCommand, CommandError

from core.backups import restore_check


class Command(BaseCommand):
    help = "Decrypt the newest backup, restore it into a scratch database, run the ledger integrity check, drop it."

    def handle(self, *args: object, **options: object) -> None:
        record = restore_check()
        if not record.ok:
            raise CommandError(f"Restore check failed (recorded as #{record.pk}): {record.detail}")
        self.stdout.write(f"Restore check passed: {record.detail}")
