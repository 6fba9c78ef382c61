"""Customer-service tickets (P2.2, S5.2, E6.2): a question, complaint, dispute,
report or piece of feedback from a user, optionally about one record of
another app (a contested no-show's Attendance, later a settlement or a job),
worked on by customer service until it is resolved.

Declarations only: every write goes through `support.services`. A ticket's
conversation is its messages (public replies and internal notes); service
levels (first answer, resolution by category) are stored on the row when it
opens, from the policy; the FAQ and the daily classification summary live
here too."""

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


class TicketAction(models.TextChoices):
    """What a ticket's history records (P2.2): its state changes and the work on it."""

    OPEN = "open", _("ticket opened")
    START = "start", _("taken on by customer service")
    ASK_USER = "ask_user", _("user asked for more information")
    REPLY = "reply", _("answered the user")
    NOTE = "note", _("internal note added")
    USER_MESSAGE = "user_message", _("message from the user received")
    ASSIGN = "assign", _("assigned to an agent")
    ESCALATE = "escalate", _("escalated to another team")
    RESOLVE = "resolve", _("ticket resolved")
    REOPEN = "reopen", _("reopened by the user")
    CLOSE = "close", _("ticket closed")
    RATE = "rate", _("service rated")


class Ticket(FSMModelMixin, TimeStampedModel):
    """One matter a user raised, from opening to its resolution.

    open → in progress ⇄ waiting for the user → resolved → closed. Staff may
    resolve an open ticket at once when the answer is immediate; the user may
    reopen a resolved ticket within the policy's reopen window (P2.2: kept
    informed until resolved), and rates the service once it is resolved."""

    history_actions = TicketAction

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
        WAITING_FOR_USER = "waiting_for_user", _("Waiting for the user")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        SITE = "site", _("On the site")
        CHAT = "chat", _("Online chat")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    class EscalatedTo(models.TextChoices):
        MODERATION = "moderation", _("Moderation")
        FINANCE = "finance", _("Finance")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets",
                             verbose_name=_("user"))
    # For phone calls and e-mails: the agent who wrote the ticket down for the user.
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("logged by"))
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL,
                                                db_index=True)
    demand = models.TextField(_("what the user asks for"), max_length=2000, blank=True,
                              help_text=_("P2.2: every complaint and dispute is logged with the user's demand."))
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
    # P2.2: the resolution target of the category, stored when the ticket opens.
    resolution_due_at = models.DateTimeField(_("resolution due by"), null=True, blank=True, db_index=True)
    waiting_since = models.DateTimeField(_("waiting for the user since"), null=True, blank=True)
    escalated_to = models.CharField(_("escalated to"), max_length=12, choices=EscalatedTo.choices, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution given to the user"), blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The user's satisfaction with how the ticket was handled (P3: an appraisal indicator).
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    satisfaction_comment = models.TextField(_("comment on the service"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["first_response_due_at", "id"]
        indexes = [
            models.Index(fields=["status", "first_response_due_at"]),
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["user", "-created_at"], name="ticket_user_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(satisfaction__isnull=True)
                                   | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                                   name="ticket_satisfaction_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_overdue(self) -> bool:
        """Not answered yet and past the first-answer deadline."""
        return self.first_responded_at is None and self.first_response_due_at < timezone.now()

    @property
    def is_resolution_overdue(self) -> bool:
        """Still unresolved after the category's resolution target (P2.2)."""
        return (self.resolved_at is None and self.resolution_due_at is not None
                and self.resolution_due_at < timezone.now())

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS, self.Status.WAITING_FOR_USER)

    @transition(field=status, source=Status.OPEN, target=Status.IN_PROGRESS, permission=HANDLE_PERMISSION,
                custom={"label": _("Start working on it"), "form": "support.forms.TicketNoteForm"})
    def start(self, *, by) -> None:
        self.assigned_to = by
        self.first_responded_at = self.first_responded_at or timezone.now()

    @transition(field=status, source=[Status.OPEN, Status.IN_PROGRESS], target=Status.WAITING_FOR_USER,
                permission=HANDLE_PERMISSION)
    def ask_user(self, *, by) -> None:
        """Staff replied and need something from the user before going on."""
        now = timezone.now()
        self.assigned_to = self.assigned_to or by
        self.first_responded_at = self.first_responded_at or now
        self.waiting_since = now

    @transition(field=status, source=Status.WAITING_FOR_USER, target=Status.IN_PROGRESS)
    def user_answered(self) -> None:
        self.waiting_since = None

    @transition(field=status, source=[Status.OPEN, Status.IN_PROGRESS, Status.WAITING_FOR_USER],
                target=Status.RESOLVED,
                permission=HANDLE_PERMISSION,
                custom={"label": _("Resolve"), "form": "support.forms.TicketAnswerForm"})
    def resolve(self, *, by, resolution: str) -> None:
        now = timezone.now()
        self.assigned_to = self.assigned_to or by
        self.first_responded_at = self.first_responded_at or now
        self.resolved_at, self.resolution, self.waiting_since = now, resolution, None

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED,
                custom={"label": _("Close"), "form": "support.forms.TicketNoteForm"})
    def close(self) -> None:
        """Staff, the user, or the sweep once the reopen window has passed; the service checks who."""
        self.closed_at = timezone.now()

    @transition(field=status, source=Status.RESOLVED, target=Status.IN_PROGRESS)
    def reopen(self) -> None:
        """The user says it is not solved, within the reopen window (the service checks it)."""
        self.resolved_at, self.reopened_count = None, self.reopened_count + 1


class TicketMessage(models.Model):
    """One entry in a ticket's conversation: the user's message, an agent's reply
    the user reads, or an internal note only staff see (P2.2). Append-only."""

    class Kind(models.TextChoices):
        USER = "user", _("Message from the user")
        REPLY = "reply", _("Reply to the user")
        NOTE = "note", _("Internal note")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("written by"))
    # How the user's words reached us when an agent logged them (a phone call, an e-mail).
    channel = models.CharField(_("channel"), max_length=8, choices=Ticket.Channel.choices,
                               default=Ticket.Channel.SITE)
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketmessage_ticket")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind != self.Kind.NOTE


class FAQEntry(TimeStampedModel):
    """A common problem and its answer in both languages (P2.2), kept by customer
    service, searchable, and suggested while a user writes a ticket."""

    category = models.CharField(_("category"), max_length=20, choices=Ticket.Category.choices, blank=True)
    question_zh = models.CharField(_("question (Chinese)"), max_length=200)
    answer_zh = models.TextField(_("answer (Chinese)"), max_length=4000)
    question_en = models.CharField(_("question (English)"), max_length=200)
    answer_en = models.TextField(_("answer (English)"), max_length=4000)
    keywords = models.CharField(_("search words"), max_length=300, blank=True,
                                help_text=_("Other words users type for this problem, in either language."))
    published = models.BooleanField(_("published"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=100)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("last edited by"))

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.question_zh


class TicketDailySummary(models.Model):
    """The day's tickets classified (P2.2: classify feedback daily), built by beat
    after midnight and kept: opened, resolved and still open per category and
    channel, first-answer and resolution targets missed, average satisfaction."""

    date = models.DateField(_("date"), unique=True)
    counts = models.JSONField(_("counts"), default=dict)
    built_at = models.DateTimeField(_("built at"), auto_now=True)

    class Meta:
        verbose_name = _("daily ticket summary")
        verbose_name_plural = _("daily ticket summaries")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}"
