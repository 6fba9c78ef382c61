"""The yearly user-data protection self-check in the risk register (《网络招聘服务管理规定》;
PIPL art. 54): recorded each January for last year, from the data, once."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from accounts.models import Consent, DeletionRequest, PersonalDataAccess
from core.roles import MANAGER
from risk.models import DataProtectionSelfCheck, RiskCategory, RiskItem
from risk.self_checks import data_protection_self_check_record
from tests.factories.accounts import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def at(year, month=6, day=1):
    return timezone.make_aware(dt.datetime(year, month, day, 12))


@pytest.fixture
def manager():
    return StaffFactory(role=MANAGER)


def test_rr_pipl_54_the_self_check_counts_last_years_records(manager):
    staff, student = StaffFactory(role="moderator"), UserFactory()
    Consent.objects.create(user=student, kind="privacy_policy", version="1", given_at=at(2026))
    Consent.objects.create(user=student, kind="privacy_policy", version="0", given_at=at(2025))  # other year
    for item in ["id_number", "id_number", "data_export"]:
        PersonalDataAccess.objects.create(staff=staff, subject=student, subject_label="x", item=item, reason="核对")
    PersonalDataAccess.objects.filter(item="id_number").update(accessed_at=at(2026))
    PersonalDataAccess.objects.filter(item="data_export").update(accessed_at=at(2026, 3))
    done = DeletionRequest.objects.create(user=None, email_hash="a" * 64, completed_at=at(2026, 7))
    still_open = DeletionRequest.objects.create(user=None, email_hash="b" * 64)
    DeletionRequest.objects.filter(pk__in=[done.pk, still_open.pk]).update(created_at=at(2026, 5))

    check = data_protection_self_check_record(today=dt.date(2027, 1, 2))

    assert check.year == 2026
    figures = check.findings
    assert figures["consents_given"] == 1
    assert (figures["staff_reveals"], figures["staff_exports"], figures["staff_who_revealed"]) == (2, 1, 1)
    assert (figures["deletions_received"], figures["deletions_completed"], figures["deletions_open"]) == (2, 1, 1)
    item = check.risk_item
    assert item.category == RiskCategory.LEGAL and item.owner == manager
    assert item.review_on == dt.date(2027, 1, 31)
    assert "2026" in item.title and "1" in item.description
    assert item.likelihood == 3  # an open deletion request is a finding


def test_rr_pipl_54_it_is_recorded_once_however_often_beat_runs(manager):
    first = data_protection_self_check_record(today=dt.date(2027, 1, 2))
    again = data_protection_self_check_record(today=dt.date(2027, 1, 3))
    assert first.pk == again.pk
    assert DataProtectionSelfCheck.objects.count() == 1 and RiskItem.objects.count() == 1


def test_rr_pipl_54_without_a_manager_nothing_is_recorded_yet():
    assert data_protection_self_check_record(today=dt.date(2027, 1, 2)) is None
    assert not RiskItem.objects.exists()


def test_rr_pipl_54_the_entry_reads_in_chinese(manager, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the platform's language
    with translation.override("en"):  # whatever the worker's thread had active before
        item = data_protection_self_check_record(today=dt.date(2027, 1, 2)).risk_item
    assert "用户数据保护" in item.title and "注销申请" in item.description
