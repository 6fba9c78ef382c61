"""The sanctions ladder (E4.2, K3.2): each confirmed violation climbs one rung by
the subject's unexpired strikes; severe violations start at suspension; strikes
expire; every sanction is a credit fact and is written onto the subject's standing."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from core.errors import NotPermitted, ReasonRequired
from core.models import CreditEvent, Notification
from core.policy import get_policy
from risk.models import Sanction
from risk.sanctions import violation_record
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.risk import sanction_of

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def moderator():
    return StaffFactory(role="moderator")


def test_e4_2_each_violation_climbs_one_rung_of_the_ladder(moderator):
    # given: an approved employer with no sanctions
    employer = EmployerFactory(approved=True)
    policy = get_policy()
    # when: five violations are confirmed one after another
    with time_machine.travel(NOW, tick=False):
        rungs = [sanction_of(employer, actor=moderator) for _ in range(5)]
    # then: warning, restriction, suspension 7 days, suspension 30 days, termination
    assert [(s.level, s.suspension_days) for s in rungs] == [
        ("warning", None), ("restriction", None), ("suspension", 7), ("suspension", 30), ("termination", None)]
    warning, restriction, suspension7, suspension30, termination = rungs
    assert warning.ends_at is None
    assert restriction.ends_at == NOW + dt.timedelta(days=policy.restriction_days)
    assert suspension7.ends_at == NOW + dt.timedelta(days=7)
    assert suspension30.ends_at == NOW + dt.timedelta(days=30)
    assert all(s.strike_expires_at == NOW + dt.timedelta(days=policy.strike_expiry_days) for s in rungs)
    assert all(s.appeal_due_at == NOW + dt.timedelta(days=policy.appeal_window_days) for s in rungs)
    # and the standing written onto the employer
    employer.refresh_from_db()
    assert employer.posting_restricted_until == restriction.ends_at
    assert employer.suspended_until == suspension30.ends_at
    assert employer.terminated_at == NOW


def test_k3_2_every_sanction_is_a_credit_fact_of_its_rung(moderator):
    # given: a student
    profile = StudentProfileFactory(approved=True)
    # when: two violations
    first, second = sanction_of(profile, actor=moderator), sanction_of(profile, actor=moderator)
    # then: one credit event per sanction, of kind sanction_<level>, about the student (user id)
    events = CreditEvent.objects.filter(key__in=[f"sanction:{first.pk}", f"sanction:{second.pk}"]).order_by("pk")
    assert [(e.kind, e.subject_kind, e.subject_id) for e in events] == [
        ("sanction_warning", "student", profile.user_id), ("sanction_restriction", "student", profile.user_id)]


def test_k3_2_a_restricted_student_may_not_apply_until_the_restriction_ends(moderator):
    # given: a student with a warning
    profile = StudentProfileFactory(approved=True)
    with time_machine.travel(NOW, tick=False):
        sanction_of(profile, actor=moderator)
        # when: a second violation
        restriction = sanction_of(profile, actor=moderator, category="no_shows")
    # then: the student may not apply while it lasts, and may again after
    profile.refresh_from_db()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        assert restriction.level == "restriction" and not profile.can_apply and not profile.is_suspended
    with time_machine.travel(restriction.ends_at + dt.timedelta(minutes=1), tick=False):
        assert profile.can_apply


def test_e4_2_strikes_expire_and_the_ladder_starts_again(moderator):
    # given: an employer with a warning and a restriction
    employer = EmployerFactory(approved=True)
    with time_machine.travel(NOW, tick=False):
        sanction_of(employer, actor=moderator)
        sanction_of(employer, actor=moderator)
    # when: a new violation after the strikes expired
    later = NOW + dt.timedelta(days=get_policy().strike_expiry_days, minutes=1)
    with time_machine.travel(later, tick=False):
        sanction = sanction_of(employer, actor=moderator)
    # then: back to a warning
    assert sanction.level == "warning"


def test_e4_2_a_severe_violation_starts_at_a_thirty_day_suspension(moderator):
    # given: a student with no sanctions
    profile = StudentProfileFactory(approved=True)
    # when: they are found taking money from other students (severe by its kind)
    sanction = sanction_of(profile, actor=moderator, category="money_from_students")
    # then: a 30-day suspension at once
    assert (sanction.level, sanction.suspension_days, sanction.severe) == ("suspension", 30, True)
    profile.refresh_from_db()
    assert profile.is_suspended and not profile.can_apply


def test_e4_2_a_severe_violation_after_a_suspension_ends_cooperation(moderator):
    # given: an employer already suspended once (two earlier warnings climbed to a 7-day suspension)
    employer = EmployerFactory(approved=True)
    for _ in range(3):
        sanction_of(employer, actor=moderator)
    # when: a fraud is confirmed
    sanction = sanction_of(employer, actor=moderator, category="fraud")
    # then: termination
    assert sanction.level == "termination"
    employer.refresh_from_db()
    assert employer.terminated_at is not None and not employer.can_post


def test_e4_2_a_moderator_may_mark_any_violation_severe_or_not(moderator):
    # given: two students
    first, second = StudentProfileFactory(approved=True), StudentProfileFactory(approved=True)
    # when: an "other" violation is marked severe, a fraud explicitly not
    severe = sanction_of(first, actor=moderator, category="other", severe=True)
    mild = sanction_of(second, actor=moderator, category="fraud", severe=False)
    # then: the flag decides
    assert severe.level == "suspension" and mild.level == "warning"


def test_e4_2_overturned_sanctions_are_no_strikes(moderator):
    # given: a student whose warning was overturned (written directly: the appeal path is tested elsewhere)
    profile = StudentProfileFactory(approved=True)
    warning = sanction_of(profile, actor=moderator)
    Sanction.objects.filter(pk=warning.pk).update(status="overturned")
    # when: a new violation
    sanction = sanction_of(profile, actor=moderator)
    # then: a warning again
    assert sanction.level == "warning"


def test_e4_2_the_subject_is_told_the_reason_until_when_and_how_to_appeal(moderator):
    # given: an employer with two members
    employer = EmployerFactory(approved=True)
    from tests.factories.employers import EmployerMemberFactory

    colleague = EmployerMemberFactory(employer=employer).user
    owner = employer.members.exclude(user=colleague).get().user
    with time_machine.travel(NOW, tick=False):
        sanction_of(employer, actor=moderator)
        # when: a restriction with evidence
        restriction = sanction_of(employer, actor=moderator, reason="Job ad asked students for a deposit.",
                                  evidence="https://evidence.example/1")
    # then: every member gets the reason, the rung, until when, the evidence and the appeal link and deadline
    for member in (owner, colleague):
        note = Notification.objects.filter(recipient=member).order_by("-pk").first()
        assert "Restriction" in note.subject
        assert "deposit" in note.body and "https://evidence.example/1" in note.body
        assert timezone.localtime(restriction.ends_at).strftime("%Y-%m-%d %H:%M") in note.body
        assert timezone.localtime(restriction.appeal_due_at).strftime("%Y-%m-%d %H:%M") in note.body
        assert note.link == f"/credit/sanctions/{restriction.pk}/appeal/"


def test_e4_2_only_staff_allowed_to_impose_may_record_a_violation_and_must_give_a_reason(moderator):
    # given: a student, a customer service agent and a moderator
    profile = StudentProfileFactory(approved=True)
    agent = StaffFactory(role="customer_service")
    # when / then: the agent is refused, the moderator without a reason is asked for one; nothing recorded
    with pytest.raises(NotPermitted):
        violation_record(subject_kind="student", subject_id=profile.user_id, category="other", reason="r",
                         actor=agent)
    with pytest.raises(ReasonRequired):
        violation_record(subject_kind="student", subject_id=profile.user_id, category="other", reason="  ",
                         actor=moderator)
    assert not Sanction.objects.exists()
