"""Signals applications sends for genuinely decoupled reactions (DESIGN).

`case_opened`: a student contested a no-show or disputed hours. Customer
service (the `support` app, above us) opens a ticket for it; applications
itself keeps the rule and the decision."""

from django.dispatch import Signal

# kwargs: kind ("no_show_contest" | "hours_dispute"), user (the student),
# subject (the Attendance), summary (the student's words)
case_opened = Signal()

# kwargs: kind (as for case_opened), subject (the Attendance), actor (the staff
# member who decided), outcome (the reason given). Support resolves its ticket.
case_decided = Signal()
