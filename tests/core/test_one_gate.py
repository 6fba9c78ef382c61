"""The one gate (G2, J1.1, J1.4, E2.2): every door where one user's text reaches
another refuses the unlawful text of the issue or holds it for a moderator, and
the reader sees nothing until a moderator clears it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from applications.forms_employer import ChangeForm, HoursForm, LossClaimForm, ReasonForm, RejectForm
from applications.models import JobInvitation, ScheduleChange, ScheduleChangeAnswer
from applications.selectors import student_invitations
from applications.services import InvitationRefused, job_invite_student, schedule_change_propose
from core.errors import DomainError
from core.models import HeldText, HistoryEntry, Notification
from core.policy import policy_update
from core.screening import TextRefused, held_text_clear, held_text_reject, screen_user_text
from employers.forms import EmployerForm
from jobs.models import Job
from reviews.forms import ReplyForm, ReviewForm
from reviews.models import Direction
from reviews.services import review_reply
from settlements.forms import DisputeAnswerForm
from tests.factories.accounts import StaffFactory
from tests.factories.applications import EngagementFactory, StudentIntentionFactory, approved_student
from tests.factories.jobs import JobFactory
from tests.factories.reviews import ReviewFactory, member_of

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 9, 25, 10, 0, tzinfo=SHANGHAI)
SATURDAY, MONDAY = dt.date(2025, 9, 27), dt.date(2025, 9, 29)

# The texts, as the current lexicon reads them.
DEPOSIT_ADDRESS = "西湖区文三路1号 入职先交押金200元 仅限女生 身高165以上"  # a fee: blocks
GENDER_HEIGHT_ADDRESS = "西湖区文三路1号 仅限女生 身高165以上"            # discrimination: flags
WECHAT_DEPOSIT = "高薪日结！先加微信 jz-pay-888 交押金200元"                # a fee: blocks
WECHAT = "欢迎申请，详情先加微信 jz-pay-888"                                 # off-platform contact: flags


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def owner(job):
    return job.employer.members.first().user


def moderator():
    return StaffFactory(role="moderator")


def held_for(target) -> HeldText:
    return HeldText.objects.get(content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk))


@pytest.fixture
def hired(clock):
    job = JobFactory(published=True, shifts=[(SATURDAY, "09:00", "12:00"), (MONDAY, "18:00", "21:00")])
    engagement = EngagementFactory(application__job=job, application__student=approved_student())
    return job, engagement


# ------------------------------------------------------------------ the gate itself
def test_g2_the_gate_screens_any_field_name_with_the_registered_lexicon(db):
    result = screen_user_text({"anything": WECHAT_DEPOSIT, "other": "周末家教"}, door="test")
    assert result.blocked and {f.field for f in result.findings} == {"anything"}
    assert not screen_user_text({"x": "周末家教，时薪30元"}, door="test").findings


# ------------------------------------------------------------------ changes of time or place (J1.3)
def test_j1_3_a_place_change_asking_a_deposit_is_refused_at_the_field(hired):
    job, engagement = hired
    # when / then
    with pytest.raises(TextRefused) as refused:
        schedule_change_propose(job_id=job.pk, actor=owner(job), reason="场地调整", new_address=DEPOSIT_ADDRESS)
    assert refused.value.field == "new_address"
    assert not ScheduleChange.objects.filter(job=job).exists()
    assert Job.objects.get(pk=job.pk).address == job.address


def test_j1_3_the_change_form_shows_the_refusal_at_the_address(hired):
    job, _engagement = hired
    form = ChangeForm({"kind": "place", "new_address": DEPOSIT_ADDRESS, "reason": "搬迁"},
                      shifts=list(job.shifts.all()))
    assert not form.is_valid()
    assert "押金" not in str(form.errors) and form.errors["new_address"]  # the rule, not an echo


def test_j1_3_a_flagged_place_change_is_held_and_the_approved_place_stays(hired):
    job, engagement = hired
    # when
    change = schedule_change_propose(job_id=job.pk, actor=owner(job), reason="场地调整",
                                     new_address=GENDER_HEIGHT_ADDRESS)
    # then: held, no student asked or told, the public page keeps the approved address
    assert change.status == ScheduleChange.Status.HELD
    assert not ScheduleChangeAnswer.objects.filter(change=change).exists()
    assert not Notification.objects.filter(recipient=engagement.student).exists()
    page = JobFactory._meta.model.objects.get(pk=job.pk)
    assert page.address == job.address
    held = held_for(change)
    assert held.status == HeldText.Status.PENDING and {f["code"] for f in held.findings} >= {"gender", "appearance"}


def test_j1_3_a_moderator_clears_a_held_change_and_the_students_are_asked(hired):
    job, engagement = hired
    change = schedule_change_propose(job_id=job.pk, actor=owner(job), reason="场地调整",
                                     new_address=GENDER_HEIGHT_ADDRESS)
    # when
    held_text_clear(pk=held_for(change).pk, actor=moderator(), reason="核实为新址")
    # then: the change goes to the hired student now, with a history row
    change.refresh_from_db()
    assert change.status == ScheduleChange.Status.PROPOSED
    assert ScheduleChangeAnswer.objects.filter(change=change, engagement=engagement).exists()
    assert Notification.objects.filter(recipient=engagement.student, subject__contains="change").exists()
    assert HistoryEntry.objects.filter(transition="release", object_id=str(change.pk)).exists()


def test_j1_3_a_moderator_rejects_a_held_change_and_nothing_changes(hired):
    job, engagement = hired
    change = schedule_change_propose(job_id=job.pk, actor=owner(job), reason="场地调整",
                                     new_address=GENDER_HEIGHT_ADDRESS)
    # when
    held_text_reject(pk=held_for(change).pk, actor=moderator(), reason="含性别与身高要求")
    # then
    change.refresh_from_db()
    assert change.status == ScheduleChange.Status.REJECTED
    assert Job.objects.get(pk=job.pk).address == job.address
    assert Notification.objects.filter(recipient=owner(job), body__contains="含性别与身高要求").exists()
    assert not Notification.objects.filter(recipient=engagement.student).exists()


def test_j1_3_art_68_a_shift_moved_to_a_12_hour_night_is_held_not_proposed(hired):
    job, engagement = hired
    shift = job.shifts.get(date=SATURDAY)
    # when: 20:00–08:00, a 12-hour night shift
    change = schedule_change_propose(job_id=job.pk, actor=owner(job), reason="调整", shift_id=shift.pk,
                                     new_date=SATURDAY, new_start=dt.time(20, 0), new_end=dt.time(8, 0))
    # then: consent is not even asked before a moderator looks; the shift keeps its time
    assert change.status == ScheduleChange.Status.HELD
    codes = {f["code"] for f in held_for(change).findings}
    assert {"night_work", "part_time_daily"} <= codes
    shift.refresh_from_db()
    assert shift.start_time == dt.time(9, 0)


def test_j1_3_a_flagged_change_without_hired_students_does_not_take_effect(clock):
    job = JobFactory(published=True, shifts=[(SATURDAY, "09:00", "12:00")])
    change = schedule_change_propose(job_id=job.pk, actor=owner(job), reason="场地调整",
                                     new_address=GENDER_HEIGHT_ADDRESS)
    assert change.status == ScheduleChange.Status.HELD
    assert Job.objects.get(pk=job.pk).address == job.address


# ------------------------------------------------------------------ invitations (E3.1)
@pytest.fixture
def open_job(clock):
    return JobFactory(published=True, shifts=[(MONDAY, "18:00", "21:00")],
                      application_deadline=dt.datetime(2025, 9, 28, 12, 0, tzinfo=SHANGHAI))


def test_e3_1_an_invitation_asking_a_deposit_is_refused(open_job):
    student = StudentIntentionFactory(discoverable=True).student
    with pytest.raises(TextRefused):
        job_invite_student(job_id=open_job.pk, student_id=student.pk, actor=owner(open_job), message=WECHAT_DEPOSIT)
    assert not JobInvitation.objects.exists() and not Notification.objects.filter(recipient=student).exists()


def test_e3_1_a_flagged_invitation_is_held_until_a_moderator_clears_it(open_job):
    student = StudentIntentionFactory(discoverable=True).student
    # when
    invitation = job_invite_student(job_id=open_job.pk, student_id=student.pk, actor=owner(open_job), message=WECHAT)
    # then: the student neither sees nor hears of it
    assert invitation.held
    assert not list(student_invitations(student=student))
    assert not Notification.objects.filter(recipient=student).exists()
    # when: cleared
    held_text_clear(pk=held_for(invitation).pk, actor=moderator())
    # then: delivered
    assert list(student_invitations(student=student)) == [JobInvitation.objects.get(pk=invitation.pk)]
    assert Notification.objects.filter(recipient=student, subject__contains="invites you").count() == 1


def test_e3_1_a_rejected_invitation_is_never_delivered(open_job):
    student = StudentIntentionFactory(discoverable=True).student
    invitation = job_invite_student(job_id=open_job.pk, student_id=student.pk, actor=owner(open_job), message=WECHAT)
    held_text_reject(pk=held_for(invitation).pk, actor=moderator(), reason="站外联系方式")
    assert not JobInvitation.objects.filter(pk=invitation.pk).exists()
    assert not Notification.objects.filter(recipient=student).exists()


def test_e3_1_a_candidate_from_the_matching_list_can_be_invited(open_job):
    # given: a student whose intentions match the job (tutoring in Shanghai), not discoverable
    student = StudentIntentionFactory(categories=[open_job.category], cities=[open_job.city]).student
    invitation = job_invite_student(job_id=open_job.pk, student_id=student.pk, actor=owner(open_job))
    assert not invitation.held


def test_e3_1_g4_every_unreachable_id_gets_the_same_answer(client, open_job):
    # given: an approved student who is neither a candidate nor discoverable, an unapproved
    # student who chose to be discoverable, an employer's user and an id that does not exist
    approved = approved_student()
    StudentIntentionFactory(categories=["other"], cities=["拉萨市"], student=approved)
    unapproved = StudentIntentionFactory(discoverable=True, student=__import__(
        "tests.factories.accounts", fromlist=["UserFactory"]).UserFactory(kind="student")).student
    ids = [approved.pk, unapproved.pk, owner(open_job).pk, 99_999_999]
    client.force_login(owner(open_job))
    # when
    answers = []
    for student_id in ids:
        response = client.post(reverse("applications:invite", args=[open_job.pk, student_id]), {"message": ""},
                               follow=True)
        answers.append((response.status_code, [str(m) for m in response.context["messages"]]))
    # then: one answer for all, nothing created
    assert len(set(map(repr, answers))) == 1, answers
    assert answers[0][1] == [str(InvitationRefused.default_message)]
    assert not JobInvitation.objects.exists()


def test_e3_1_the_policy_caps_invitations_per_employer_per_day(open_job):
    policy_update(actor=None, changes={"invitations_per_employer_day": 2})
    students = [StudentIntentionFactory(discoverable=True).student for _ in range(3)]
    for student in students[:2]:
        job_invite_student(job_id=open_job.pk, student_id=student.pk, actor=owner(open_job))
    with pytest.raises(DomainError, match="daily limit"):
        job_invite_student(job_id=open_job.pk, student_id=students[2].pk, actor=owner(open_job))
    assert JobInvitation.objects.count() == 2


def test_e3_1_discoverable_is_off_until_the_student_opts_in(db):
    assert StudentIntentionFactory().discoverable is False


# ------------------------------------------------------------------ answers to reviews (S5.1, E6.1)
def test_s5_1_an_answer_asking_a_deposit_is_refused_and_a_flagged_one_is_held(db):
    review = ReviewFactory()  # a student's review of the employer, published
    member = member_of(review.engagement)
    with pytest.raises(TextRefused):
        review_reply(review_id=review.pk, author=member, text="来面试先交押金200元")
    # when: a flagged answer
    review_reply(review_id=review.pk, author=member, text=WECHAT)
    # then: nobody reads it yet; the author cannot answer around it
    review.refresh_from_db()
    assert review.reply == "" and review.replied_at is None
    with pytest.raises(DomainError):
        review_reply(review_id=review.pk, author=member, text="谢谢")
    # when: cleared
    held_text_clear(pk=held_for(review).pk, actor=moderator())
    review.refresh_from_db()
    assert review.reply == WECHAT and review.replied_by == member


def test_s5_1_the_author_sees_the_held_answer_as_awaiting_review(client, db):
    review = ReviewFactory()
    member = member_of(review.engagement)
    review_reply(review_id=review.pk, author=member, text=WECHAT)
    client.force_login(member)
    html = client.get(reverse("reviews:employer_home")).content.decode()
    assert f'id="pending-reply-{review.pk}"' in html and "awaiting review" in html


# ------------------------------------------------------------------ forms of the other doors
@pytest.mark.parametrize(("form_class", "field", "kwargs", "data"), [
    (RejectForm, "reason", {}, {}),
    (ReasonForm, "reason", {}, {}),
    (HoursForm, "note", {}, {"minutes": 180, "overtime_minutes": 0}),
    (LossClaimForm, "description", {}, {"amount": "10"}),
    (DisputeAnswerForm, "text", {}, {}),
    (ReplyForm, "text", {}, {}),
    (ReviewForm, "comment", {"direction": Direction.EMPLOYER_REVIEWS_STUDENT}, {}),
    (EmployerForm, "business_scope", {}, {}),
])
def test_g2_each_door_refuses_a_deposit_at_its_field(db, form_class, field, kwargs, data):
    form = form_class({**data, field: "入职先交押金200元"}, **kwargs)
    form.is_valid()
    assert any("Employment Services Provisions" in str(e) or "费用" in str(e) for e in form.errors.get(field, []))


@pytest.mark.parametrize(("form_class", "field", "data"), [
    (RejectForm, "reason", {}),
    (ReasonForm, "reason", {}),
    (LossClaimForm, "description", {"amount": "10"}),
    (DisputeAnswerForm, "text", {}),
])
def test_g2_doors_that_cannot_hold_refuse_a_wechat_id_with_the_reason(db, form_class, field, data):
    form = form_class({**data, field: WECHAT})
    assert not form.is_valid() and form.errors[field]


def test_s5_1_a_students_review_of_an_employer_may_quote_the_unlawful_demand(db):
    form = ReviewForm({"comment": "老板让我们先交押金", "work_as_described": 1, "treatment_and_safety": 1,
                       "communication": 1, "overall": 1}, direction=Direction.STUDENT_REVIEWS_EMPLOYER)
    assert "comment" not in form.errors


def test_e3_1_the_student_opts_in_to_being_discoverable_on_the_intentions_page(client):
    student = approved_student()
    client.force_login(student)
    page = client.get(reverse("applications:intentions")).content.decode()
    assert 'name="discoverable"' in page and 'id="id_discoverable" checked' not in page
    client.post(reverse("applications:intentions"), {"categories": ["tutoring"], "cities": "上海市",
                                                     "discoverable": "on"})
    assert student.intention.__class__.objects.get(student=student).discoverable is True


def test_j1_4_the_moderator_sees_the_held_text_with_the_flagged_words_marked_and_clears_it(hired, staff_client):
    job, engagement = hired
    change = schedule_change_propose(job_id=job.pk, actor=owner(job), reason="场地调整",
                                     new_address=GENDER_HEIGHT_ADDRESS)
    held = held_for(change)
    client, _moderator = staff_client("moderator")
    # when: the queue, then the item
    queue = client.get(reverse("admin:core_heldtext_changelist"))
    page = client.get(reverse("admin:core_heldtext_change", args=[held.pk])).content.decode()
    # then
    assert queue.status_code == 200 and "西湖区文三路1号" in queue.content.decode()
    assert "<mark>仅限女</mark>" in page and "<mark>身高165</mark>" in page
    # in words a moderator reads: the door, the field and the rule by name, not their codes
    assert "Change of time or place #" in page and "New place" in page and "Gender discrimination" in page
    assert "new_address" not in page and "applications.schedule_change" not in page
    # when: cleared through the admin's transition (a note is optional)
    response = client.post(reverse("admin:core_heldtext_transition",
                                   kwargs={"object_id": held.pk, "transition_name": "clear"}), {"reason": ""})
    # then
    held.refresh_from_db()
    assert response.status_code == 302 and held.status == HeldText.Status.CLEARED
    assert ScheduleChange.objects.get(pk=change.pk).status == ScheduleChange.Status.PROPOSED


def test_j1_4_a_customer_service_agent_cannot_clear_held_text(hired, staff_client):
    job, _engagement = hired
    change = schedule_change_propose(job_id=job.pk, actor=owner(job), reason="场地调整",
                                     new_address=GENDER_HEIGHT_ADDRESS)
    with pytest.raises(DomainError):
        held_text_clear(pk=held_for(change).pk, actor=StaffFactory(role="customer_service"))
    assert held_for(change).status == HeldText.Status.PENDING
