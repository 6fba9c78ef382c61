"""Staff screens for credit and sanctions, one module per part."""

from . import admin_credit, admin_register, admin_sanctions  # noqa: F401
