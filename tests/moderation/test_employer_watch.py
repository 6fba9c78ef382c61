"""Abnormal employer accounts are surfaced to moderators (the 2026 five-department notice on
online recruitment information): many refused posts, many reports, or a fee demand (J1.4)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import JobStatus
from moderation.models import Report
from moderation.watchlist import REFUSED_POSTS_THRESHOLD, REPORTS_THRESHOLD, WINDOW_DAYS, employers_to_watch
from tests.factories.accounts import UserFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db


def refused(employer, n, *, days_ago=1):
    for _ in range(n):
        JobFactory(employer=employer, status=JobStatus.REJECTED,
                   decided_at=timezone.now() - dt.timedelta(days=days_ago))


def reported(employer, n, *, category=Report.Category.FALSE_INFORMATION, status=Report.Status.OPEN):
    job = JobFactory(employer=employer, published=True)
    for _ in range(n):
        Report.objects.create(job=job, reporter=UserFactory(), category=category, status=status)


def test_rr_2026_many_refused_posts_put_an_employer_on_the_watch_list():
    noisy, quiet = EmployerFactory(approved=True), EmployerFactory(approved=True)
    refused(noisy, REFUSED_POSTS_THRESHOLD)
    refused(quiet, REFUSED_POSTS_THRESHOLD - 1)
    watched = {e.pk: e for e in employers_to_watch()}
    assert set(watched) == {noisy.pk}
    assert watched[noisy.pk].refused_posts == REFUSED_POSTS_THRESHOLD


def test_rr_2026_refusals_older_than_the_window_do_not_count():
    employer = EmployerFactory(approved=True)
    refused(employer, REFUSED_POSTS_THRESHOLD, days_ago=WINDOW_DAYS + 1)
    assert not employers_to_watch().exists()


def test_rr_2026_reports_count_but_dismissed_ones_do_not():
    reported_many, dismissed = EmployerFactory(approved=True), EmployerFactory(approved=True)
    reported(reported_many, REPORTS_THRESHOLD)
    reported(dismissed, REPORTS_THRESHOLD, status=Report.Status.DISMISSED)
    assert [e.pk for e in employers_to_watch()] == [reported_many.pk]


def test_rr_2026_j1_4_one_fee_demand_report_is_enough_and_ranks_first():
    fee, noisy = EmployerFactory(approved=True), EmployerFactory(approved=True)
    reported(fee, 1, category=Report.Category.FEES_DEMANDED)
    reported(noisy, REPORTS_THRESHOLD + 2)
    watched = list(employers_to_watch())
    assert [e.pk for e in watched] == [fee.pk, noisy.pk]
    assert watched[0].fee_reports == 1


def test_rr_2026_moderators_see_the_watch_list_in_the_admin_in_one_page(staff_client, django_assert_max_num_queries):
    for _ in range(3):
        reported(EmployerFactory(approved=True), 1, category=Report.Category.FEES_DEMANDED)
    client, _me = staff_client("moderator")
    url = reverse("admin:moderation_employerwatch_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("admin/employers/employer/") >= 3


@pytest.mark.parametrize("role", ["customer_service", "finance"])
def test_rr_2026_the_watch_list_is_for_moderators_and_managers_only(staff_client, role):
    client, _me = staff_client(role)
    assert client.get(reverse("admin:moderation_employerwatch_changelist")).status_code == 403
