"""The history vocabularies of jobs, employers and accounts (DESIGN: state
changes): every model that records history declares one, it covers what other
apps record on these models, and readers see its words, not codes."""

import pytest
from django.utils import translation

from accounts.models import AccountAction, StudentProfile, StudentVerification, User
from core.history import history_for, history_record
from employers.models import Employer, EmployerAction, EmployerInvitation, EmployerVerification
from jobs import services
from jobs.models import Job, JobAction, JobRevision
from moderation.models import VerificationStep
from tests.factories.accounts import StaffFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("model", "actions"), [
    (Job, JobAction), (JobRevision, JobAction),
    (Employer, EmployerAction), (EmployerInvitation, EmployerAction), (EmployerVerification, EmployerAction),
    (User, AccountAction), (StudentProfile, AccountAction), (StudentVerification, AccountAction),
])
def test_g_each_model_with_history_declares_its_apps_vocabulary(model, actions):
    assert model.history_actions is actions


@pytest.mark.parametrize("actions", [JobAction, EmployerAction, AccountAction])
def test_p2_3_the_moderators_checks_are_in_the_vocabularies_of_what_they_check(actions):
    # The moderation app records "verification_<kind>" on jobs, employers and students.
    assert {f"verification_{kind}" for kind in VerificationStep.Kind.values} <= set(actions.values)


def test_g_an_action_outside_the_jobs_vocabulary_is_refused():
    job = JobFactory()
    with pytest.raises(ValueError):
        history_record(subject=job, transition="publish", from_state=job.status, to_state=job.status)


def test_e2_2_a_moderators_decision_reads_in_the_employers_language():
    # given: a job waiting for review
    job = JobFactory(status="pending_review")
    # when
    services.job_request_changes(pk=job.pk, actor=StaffFactory(role="moderator"), reason="请删除外貌要求")
    # then: one history row in the vocabulary, shown in words
    [entry] = history_for(job)
    assert (entry.transition, entry.from_state, entry.to_state) == (
        JobAction.REQUEST_CHANGES, "pending_review", "changes_requested")
    with translation.override("zh-hans"):
        assert entry.action_label == "需修改"
    with translation.override("en"):
        assert entry.action_label == "Changes requested"
