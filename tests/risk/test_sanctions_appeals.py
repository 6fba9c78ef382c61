"""Appeals against sanctions (E4.2): once, within the window, by the subject only,
decided by a staff member other than the one who imposed the sanction;
overturning lifts its effects and reverses its credit fact."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from core.errors import NotPermitted, ReasonRequired
from core.models import CreditEvent, Notification
from core.policy import get_policy
from risk.models import Appeal, Sanction
from risk.sanctions import AlreadyAppealed, AppealWindowClosed, SameStaffMember, appeal_decide, appeal_file
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory, EmployerMemberFactory
from tests.factories.risk import appeal_of, sanction_of

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def moderators():
    return StaffFactory(role="moderator"), StaffFactory(role="moderator")


def _restricted_student(imposer):
    profile = StudentProfileFactory(approved=True)
    sanction_of(profile, actor=imposer)
    return profile, sanction_of(profile, actor=imposer)


def test_e4_2_the_sanctioned_student_appeals_once_and_moderators_are_told(moderators):
    # given: a student with a restriction
    imposer, other = moderators
    profile, restriction = _restricted_student(imposer)
    # when: they appeal, then try again
    appeal = appeal_file(sanction_id=restriction.pk, user=profile.user, text="I was ill; here is the note.")
    with pytest.raises(AlreadyAppealed):
        appeal_file(sanction_id=restriction.pk, user=profile.user, text="Again.")
    # then: one appeal, the sanction under appeal (still in force), moderators told with the admin link
    restriction.refresh_from_db()
    profile.refresh_from_db()
    assert Appeal.objects.filter(sanction=restriction).count() == 1 and appeal.status == "open"
    assert restriction.status == "appealed" and not profile.can_apply
    assert Notification.objects.filter(recipient=other, link=f"/admin/risk/appeal/{appeal.pk}/change/").exists()


def test_e4_2_an_appeal_after_the_window_is_refused_with_the_date(moderators):
    # given: a warning imposed on 2 March
    imposer, _other = moderators
    profile = StudentProfileFactory(approved=True)
    with time_machine.travel(NOW, tick=False):
        warning = sanction_of(profile, actor=imposer)
    # when: the student appeals after the window
    with time_machine.travel(NOW + dt.timedelta(days=get_policy().appeal_window_days, minutes=1), tick=False):
        with pytest.raises(AppealWindowClosed) as refused:
            appeal_file(sanction_id=warning.pk, user=profile.user, text="Too late?")
    # then: refused, saying when the window ended
    assert warning.appeal_due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d") in str(
        refused.value.message)
    assert not Appeal.objects.exists()


def test_e4_2_only_the_subject_may_appeal(moderators):
    # given: a student's warning and an employer's warning
    imposer, _other = moderators
    profile, stranger = StudentProfileFactory(approved=True), StudentProfileFactory(approved=True)
    employer = EmployerFactory(approved=True)
    student_warning, employer_warning = sanction_of(profile, actor=imposer), sanction_of(employer, actor=imposer)
    colleague = EmployerMemberFactory(employer=employer).user
    outsider = EmployerFactory(approved=True).members.get().user
    # when / then: another student and another employer's member are refused
    for sanction, user in ((student_warning, stranger.user), (employer_warning, outsider)):
        with pytest.raises(NotPermitted):
            appeal_file(sanction_id=sanction.pk, user=user, text="Not mine.")
    # and any member of the sanctioned employer may appeal for it
    assert appeal_file(sanction_id=employer_warning.pk, user=colleague, text="Ours: wrong.").appellant == colleague


def test_e4_2_the_imposer_may_not_decide_the_appeal(moderators):
    # given: an appeal against a restriction
    imposer, _other = moderators
    profile, restriction = _restricted_student(imposer)
    appeal = appeal_of(restriction, user=profile.user)
    # when: the moderator who imposed it tries to decide
    with pytest.raises(SameStaffMember) as refused:
        appeal_decide(appeal_id=appeal.pk, actor=imposer, outcome="overturned", reason="I was wrong.")
    # then: refused, saying a different staff member decides; nothing changed
    assert "different staff member" in str(refused.value.message)
    appeal.refresh_from_db()
    assert appeal.status == "open"


def test_e4_2_customer_service_may_not_decide_and_a_reason_is_required(moderators):
    # given: an appeal
    imposer, other = moderators
    profile, restriction = _restricted_student(imposer)
    appeal = appeal_of(restriction, user=profile.user)
    # when / then
    with pytest.raises(NotPermitted):
        appeal_decide(appeal_id=appeal.pk, actor=StaffFactory(role="customer_service"), outcome="upheld", reason="r")
    with pytest.raises(ReasonRequired):
        appeal_decide(appeal_id=appeal.pk, actor=other, outcome="upheld", reason="")
    appeal.refresh_from_db()
    assert appeal.status == "open"


def test_e4_2_overturning_lifts_the_restriction_and_reverses_the_credit_fact(moderators):
    # given: a restricted student who appealed
    imposer, other = moderators
    profile, restriction = _restricted_student(imposer)
    appeal = appeal_of(restriction, user=profile.user)
    # when: a different moderator overturns it
    appeal_decide(appeal_id=appeal.pk, actor=other, outcome="overturned", reason="The no-show was our error.")
    # then: the student may apply again, the credit fact is reversed, they are told
    profile.refresh_from_db()
    restriction.refresh_from_db()
    appeal.refresh_from_db()
    assert profile.can_apply and profile.applying_restricted_until is None
    assert restriction.status == "overturned" and appeal.status == "overturned" and appeal.decided_by == other
    reversal = CreditEvent.objects.get(key=f"sanction:{restriction.pk}:reversed")
    assert reversal.reverses.key == f"sanction:{restriction.pk}" and reversal.kind == "sanction_restriction"
    note = Notification.objects.filter(recipient=profile.user).order_by("-pk").first()
    assert "succeeded" in note.subject and "our error" in note.body
    # and the overturned sanction is no strike: the next violation is a restriction again, not a suspension
    assert sanction_of(profile, actor=imposer).level == "restriction"


def test_e4_2_upholding_keeps_the_sanction_and_tells_the_user(moderators):
    # given: an appealed restriction
    imposer, other = moderators
    profile, restriction = _restricted_student(imposer)
    appeal = appeal_of(restriction, user=profile.user)
    # when: upheld
    appeal_decide(appeal_id=appeal.pk, actor=other, outcome="upheld", reason="Three witnesses confirmed it.")
    # then: still in force, and the user told
    profile.refresh_from_db()
    assert Sanction.objects.get(pk=restriction.pk).status == "upheld" and not profile.can_apply
    note = Notification.objects.filter(recipient=profile.user).order_by("-pk").first()
    assert "not successful" in note.subject and "witnesses" in note.body
    assert not CreditEvent.objects.filter(key=f"sanction:{restriction.pk}:reversed").exists()


def test_e4_2_overturning_an_employers_termination_lifts_it_but_does_not_restore_jobs(moderators):
    # given: an employer terminated for fraud after a suspension, with a published job taken down
    from tests.factories.jobs import JobFactory

    imposer, other = moderators
    employer = EmployerFactory(approved=True)
    for _ in range(3):
        sanction_of(employer, actor=imposer)
    job = JobFactory(employer=employer, published=True)
    termination = sanction_of(employer, actor=imposer, category="fraud")
    appeal = appeal_of(termination, user=employer.members.get().user, text="The invoices were forged by others.")
    # when: overturned
    appeal_decide(appeal_id=appeal.pk, actor=other, outcome="overturned", reason="Forgery by a third party.")
    # then: no longer terminated (the earlier suspensions still run), the job stays down, the employer told so
    employer.refresh_from_db()
    job.refresh_from_db()
    assert employer.terminated_at is None and employer.is_suspended
    assert job.status == "taken_down"
    note = Notification.objects.filter(recipient=employer.members.get().user).order_by("-pk").first()
    assert "not restored" in note.body


def test_e4_2_the_appeal_page_files_the_appeal_and_refuses_other_users(moderators):
    # given: a student's warning
    imposer, _other = moderators
    profile = StudentProfileFactory(approved=True)
    warning = sanction_of(profile, actor=imposer)
    url = f"/credit/sanctions/{warning.pk}/appeal/"
    owner, stranger = Client(), Client()
    owner.force_login(profile.user)
    stranger.force_login(StudentProfileFactory(approved=True).user)
    # when: another student opens or posts to it
    # then: 404, nothing filed
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"text": "x"}).status_code == 404
    # when: the student posts without a text, then with one
    page = owner.post(url, {"text": ""})
    assert page.status_code == 200 and not Appeal.objects.exists()
    response = owner.post(url, {"text": "I did nothing wrong.", "evidence": "photo-1"})
    # then: filed, back to the list which shows the appeal
    assert response.status_code == 302 and response["Location"] == "/credit/sanctions/"
    assert Appeal.objects.get().evidence == "photo-1"
    listing = owner.get("/credit/sanctions/")
    assert b"Waiting for a decision" in listing.content
    # and a second post is refused with a message, nothing more filed
    assert owner.post(url, {"text": "again"}).status_code == 302 and Appeal.objects.count() == 1
