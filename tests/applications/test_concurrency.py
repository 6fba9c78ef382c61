"""Headcount under concurrency (E3.1): two members of one employer hire two
different applicants for the last place at the same moment, each in its own
transaction on PostgreSQL — exactly one succeeds, the other gets JobFull."""

import threading
import time

import pytest
from django.db import connection, connections

from applications.models import Application, ApplicationStatus
from applications.selectors import places_taken
from applications.services import JobFull, application_apply, application_hire, offer_accept, offers
from tests.factories.applications import approved_student
from tests.factories.employers import EmployerMemberFactory
from tests.factories.jobs import JobFactory

# Long enough that both transactions have counted the places before either
# commits if the job row were not locked; short enough to keep the test quick.
COUNT_TO_WRITE_DELAY = 0.3

pytestmark = pytest.mark.usefixtures("migration_data_restored")


def _apply(job, student):
    return application_apply(job_id=job.pk, student=student, confirms_requirements=True, commits_to_work=True)


def _hire_together(pairs) -> dict[int, str]:
    """Each (application, member) hires in its own thread and DB connection, released together."""
    barrier = threading.Barrier(len(pairs))
    outcome: dict[int, str] = {}

    def hire(application_id: int, member) -> None:
        try:
            barrier.wait(timeout=10)
            application_hire(application_id=application_id, actor=member)
            outcome[application_id] = "offered"
        except JobFull:
            outcome[application_id] = "full"
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcome[application_id] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=hire, args=(application.pk, member)) for application, member in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcome


@pytest.fixture
def slow_count(monkeypatch):
    """Widen the window between counting the places and writing the offer (the count
    the hire service reads)."""
    count = offers.places_taken

    def slow(job_id: int) -> int:
        taken = count(job_id)
        time.sleep(COUNT_TO_WRITE_DELAY)
        return taken

    monkeypatch.setattr(offers, "places_taken", slow)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("run", range(3))
def test_e3_1_two_members_hiring_for_the_last_place_at_once_exactly_one_succeeds(run, slow_count):
    # given: two places, one already taken by a hired student; two members; two applicants
    job = JobFactory(published=True, headcount=2)
    first_member = job.employer.members.first().user
    second_member = EmployerMemberFactory(employer=job.employer).user
    hired = _apply(job, approved_student())
    application_hire(application_id=hired.pk, actor=first_member)
    offer_accept(application_id=hired.pk, student=hired.student)
    a, b = _apply(job, approved_student()), _apply(job, approved_student())
    # when: both members hire at the same moment, each for a different applicant
    try:
        outcome = _hire_together([(a, first_member), (b, second_member)])
    finally:
        connections.close_all()
    # then: exactly one offer; the other got JobFull; headcount holds
    assert sorted(outcome.values()) == ["full", "offered"]
    statuses = sorted(Application.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True))
    assert statuses == sorted([ApplicationStatus.APPLIED, ApplicationStatus.OFFERED])
    assert places_taken(job.pk) == job.headcount == 2
