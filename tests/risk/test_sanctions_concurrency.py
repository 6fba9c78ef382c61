"""Violations of one subject are serialised (E4.2, K3.2), on PostgreSQL with real
commits: two moderators recording at the same moment give two consecutive
rungs, never the same rung twice."""

import threading

import pytest
from django.db import connection, connections

from risk.models import Sanction
from risk.sanctions import violation_record
from tests.factories.accounts import StaffFactory
from tests.factories.employers import EmployerFactory

pytestmark = pytest.mark.usefixtures("migration_data_restored")


def _run_at_once(works: list) -> list:
    barrier, results = threading.Barrier(len(works)), []

    def run(work):
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # noqa: BLE001 - collected and asserted by the test
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_k3_2_two_moderators_at_once_give_consecutive_rungs():
    # given: an employer with no sanctions and three moderators
    employer = EmployerFactory(approved=True)
    moderators = [StaffFactory(role="moderator") for _ in range(3)]
    # when: all three record a violation at the same moment
    results = _run_at_once([
        lambda m=m: violation_record(subject_kind="employer", subject_id=employer.pk, category="other",
                                     reason=f"seen by {m.email}", actor=m)
        for m in moderators])
    # then: no errors; a warning, a restriction and a 7-day suspension — one of each
    assert not [r for r in results if isinstance(r, Exception)], results
    rungs = sorted(Sanction.objects.filter(subject_id=employer.pk).values_list("level", "suspension_days"),
                   key=lambda r: ["warning", "restriction", "suspension"].index(r[0]))
    assert rungs == [("warning", None), ("restriction", None), ("suspension", 7)]
