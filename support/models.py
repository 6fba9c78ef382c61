"""Customer-service tickets (P2.2, S5.2, E6.2): a question, complaint, dispute,
report or piece of feedback from a user, optionally about one record of
another app (a contested no-show's Attendance, later a settlement or a job),
worked on by customer service until it is resolved.

Declarations only: every write goes through `support.services`. Kept small on
purpose; channels, messages and the FAQ come with the customer-service issue."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.models import TimeStampedModel

# Who may work on tickets (customer service; the transitions check it).
HANDLE_PERMISSION = "support.change_ticket"


class Ticket(FSMModelMixin, TimeStampedModel):
    """One matter a user raised, from opening to its resolution.

    open → in progress → resolved → closed; staff may resolve an open ticket
    at once when the answer is immediate."""

    class Category(models.TextChoices):
        QUESTION = "question", _("Question")
        COMPLAINT = "complaint", _("Complaint")
        DISPUTE = "dispute", _("Dispute")
        REPORT = "report", _("Report")
        FEEDBACK = "feedback", _("Feedback")
        NO_SHOW_CONTEST = "no_show_contest", _("Contested no-show")
        HOURS_DISPUTE = "hours_dispute", _("Disputed hours")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        SITE = "site", _("On the site")
        CHAT = "chat", _("Online chat")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets",
                             verbose_name=_("user"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, db_index=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.SITE)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("what the user says"), max_length=5000)
    status = FSMField(_("status"), choices=Status.choices, default=Status.OPEN, protected=True, db_index=True)

    # The record the ticket is about, if any (an Attendance for a contested no-show).
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT,
                                     verbose_name=_("about (kind)"))
    object_id = models.CharField(_("about (id)"), max_length=64, blank=True)
    linked_object = GenericForeignKey("content_type", "object_id")
    # Set when another app opened the ticket for its case: the same case never opens two tickets.
    source_key = models.CharField(max_length=120, unique=True, null=True, blank=True, editable=False)

    # P2.2: the first answer is due by this moment, stored when the ticket opens.
    first_response_due_at = models.DateTimeField(_("first answer due by"), db_index=True)
    first_responded_at = models.DateTimeField(_("first answered at"), null=True, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("handled by"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution given to the user"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["first_response_due_at", "id"]
        indexes = [
            models.Index(fields=["status", "first_response_due_at"]),
            models.Index(fields=["content_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_overdue(self) -> bool:
        """Not answered yet and past the first-answer deadline."""
        return self.first_responded_at is None and self.first_response_due_at < timezone.now()

    @transition(field=status, source=Status.OPEN, target=Status.IN_PROGRESS, permission=HANDLE_PERMISSION,
                custom={"label": _("Start working on it"), "form": "support.forms.TicketNoteForm"})
    def start(self, *, by) -> None:
        self.assigned_to = by
        self.first_responded_at = self.first_responded_at or timezone.now()

    @transition(field=status, source=[Status.OPEN, Status.IN_PROGRESS], target=Status.RESOLVED,
                permission=HANDLE_PERMISSION,
                custom={"label": _("Resolve"), "form": "support.forms.TicketAnswerForm"})
    def resolve(self, *, by, resolution: str) -> None:
        now = timezone.now()
        self.assigned_to = self.assigned_to or by
        self.first_responded_at = self.first_responded_at or now
        self.resolved_at, self.resolution = now, resolution

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED, permission=HANDLE_PERMISSION,
                custom={"label": _("Close"), "form": "support.forms.TicketNoteForm"})
    def close(self) -> None:
        self.closed_at = timezone.now()
