"""The names of the staff roles (P1), in the lowest layer: every app, core too, declares in its
AppConfig which of its permissions each role gets (`role_permissions`), so every app must see
the names. accounts defines the role groups themselves (labels, the sync; accounts.roles)."""

MODERATOR = "moderator"
CUSTOMER_SERVICE = "customer_service"
OPERATIONS = "operations"
FINANCE = "finance"
AUDITOR = "auditor"
MANAGER = "manager"
