"""The platform names itself in its e-mails (issue 21): the Site is not Django's example.com, and
allauth's sign-up mail reads in Chinese from greeting to link."""

import pytest
from django.conf import settings
from django.contrib.sites.models import Site
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db


def test_i21_the_site_is_the_platform_not_example_com():
    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.name == settings.SITE_NAME == "兼职 Jianzhi"
    assert site.domain == settings.SITE_DOMAIN and "example.com" not in site.domain


def test_i21_the_sign_up_mail_reads_in_chinese_and_names_the_platform(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = Client().post("/accounts/signup/", {
        "email": "xiaoming@students.jianzhi.example", "password1": "Qiuzhi-2026-abc", "password2": "Qiuzhi-2026-abc",
        "accept_terms": "on"})
    assert response.status_code in (200, 302)
    assert len(mail.outbox) == 1, response.content.decode()[:3000]
    message = mail.outbox[0]
    text = message.subject + message.body
    assert "您好！这是来自兼职 Jianzhi的邮件。" in message.body
    assert "example.com" not in text and "Hello" not in text and "Email地址" not in text
    assert "请确认您的电子邮件地址" in message.subject
