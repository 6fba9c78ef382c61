"""Student-facing account pages: dashboard, registration (S1.1), verification
(S1.3), own documents, and the privacy rights (data export, deletion)."""

import json
from functools import wraps

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.uploads import serve_private_file
from core.vetting import VettingStatus

from . import selectors, services
from .forms import AccountDeleteForm, GuardianConsentForm, StudentProfileForm, StudentVerificationForm
from .models import Consent, StudentVerification


def student_account_required(view):
    """Signed in with a student account; anyone else gets 403 (the student's pages in every app use it)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_student:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _apply_domain_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@login_required
def dashboard(request):
    user = request.user
    if user.is_employer_member:
        return redirect("employers:dashboard")
    if user.kind == "staff":
        return render(request, "accounts/staff_dashboard.html", {})
    profile = selectors.student_dashboard_profile(user)
    verification = None
    if profile is not None and profile.latest_verification_status:
        verification = {"status": profile.latest_verification_status, "reason": profile.latest_verification_reason}
    return render(request, "accounts/student_dashboard.html", {
        "profile": profile,
        "verification": verification,
        "VettingStatus": VettingStatus,
    })


@student_account_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    """The student's registration form (S1.1); editable until submitted."""
    profile = selectors.student_profile_for(request.user)
    editable = profile is None or profile.vetting_status in (
        VettingStatus.DRAFT, VettingStatus.INFO_REQUESTED, VettingStatus.REJECTED)
    # A first registration starts with the verified number the student signed up with (issue 20).
    initial = {"mobile": request.user.phone} if profile is None and request.user.phone_verified else None
    form = StudentProfileForm(request.POST or None, instance=profile if profile else None, initial=initial)
    if request.method == "POST":
        if not editable:
            messages.error(request, _("Your registration is being vetted or already approved and cannot be edited."))
            return redirect("accounts:dashboard")
        if form.is_valid():
            try:
                services.student_profile_submit(user=request.user, data=form.cleaned_data)
            except DomainError as error:
                _apply_domain_error(form, error)
            else:
                messages.success(request, _("Thank you! Your registration was submitted for vetting."))
                return redirect("accounts:dashboard")
    return render(request, "accounts/profile_form.html", {"form": form, "profile": profile, "editable": editable})


@student_account_required
@require_http_methods(["GET", "POST"])
def verification(request):
    """Real-name and student-status verification (S1.3)."""
    profile = selectors.student_profile_for(request.user)
    if profile is None:
        messages.info(request, _("Please complete your registration first."))
        return redirect("accounts:profile_edit")
    latest = selectors.latest_verification_for(profile)
    pending = latest is not None and latest.status == StudentVerification.Status.PENDING
    form = StudentVerificationForm(request.POST or None, request.FILES or None, profile=profile)
    if request.method == "POST" and not pending and form.is_valid():
        data = form.cleaned_data
        try:
            from django.db import transaction

            with transaction.atomic():
                services.consent_record(user=request.user, kind=Consent.Kind.SENSITIVE_DATA)
                services.student_verification_request(
                    user=request.user, id_number=data["id_number"], id_card_front=data["id_card_front"],
                    id_card_back=data["id_card_back"], student_proof_kind=data.get("student_proof_kind") or "",
                    student_card=data.get("student_card"), chsi_code=data.get("chsi_code") or "",
                )
        except DomainError as error:
            _apply_domain_error(form, error)
        else:
            messages.success(request, _("Your documents were submitted. We will review them shortly."))
            return redirect("accounts:dashboard")
    return render(request, "accounts/verification_form.html", {
        "form": form, "profile": profile, "latest": latest, "pending": pending,
    })


@student_account_required
@require_http_methods(["GET", "POST"])
def guardian_consent(request):
    """A student aged 16–17 records their guardian's consent before the first application
    (Civil Code art. 19; docs/minors.md). Adults are sent back to their dashboard."""
    profile = selectors.student_profile_for(request.user)
    if profile is None or not profile.is_minor_worker:
        messages.info(request, _("Only students aged 16–17 need their guardian's consent."))
        return redirect("accounts:dashboard")
    form = GuardianConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.guardian_consent_give(student=request.user, **form.cleaned_data)
        except DomainError as error:
            _apply_domain_error(form, error)
        else:
            messages.success(request, _("Your guardian's consent is recorded. You can apply for jobs now."))
            return redirect("accounts:dashboard")
    return render(request, "accounts/guardian_consent.html", {
        "form": form, "current": selectors.guardian_consent_current(request.user),
        "version": settings.GUARDIAN_CONSENT_VERSION,
    })


DOCUMENT_FIELDS = {"id_card_front", "id_card_back", "student_card"}


@login_required
def own_document(request, verification_id: int, field: str):
    """A student's own uploaded document; nobody else's (404 for others)."""
    if field not in DOCUMENT_FIELDS:
        raise Http404
    verification = get_object_or_404(StudentVerification, pk=verification_id, profile__user=request.user)
    fieldfile = getattr(verification, field)
    if not fieldfile:
        raise Http404
    return serve_private_file(fieldfile, download_name=f"{field}-{verification.pk}")


@login_required
def privacy(request):
    return render(request, "accounts/privacy.html", {
        "consents": Consent.objects.filter(user=request.user),
    })


@login_required
@reauthentication_required
def data_export(request):
    """Download everything we hold about the user as JSON (PIPL art. 45).

    The file holds the full ID number, so a session alone is not enough: allauth
    asks for the password again (ACCOUNT_REAUTHENTICATION_TIMEOUT), and each
    export is a row in the access log like a staff reveal (J3.2)."""
    payload = json.dumps(selectors.personal_data_export(request.user), ensure_ascii=False, indent=2)
    services.personal_data_export_record(user=request.user)
    response = HttpResponse(payload, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="jianzhi-my-data-{stamp}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    """Delete the account by anonymisation (PIPL art. 47)."""
    if request.user.is_employer_member:
        # Employer members first leave their organisation; the employers app owns that.
        return redirect("employers:account_delete")
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(user=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            _apply_domain_error(form, error)
        else:
            logout(request)
            messages.success(request, _("Your account has been deleted."))
            return redirect("core:home")
    return render(request, "accounts/account_delete.html", {"form": form})
