"""Staff screens of operations, one module per part."""

from . import admin_health, admin_staff  # noqa: F401
