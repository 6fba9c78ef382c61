"""Demo data of the back office for `manage.py seed_demo`: budgets and expense claims."""

DEMO_BUDGETS_FEN = {"salaries": 30_000_000, "office": 500_000, "promotion": 1_000_000, "maintenance": 800_000}


def seed_back_office(*, staff) -> None:
    """This month's budgets, and three expense claims through the services: one waiting for the
    department head, one above the threshold waiting for the second approver, one booked.
    `staff` maps role names ("customer_service", "manager", "finance", …) to staff users; a
    second manager is optional (key "manager2"). Idempotent: does nothing if budgets exist."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from PIL import Image

    from .expenses import budget_set, claim_approve, claim_submit
    from .models import Budget

    finance, manager, agent = staff.get("finance"), staff.get("manager"), staff.get("customer_service")
    if finance is None or manager is None or agent is None or Budget.objects.exists():
        return
    today = timezone.localdate()
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    for category, amount_fen in DEMO_BUDGETS_FEN.items():
        budget_set(actor=finance, category=category, period_start=start, period_end=end, amount_fen=amount_fen)

    def receipt():
        import io

        buffer = io.BytesIO()
        Image.new("RGB", (120, 80), "white").save(buffer, format="PNG")
        return SimpleUploadedFile("receipt.png", buffer.getvalue(), content_type="image/png")

    def claim(amount_fen, category, text):
        return claim_submit(claimant=agent, category=category, spent_on=today, amount_fen=amount_fen,
                            description=text, receipts=[receipt()])

    claim(35_000, "office", "Printer paper and toner")
    claim_approve(claim_id=claim(600_000, "promotion", "Campus recruitment posters").pk, actor=manager)
    booked = claim(12_000, "maintenance", "SSL certificate renewal")
    claim_approve(claim_id=booked.pk, actor=manager)
    claim_approve(claim_id=booked.pk, actor=finance)
