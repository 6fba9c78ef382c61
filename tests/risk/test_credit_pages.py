"""The credit pages (K3.1): my score, its parts, what my tier gives and my history
(students; employer members see their organisation's, never anyone else's), and
the public page that publishes the formula in both languages."""

import pytest
from django.test import Client
from django.urls import reverse

from core.policy import policy_update
from risk.scoring import credit_score_refresh
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.risk import credit_event

pytestmark = pytest.mark.django_db

HOME = "/credit/"
HELP = "/credit/how-it-works/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_k3_1_the_urls():
    assert reverse("risk:credit_home") == HOME and reverse("risk:credit_how_it_works") == HELP


def test_k3_1_a_student_sees_their_own_score_parts_privileges_and_history():
    # given: a student with a no-show and a completed job, and another student
    profile = StudentProfileFactory(approved=True)
    credit_event(profile, "no_show", days_ago=3)
    credit_event(profile, "engagement_completed", days_ago=1)
    credit_score_refresh(subject_kind="student", subject_id=profile.user_id)
    other = StudentProfileFactory(approved=True)
    credit_event(other, "sanction_termination")
    # when
    page = signed_in(profile.user).get(HOME).content.decode()
    # then: 60 − 8·w + 2 → 54, tier 1 (fair), with its limits and the history, newest first
    assert 'id="score-value">54<' in page
    assert "Tier 1: Fair" in page
    assert "up to 3 open applications" in page
    assert page.index("test engagement_completed") < page.index("test no_show")
    assert "test sanction_termination" not in page


def test_k3_1_an_employer_member_sees_the_organisations_score():
    # given
    employer = EmployerFactory(approved=True)
    credit_event(employer, "late_funding")
    credit_score_refresh(subject_kind="employer", subject_id=employer.pk)
    # when
    page = signed_in(employer.created_by).get(HOME).content.decode()
    # then
    assert employer.name in page and 'id="score-value">55<' in page
    assert "test late_funding" in page and "-5.0" in page
    assert "live jobs at a time" in page


def test_k3_1_a_subject_never_scored_sees_the_neutral_score():
    page = signed_in(StudentProfileFactory(approved=True).user).get(HOME).content.decode()
    assert 'id="score-value">60<' in page and "Tier 2: Good" in page
    assert "Nothing has been recorded yet" in page


def test_k3_1_reversed_events_show_as_cancelled_with_no_points():
    profile = StudentProfileFactory(approved=True)
    no_show = credit_event(profile, "no_show", days_ago=2)
    credit_event(profile, "no_show", reverses=no_show)
    page = signed_in(profile.user).get(HOME).content.decode()
    assert "cancelled" in page and "cancels an earlier entry" in page
    assert 'id="score-value">60<' in page


def test_k3_1_the_history_is_paginated_in_a_constant_number_of_queries(django_assert_max_num_queries):
    # given: 45 events of all kinds
    profile = StudentProfileFactory(approved=True)
    for day in range(15):
        credit_event(profile, "on_time_check_in", days_ago=day)
        credit_event(profile, "review_received", value=4, days_ago=day)
        credit_event(profile, "external_flag", value=-3, days_ago=day)
    credit_score_refresh(subject_kind="student", subject_id=profile.user_id)
    client = signed_in(profile.user)
    client.get(HOME)  # warm the session and the policy
    # when / then
    with django_assert_max_num_queries(9):
        first = client.get(HOME)
    assert first.content.decode().count('class="card" id="event-') == 20
    third = client.get(HOME + "?page=3").content.decode()
    assert third.count('class="card" id="event-') == 5
    assert client.get(HOME + "?page=abc").status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "staff", "employer_without_organisation"])
def test_k3_1_others_have_no_credit_page(who):
    from tests.factories.employers import EmployerUserFactory

    if who == "anonymous":
        response = Client().get(HOME)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    user = StaffFactory(role="moderator") if who == "staff" else EmployerUserFactory()
    assert signed_in(user).get(HOME).status_code == 403


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_k3_1_the_formula_is_public_in_both_languages(language):
    # when: anyone reads the help page
    response = Client().get(HELP, HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    # then: served in the reader's language, with the policy's numbers and the one table of weights
    assert response.status_code == 200 and f'lang="{language}"' in page
    assert "180" in page and "85–100" in page
    assert "/credit/sanctions/" in page


def test_k3_1_the_help_page_reads_the_weights_and_thresholds_it_publishes():
    # given: the manager changes the thresholds and half-life
    policy_update(actor=StaffFactory(role="manager"), changes={"credit_tier4_min": 90, "credit_half_life_days": 90})
    # when
    page = Client().get(HELP, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then
    assert "90–100" in page and "counts half" in page and "/ 90)" in page
    assert "No-show" in page and "-8" in page and "Wages advanced from the guarantee fund" in page
    assert "Confirmed report by a student: Harassment" in page


def test_k3_1_verification_points_agree_between_the_summary_and_its_history_row():
    # given: a student verified to level 2 (+10), then to level 1 earlier (superseded), and a completed job
    profile = StudentProfileFactory(approved=True, verification_level=2)
    first = credit_event(profile, "verified", days_ago=10)
    latest = credit_event(profile, "verified", days_ago=5)
    credit_event(profile, "engagement_completed", days_ago=1)
    credit_score_refresh(subject_kind="student", subject_id=profile.user_id)
    # when
    page = signed_in(profile.user).get(HOME).content.decode()
    # then: the summary's Verification +10, and the newest verification entry +10 too (issue 23: not 0.0)
    assert "<dt>Verification</dt><dd class=\"amount\">+10</dd>" in page
    row = page[page.index(f'id="event-{latest.pk}"'):]
    row = row[:row.index("</li>")]
    import re

    assert re.search(r"\+10\s*</span>", row), row
    earlier = page[page.index(f'id="event-{first.pk}"'):]
    assert "+10" not in earlier[:earlier.index("</li>")]


def test_k3_1_match_score_names_the_highest_tier_of_five():
    from applications.matching import ScorePart

    text = ScorePart(name="credit", points=8, maximum=10, reason="credit", value=3).explanation
    assert text == "Credit tier 3 (highest 4, five tiers 0–4)"
    from django.utils import translation

    with translation.override("zh-hans"):
        assert ScorePart(name="credit", points=8, maximum=10, reason="credit", value=3).explanation == \
            "信用等级 3（最高 4 级，共 0–4 五级）"
