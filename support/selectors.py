"""Reads of customer service (P2.2): a user's tickets and their public
conversation, the FAQ (search in both languages, grouped by category), the
agents a ticket may be assigned to, and the daily summary as table rows."""

import phonenumbers
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User

from .models import HANDLE_PERMISSION, FAQEntry, Ticket, TicketDailySummary, TicketMessage

FAQ_SUGGEST_MIN = 2     # characters typed before the FAQ is suggested
FAQ_SEARCH_LIMIT = 10   # entries a search returns
MAX_QUERY = 100         # longer queries are cut: nobody types more to search an FAQ
MAX_TERMS = 12          # terms searched at most (a long Chinese sentence gives many pairs)
SUMMARY_COLUMNS = ("opened", "resolved", "unresolved", "first_answer_late", "resolution_late")


# ------------------------------------------------------------------ a user's tickets
def user_tickets(*, user: User) -> QuerySet[Ticket]:
    """The user's tickets, those still being worked on first, newest first."""
    return Ticket.objects.filter(user=user).order_by("-created_at", "-id")


def ticket_for_user(*, user: User, pk: int) -> Ticket | None:
    """The user's own ticket, or None (another user's ticket is a 404)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Ticket.objects.filter(user=user, pk=pk).first()


def public_messages(*, ticket: Ticket) -> list[TicketMessage]:
    """What the user reads: their messages and the agents' replies, never internal notes."""
    return list(ticket.messages.exclude(kind=TicketMessage.Kind.NOTE).select_related("author"))


def all_messages(*, ticket: Ticket) -> list[TicketMessage]:
    """The whole conversation for staff, internal notes included."""
    return list(ticket.messages.select_related("author"))


# ------------------------------------------------------------------ the FAQ
def _language_is_english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def search_terms(query: str) -> list[str]:
    """What to look for: words split on spaces; Chinese, written without spaces,
    as overlapping pairs of characters (工资没到账 → 工资, 资没, 没到, 到账)."""
    terms: list[str] = []
    for word in (query or "").replace("\x00", "").strip()[:MAX_QUERY].split():
        if len(word) > 2 and any(_is_cjk(c) for c in word):
            terms += [word[i:i + 2] for i in range(len(word) - 1)]
        else:
            terms.append(word)
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def faq_search(*, query: str = "", limit: int | None = FAQ_SEARCH_LIMIT) -> list[FAQEntry]:
    """Published entries matching `query` in either language or the search words,
    those matching the most terms first (all of them without a query). Each entry
    gets `question` and `answer` in the current language."""
    entries = FAQEntry.objects.filter(published=True)
    terms = search_terms(query)
    if terms:
        hits = [Case(When(Q(question_zh__icontains=term) | Q(answer_zh__icontains=term)
                          | Q(question_en__icontains=term) | Q(answer_en__icontains=term)
                          | Q(keywords__icontains=term), then=Value(1)), default=Value(0)) for term in terms]
        entries = entries.annotate(hits=sum(hits[1:], hits[0])).filter(hits__gt=0).order_by(
            "-hits", "position", "id")
    else:
        entries = entries.order_by("position", "id")
    rows = list(entries[:limit] if limit else entries)
    english = _language_is_english()
    for entry in rows:
        entry.question = entry.question_en if english else entry.question_zh
        entry.answer = entry.answer_en if english else entry.answer_zh
    return rows


def faq_suggestions(*, query: str) -> list[FAQEntry]:
    """What the new-ticket form suggests while the user types (needs a few characters)."""
    if len((query or "").strip()) < FAQ_SUGGEST_MIN:
        return []
    return faq_search(query=query, limit=3)


def faq_grouped(*, query: str = "") -> list[tuple[str, list[FAQEntry]]]:
    """The FAQ page: (category label, entries) in category order, general entries last."""
    entries = faq_search(query=query, limit=FAQ_SEARCH_LIMIT if query.strip() else None)
    labels = dict(Ticket.Category.choices)
    order = {value: index for index, value in enumerate(Ticket.Category.values)}
    groups: dict[str, list[FAQEntry]] = {}
    for entry in sorted(entries, key=lambda e: (order.get(e.category, len(order)), e.position, e.pk)):
        groups.setdefault(entry.category, []).append(entry)
    return [(str(labels.get(category)) if category else gettext("General"), rows) for category, rows in groups.items()]


# ------------------------------------------------------------------ staff
def agents() -> QuerySet[User]:
    """Active staff who handle tickets (the customer-service role, or the permission directly)."""
    app_label, codename = HANDLE_PERMISSION.split(".")
    granted = (Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
               | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
               | Q(is_superuser=True))
    return User.objects.filter(granted, is_active=True, is_staff=True).distinct().order_by("email")


def users_by_contact(contact: str) -> list[User]:
    """Users (not staff) whose e-mail, student mobile or employer contact mobile is
    `contact`; at most two, so a caller can tell "none" and "not unique" apart."""
    contact = (contact or "").strip()[:254]
    if not contact:
        return []
    lookup = Q(email__iexact=contact)
    try:
        number = phonenumbers.parse(contact, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        lookup |= Q(student_profile__mobile=e164) | Q(employer_membership__employer__contact_mobile=e164,
                                                      employer_membership__role="owner")
    return list(User.objects.filter(lookup, is_active=True).exclude(kind=User.Kind.STAFF).distinct()[:2])


def summary_rows(summary: TicketDailySummary) -> tuple[list[dict], dict]:
    """The summary as table rows (one per category, in category order) and a total row."""
    labels = dict(Ticket.Category.choices)
    order = {value: index for index, value in enumerate(Ticket.Category.values)}
    rows, total = [], {column: 0 for column in SUMMARY_COLUMNS}
    for category in sorted(summary.counts, key=lambda c: order.get(c, len(order))):
        counts = summary.counts[category]
        rows.append({"category": labels.get(category, category), **counts})
        for column in SUMMARY_COLUMNS:
            total[column] += counts.get(column) or 0
    rated = [(r.get("satisfaction"), r.get("resolved") or 0) for r in summary.counts.values()
             if r.get("satisfaction") is not None]
    weight = sum(n for _s, n in rated)
    total["satisfaction"] = round(sum(s * n for s, n in rated) / weight, 2) if weight else None
    return rows, total
