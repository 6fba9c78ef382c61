"""The moderators' screens for sanctions and appeals (E4.2): the add page records
a violation through the ladder (never a raw save), details are read-only, and
appeals are decided by a moderator other than the one who imposed the sanction."""

import pytest
from django.urls import reverse

from risk.models import Appeal, Sanction
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.risk import appeal_of, sanction_of

pytestmark = pytest.mark.django_db
ADD_URL = reverse("admin:risk_sanction_add")


def _violation(subject_kind, subject_id, **extra):
    return {"subject_kind": subject_kind, "subject_id": subject_id, "category": "unpaid_wages", "severe": "",
            "reason": "Wages for October not paid.", "evidence": "bank statement 2026-10", **extra}


def test_e4_2_the_add_page_records_the_next_rung_and_shows_it(staff_client):
    # given: an employer with a warning
    client, moderator = staff_client("moderator")
    employer = EmployerFactory(approved=True)
    sanction_of(employer, actor=moderator)
    # when: the moderator records a violation on the add page
    assert client.get(ADD_URL).status_code == 200
    response = client.post(ADD_URL, _violation("employer", employer.pk), follow=True)
    # then: the next rung (a restriction) is imposed by them, and shown
    sanction = Sanction.objects.filter(subject_kind="employer", subject_id=employer.pk).order_by("-pk").first()
    assert (sanction.level, sanction.imposed_by, sanction.category) == ("restriction", moderator, "unpaid_wages")
    assert response.redirect_chain[-1][0] == reverse("admin:risk_sanction_change", args=[sanction.pk])
    assert "Recorded: Restriction" in response.content.decode()
    employer.refresh_from_db()
    assert employer.is_posting_restricted
    # and the detail links to the add page prefilled with the subject
    prefilled = client.get(f"{ADD_URL}?subject_kind=employer&subject_id={employer.pk}").content.decode()
    assert f'value="{employer.pk}"' in prefilled


def test_e4_2_the_add_page_refuses_an_unknown_subject_without_saving(staff_client):
    # given
    client, _moderator = staff_client("moderator")
    # when: a student id that does not exist
    response = client.post(ADD_URL, _violation("student", 999999))
    # then: the form again with the error; nothing recorded
    assert response.status_code == 200 and "no student or employer with this id" in response.content.decode()
    assert not Sanction.objects.exists()


def test_e4_2_customer_service_may_view_sanctions_but_not_add(staff_client):
    # given: a sanction
    moderator_client, moderator = staff_client("moderator")
    profile = StudentProfileFactory(approved=True)
    sanction = sanction_of(profile, actor=moderator)
    client, _agent = staff_client("customer_service")
    # when / then: the list and the detail read; the add page refused, nothing recorded by a post
    assert client.get(reverse("admin:risk_sanction_changelist")).status_code == 200
    detail = client.get(reverse("admin:risk_sanction_change", args=[sanction.pk]))
    assert detail.status_code == 200 and "impose" in detail.content.decode()  # the history row
    assert client.get(ADD_URL).status_code == 403
    assert client.post(ADD_URL, _violation("student", profile.user_id)).status_code == 403
    assert Sanction.objects.count() == 1


def test_e4_2_the_appeal_queue_shows_open_appeals_first_and_the_imposer_is_refused(staff_client):
    # given: an appeal against a restriction imposed by moderator A
    client_a, moderator_a = staff_client("moderator")
    client_b, moderator_b = staff_client("moderator")
    profile = StudentProfileFactory(approved=True)
    sanction_of(profile, actor=moderator_a)
    restriction = sanction_of(profile, actor=moderator_a)
    appeal = appeal_of(restriction, user=profile.user)
    decide_url = reverse("admin:risk_appeal_decide", args=[appeal.pk])
    # when: the queue is opened
    queue = client_b.get(reverse("admin:risk_appeal_changelist")).content.decode()
    assert reverse("admin:risk_appeal_change", args=[appeal.pk]) in queue
    detail = client_b.get(reverse("admin:risk_appeal_change", args=[appeal.pk])).content.decode()
    assert decide_url in detail and "This is a mistake" in detail
    # when: moderator A tries to decide
    refused = client_a.post(decide_url, {"outcome": "overturned", "reason": "Mine was wrong."}, follow=True)
    # then: refused with the reason; still open
    assert "a different staff member must decide" in refused.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).status == "open"
    # when: moderator B overturns it
    assert client_b.get(decide_url).status_code == 200
    client_b.post(decide_url, {"outcome": "overturned", "reason": "The evidence was about someone else."})
    # then: overturned by B; the restriction lifted
    appeal.refresh_from_db()
    profile.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == ("overturned", moderator_b)
    assert profile.can_apply


def test_e4_2_the_demo_gives_staff_an_appeal_to_decide_and_runs_twice_safely(staff_client):
    # given: the demo's staff, students and employers
    from accounts import demo as accounts_demo
    from employers import demo as employers_demo
    from risk.demo_sanctions import seed_sanctions

    staff = accounts_demo.seed_staff()
    accounts_demo.seed_students(moderator=staff["moderator"])
    employers_demo.seed_employers(moderator=staff["moderator"])
    # when: seeded twice
    seed_sanctions(moderator=staff["moderator"])
    seed_sanctions(moderator=staff["moderator"])
    # then: one employer warning, one student warning with an open appeal, neither on the main logins
    assert sorted(Sanction.objects.values_list("subject_kind", "level")) == [
        ("employer", "warning"), ("student", "warning")]
    assert Appeal.objects.get().status == "open"
    main_student = accounts_demo.STUDENT_LOGIN
    assert not Appeal.objects.filter(appellant__email=main_student).exists()
    assert not Sanction.objects.filter(subject_kind="employer", subject_id__in=EmployerFactory._meta.model.objects
                                       .filter(members__user__email=employers_demo.EMPLOYER_LOGIN)
                                       .values("pk")).exists()


def test_e4_2_the_sanction_list_costs_the_same_for_many_rows(staff_client, django_assert_max_num_queries):
    # given: twelve sanctions on six subjects
    client, moderator = staff_client("moderator")
    for _ in range(6):
        employer = EmployerFactory(approved=True)
        sanction_of(employer, actor=moderator)
        sanction_of(employer, actor=moderator)
    # when / then: the list and the appeal queue in a fixed number of queries
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:risk_sanction_changelist")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:risk_appeal_changelist") + "?status=all").status_code == 200
