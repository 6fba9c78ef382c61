"""The registration review state machine shared by students (S1.2) and
employers (E1.2): draft → submitted → approved | rejected | info requested.

Only the declarations live here; each owning app's services run the
transitions (lock, transition, history row, notify on commit)."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import _User as User  # AUTH_USER_MODEL, as django-stubs resolves it


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Not yet submitted")
    SUBMITTED = "submitted", _("Waiting for review")
    INFO_REQUESTED = "info_requested", _("More information requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# django-fsm-2 types a permission callable as taking any model and any user-like object (even a bare
# PermissionsMixin); it is called with the transition's own row and the acting user, hence the ignores.
def _can_review(instance: "ReviewableModel", user: "User | AnonymousUser | None") -> bool:
    return bool(user and user.is_active and user.has_perm(instance.review_permission))


class ReviewableModel(FSMModelMixin, models.Model):
    """Abstract: a registration that staff must approve before it can act."""

    review_permission: str = ""  # "<app>.<codename>" set by each concrete model

    review_status = FSMField(
        _("review status"), choices=ReviewStatus.choices, default=ReviewStatus.DRAFT, protected=True, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("reviewed by"),
    )
    review_reason = models.TextField(_("reason given to the user"), blank=True)

    REVIEW_FIELDS = ["review_status", "submitted_at", "reviewed_at", "reviewed_by", "review_reason"]

    class Meta:
        abstract = True

    @property
    def is_approved(self) -> bool:
        return self.review_status == ReviewStatus.APPROVED

    @transition(
        field=review_status,
        source=[ReviewStatus.DRAFT, ReviewStatus.INFO_REQUESTED, ReviewStatus.REJECTED],
        target=ReviewStatus.SUBMITTED,
        custom={"admin": False},
    )
    def submit(self) -> None:
        self.submitted_at = timezone.now()

    @transition(
        field=review_status,
        source=ReviewStatus.SUBMITTED,
        target=ReviewStatus.APPROVED,
        permission=_can_review,  # type: ignore[arg-type]
        custom={"label": _("Approve"), "form": "core.forms.ReviewNoteForm"},
    )
    def approve(self, *, by: "User | None" = None, reason: str = "") -> None:
        self.reviewed_at, self.reviewed_by, self.review_reason = timezone.now(), by, reason

    @transition(
        field=review_status,
        source=ReviewStatus.SUBMITTED,
        target=ReviewStatus.REJECTED,
        permission=_can_review,  # type: ignore[arg-type]
        custom={"label": _("Reject"), "form": "core.forms.ReviewReasonForm"},
    )
    def reject(self, *, by: "User | None" = None, reason: str = "") -> None:
        self.reviewed_at, self.reviewed_by, self.review_reason = timezone.now(), by, reason

    @transition(
        field=review_status,
        source=ReviewStatus.SUBMITTED,
        target=ReviewStatus.INFO_REQUESTED,
        permission=_can_review,  # type: ignore[arg-type]
        custom={"label": _("Request more information"), "form": "core.forms.ReviewReasonForm"},
    )
    def request_info(self, *, by: "User | None" = None, reason: str = "") -> None:
        self.reviewed_at, self.reviewed_by, self.review_reason = timezone.now(), by, reason
