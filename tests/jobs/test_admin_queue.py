"""The moderation queue in the admin (E2.2, P2.3, J2.2): pending jobs oldest
first with their SLA in working hours, flag filters, highlighted findings,
decisions and bulk actions that run the services, revisions side by side, and
the lexicon and wage table staff maintain (J1.4)."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from core.history import history_for
from core.models import Notification, ReasonTemplate
from core.policy import get_policy
from core.working_days import WorkingCalendar as OfficeCalendar
from core.working_days import working_minutes_between
from jobs import services
from jobs.models import ComplianceTerm, Job, JobFlag, JobRevision, JobStatus, MinimumWage
from jobs.schedule import ShiftSpec
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Wednesday 25 November 2026, 15:00 in Shanghai: an ordinary working week.
NOW = dt.datetime(2026, 11, 25, 15, 0, tzinfo=SHANGHAI)

QUEUE = reverse("admin:jobs_job_changelist")


def pending(*, submitted_at=NOW - dt.timedelta(hours=1), **kwargs) -> Job:
    return JobFactory(status=JobStatus.PENDING_REVIEW, submitted_at=submitted_at, **kwargs)


def flag(job: Job, *, code="gender", field="description", matched_text="女生优先", severity="flag",
         revision=None) -> JobFlag:
    return JobFlag.objects.create(job=job, revision=revision, code=code, severity=severity, field=field,
                                  matched_text=matched_text, message="招聘条件不得设置性别限制。")


def transition_url(job: Job, name: str) -> str:
    return reverse("admin:jobs_job_transition", kwargs={"object_id": job.pk, "transition_name": name})


def queue_titles(response) -> list[str]:
    return [job.title for job in response.context["cl"].result_list]


@pytest.fixture
def moderator_client(staff_client):
    return staff_client("moderator")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


# ---------------------------------------------------------------- the queue
def test_e2_2_queue_shows_jobs_waiting_for_review_oldest_first(moderator_client, frozen):
    # given
    client, _moderator = moderator_client
    newer = pending(title="新", submitted_at=NOW - dt.timedelta(hours=1))
    older = pending(title="旧", submitted_at=NOW - dt.timedelta(days=2))
    JobFactory(published=True, title="已发布")
    JobFactory(title="草稿")
    # when
    response = client.get(QUEUE)
    # then: only the pending ones, the longest waiting first
    assert response.status_code == 200
    assert queue_titles(response) == [older.title, newer.title]


def test_e2_2_queue_status_filter_can_show_every_job(moderator_client, frozen):
    client, _moderator = moderator_client
    pending(title="待审")
    JobFactory(published=True, title="已发布")
    # when
    everything = client.get(QUEUE, {"status": "all"})
    published = client.get(QUEUE, {"status": "published"})
    # then
    assert sorted(queue_titles(everything)) == ["已发布", "待审"]
    assert queue_titles(published) == ["已发布"]


def test_e2_2_flag_filter_lists_a_job_once_however_many_flags_match(moderator_client, frozen):
    # given: one job with two gender flags and a contact flag, one clean job, one with a resolved flag
    client, _moderator = moderator_client
    flagged = pending(title="迎宾")
    flag(flagged)
    flag(flagged, matched_text="限女")
    flag(flagged, code="contact", matched_text="加微")
    clean = pending(title="收银")
    resolved = pending(title="已处理")
    flag(resolved)
    JobFlag.objects.filter(job=resolved).update(resolved_at=timezone.now())
    # when / then
    assert queue_titles(client.get(QUEUE, {"flag": "gender"})) == ["迎宾"]
    assert queue_titles(client.get(QUEUE, {"flag": "contact"})) == ["迎宾"]
    assert queue_titles(client.get(QUEUE, {"flag": "any"})) == ["迎宾"]
    assert sorted(queue_titles(client.get(QUEUE, {"flag": "none"}))) == sorted([clean.title, resolved.title])
    # and: the counts column shows the unresolved flags by severity
    row = next(j for j in client.get(QUEUE).context["cl"].result_list if j.pk == flagged.pk)
    assert (row.unresolved_flags, row.unresolved_blocks) == (3, 0)


def test_e2_2_queue_filters_by_employer_verification_and_category(moderator_client, frozen):
    client, _moderator = moderator_client
    verified = EmployerFactory(approved=True, verification_level=1)
    pending(title="认证单位", employer=verified, category="events")
    pending(title="普通单位", category="tutoring")
    # when / then
    assert queue_titles(client.get(QUEUE, {"employer__verification_level__exact": "1"})) == ["认证单位"]
    assert queue_titles(client.get(QUEUE, {"category__exact": "tutoring"})) == ["普通单位"]
    # and: the employer column carries the verification badge
    assert "✔" in client.get(QUEUE).content.decode()


def test_e2_2_waiting_time_counts_working_hours_only():
    calendar = OfficeCalendar(dt.date(2026, 11, 1), dt.date(2026, 12, 31))
    # Friday 16:00 → Monday 10:00: one office hour on Friday, one on Monday; the weekend does not count.
    friday = dt.datetime(2026, 11, 20, 16, 0, tzinfo=SHANGHAI)
    monday = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    assert working_minutes_between(friday, monday, calendar) == 120
    # After hours the clock stands still.
    evening = dt.datetime(2026, 11, 23, 19, 0, tzinfo=SHANGHAI)
    assert working_minutes_between(evening, evening + dt.timedelta(hours=12), calendar) == 0


def test_e2_2_sla_overdue_marker_and_waiting_filter(moderator_client, frozen):
    # given: the policy's target is 8 working hours (one office day)
    client, _moderator = moderator_client
    # Monday 10:00: Mon 7 h + Tue 8 h + Wed 6 h = 21 working hours, overdue
    late = pending(title="超时", submitted_at=dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))
    # Wednesday 13:00: 2 working hours
    fresh = pending(title="新提交", submitted_at=dt.datetime(2026, 11, 25, 13, 0, tzinfo=SHANGHAI))
    # when
    response = client.get(QUEUE)
    # then: the rows carry the waiting time, and only the late one is marked overdue
    rows = {job.pk: job for job in response.context["cl"].result_list}
    assert (rows[late.pk].waiting_minutes, rows[late.pk].is_overdue) == (21 * 60, True)
    assert (rows[fresh.pk].waiting_minutes, rows[fresh.pk].is_overdue) == (120, False)
    html = response.content.decode()
    assert html.count("overdue</strong>") == 1 and "21.0 h" in html and "2.0 h" in html
    # and: the waiting filter buckets by the same working hours
    assert queue_titles(client.get(QUEUE, {"waiting": "overdue"})) == ["超时"]
    assert queue_titles(client.get(QUEUE, {"waiting": "within"})) == ["新提交"]
    assert queue_titles(client.get(QUEUE, {"waiting": "long"})) == []  # 21 h < 3 × 8 h


def test_e2_2_queue_query_count_does_not_grow_with_the_page(moderator_client, frozen, django_assert_num_queries):
    # given
    client, _moderator = moderator_client
    get_policy()
    for _ in range(3):
        flag(pending())
    # when: session, user, the user's own and group permissions (2), the filtered count, the page's rows
    # (employers joined, flag counts as subqueries), the policy (SLA target), the calendar overrides for
    # the page's waiting times, the sidebar's "may add a policy" check, the inbox badge — 10 however many rows
    with django_assert_num_queries(10):
        response = client.get(QUEUE)
    assert len(response.context["cl"].result_list) == 3
    for _ in range(12):
        flag(pending(employer=EmployerFactory(approved=True)))
    with django_assert_num_queries(10):
        response = client.get(QUEUE)
    assert len(response.context["cl"].result_list) == 15


# ---------------------------------------------------------------- the job page
def test_e2_2_change_page_highlights_flagged_text_and_escapes_the_rest(moderator_client, frozen):
    # given: a description with markup an employer typed, and a flag on part of it
    client, _moderator = moderator_client
    job = pending(description="<script>alert(1)</script>迎宾工作，女生优先，形象好。女生优先")
    flag(job)
    # when
    html = client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    # then: every occurrence of the matched text is marked, the employer's markup is inert
    assert html.count("<mark>女生优先</mark>") >= 3  # twice in the text, once in the findings table
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_e2_2_change_page_is_read_only_with_shifts_other_jobs_history_and_checks(moderator_client, frozen):
    # given
    client, _moderator = moderator_client
    job = pending()
    JobFactory(employer=job.employer, published=True)
    # when
    response = client.get(reverse("admin:jobs_job_change", args=[job.pk]))
    html = response.content.decode()
    # then: nothing of the employer's content is an input
    assert response.status_code == 200
    assert not re.search(r'name="(title|description|base_rate_fen|city)"', html)
    assert "18:00–21:00" in html  # the shift
    assert "1 other job" in html
    # and: the decisions are links to their reason forms; the second-stage check is one click away
    assert transition_url(job, "approve") in html and transition_url(job, "reject") in html
    assert reverse("admin:moderation_verificationstep_add") in html and f"object_id={job.pk}" in html
    # and: a POST to the change page edits nothing
    assert client.post(reverse("admin:jobs_job_change", args=[job.pk]), {"title": "改"}).status_code == 403


# ---------------------------------------------------------------- transitions
def test_e2_2_moderator_approves_through_the_transition_form(moderator_client, frozen):
    client, moderator = moderator_client
    job = pending()
    flag(job)
    # when: approval needs the "flags reviewed" confirmation
    refused = client.post(transition_url(job, "approve"), {"reason": ""})
    response = client.post(transition_url(job, "approve"), {"reason": "", "flags_reviewed": "on"})
    # then
    assert refused.status_code == 200
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.PUBLISHED and job.decided_by == moderator
    assert not JobFlag.objects.filter(job=job, resolved_at__isnull=True).exists()
    assert [h.transition for h in history_for(job)] == ["approve"]


def test_e2_2_rejection_needs_a_reason_and_may_start_from_a_template(moderator_client, frozen):
    client, _moderator = moderator_client
    job = pending()
    owner = job.employer.members.get().user
    template = ReasonTemplate.objects.create(context="job", title="歧视", text="岗位要求含性别限制。")
    # when: no reason
    response = client.post(transition_url(job, "reject"), {"reason": "  "})
    # then: the form says so and nothing changes
    assert response.status_code == 200 and "Please give a reason." in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING_REVIEW
    # when: a template plus a note
    client.post(transition_url(job, "reject"), {"template": template.pk, "reason": "请删除“女生优先”。"})
    # then: the employer reads both
    job.refresh_from_db()
    assert job.status == JobStatus.REJECTED
    assert job.decision_reason == "岗位要求含性别限制。\n请删除“女生优先”。"
    assert "请删除“女生优先”" in Notification.objects.get(recipient=owner).body


@pytest.mark.parametrize("name", ["approve", "request_changes", "reject", "take_down"])
def test_e2_2_customer_service_gets_403_on_every_transition(staff_client, frozen, name):
    client, _agent = staff_client("customer_service")
    job = pending()
    # when / then: customer service may read the job but not decide on it
    assert client.get(reverse("admin:jobs_job_change", args=[job.pk])).status_code == 200
    assert client.get(transition_url(job, name)).status_code == 403
    assert client.post(transition_url(job, name), {"reason": "x", "flags_reviewed": "on"}).status_code == 403
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING_REVIEW


# ---------------------------------------------------------------- bulk actions
def action(client, name: str, jobs, query: str = "", **data):
    return client.post(QUEUE + query, {"action": name, ACTION_CHECKBOX_NAME: [j.pk for j in jobs], **data})


def test_e2_2_approve_selected_skips_jobs_with_unresolved_flags(moderator_client, frozen):
    client, moderator = moderator_client
    clean, flagged = pending(title="干净"), pending(title="有标记")
    flag(flagged)
    # when
    response = action(client, "approve_selected", [clean, flagged], index=0)
    # then
    assert response.status_code == 302
    clean.refresh_from_db(), flagged.refresh_from_db()
    assert clean.status == JobStatus.PUBLISHED and clean.decided_by == moderator
    assert flagged.status == JobStatus.PENDING_REVIEW
    messages = [str(m) for m in client.get(QUEUE).context["messages"]]
    assert any("1 job approved" in m for m in messages) and any("有标记" in m for m in messages)


def test_e2_2_take_down_selected_asks_for_a_reason_then_calls_the_service(moderator_client, frozen):
    client, moderator = moderator_client
    live = JobFactory(published=True, title="在招")
    draft = JobFactory(title="草稿")
    template = ReasonTemplate.objects.create(context="job", title="失实", text="经核实信息失实。")
    # when: the action opens the reason page and changes nothing yet
    page = action(client, "take_down_selected", [live, draft], query="?status=all", index=0)
    assert page.status_code == 200 and "在招" in page.content.decode()
    # templates offered, each with the text the employer will read (the live preview, issue 21)
    assert f'<option value="{template.pk}" data-text="经核实信息失实。">失实</option>' in page.content.decode()
    live.refresh_from_db()
    assert live.status == JobStatus.PUBLISHED
    # when: applied without a reason
    again = action(client, "take_down_selected", [live, draft], query="?status=all", apply="1")
    assert again.status_code == 200 and "Please give a reason." in again.content.decode()
    live.refresh_from_db()
    assert live.status == JobStatus.PUBLISHED
    # when: applied with a template
    done = action(client, "take_down_selected", [live, draft], query="?status=all", apply="1",
                  template=template.pk)
    # then: the live job is down with the reason, the draft is skipped
    assert done.status_code == 302
    live.refresh_from_db(), draft.refresh_from_db()
    assert (live.status, live.decision_reason, live.decided_by) == (JobStatus.TAKEN_DOWN, "经核实信息失实。", moderator)
    assert draft.status == JobStatus.DRAFT
    assert [h.transition for h in history_for(live)] == ["take_down"]


def test_e4_2_take_down_every_live_job_of_the_selected_jobs_employers(moderator_client, frozen):
    client, _moderator = moderator_client
    selected = JobFactory(published=True)
    employer = selected.employer
    paused = JobFactory(employer=employer, status=JobStatus.PAUSED)
    waiting = pending(employer=employer)
    closed = JobFactory(employer=employer, status=JobStatus.CLOSED)
    bystander = JobFactory(published=True)
    # when
    page = action(client, "take_down_employers", [selected], query="?status=all", index=0)
    assert page.status_code == 200 and "3 live jobs" in page.content.decode()
    action(client, "take_down_employers", [selected], query="?status=all", apply="1", reason="营业执照已吊销")
    # then: every live or pending job of that employer, nothing else
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert {statuses[j.pk] for j in (selected, paused, waiting)} == {JobStatus.TAKEN_DOWN}
    assert statuses[closed.pk] == JobStatus.CLOSED and statuses[bystander.pk] == JobStatus.PUBLISHED


@pytest.mark.parametrize("name", ["approve_selected", "take_down_selected", "take_down_employers"])
def test_e2_2_customer_service_gets_403_on_bulk_actions(staff_client, frozen, name):
    client, _agent = staff_client("customer_service")
    job = pending()
    # when
    response = action(client, name, [job], apply="1", reason="x")
    # then
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING_REVIEW
    # and: the queue offers customer service no actions at all
    assert "take_down_selected" not in client.get(QUEUE).content.decode()


# ---------------------------------------------------------------- revisions (J2.2)
@pytest.fixture
def revision(frozen) -> JobRevision:
    job = JobFactory(published=True, base_rate_fen=6000)
    data = {name: getattr(job, name) for name in services.ALL_FIELDS}
    data.update(base_rate_fen=7000, description=job.description + "女生优先。")
    current = [ShiftSpec(s.date, s.start_time, s.end_time) for s in job.shifts.all()]
    extra = ShiftSpec(current[0].date + dt.timedelta(days=1), dt.time(18), dt.time(21))
    return services.job_revise(job_id=job.pk, actor=job.employer.members.get().user, data=data,
                               shifts=[*current, extra])


def test_j2_2_revision_page_shows_published_and_proposed_side_by_side(moderator_client, revision):
    client, _moderator = moderator_client
    # when
    response = client.get(reverse("admin:jobs_jobrevision_change", args=[revision.pk]))
    html = response.content.decode()
    # then: both pay rates, the changed rows highlighted, the proposed text's flag marked
    assert response.status_code == 200
    assert "¥60.00" in html and "¥70.00" in html
    assert html.count('style="background:#fff3cd"') >= 3  # pay, description, the added shift
    assert "<mark>女生优先</mark>" in html
    assert reverse("admin:jobs_jobrevision_approve", args=[revision.pk]) in html


def test_j2_2_revision_queue_lists_pending_revisions_with_their_flags(moderator_client, revision):
    client, _moderator = moderator_client
    response = client.get(reverse("admin:jobs_jobrevision_changelist"))
    rows = list(response.context["cl"].result_list)
    assert [r.pk for r in rows] == [revision.pk]
    assert rows[0].unresolved_flags == 1
    assert [r.pk for r in client.get(reverse("admin:jobs_jobrevision_changelist"),
                                     {"flag": "gender"}).context["cl"].result_list] == [revision.pk]


def test_j2_2_moderator_approves_a_revision_and_it_replaces_the_published_version(moderator_client, revision):
    client, moderator = moderator_client
    url = reverse("admin:jobs_jobrevision_approve", args=[revision.pk])
    # when
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "", "flags_reviewed": "on"})
    # then
    assert response.status_code == 302
    revision.refresh_from_db(), revision.job.refresh_from_db()
    assert revision.status == JobRevision.Status.APPROVED and revision.decided_by == moderator
    assert revision.job.base_rate_fen == 7000 and revision.job.shifts.count() == 2


def test_j2_2_rejecting_a_revision_needs_a_reason(moderator_client, revision):
    client, _moderator = moderator_client
    url = reverse("admin:jobs_jobrevision_reject", args=[revision.pk])
    # when / then
    assert client.post(url, {"reason": ""}).status_code == 200
    revision.refresh_from_db()
    assert revision.status == JobRevision.Status.PENDING
    client.post(url, {"reason": "加薪需同时说明结算方式。"})
    revision.refresh_from_db(), revision.job.refresh_from_db()
    assert revision.status == JobRevision.Status.REJECTED and revision.job.base_rate_fen == 6000


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_j2_2_customer_service_gets_403_on_revision_decisions(staff_client, revision, decision):
    client, _agent = staff_client("customer_service")
    url = reverse(f"admin:jobs_jobrevision_{decision}", args=[revision.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x", "flags_reviewed": "on"}).status_code == 403
    revision.refresh_from_db()
    assert revision.status == JobRevision.Status.PENDING


# ---------------------------------------------------------------- the lexicon and the wage table
def term_form(**overrides):
    return {"category": "gender", "severity": "flag", "pattern": "只要男生", "is_regex": "",
            "explanation": "招聘条件不得设置性别限制。", "explanation_en": "", "active": "on", **overrides}


def test_j1_4_lexicon_refuses_an_invalid_regular_expression(moderator_client):
    client, _moderator = moderator_client
    url = reverse("admin:jobs_complianceterm_add")
    # when
    response = client.post(url, term_form(pattern="(男|女", is_regex="on"))
    empty = client.post(url, term_form(pattern="(男)?", is_regex="on"))
    # then
    assert response.status_code == 200 and "not a valid regular expression" in response.content.decode()
    assert empty.status_code == 200 and "matches empty text" in empty.content.decode()
    assert not ComplianceTerm.objects.filter(pattern__in=["(男|女", "(男)?"]).exists()
    # when: a valid one
    assert client.post(url, term_form(pattern=r"只要(男|女)生", is_regex="on")).status_code == 302
    assert ComplianceTerm.objects.filter(pattern=r"只要(男|女)生").exists()


def test_j1_4_lexicon_list_filters_by_category_and_severity(moderator_client):
    client, _moderator = moderator_client
    response = client.get(reverse("admin:jobs_complianceterm_changelist"),
                          {"category__exact": "fee", "severity__exact": "block", "q": "押金"})
    terms = list(response.context["cl"].result_list)
    assert "押金" in [t.pattern for t in terms] and all(t.category == "fee" and t.severity == "block" for t in terms)
    gender = client.get(reverse("admin:jobs_complianceterm_changelist"), {"category__exact": "gender"})
    assert all(t.category == "gender" for t in gender.context["cl"].result_list)


def test_j1_4_minimum_wage_records_who_verified_it(moderator_client):
    client, moderator = moderator_client
    response = client.post(reverse("admin:jobs_minimumwage_add"), {
        "province": "浙江省", "city": "杭州市", "area_note": "", "hourly_min_fen": "2520",
        "effective_from": "2025-12-01", "source": "https://example.org/hz"})
    assert response.status_code == 302
    assert MinimumWage.objects.get(city="杭州市").verified_by == moderator
