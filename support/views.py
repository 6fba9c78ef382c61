"""User-facing customer-service pages (P2.2, S5.2, E6.2) under /support/: my
tickets, a new ticket (with FAQ suggestions while typing), one ticket's public
conversation with reply / reopen / close / rating, and the public FAQ.

Thin: parse input, call one service or selector, render. Another user's ticket
is a 404 (found before the method is checked); domain errors become form
errors or messages, never a 500."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from core.access import owned_object
from core.errors import DomainError
from core.policy import get_policy

from . import selectors, services
from .forms import MessageForm, RatingForm, ReopenForm, TicketForm
from .models import Ticket

PER_LIST = 50  # tickets on "My requests"; a user with more reads the newest


def _promise() -> dict:
    policy = get_policy()
    return {"answer_hours": policy.ticket_first_response_working_hours, "reopen_days": policy.ticket_reopen_days}


def _form_error(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


@login_required
@require_safe
def ticket_list(request):
    """My requests: status of each, newest first, and the way to a new one."""
    tickets = list(selectors.user_tickets(user=request.user)[:PER_LIST])
    return render(request, "support/list.html", {"tickets": tickets, **_promise()})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_new(request):
    """A new ticket: category, subject, what happened, what the user asks for (S5.2, E6.2)."""
    form = TicketForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_open(user=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Thank you. We have your request and will answer soon."))
            return redirect("support:ticket", pk=ticket.pk)
    query = request.POST.get("subject", "") if request.method == "POST" else ""
    return render(request, "support/new.html", {
        "form": form, "suggestions": selectors.faq_suggestions(query=query), **_promise()})


ACTIONS = {
    "message": (MessageForm, lambda ticket, user, data: services.ticket_user_message(
        pk=ticket.pk, user=user, body=data["body"]), _("Your message was added.")),
    "reopen": (ReopenForm, lambda ticket, user, data: services.ticket_reopen(
        pk=ticket.pk, user=user, reason=data["reason"]), _("Your request is open again; we will look at it.")),
    "close": (None, lambda ticket, user, data: services.ticket_close(pk=ticket.pk, actor=user),
              _("Your request is closed. Thank you.")),
    "rate": (RatingForm, lambda ticket, user, data: services.ticket_rate(
        pk=ticket.pk, user=user, satisfaction=data["satisfaction"], comment=data["comment"]),
        _("Thank you for your rating.")),
}


@login_required
@owned_object(lambda user, pk: selectors.ticket_for_user(user=user, pk=pk), ("GET", "HEAD", "POST"))
def ticket_detail(request, ticket):
    """The conversation (public messages only) and what the user may do next."""
    bound = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            messages.error(request, _("This cannot be done on this request."))
            return redirect("support:ticket", pk=ticket.pk)
        form_class, run, success = ACTIONS[action]
        form = form_class(request.POST) if form_class else None
        if form is None or form.is_valid():
            try:
                run(ticket, request.user, form.cleaned_data if form else {})
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, success)
            return redirect("support:ticket", pk=ticket.pk)
        bound = (action, form)
    forms = {
        "message": MessageForm() if ticket.is_active else None,
        "reopen": ReopenForm() if services.can_reopen(ticket) else None,
        "rate": RatingForm() if services.can_rate(ticket) else None,
    }
    if bound is not None:
        if forms.get(bound[0]) is not None:
            forms[bound[0]] = bound[1]
        else:  # the form is no longer offered (rated meanwhile, window passed): say why
            for errors in bound[1].errors.values():
                for error in errors:
                    messages.error(request, error)
    return render(request, "support/detail.html", {
        "ticket": ticket, "conversation": selectors.public_messages(ticket=ticket),
        "message_form": forms["message"], "reopen_form": forms["reopen"], "rating_form": forms["rate"],
        "can_close": ticket.status == Ticket.Status.RESOLVED, **_promise(),
    })


@require_safe
def faq(request):
    """The public FAQ (P2.2), searchable, in the reader's language, grouped by category."""
    query = request.GET.get("q", "")[:selectors.MAX_QUERY]
    return render(request, "support/faq.html", {"groups": selectors.faq_grouped(query=query), "query": query})


@require_safe
def faq_suggest(request):
    """An HTML fragment of FAQ entries matching what the user is typing (public)."""
    query = request.GET.get("q", "")[:selectors.MAX_QUERY]
    return render(request, "support/_faq_suggestions.html", {
        "suggestions": selectors.faq_suggestions(query=query), "query": query})
