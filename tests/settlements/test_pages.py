"""The statement pages (S4.1, F1): "My pay" and one statement for the student,
the employer's list and statement with the commission; who may see which."""

import pytest
from django.test import Client
from django.urls import reverse

from settlements.services import settlement_prepare
from tests.factories.applications import approved_student
from tests.factories.employers import EmployerFactory
from tests.factories.settlements import (
    NO_SHOW,
    PayoutMethodFactory,
    agreed_loss,
    low_minimum_city,
    worked_engagement,
)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def statement():
    """A ready statement: 3 h at ¥25.00, 30 min overtime, ¥15 meal; a no-show; a ¥20 loss."""
    engagement = worked_engagement(hours=[(180, 30), NO_SHOW], base_rate_fen=2500, meal_allowance_fen=1500,
                                   city=low_minimum_city())
    agreed_loss(engagement, 2000, "打碎杯子")
    return settlement_prepare(engagement_id=engagement.pk)


def employer_user(settlement):
    return settlement.employer.members.get().user


# ------------------------------------------------------------------ the student's side
def test_s4_1_the_student_sees_each_line_and_what_they_receive_without_the_commission(statement):
    # given
    client = signed_in(statement.student)
    # when
    response = client.get(reverse("settlements:student_statement", args=[statement.pk]))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Wages", "¥75.00", "Overtime", "¥18.75", "Meal allowance", "¥15.00", "打碎杯子", "-¥20.00"):
        assert text in html
    assert 'id="student-total"' in html and "¥88.75" in html
    assert "Platform commission" not in html and 'id="commission"' not in html
    assert "¥10.88" not in html  # the commission (10% of ¥108.75, half up) is the employer's


def test_s4_1_my_pay_lists_the_students_statements(statement, django_assert_num_queries):
    # given: three statements of this student and one of another
    student = statement.student
    for _ in range(2):
        settlement_prepare(engagement_id=worked_engagement(hours=[(60, 0)], student=student).pk)
    settlement_prepare(engagement_id=worked_engagement(hours=[(60, 0)]).pk)
    PayoutMethodFactory(student=student)
    client = signed_in(student)
    # when: session, user, count, the page of statements (job and employer joined), the default
    # payout method, the years with an income tax statement (issue 18), the unread-notification
    # badge — whatever the number of statements
    with django_assert_num_queries(7):
        response = client.get(reverse("settlements:student_home"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="card work-card" id="settlement-') == 3
    assert "¥88.75" in html
    assert "****" in html  # the payout method, masked


def test_s4_2_my_pay_asks_for_a_payout_method_when_there_is_none(statement):
    response = signed_in(statement.student).get(reverse("settlements:student_home"))
    assert "Add a payout method" in response.content.decode()


# ------------------------------------------------------------------ the employer's side
def test_f1_the_employer_sees_the_commission_on_top_and_the_loss_credited(statement):
    # given
    client = signed_in(employer_user(statement))
    # when
    response = client.get(reverse("settlements:employer_statement", args=[statement.pk]))
    # then: ¥88.75 to the student + ¥10.88 commission (10% of ¥108.75, half up) = ¥99.63
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="commission"' in html and "¥10.88" in html
    assert "¥88.75" in html and "¥99.63" in html and "-¥20.00" in html
    assert statement.student.student_profile.real_name in html


def test_f1_the_employers_list_shows_what_each_statement_costs(statement, django_assert_num_queries):
    # given: three statements of this employer, one of another
    employer = statement.employer
    for _ in range(2):
        settlement_prepare(engagement_id=worked_engagement(hours=[(60, 0)], employer=employer).pk)
    settlement_prepare(engagement_id=worked_engagement(hours=[(60, 0)]).pk)
    client = signed_in(employer_user(statement))
    # when: session, user, count, the page (job, student and profile joined), the unread badge
    with django_assert_num_queries(5):
        response = client.get(reverse("settlements:employer_home"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<article class="card" id="settlement-') == 3
    assert "¥99.63" in html


# ------------------------------------------------------------------ access
def test_s4_1_another_students_statement_is_not_found(statement):
    response = signed_in(approved_student()).get(reverse("settlements:student_statement", args=[statement.pk]))
    assert response.status_code == 404


def test_s4_1_another_employers_statement_is_not_found(statement):
    other = EmployerFactory(approved=True).members.get().user
    response = signed_in(other).get(reverse("settlements:employer_statement", args=[statement.pk]))
    assert response.status_code == 404


def test_s4_1_the_wrong_kind_of_account_is_refused(statement):
    # an employer on the student's pages, a student on the employer's
    employer = signed_in(employer_user(statement))
    student = signed_in(statement.student)
    assert employer.get(reverse("settlements:student_statement", args=[statement.pk])).status_code == 403
    assert employer.get(reverse("settlements:student_home")).status_code == 403
    assert student.get(reverse("settlements:employer_statement", args=[statement.pk])).status_code == 403
    assert student.get(reverse("settlements:employer_home")).status_code == 403


def test_s4_1_anonymous_visitors_are_sent_to_sign_in(statement):
    response = Client().get(reverse("settlements:student_statement", args=[statement.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_f3_finance_staff_read_settlements_in_the_admin_and_customer_service_does_not(statement, staff_client):
    # given
    finance, _user = staff_client("finance")
    service, _user = staff_client("customer_service")
    url = reverse("admin:settlements_settlement_change", args=[statement.pk])
    # when / then
    response = finance.get(url)
    assert response.status_code == 200 and "¥99.63" in response.content.decode()
    assert finance.post(url, {}).status_code == 403
    assert service.get(url).status_code == 403
