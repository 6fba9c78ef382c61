"""A reusable admin flow: ask for a reason, log the access, then show the data (J3.2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.db.models.options import Options
from django.http import HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse

from .errors import DomainError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def reason_gate(
    request: HttpRequest, *, admin_site: AdminSite, title: StrOrPromise, subject_label: StrOrPromise,
    on_reason: Callable[[str], HttpResponseBase], form_class: type[forms.Form], opts: Options[Any],
) -> HttpResponseBase:
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
