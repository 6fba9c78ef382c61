"""The demo's customer service (P2.2): FAQ entries in both languages and tickets
in every state for the demo student and employer; running it again adds nothing."""

import pytest

from accounts.demo import STUDENT_LOGIN
from employers.demo import EMPLOYER_LOGIN
from support.demo import seed_support
from support.models import FAQEntry, Ticket
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.employers import EmployerFactory

pytestmark = pytest.mark.django_db


def test_p2_2_the_demo_has_faq_and_tickets_in_every_state_and_is_idempotent():
    # given: the demo student and employer, and an agent
    student = UserFactory(kind="student", email=STUDENT_LOGIN)
    employer_user = EmployerFactory(approved=True).members.get().user
    employer_user.email = EMPLOYER_LOGIN
    employer_user.save(update_fields=["email"])
    agent = StaffFactory(role="customer_service")
    # when: twice
    seed_support(agent=agent)
    counts = (FAQEntry.objects.count(), Ticket.objects.count())
    seed_support(agent=agent)
    # then
    assert (FAQEntry.objects.count(), Ticket.objects.count()) == counts
    assert counts[0] >= 8 and all(e.question_en and e.answer_zh for e in FAQEntry.objects.all())
    statuses = set(Ticket.objects.filter(user=student).values_list("status", flat=True))
    assert statuses == {"open", "waiting_for_user", "resolved", "closed"}
    resolved = Ticket.objects.get(user=student, status="resolved")
    assert resolved.rated_at is None  # ready to rate
    assert Ticket.objects.filter(user=employer_user, status="in_progress").exists()
    assert Ticket.objects.filter(user=employer_user, channel="phone", logged_by=agent).exists()
