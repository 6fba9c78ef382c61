"""Employer pages (E1): sign-up, dashboard, registration, members, verification,
documents. Thin: parse input, call one service or selector, render.

Every page except sign-up and the invitation landing page is for employer
accounts only (403 otherwise), and shows only the user's own employer."""

from functools import wraps
from urllib.parse import urlencode

from allauth.account.views import SignupView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.uploads import serve_private_file
from core.vetting import VettingStatus

from . import selectors, services
from .forms import EmployerForm, EmployerSignupForm, EmployerVerificationForm, InvitationForm
from .models import DOCUMENT_FIELDS, EmployerInvitation


def employer_account_required(view):
    """Signed in with an employer account; anyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_employer_member:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _form_error(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


class EmployerSignupView(SignupView):
    """allauth's sign-up, creating an employer account (the organisation is registered after)."""

    form_class = EmployerSignupForm
    template_name = "employers/signup.html"

    def get_form_class(self):
        # Not allauth's ACCOUNT_FORMS["signup"], which is the student sign-up form.
        return self.form_class


signup = EmployerSignupView.as_view()


@employer_account_required
def dashboard(request):
    membership = selectors.employer_membership_get(user=request.user)
    employer = membership.employer if membership else None
    context = {
        "membership": membership,
        "employer": employer,
        "invitations": [] if membership or not request.user.email
        else list(selectors.invitations_for_email(email=request.user.email)),
    }
    if employer is not None:
        context["members"] = selectors.employer_member_list(employer=employer)
        context["verification"] = selectors.employer_latest_verification(employer=employer)
    return render(request, "employers/dashboard.html", context)


@employer_account_required
@require_http_methods(["GET", "POST"])
def organisation(request):
    """Register the organisation (E1.1), or correct it after a rejection or a
    request for information; otherwise show it read-only."""
    membership = selectors.employer_membership_get(user=request.user)
    employer = membership.employer if membership else None
    editable = employer is None or (membership.is_owner and employer.vetting_status in services.EDITABLE_STATUSES)
    if not editable:
        if request.method == "POST":
            raise PermissionDenied
        return render(request, "employers/organisation_detail.html", {"employer": employer,
                                                                      "membership": membership})
    form = EmployerForm(request.POST or None, request.FILES or None, instance=_fresh(employer))
    if request.method == "POST" and form.is_valid():
        try:
            if employer is None:
                services.employer_register(user=request.user, data=form.cleaned_data)
            else:
                services.employer_update_and_resubmit(employer_id=employer.pk, user=request.user,
                                                      data=form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Your registration has been submitted. We will vet it soon."))
            return redirect("employers:dashboard")
    return render(request, "employers/organisation_form.html", {"form": form, "employer": employer})


def _fresh(employer):
    """A separate copy for the form, which writes its input onto the instance."""
    if employer is None:
        return None
    return type(employer).objects.get(pk=employer.pk)


@employer_account_required
@require_http_methods(["GET", "POST"])
def members(request):
    membership = selectors.employer_membership_get(user=request.user)
    if membership is None:
        return redirect("employers:organisation")
    employer = membership.employer
    form = InvitationForm(request.POST or None) if membership.is_owner else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.employer_member_invite(employer_id=employer.pk, actor=request.user,
                                                email=form.cleaned_data["email"])
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
                return redirect("employers:members")
    return render(request, "employers/members.html", {
        "employer": employer,
        "membership": membership,
        "members": selectors.employer_member_list(employer=employer),
        "invitations": selectors.employer_open_invitations(employer=employer) if membership.is_owner else [],
        "form": form,
    })


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """The link from the invitation e-mail. Anonymous visitors are told to sign
    up or sign in with the invited address and come back."""
    invitation = EmployerInvitation.objects.select_related("employer").filter(token=token).first()
    if invitation is None:
        raise Http404
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
        return render(request, "employers/invitation.html", {"invitation": invitation, "next": request.path})
    if not request.user.is_employer_member:
        raise PermissionDenied
    error = None
    if request.method == "POST":
        try:
            services.employer_invitation_accept(token=token, user=request.user)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("You are now a member of %(name)s.") % {"name": invitation.employer.name})
            return redirect("employers:dashboard")
    return render(request, "employers/invitation.html", {"invitation": invitation, "error": error})


@employer_account_required
@require_http_methods(["GET", "POST"])
def verification(request):
    """Real-name verification (E1.3): the owner asks; every member sees the outcome."""
    membership = selectors.employer_membership_get(user=request.user)
    if membership is None:
        return redirect("employers:organisation")
    employer = membership.employer
    latest = selectors.employer_latest_verification(employer=employer)
    can_request = (
        membership.is_owner and employer.is_approved and not employer.is_verified
        and not (latest and latest.status == latest.Status.PENDING)
    )
    form = EmployerVerificationForm(request.POST or None) if can_request else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.employer_verification_request(employer_id=employer.pk, user=request.user,
                                                       **form.cleaned_data)
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Your verification request has been submitted."))
                return redirect("employers:verification")
    return render(request, "employers/verification.html", {
        "employer": employer, "membership": membership, "verification": latest, "form": form,
        "pending_vetting": employer.vetting_status != VettingStatus.APPROVED,
    })


@employer_account_required
def document(request, employer_id: int, field: str):
    """A member opens their own employer's qualification document; anyone else gets 404."""
    membership = selectors.employer_membership_get(user=request.user)
    if field not in DOCUMENT_FIELDS or membership is None or membership.employer_id != employer_id:
        raise Http404
    fieldfile = getattr(membership.employer, field)
    if not fieldfile:
        raise Http404
    return serve_private_file(fieldfile, download_name=field.replace("_", "-"))


@employer_account_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    """An employer member deletes their account (PIPL art. 47); the organisation stays."""
    from django.contrib.auth import logout

    from accounts.forms import AccountDeleteForm

    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.employer_member_account_delete(user=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            _form_error(form, error)
        else:
            logout(request)
            messages.success(request, _("Your account has been deleted."))
            return redirect("core:home")
    return render(request, "accounts/account_delete.html", {"form": form})
