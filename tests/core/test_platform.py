"""The platform shell: health, policy change log, notifications, languages, pages."""

import pytest
from django.core import mail
from django.urls import reverse

from core.models import Notification, PolicyChange
from core.notifications import notify
from core.policy import get_policy, policy_update
from tests.factories.accounts import UserFactory


@pytest.mark.django_db
def test_healthz_answers_through_the_full_stack(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_policy_defaults_follow_the_regulation():
    policy = get_policy()
    assert (policy.payout_working_days, policy.dispute_working_days, policy.response_working_days) == (3, 5, 3)


@pytest.mark.django_db
def test_policy_changes_are_logged_with_who_and_what():
    manager = UserFactory(kind="staff", is_staff=True)
    policy_update(actor=manager, changes={"payout_working_days": 2, "dispute_working_days": 5})
    change = PolicyChange.objects.get()
    assert (change.field, change.old_value, change.new_value, change.changed_by) == (
        "payout_working_days", "3", "2", manager)
    assert get_policy().payout_working_days == 2


@pytest.mark.django_db
def test_notification_lands_in_inbox_and_email_after_commit(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=user, subject="Hello", body="Body text", link="/me/")
    assert Notification.objects.filter(recipient=user, subject="Hello").exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert "/me/" in mail.outbox[0].body


@pytest.mark.django_db
def test_issue22_a_redelivered_email_task_does_not_send_the_email_again(django_capture_on_commit_callbacks):
    """The chaos test found it: Redis restarted after a worker sent an e-mail but before the
    task was acknowledged, so the task ran again and the student got the e-mail twice."""
    from core.tasks import send_notification_email

    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=user, subject="Hello", body="Body text")
    send_notification_email.apply(args=[notification.pk])  # the same task, delivered again
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_sent_at is not None


@pytest.mark.django_db
def test_inbox_shows_only_own_notifications(client):
    alice, bob = UserFactory(), UserFactory()
    notify(recipient=alice, subject="for alice", body="a", email=False)
    notify(recipient=bob, subject="for bob", body="b", email=False)
    client.force_login(alice)
    page = client.get(reverse("core:inbox")).content.decode()
    assert "for alice" in page and "for bob" not in page


@pytest.mark.django_db
def test_default_language_is_simplified_chinese(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get("/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "隐私政策" in page  # footer link, translated


@pytest.mark.django_db
def test_language_switcher_changes_to_english(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="en"' in page and "Privacy policy" in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["core:home", "core:privacy_policy", "core:user_agreement", "account_login",
                                  "account_signup"])
def test_public_pages_render_with_footer_links(client, name):
    page = client.get(reverse(name)).content.decode()
    assert reverse("core:privacy_policy") in page and reverse("core:user_agreement") in page


@pytest.mark.django_db
def test_notifications_follow_the_users_language(django_capture_on_commit_callbacks):
    from accounts import services
    from tests.factories.accounts import StaffFactory, StudentProfileFactory

    profile = StudentProfileFactory(user__language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        services.student_profile_approve(pk=profile.pk, actor=StaffFactory(role="moderator"))
    notification = profile.user.notifications.get()
    assert "审核" in notification.subject or "通过" in notification.subject
    assert mail.outbox[-1].subject.endswith(notification.subject)
