"""The vetting of a registration (资质审核), the state machine shared by students
(S1.2) and employers (E1.2): draft → submitted → approved | rejected | info
requested. An employer's approval lapses when it is due for re-verification
(approved → lapsed → approved again, or rejected | info requested; the
employer-only transitions live on `employers.Employer`). "Vetting" is staff checking a registration before it may act; a
"review" is only the rating students and employers give each other (reviews).

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


class VettingStatus(models.TextChoices):
    DRAFT = "draft", _("Not yet submitted")
    SUBMITTED = "submitted", _("Waiting for vetting")
    INFO_REQUESTED = "info_requested", _("More information requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    # Employers only: the vetting is older than the policy allows (re-verified every six months,
    # docs/recruitment-rules.md); staff re-verify, or ask for information or reject as on a submission.
    LAPSED = "lapsed", _("Re-verification due")


# django-fsm-2 types a permission callable as taking any model and any user-like object (even a bare
# PermissionsMixin); it is called with the transition's own row and the acting user, hence the ignores.
def _can_vet(instance: "VettableModel", user: "User | AnonymousUser | None") -> bool:
    return bool(user and user.is_active and user.has_perm(instance.vetting_permission))


class VettableModel(FSMModelMixin, models.Model):
    """Abstract: a registration that staff must vet (approve) before it can act."""

    vetting_permission: str = ""  # "<app>.<codename>" set by each concrete model

    vetting_status = FSMField(
        _("vetting status"), choices=VettingStatus.choices, default=VettingStatus.DRAFT, protected=True, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    vetted_at = models.DateTimeField(_("vetted at"), null=True, blank=True)
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("vetted by"),
    )
    vetting_reason = models.TextField(_("reason given to the user"), blank=True)

    VETTING_FIELDS = ["vetting_status", "submitted_at", "vetted_at", "vetted_by", "vetting_reason"]

    class Meta:
        abstract = True

    @property
    def is_approved(self) -> bool:
        return self.vetting_status == VettingStatus.APPROVED

    @transition(
        field=vetting_status,
        source=[VettingStatus.DRAFT, VettingStatus.INFO_REQUESTED, VettingStatus.REJECTED],
        target=VettingStatus.SUBMITTED,
        custom={"admin": False},
    )
    def submit(self) -> None:
        self.submitted_at = timezone.now()

    @transition(
        field=vetting_status,
        source=VettingStatus.SUBMITTED,
        target=VettingStatus.APPROVED,
        permission=_can_vet,  # type: ignore[arg-type]
        custom={"label": _("Approve"), "form": "core.forms.DecisionNoteForm"},
    )
    def approve(self, *, by: "User | None" = None, reason: str = "") -> None:
        self.vetted_at, self.vetted_by, self.vetting_reason = timezone.now(), by, reason

    @transition(
        field=vetting_status,
        source=[VettingStatus.SUBMITTED, VettingStatus.LAPSED],
        target=VettingStatus.REJECTED,
        permission=_can_vet,  # type: ignore[arg-type]
        custom={"label": _("Reject"), "form": "core.forms.DecisionReasonForm"},
    )
    def reject(self, *, by: "User | None" = None, reason: str = "") -> None:
        self.vetted_at, self.vetted_by, self.vetting_reason = timezone.now(), by, reason

    @transition(
        field=vetting_status,
        source=[VettingStatus.SUBMITTED, VettingStatus.LAPSED],
        target=VettingStatus.INFO_REQUESTED,
        permission=_can_vet,  # type: ignore[arg-type]
        custom={"label": _("Request more information"), "form": "core.forms.DecisionReasonForm"},
    )
    def request_info(self, *, by: "User | None" = None, reason: str = "") -> None:
        self.vetted_at, self.vetted_by, self.vetting_reason = timezone.now(), by, reason
