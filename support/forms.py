"""Forms of customer service: the user's ticket pages, and the admin's ticket page,
phone-call log and daily-summary rebuild."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import IsoDateInput

from .models import Ticket


class TicketAnswerForm(forms.Form):
    """Resolving a ticket: the answer the user reads (P2.2)."""

    reason = forms.CharField(
        label=_("How it was resolved (shown to the user)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say what was done and what the user can expect next."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason


class TicketNoteForm(forms.Form):
    reason = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))


# ------------------------------------------------------------------ the user's pages
MAX_SUBJECT, MAX_BODY, MAX_DEMAND, MAX_MESSAGE = 200, 5000, 2000, 5000


def _user_category_choices():
    from .services import USER_CATEGORIES

    return [(value, label) for value, label in Ticket.Category.choices if value in USER_CATEGORIES]


class TicketForm(forms.Form):
    """A new ticket from a user (S5.2, E6.2): what it is about, what happened, what they ask for."""

    category = forms.ChoiceField(label=_("What is it about?"), choices=_user_category_choices)
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT,
                              widget=forms.TextInput(attrs={"maxlength": MAX_SUBJECT, "autocomplete": "off"}))
    body = forms.CharField(label=_("What happened?"), max_length=MAX_BODY,
                           widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_BODY}),
                           help_text=_("When, where, who: the more we know, the faster we can help."))
    demand = forms.CharField(label=_("What do you ask us to do?"), max_length=MAX_DEMAND, required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_DEMAND}),
                             help_text=_("For example: pay the missing hours, remove a wrong record, explain a rule."))

    def clean_subject(self):
        return _required_text(self.cleaned_data["subject"])

    def clean_body(self):
        return _required_text(self.cleaned_data["body"])


def _required_text(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise forms.ValidationError(_("This field is required."))
    return value


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=MAX_MESSAGE,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_MESSAGE}))

    def clean_body(self):
        return _required_text(self.cleaned_data["body"])


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("What is still not solved?"), max_length=MAX_MESSAGE,
                             widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_MESSAGE}))

    def clean_reason(self):
        return _required_text(self.cleaned_data["reason"])


STARS = [(n, "★" * n) for n in range(1, 6)]


class RatingForm(forms.Form):
    satisfaction = forms.TypedChoiceField(label=_("How satisfied are you with our help?"), choices=STARS, coerce=int,
                                          widget=forms.RadioSelect(attrs={"class": "stars"}),
                                          error_messages={"required": _("Give a rating from 1 to 5.")})
    comment = forms.CharField(label=_("Comment (optional)"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}))


# ------------------------------------------------------------------ the admin's ticket page
class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply to the user"), max_length=MAX_MESSAGE,
                           widget=forms.Textarea(attrs={"rows": 4}))
    ask_user = forms.BooleanField(label=_("Ask the user for something (the ticket waits for their answer)"),
                                  required=False)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Internal note (staff only)"), max_length=MAX_MESSAGE,
                           widget=forms.Textarea(attrs={"rows": 3}))


class LogMessageForm(forms.Form):
    channel = forms.ChoiceField(label=_("How did the user contact us?"), choices=[
        (Ticket.Channel.PHONE, Ticket.Channel.PHONE.label), (Ticket.Channel.EMAIL, Ticket.Channel.EMAIL.label),
        (Ticket.Channel.CHAT, Ticket.Channel.CHAT.label)])
    body = forms.CharField(label=_("What the user said"), max_length=MAX_MESSAGE,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import agents

        self.fields["assignee"].queryset = agents()


class EscalateForm(forms.Form):
    to = forms.ChoiceField(label=_("Escalate to"), choices=Ticket.EscalatedTo.choices)
    reason = forms.CharField(label=_("What they need to do"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class LogContactForm(forms.Form):
    """An agent writes down a phone call or an e-mail as a ticket for the user (P2.2)."""

    contact = forms.CharField(label=_("The user's e-mail or mobile number"), max_length=254)
    channel = forms.ChoiceField(label=_("Channel"), choices=[
        (Ticket.Channel.PHONE, Ticket.Channel.PHONE.label), (Ticket.Channel.EMAIL, Ticket.Channel.EMAIL.label),
        (Ticket.Channel.CHAT, Ticket.Channel.CHAT.label)])
    category = forms.ChoiceField(label=_("Category"), choices=_user_category_choices)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Ticket.Priority.choices, coerce=int,
                                      initial=Ticket.Priority.NORMAL)
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT)
    body = forms.CharField(label=_("What the user says"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 5}))
    demand = forms.CharField(label=_("What the user asks for"), max_length=MAX_DEMAND, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def clean_subject(self):
        return _required_text(self.cleaned_data["subject"])

    def clean_body(self):
        return _required_text(self.cleaned_data["body"])

    def clean_contact(self):
        from .selectors import users_by_contact

        contact = self.cleaned_data["contact"].strip()
        users = users_by_contact(contact)
        if len(users) != 1:
            raise forms.ValidationError(_("No single user has this e-mail or mobile number."))
        self.user = users[0]
        return contact


class RebuildSummaryForm(forms.Form):
    date = forms.DateField(label=_("Day"), widget=IsoDateInput())

    def clean_date(self):
        import datetime as dt

        from django.utils import timezone

        day = self.cleaned_data["date"]
        if not dt.date(2020, 1, 1) <= day <= timezone.localdate():
            raise forms.ValidationError(_("Choose a day between 2020 and today."))
        return day
