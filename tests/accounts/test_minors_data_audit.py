"""The yearly audit of minors' personal data (《未成年人网络保护条例》 art. 37: personal
information processors audit their processing of minors' personal information each year;
docs/minors.md): generated from the data each January for the manager — how many minors,
what was collected, consents, access-log rows, deletions."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Consent, MinorsDataAudit, PersonalDataAccess
from accounts.services import minors_data_audit_generate
from accounts.tasks import minors_data_audit_task
from core.models import Notification
from tests.factories.accounts import GuardianConsentFactory, StaffFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=10):
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def test_minor_art37_the_january_task_audits_the_year_just_ended_from_the_data(django_capture_on_commit_callbacks):
    # given: in 2026 two minors (one with a guardian's consent), an adult; staff revealed
    # a minor's ID number twice and an adult's once; a minor consented to the privacy policy
    manager, moderator = StaffFactory(role="manager"), StaffFactory(role="moderator")
    with time_machine.travel(at(2026, 5, 4), tick=False):
        minor = StudentProfileFactory(approved=True, is_minor_worker=True, date_of_birth=dt.date(2009, 1, 1))
        consented = GuardianConsentFactory()
        adult = StudentProfileFactory(approved=True)
        for subject in (minor.user, minor.user, adult.user):
            PersonalDataAccess.objects.create(staff=moderator, subject=subject, subject_label="s", item="id_number",
                                              reason="check")
        Consent.objects.create(user=minor.user, kind="privacy_policy", version="2026-11")
    # when: the beat task runs on 2 January 2027
    with time_machine.travel(at(2027, 1, 2, 6), tick=False), django_capture_on_commit_callbacks(execute=True):
        minors_data_audit_task()
    # then
    audit = MinorsDataAudit.objects.get(year=2026)
    figures = audit.figures
    assert figures["minors"] == {"registered": 2, "registered_in_year": 2, "deleted_in_year": 0}
    assert figures["access_log"] == {"rows": 2, "by_item": {"id_number": 2}}
    assert figures["consents"] == [{"kind": "privacy_policy", "version": "2026-11", "count": 1}]
    assert figures["guardian_consents"] == {"given": 1, "withdrawn": 0, "in_force": 1}
    assert "guardian_mobile" in figures["collected"]["accounts.GuardianConsent"]
    assert figures["period"] == {"from": "2026-01-01", "until": "2026-12-31"}
    assert consented.student.student_profile.is_minor_worker
    assert Notification.objects.filter(recipient=manager, subject__contains="2026").exists()


def test_minor_art37_regenerating_a_year_refreshes_the_one_audit():
    with time_machine.travel(at(2027, 1, 2), tick=False):
        first = minors_data_audit_generate(year=2026)
        StudentProfileFactory(approved=True, is_minor_worker=True, date_of_birth=dt.date(2009, 1, 1))
        again = minors_data_audit_generate(year=2026)
    assert first.pk == again.pk and MinorsDataAudit.objects.count() == 1
    assert again.figures["minors"]["registered"] == 1
