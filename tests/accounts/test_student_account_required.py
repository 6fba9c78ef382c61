"""One `student_account_required` (accounts.views) guards the student's pages in every app (S1, S2, S4):
signed out → the sign-in page; an employer's account → 403; a student → the page."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories.employers import EmployerMemberFactory

STUDENT_PAGES = ["accounts:profile_edit", "accounts:verification", "applications:student_home",
                 "applications:intentions", "settlements:student_home", "settlements:payout_methods",
                 "reviews:student_home"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", STUDENT_PAGES)
def test_student_pages_share_one_guard(name, student_client):
    url = reverse(name)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]

    employer_client = Client()
    employer_client.force_login(EmployerMemberFactory().user)
    assert employer_client.get(url).status_code == 403

    assert student_client.get(url).status_code in (200, 302)


def test_the_copies_are_gone():
    from accounts.views import student_account_required
    from applications.views import student as application_views
    from settlements import views as settlement_views

    assert application_views.student_account_required is student_account_required
    assert settlement_views.student_account_required is student_account_required
