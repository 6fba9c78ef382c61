"""Long texts and job drafts (issue 21): a text over its limit is counted live, never cut by the
browser, refused with the limit in words and shown again whole; Back and send again does not make
a second draft (one token per form render); the employer deletes a draft, nothing else."""

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from jobs.models import Job, JobStatus
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory
from tests.jobs.test_employer_pages import NOW, posting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def employer():
    return EmployerFactory(approved=True)


@pytest.fixture
def client(employer, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = Client()
    client.force_login(employer.members.get().user)
    return client


def _token(html: str) -> str:
    return re.search(r'name="form_token" value="([0-9a-f]{32})"', html).group(1)


def test_i21_a_long_description_is_counted_live_refused_with_its_limit_and_kept_whole(client, employer):
    page = client.get(reverse("jobs:employer_job_new")).content.decode()
    area = re.search(r"<textarea[^>]*name=\"description\"[^>]*>", page).group(0)
    assert 'data-maxlength="4000"' in area and "maxlength=\"4000\"" not in area.replace("data-maxlength", "")
    assert 'data-count-text="已输入 {count} / {limit} 字"' in area and "js/char-count.js" in page
    pasted = "辅导初二学生数学作业" * 1000  # 10,000 characters
    response = client.post(reverse("jobs:employer_job_new"), posting(description=pasted, form_token=_token(page)))
    html = response.content.decode()
    assert response.status_code == 200 and not Job.objects.filter(employer=employer).exists()
    assert "此项最多可填写 4000 个字，现在有 10000 个字。请删减后再提交，您填写的内容已保留。" in html
    assert pasted in html  # nothing cut: the employer shortens their own text


def test_i21_back_and_send_again_makes_no_second_draft(client, employer):
    page = client.get(reverse("jobs:employer_job_new")).content.decode()
    data = posting(form_token=_token(page))
    first = client.post(reverse("jobs:employer_job_new"), data)
    job = Job.objects.get(employer=employer)
    assert first["Location"] == reverse("jobs:employer_job", args=[job.pk])
    # the browser's Back shows the same render; it is sent again
    again = client.post(reverse("jobs:employer_job_new"), data, follow=True)
    assert Job.objects.filter(employer=employer).count() == 1
    assert again.redirect_chain[-1][0] == reverse("jobs:employer_job", args=[job.pk])
    assert "此表单已提交过" in again.content.decode()
    # a new render is a new job
    other = client.get(reverse("jobs:employer_job_new")).content.decode()
    client.post(reverse("jobs:employer_job_new"), posting(form_token=_token(other)))
    assert Job.objects.filter(employer=employer).count() == 2


def test_i21_a_refused_send_releases_the_token_so_the_corrected_form_goes_through(client, employer):
    token = _token(client.get(reverse("jobs:employer_job_new")).content.decode())
    client.post(reverse("jobs:employer_job_new"), posting(title="", form_token=token))
    assert not Job.objects.filter(employer=employer).exists()
    client.post(reverse("jobs:employer_job_new"), posting(form_token=token))
    assert Job.objects.filter(employer=employer).count() == 1


def test_i21_the_employer_deletes_a_draft_but_not_a_published_job(client, employer):
    draft = JobFactory(employer=employer, title="重复的草稿")
    page = client.get(reverse("jobs:employer_job", args=[draft.pk])).content.decode()
    assert reverse("jobs:employer_job_delete", args=[draft.pk]) in page and "删除此草稿" in page
    response = client.post(reverse("jobs:employer_job_delete", args=[draft.pk]), follow=True)
    assert not Job.objects.filter(pk=draft.pk).exists()
    assert "草稿“重复的草稿”已删除。" in response.content.decode()
    live = JobFactory(employer=employer, published=True)
    assert reverse("jobs:employer_job_delete", args=[live.pk]) not in client.get(
        reverse("jobs:employer_job", args=[live.pk])).content.decode()
    refused = client.post(reverse("jobs:employer_job_delete", args=[live.pk]), follow=True)
    live.refresh_from_db()
    assert live.status == JobStatus.PUBLISHED and "只能删除草稿" in refused.content.decode()


def test_i21_another_employer_cannot_delete_the_draft(client):
    draft = JobFactory(employer=EmployerFactory(approved=True))
    response = client.post(reverse("jobs:employer_job_delete", args=[draft.pk]))
    assert response.status_code in (403, 404) and Job.objects.filter(pk=draft.pk).exists()

