"""Domain errors: what a user can cause. Views turn them into messages or form
errors; they never become a 500."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DomainError(Exception):
    """A rule the user's request broke; `message` is translated and shown to them."""

    default_message: StrOrPromise = _("This action is not allowed.")

    def __init__(self, message: StrOrPromise | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class NotPermitted(DomainError):
    default_message = _("You do not have permission to do this.")


class InvalidTransition(DomainError):
    default_message = _("This was changed in the meantime and this action no longer applies. Reload the page to "
                        "see where it stands.")


class ReasonRequired(DomainError):
    default_message = _("Please give a reason.")

    def __init__(self, message: StrOrPromise | None = None) -> None:
        super().__init__(message, field="reason")


class InvalidUpload(DomainError):
    default_message = _("This file cannot be accepted.")
