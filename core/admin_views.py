"""A reusable admin flow: ask for a reason, log the access, then show the data (J3.2)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from .errors import DomainError


def reason_gate(request, *, admin_site, title: str, subject_label: str, on_reason, form_class, opts):
    """GET shows a reason form; a valid POST calls on_reason(reason) and returns its response.

    on_reason must log the access (and raise NotPermitted if the staff member
    lacks the permission) before returning the data."""
    if not request.user.has_perm("accounts.reveal_personal_data"):
        raise PermissionDenied
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return on_reason(form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, str(error.message))
    return TemplateResponse(request, "admin/reveal_reason.html", {
        **admin_site.each_context(request), "title": title, "subject_label": subject_label, "form": form,
        "opts": opts,
    })
