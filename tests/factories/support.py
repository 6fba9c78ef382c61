"""Factories of customer service (P2.2): FAQ entries, and tickets opened through the service."""

import factory
from factory.django import DjangoModelFactory

from support.models import FAQEntry, Ticket
from support.services import ticket_open
from tests.factories.accounts import UserFactory


class FAQEntryFactory(DjangoModelFactory):
    class Meta:
        model = FAQEntry

    category = Ticket.Category.QUESTION
    question_zh = factory.Sequence(lambda n: f"常见问题 {n}")
    answer_zh = "答案。"
    question_en = factory.Sequence(lambda n: f"Common question {n}")
    answer_en = "The answer."


def open_ticket(user=None, **fields) -> Ticket:
    """A ticket opened by `user` (a new student by default) on the site, through ticket_open."""
    data = {"category": Ticket.Category.QUESTION, "subject": "我的工资还没到账", "body": "上周的工作还没收到钱。",
            "demand": "请尽快付款。", **fields}
    return ticket_open(user=user or UserFactory(kind="student"), **data)
