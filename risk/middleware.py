"""Enforcement of suspension and termination everywhere (E4.2, K3.2).

A signed-in student whose profile is suspended or terminated, or a member of an
employer that is, may read (GET, HEAD, OPTIONS) but every other request is
answered with a 403 page saying why, until when and how to appeal — except the
allow-list below. Cost: nothing for anonymous visitors, staff and reads; one
query (the profile or the membership with its employer) for a write by a
signed-in student or employer member."""

from django.template.response import TemplateResponse
from django.utils import timezone

from .models import Sanction, Subject

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# URL names a suspended or terminated user may still post to, and why:
ALLOWED_VIEWS = frozenset({
    # leaving and choosing a language are never taken away;
    "account_logout", "set_language",
    # securing one's own account (a suspended account can still be stolen);
    "account_change_password",
    # the right to appeal (E4.2) is the point of the page that refuses everything else;
    "risk:appeal_file",
    # marking notifications read does not act on anyone else;
    "core:inbox_mark_read",
    # an employer must still pay the wages it owes (E5.1): the funding page and its sandbox payment;
    "funding:page", "funding:sandbox",
    # a student must still be paid (S4.2): payout details, and disputing a statement they are owed;
    "settlements:payout_methods", "settlements:payout_method_default", "settlements:payout_method_remove",
    "settlements:student_dispute_open", "settlements:student_dispute_withdraw",
    "settlements:student_dispute_evidence",
    # an employer must still answer a payment dispute about what it owes (S4.3).
    "settlements:employer_dispute", "settlements:employer_dispute_evidence",
})


def standing_of(user):
    """(subject kind, subject id, the profile or employer) for a student or employer
    member, or None: one query."""
    if user.is_student:
        from accounts.models import StudentProfile

        profile = StudentProfile.objects.filter(user_id=user.pk).only(
            "id", "user_id", "suspended_until", "terminated_at").first()
        return (Subject.STUDENT, user.pk, profile) if profile else None
    if user.is_employer_member:
        from employers.models import EmployerMember

        member = EmployerMember.objects.select_related("employer").only(
            "id", "employer__id", "employer__suspended_until", "employer__terminated_at").filter(
            user_id=user.pk).first()
        return (Subject.EMPLOYER, member.employer_id, member.employer) if member else None
    return None


class SuspensionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_staff:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_VIEWS:
            return None
        standing = standing_of(user)
        if standing is None or not standing[2].is_suspended:
            return None
        kind, subject_id, holder = standing
        sanction = (Sanction.objects.filter(subject_kind=kind, subject_id=subject_id,
                                            level__in=[Sanction.Level.SUSPENSION, Sanction.Level.TERMINATION],
                                            status__in=[Sanction.Status.IN_FORCE, Sanction.Status.APPEALED,
                                                        Sanction.Status.UPHELD])
                    .order_by("-starts_at", "-id").first())
        return TemplateResponse(request, "risk/suspended.html", {
            "holder": holder, "terminated": holder.terminated_at is not None,
            "until": holder.suspended_until, "sanction": sanction, "employer": kind == Subject.EMPLOYER, "now": timezone.now(),
        }, status=403)
