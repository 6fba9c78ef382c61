"""Demo data of settlements (`manage.py seed_demo`): the demo student's payout
method, so the first demo batch pays them and the pay journey works out of the
box (issue 23). Idempotent: a student who has a method keeps it."""

from stdnum import luhn

from accounts.models import StudentProfile

from .models import PayoutMethod
from .services import payout_method_add

DEMO_CARD_PREFIX = "622202000000000"  # an ICBC-style test prefix; 19 digits with the Luhn check digit


def demo_card_number(n: int) -> str:
    body = f"{DEMO_CARD_PREFIX}{n:03d}"
    return body + luhn.calc_check_digit(body)


def seed_payout_methods(*, logins: list[str]) -> int:
    """A default bank card for each approved demo student in `logins` who has none,
    through the service (consent recorded, number encrypted). Returns how many."""
    added = 0
    profiles = StudentProfile.objects.filter(user__email__in=logins).select_related("user").order_by("user_id")
    for n, profile in enumerate(profiles, start=1):
        if not profile.real_name or PayoutMethod.objects.filter(student=profile.user, removed_at__isnull=True).exists():
            continue
        payout_method_add(student=profile.user, kind=PayoutMethod.Kind.BANK_CARD, account_number=demo_card_number(n),
                          account_holder=profile.real_name, bank_name="中国工商银行", make_default=True, consents=True)
        added += 1
    return added
