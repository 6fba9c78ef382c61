"""The recruitment rules in force (docs/recruitment-rules.md): the operator's licences on every
page (《网络招聘服务管理规定》, 人社部令第44号) and, per the 2026 five-department notice on online
recruitment information, every job's validity period and moderation status."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["core:home", "jobs:list", "core:privacy_policy", "account_login"])
def test_rr_44_every_page_shows_the_operators_licences_in_its_footer(client, settings, name):
    settings.OPERATOR_HR_LICENCE_NO = "沪人服证字〔2026〕第123号"
    settings.OPERATOR_CREDIT_CODE = "91310000MA1K000001"
    page = client.get(reverse(name)).content.decode()
    footer = page[page.index('id="operator-licences"'):]
    assert "沪人服证字〔2026〕第123号" in footer and "91310000MA1K000001" in footer
    assert reverse("core:licences") in footer


def test_rr_44_the_licences_page_lists_the_documents_for_anyone(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.OPERATOR_COMPANY_NAME = "上海兼职网络科技有限公司"
    settings.OPERATOR_HR_LICENCE_AUTHORITY = "上海市人力资源和社会保障局"
    response = client.get(reverse("core:licences"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "上海兼职网络科技有限公司" in page and "上海市人力资源和社会保障局" in page
    assert "人力资源服务许可证" in page  # zh-hans first


def test_rr_2026_a_published_job_shows_its_validity_period_and_moderation_status(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    deadline = timezone.now() + dt.timedelta(days=5)
    job = JobFactory(published=True, application_deadline=deadline)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    standing = page[page.index('id="job-standing"'):][:600]
    assert timezone.localtime(job.published_at).strftime("%Y-%m-%d") in standing
    assert timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M") in standing
    assert "信息有效期" in standing and "通过平台审核" in standing
