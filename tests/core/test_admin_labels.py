"""No English labels on Chinese admin pages (issue 21): names Django made up from attribute names
("decided at", "patrol runs", "has night work") read in Chinese; the flag's field and rule and
the history's actions read in words, not codes ("shifts", "night_work", "create")."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from core.history import history_record
from core.labels import made_up_labels
from jobs.models import JobFlag, PatrolRun
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory
from tests.factories.jobs import JobFactory


def test_i21_every_name_django_made_up_reads_in_chinese():
    english = []
    with translation.override("zh-hans"):
        for owner, attribute in made_up_labels():
            text = str(getattr(owner, attribute))
            if text.isascii():
                english.append(f"{owner}.{attribute}: {text}")
    assert not english, english


@pytest.mark.django_db
def test_i21_admin_pages_show_chinese_labels_not_made_up_or_coded_english(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = login_with_mfa(Client(), StaffFactory(role="moderator", language="zh-hans"))
    job = JobFactory(published=True)
    JobFlag.objects.create(job=job, code="night_work", severity="flag", field="shifts", matched_text="22:00",
                           message="夜班")
    PatrolRun.objects.create(ran_at=timezone.now() - dt.timedelta(hours=1), expired=1, stale_flagged=0)
    entry = history_record(subject=job, transition="submit", from_state="draft", to_state="pending_review")

    index = client.get(reverse("admin:index")).content.decode()
    assert "巡查记录" in index and "Patrol runs" not in index and "Model name" not in index
    flags = client.get(reverse("admin:jobs_jobflag_changelist")).content.decode()
    assert "<td class=\"field-field_name\">班次</td>" in flags and ">shifts<" not in flags and ">night_work<" not in flags
    patrol = client.get(reverse("admin:jobs_patrolrun_changelist")).content.decode()
    assert "过时" in patrol and "Stale flagged" not in patrol and "Expired" not in patrol
    job_page = client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "Has night work" not in job_page and "Decided at" not in job_page
    history = client.get(reverse("admin:core_historyentry_changelist")).content.decode()
    filters = history.split('id="changelist-filter"', 1)[1]
    assert ">submit<" not in filters and "Content type" not in history and "Actor" not in history
    assert "draft → pending_review" not in history
    detail = client.get(reverse("admin:core_historyentry_change", args=[entry.pk])).content.decode()
    main = detail.split('id="content-main"', 1)[-1]
    assert ">submit<" not in main and "pending_review" not in main
    with translation.override("zh-hans"):
        assert entry.action_label in main and entry.to_label in main and entry.to_label != "pending_review"
