"""Re-encrypt every encrypted field under the newest key (J3.1 key rotation).

Rotation: prepend a new key to FIELD_ENCRYPTION_KEYS, deploy, run this, then
drop the old key. Safe to run repeatedly; works in batches."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from core.crypto import EncryptedTextField

BATCH_SIZE = 500  # rows per transaction: short locks, bounded memory


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: object, **options: object) -> None:
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            names = [f.attname for f in fields]
            last_pk = None
            while True:
                qs = model._base_manager.order_by("pk")
                if last_pk is not None:
                    qs = qs.filter(pk__gt=last_pk)
                rows = list(qs.values_list("pk", *names)[:BATCH_SIZE])
                if not rows:
                    break
                with transaction.atomic():
                    for pk, *values in rows:
                        updates = {}
                        for name, value in zip(names, values, strict=True):
                            if value:
                                # values_list decrypts through the field; update() encrypts with the newest key
                                updates[name] = value
                        if updates:
                            model._base_manager.filter(pk=pk).update(**updates)
                            total += 1
                last_pk = rows[-1][0]
            self.stdout.write(f"{model._meta.label}: rotated")
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows under the newest key."))
