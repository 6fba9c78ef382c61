"""Reads of employers, their members and invitations (E1)."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Employer, EmployerInvitation, EmployerMember, EmployerVerification


def employer_membership_get(*, user) -> EmployerMember | None:
    """The user's membership with its employer, or None (one query)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return EmployerMember.objects.select_related("employer").filter(user=user).first()


def employer_for_user(*, user) -> Employer | None:
    membership = employer_membership_get(user=user)
    return membership.employer if membership else None


def employer_member_list(*, employer: Employer) -> QuerySet[EmployerMember]:
    return EmployerMember.objects.filter(employer=employer).select_related("user").order_by("joined_at", "id")


def employer_open_invitations(*, employer: Employer) -> QuerySet[EmployerInvitation]:
    return EmployerInvitation.objects.filter(
        employer=employer, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def invitations_for_email(*, email: str) -> QuerySet[EmployerInvitation]:
    """Open invitations addressed to this e-mail (case-insensitive), for the dashboard."""
    return EmployerInvitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("employer")


def employer_latest_verification(*, employer: Employer) -> EmployerVerification | None:
    return employer.verifications.order_by("-created_at", "-id").first()


def employer_tax_identity(*, employer_id: int) -> tuple[str, str] | None:
    """(organisation name, unified social credit code) of a real-name verified
    employer (E1.3), as a VAT invoice's title and taxpayer number; None when the
    employer is not verified. One query."""
    row = (Employer.objects.filter(pk=employer_id, verification_level__gte=Employer.VerificationLevel.VERIFIED)
           .values_list("name", "uscc").first())
    return (row[0], row[1]) if row else None


def employer_vetting_refusal(*, employer: Employer) -> str:
    """Why the employer may not submit jobs, hire or invite now, or "" when it may: its vetting
    lapsed at the six-monthly re-verification (docs/recruitment-rules.md) or is not approved.
    Hired students are unaffected. Reads the row only."""
    if employer.is_approved:
        return ""
    if employer.is_vetting_lapsed:
        due = timezone.localtime(employer.reverify_due_at).strftime("%Y-%m-%d") if employer.reverify_due_at else ""
        return str(_("The platform re-verifies every employer every six months; your organisation's vetting "
                     "lapsed on %(date)s. Until our staff re-verify it, you cannot submit jobs, hire or invite "
                     "students, and your live jobs stay paused. Students you hired are unaffected.")
                   % {"date": due})
    return str(_("Your organisation is not approved by the platform (%(status)s), so it cannot submit jobs, hire "
                 "or invite students.") % {"status": employer.get_vetting_status_display()})
