"""The embedded mode (`make run`: SQLite, filesystem broker) works end to end:
migrate, load the demo data, and serve every role's main pages. The suite runs
on PostgreSQL, so this is what keeps SQLite-only breakage out of `make run`."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
call_command("createcachetable", verbosity=0)
call_command("seed_demo", verbosity=0)
call_command("seed_demo", verbosity=0)  # idempotent
from jobs.models import Job
job = Job.objects.filter(status="published").first()
assert job is not None, "the demo has published jobs"
from applications.models import Application, Attendance, Engagement
from applications.demo import TODAY_JOB
student_work = [f"/work/mine/engagements/{e.pk}/" for e in
                Engagement.objects.filter(student__email="student@demo.jianzhi.example")]
student_work += [f"/work/mine/applications/{a.pk}/" for a in
                 Application.objects.filter(student__email="student@demo.jianzhi.example")]
today = Job.objects.get(title=TODAY_JOB)
shift = today.shifts.order_by("date").first()
employer_work = [f"/work/employer/jobs/{today.pk}/applicants/", f"/work/employer/jobs/{today.pk}/candidates/",
                 f"/work/employer/jobs/{today.pk}/engagements/", f"/work/employer/jobs/{today.pk}/changes/new/",
                 f"/work/employer/jobs/{today.pk}/shifts/{shift.pk}/",
                 f"/work/employer/jobs/{today.pk}/shifts/{shift.pk}/qr.svg"]
employer_work += [f"/work/employer/engagements/{e.pk}/" for e in Engagement.objects.filter(job=today)]
employer_work += [f"/work/employer/applications/{a.pk}/" for a in Application.objects.filter(job=today)]
assert len(student_work) >= 4 and Attendance.objects.exists()
from settlements.models import Settlement
statements = [f"/pay/statements/{s.pk}/" for s in
              Settlement.objects.filter(engagement__student__email="student@demo.jianzhi.example")]
assert statements, "the demo student's completed engagement has a statement"
assert Settlement.objects.filter(status="funded").exists(), "the sandbox-funded demo employer's statement is funded"
from finance.ledger import ledger_integrity_check
assert ledger_integrity_check() == [], "the demo's posting fees keep the ledger balanced"
from finance.hooks import integrity_checks
for name, check in integrity_checks():
    assert check() == [], name
pages = {
    None: ["/", "/jobs/", "/jobs/?q=%E5%AE%B6%E6%95%99", "/jobs/?city=%E4%B8%8A%E6%B5%B7%E5%B8%82&sort=pay",
           f"/jobs/{job.pk}/", "/accounts/login/", "/accounts/signup/", "/employer/signup/", "/healthz"],
    "student@demo.jianzhi.example": ["/me/", "/me/registration/", "/me/verification/", "/inbox/", "/jobs/",
                                     f"/jobs/{today.pk}/", "/work/mine/", "/work/intentions/",
                                     "/work/recommended/", "/pay/", "/pay/methods/", *student_work,
                                     *statements],
    "employer@demo.jianzhi.example": ["/employer/", "/jobs/mine/", "/jobs/mine/new/", "/employer/members/",
                                      f"/jobs/mine/{today.pk}/", "/pay/employer/", "/finance/funding/",
                                      "/pay/employer/disputes/", "/finance/refunds/", *employer_work],
}
from accounts.models import User
# ---- credit and sanctions (K3.1, E4.2): the nightly recompute and the pages, on SQLite
import time
from core.models import CreditEvent
from risk.models import Appeal, CreditScore, Sanction
from risk.scoring import credit_scores_recompute
counts = credit_scores_recompute()
students = User.objects.filter(student_profile__isnull=False).count()
assert counts["subjects"] >= students > 0, counts
demo_student = User.objects.get(email="student@demo.jianzhi.example")
assert CreditScore.objects.filter(subject_kind="student", subject_id=demo_student.pk).exists()
assert credit_scores_recompute()["scores_written"] == 0, "a second run over unchanged data writes nothing"
assert Sanction.objects.exists() and Appeal.objects.exists(), "the demo has a sanction and an open appeal"
for email in ("student@demo.jianzhi.example", "employer@demo.jianzhi.example"):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=email))
    for url in ("/credit/", "/credit/how-it-works/", "/credit/sanctions/"):
        response = client.get(url)
        assert response.status_code == 200, (email, url, response.status_code)
        assert b"Traceback" not in response.content, (email, url)
moderator = User.objects.get(email="moderator@demo.jianzhi.example")
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(moderator)
session = client.session  # as if past allauth's password and TOTP stages (tests.conftest.login_with_mfa)
session["account_authentication_methods"] = [
    {"method": "password", "at": time.time(), "email": moderator.email},
    {"method": "mfa", "at": time.time(), "type": "totp"}]
session["account_authentication_methods_user"] = str(moderator.pk)
session.save()
for url in ("/admin/risk/sanction/", "/admin/risk/appeal/", "/admin/risk/creditscore/",
            f"/admin/risk/appeal/{Appeal.objects.first().pk}/change/"):
    response = client.get(url)
    assert response.status_code == 200, ("moderator", url, response.status_code)
print("embedded credit ok")
# ---- jobs near me (S2.1): the distance expression and the bounding box run on SQLite too
near = Client(HTTP_HOST="127.0.0.1").get("/jobs/", {"campus": "pku", "within": 5, "sort": "distance"})
assert near.status_code == 200, near.status_code
content = near.content.decode()
# Zhongguancun is 1.2 km from Peking University; the Chaoyang promotion 17 km, Shanghai far away
assert "北京门店午市帮厨" in content and 'class="distance">1.2 ' in content, content[-3000:]
assert "商场新品试吃推广" not in content and "周末咖啡店兼职店员" not in content
print("embedded near me ok")
for email, urls in pages.items():
    client = Client(HTTP_HOST="127.0.0.1")
    if email:
        client.force_login(User.objects.get(email=email))
    for url in urls:
        status = client.get(url).status_code
        assert status == 200, (email, url, status)
print("embedded ok")
"""


def test_make_run_embedded_mode_serves_every_role_on_sqlite(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
           "CELERY_BROKER_URL": "memory://", "PRIVATE_MEDIA_ROOT": str(tmp_path / "private")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    assert "embedded credit ok" in result.stdout
    assert "embedded near me ok" in result.stdout
    assert "embedded ok" in result.stdout
