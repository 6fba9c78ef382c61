"""The dashboard every student opens first (S1.1, S1.3) is served with three queries,
and the menu it shares with every page is rendered once per language and kind of
user without ever showing one user another's links or counts (J3).

What makes it fast (bench/: student_dashboard_rps_ratio): sessions read from the
cache, the profile and its latest verification in one query, the unread count in
one statement, and the menu's links for students, employers and visitors kept per
process; the user's own parts (unread count, CSRF tokens) are never kept."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Consent, StudentVerification
from core.notifications import notify
from tests.accounts.test_verification_and_personal_data import id_number_for
from tests.accounts.test_verification_badge import BIRTH
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerMemberFactory
from tests.support.files import jpeg_upload

pytestmark = pytest.mark.django_db


def _page(client: Client, name: str = "accounts:dashboard") -> str:
    return client.get(reverse(name)).content.decode()


def _link(name: str) -> str:
    return f'href="{reverse(name)}"'


def test_s1_1_dashboard_reads_session_user_profile_and_unread_count_in_pinned_queries(django_assert_num_queries):
    profile = StudentProfileFactory(approved=True, date_of_birth=BIRTH)
    client = Client()
    client.force_login(profile.user)
    client.get(reverse("accounts:dashboard"))  # the menu fragment is now kept
    # session (database sessions under test settings), user, profile with its latest verification, unread count
    with django_assert_num_queries(4):
        page = _page(client)
    assert profile.real_name in page and profile.school in page


def test_s1_3_dashboard_shows_the_latest_verification_request_and_its_reason():
    profile = StudentProfileFactory(approved=True, date_of_birth=BIRTH)
    services.consent_record(user=profile.user, kind=Consent.Kind.SENSITIVE_DATA)
    services.student_verification_request(user=profile.user, id_number=id_number_for(BIRTH),
                                          id_card_front=jpeg_upload(), id_card_back=jpeg_upload())
    # An older rejected request must not hide the newer pending one, and a rejection shows its reason.
    StudentVerification.objects.filter(profile=profile).update(status="rejected", reason="照片模糊，请重新拍摄")
    client = Client()
    client.force_login(profile.user)
    assert "照片模糊，请重新拍摄" in _page(client)


def test_j3_menu_links_follow_each_users_kind_even_when_kept():
    student = StudentProfileFactory(approved=True).user
    member = EmployerMemberFactory().user
    visitor_page = Client().get(reverse("jobs:list")).content.decode()
    student_client, employer_client = Client(), Client()
    student_client.force_login(student)
    employer_client.force_login(member)
    for _ in range(2):  # the second round is served from the kept fragments
        student_page = _page(student_client, "jobs:list")
        employer_page = _page(employer_client, "jobs:list")
        assert _link("settlements:student_home") in student_page
        assert _link("jobs:employer_jobs") not in student_page
        assert _link("jobs:employer_jobs") in employer_page
        assert _link("settlements:student_home") not in employer_page
        assert _link("account_login") in visitor_page and _link("account_login") not in student_page


def test_j3_staff_menu_follows_each_staff_members_permissions():
    finance, service = StaffFactory(role="finance"), StaffFactory(role="customer_service")
    finance_client, service_client = Client(), Client()
    finance_client.force_login(finance)
    service_client.force_login(service)
    for _ in range(2):
        assert _link("risk:register") in _page(finance_client, "jobs:list")
        assert _link("risk:register") not in _page(service_client, "jobs:list")


def test_j3_unread_count_is_each_users_own_and_current():
    first, second = StudentProfileFactory(approved=True).user, StudentProfileFactory(approved=True).user
    first_client, second_client = Client(), Client()
    first_client.force_login(first)
    second_client.force_login(second)
    assert 'class="badge">' not in _page(first_client).split("</header>")[0]
    notify(recipient=first, subject="录用通知", body="您已被录用", email=False)
    notify(recipient=first, subject="班次提醒", body="明天上班", email=False)
    assert 'class="badge">2</span>' in _page(first_client).split("</header>")[0]
    assert 'class="badge">' not in _page(second_client).split("</header>")[0]
