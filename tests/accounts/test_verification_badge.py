"""Issue 23 (S1.3): on /me/ the verification badge and the text agree — while a
request waits for review the badge says so, never "not verified"."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts import services
from accounts.models import Consent
from tests.accounts.test_verification_and_personal_data import id_number_for
from tests.factories.accounts import StudentProfileFactory
from tests.support.files import jpeg_upload

pytestmark = pytest.mark.django_db
BIRTH = dt.date(2004, 3, 7)


def test_s1_3_badge_says_under_review_while_the_text_does():
    # given: an approved student who asked for verification, not reviewed yet
    profile = StudentProfileFactory(approved=True, date_of_birth=BIRTH)
    client = Client()
    client.force_login(profile.user)
    before = client.get(reverse("accounts:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    services.consent_record(user=profile.user, kind=Consent.Kind.SENSITIVE_DATA)
    services.student_verification_request(user=profile.user, id_number=id_number_for(BIRTH),
                                          id_card_front=jpeg_upload(), id_card_back=jpeg_upload())
    # when
    page = client.get(reverse("accounts:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # then
    with translation.override("zh-hans"):
        not_verified = str(profile.get_verification_level_display())
    card = page[page.index('id="verification-status"'):]
    card = card[:card.index("</div>")]
    assert "认证审核中" in card and "审核中" in card
    assert not_verified not in card
    assert not_verified in before  # before asking, the badge said not verified
