"""The one gate in a real browser (G2, J1.3, J1.4, E3.1): an employer tries an
unlawful ad written to evade the screen (refused at the field), then a live change of place asking a
deposit (refused at the address) and one with gender and height requirements
(held, the approved place stays), then an invitation with a WeChat id (held,
the student hears nothing); a moderator opens the queue of held texts, sees the
original text with the flagged words marked, and clears the invitation."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import JobInvitation, ScheduleChange
from core.models import HeldText, Notification
from jobs.models import Job, JobStatus
from tests.factories.applications import EngagementFactory, StudentIntentionFactory, approved_student
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory, next_weekday

from .helpers import sign_in, sign_in_staff, submit

pytestmark = pytest.mark.browser


def test_g2_j1_3_e3_1_unlawful_text_is_refused_or_held_at_every_door_and_the_moderator_sees_it_marked(
        page, make_page, live_server):
    employer = EmployerFactory(approved=True, city="上海市")
    owner = employer.members.get().user
    day = next_weekday(10)
    draft = JobFactory(employer=employer, created_by=owner, description="周末辅导初中数学。报名需先交198元形象照费，另收押.金。",
                       shifts=[(day, "18:00", "21:00")])
    live = JobFactory(employer=employer, created_by=owner, published=True, address="漕溪北路 88 号",
                      shifts=[(day, "18:00", "21:00")],
                      application_deadline=timezone.now() + dt.timedelta(days=3))
    EngagementFactory(application__job=live, application__student=approved_student())
    candidate = StudentIntentionFactory(categories=[live.category], cities=[live.city]).student

    # given: the employer submits a draft whose description asks for a fee under another name
    sign_in(page, owner.email)
    page.goto(reverse("jobs:employer_job", args=[draft.pk]))
    page.locator("#submit-form [type=submit]").click()
    # then: refused, with the rule at the description field
    expect(page.locator("#field-description .error").first).to_contain_text("形象照费")
    assert Job.objects.get(pk=draft.pk).status == JobStatus.DRAFT

    # when: a live change of place asking a deposit
    page.goto(reverse("applications:change_propose", args=[live.pk]))
    page.check("input[name=kind][value=place]")
    page.fill("#id_new_address", "西湖区文三路1号 入职先交 押 金 贰佰元 限 女")
    page.fill("#id_reason", "场地调整")
    submit(page, "#change-form")
    # then: refused at the address; nothing proposed
    expect(page.locator(".field:has(#id_new_address) .error").first).to_be_visible()
    assert not ScheduleChange.objects.filter(job=live).exists()

    # when: without the deposit, the gender and height requirements remain
    page.check("input[name=kind][value=place]")
    page.fill("#id_new_address", "西湖区文三路1号 小仙女优先 身高一米六五以上")
    page.fill("#id_reason", "场地调整")
    submit(page, "#change-form")
    # then: held for a moderator; the public page keeps the approved address
    expect(page.locator("#change-held")).to_be_visible()
    assert ScheduleChange.objects.get(job=live).status == ScheduleChange.Status.HELD
    page.goto(reverse("jobs:detail", args=[live.pk]))
    expect(page.locator("body")).to_contain_text("漕溪北路 88 号")
    expect(page.locator("body")).not_to_contain_text("小仙女")

    # when: an invitation to a matching student with a WeChat id in the message
    page.goto(reverse("applications:employer_candidates", args=[live.pk]))
    page.fill(f"#invite-message-{candidate.pk}", "欢迎申请，详情先加 VX：jz-pay-888")
    page.locator(f"form[action$='/invite/{candidate.pk}/'] [type=submit]").click()
    # then: held; the student is told nothing yet
    expect(page.locator(".messages, .messagelist, [role=status], body").first).to_contain_text("moderator")
    invitation = JobInvitation.objects.get(job=live, student=candidate)
    assert invitation.held and not Notification.objects.filter(recipient=candidate).exists()

    # when: a moderator opens the queue of held texts
    moderator = make_page()
    sign_in_staff(moderator, live_server, "moderator")
    moderator.goto(live_server.url + reverse("admin:core_heldtext_changelist"))
    expect(moderator.locator("#result_list tbody tr")).to_have_count(2)
    held = HeldText.objects.get(object_id=str(invitation.pk), door="applications.invitation")
    moderator.goto(live_server.url + reverse("admin:core_heldtext_change", args=[held.pk]))
    # then: the original text as typed (spaces, full-width colon), the flagged words marked
    expect(moderator.locator("mark", has_text="jz-pay-888")).to_be_visible()
    change_held = HeldText.objects.get(door="applications.schedule_change")
    moderator.goto(live_server.url + reverse("admin:core_heldtext_change", args=[change_held.pk]))
    expect(moderator.locator("mark", has_text="小仙女优先")).to_be_visible()
    expect(moderator.locator("mark", has_text="身高一米")).to_be_visible()

    # when: the moderator clears the invitation
    moderator.goto(live_server.url + reverse("admin:core_heldtext_change", args=[held.pk]))
    moderator.locator('a[href$="/transition/clear/"]').click()
    moderator.wait_for_url("**/transition/clear/")
    moderator.locator("#content form [type=submit]").click()
    moderator.wait_for_url(lambda url: "/transition/" not in url)
    # then: delivered to the student now
    invitation.refresh_from_db()
    assert not invitation.held
    assert Notification.objects.filter(recipient=candidate, subject__contains=employer.name).exists()
