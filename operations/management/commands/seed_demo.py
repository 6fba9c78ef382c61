"""`manage.py seed_demo`: a living platform for newcomers, idempotent.

Each app contributes its own `demo.py`; this command runs them in lifecycle
order so every role finds something to do."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import demo as accounts_demo
from applications import demo as applications_demo
from backoffice import demo as backoffice_demo
from finance import demo as finance_demo
from finance.guarantee import guarantee_fund_seed_demo
from jobs import demo as jobs_demo
from moderation import demo as moderation_demo
from operations import demo as operations_demo
from risk.demo import seed_credit
from risk.demo_register import seed_register
from risk.demo_sanctions import seed_sanctions
from settlements.demo import seed_payout_methods
from settlements.funding import settlements_fund_ready
from settlements.sweeps import settlements_prepare_due
from support import demo as support_demo


class Command(BaseCommand):
    help = "Create demo data for every role (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--print-logins", action="store_true", help="Only print the demo logins.")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, print_logins=False, port=8000, **options):
        if not print_logins:
            with transaction.atomic():
                staff = accounts_demo.seed_staff()
                accounts_demo.seed_students(moderator=staff["moderator"])
                # The demo student is paid into a bank card, so the first demo batch pays them (issue 23).
                seed_payout_methods(logins=[accounts_demo.STUDENT_LOGIN])
                try:
                    from employers import demo as employers_demo
                except ImportError:  # pragma: no cover - employers ships its demo with the app
                    employers_demo = None
                if employers_demo is not None:
                    employers_demo.seed_employers(moderator=staff["moderator"])
                    jobs_demo.seed_jobs(moderator=staff["moderator"])
                    moderation_demo.seed_moderation(moderator=staff["moderator"])
                    applications_demo.seed_applications(moderator=staff["moderator"])
                    # Statements for the engagements whose hours are final (S4.1), as beat would.
                    settlements_prepare_due()
                    # The demo employer pays into escrow (sandbox) and the statements are funded.
                    finance_demo.seed_funding(employer_login=employers_demo.EMPLOYER_LOGIN)
                    settlements_fund_ready()
                    # The platform's guarantee fund (E5.2) holds money to advance late employers' wages.
                    guarantee_fund_seed_demo()
                    # A warning to an employer and a student, the student's appeal open for staff (E4.2).
                    seed_sanctions(moderator=staff["moderator"])
                    # Every user's credit score from the demo's facts (K3.1), as the nightly recompute would.
                    seed_credit()
                    operations_demo.seed_operations()  # P2.1: a campaign, a daily check, weekly reports
                    support_demo.seed_support(agent=staff["customer_service"])  # P2.2: the FAQ, tickets in each state
                    # The back office (F2, K1): budgets and expense claims at each approval stage, the risk register.
                    backoffice_demo.seed_back_office(staff=staff)
                    seed_register(manager=staff["manager"])
            self.stdout.write(self.style.SUCCESS("Demo data is ready."))
            return
        self._print_logins(port)

    def _print_logins(self, port: int) -> None:
        from employers import demo as employers_demo

        password = accounts_demo.DEMO_PASSWORD
        lines = [
            "",
            "=" * 72,
            f"  Jianzhi is running:  http://127.0.0.1:{port}/      back office: http://127.0.0.1:{port}/admin/",
            f"  Every demo login uses the password:  {password}",
            "",
            f"  student (approved)      {accounts_demo.STUDENT_LOGIN}   or mobile "
            f"{accounts_demo.STUDENT_PHONE.removeprefix('+86')} (sign in with an SMS code)",
            f"  student (under review)  {accounts_demo.PENDING_STUDENT_LOGIN}",
            f"  employer (approved)     {employers_demo.EMPLOYER_LOGIN}",
            f"  employer (under review) {employers_demo.PENDING_EMPLOYER_LOGIN}",
        ]
        for role, email in accounts_demo.STAFF_LOGINS.items():
            lines.append(f"  staff: {role:<17}{email}")
        lines += [
            "",
            "  Staff sign in with a TOTP code (two-factor is required for the back office):",
            "    .venv/bin/python manage.py demo_totp moderator@demo.jianzhi.example",
            "  prints the current code and the secret to add to an authenticator app.",
            "  E-mails (verification links) are printed in this terminal.",
            "  So are text messages (SMS_BACKEND=core.sms.ConsoleSmsBackend): the codes to sign up or sign in",
            "  with a mobile number, and the SMS alerts, appear here as '----- SMS to +86… -----'",
            "  (printed by the worker, a moment after the page says the code was sent). Any mainland",
            "  mobile number works for a sign-up, e.g. 139 0000 0001; no message leaves this machine.",
            "=" * 72,
            "",
        ]
        self.stdout.write("\n".join(lines))
