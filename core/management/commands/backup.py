"""Write an encrypted backup of the database and apply retention (K5; docs/backups.md)."""

from django.core.management.base import BaseCommand, CommandError

from core.backups import backup_create


class Command(BaseCommand):
    help = "Dump the database (pg_dump or SQLite's online backup), encrypt it into BACKUP_DIR, apply retention."

    def handle(self, *args: object, **options: object) -> None:
        record = backup_create()
        if not record.ok:
            raise CommandError(f"Backup failed (recorded as #{record.pk}): {record.detail}")
        self.stdout.write(f"Backup {record.file_name} ({record.size_bytes} bytes) written. {record.detail}")
