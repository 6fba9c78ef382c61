"""Signals settlements sends for genuinely decoupled reactions (DESIGN).

A payment dispute (S4.3) is opened, answered and decided here. Customer
service (the `support` app, above us) keeps a ticket for each one so the
student is followed up like any other case; settlements does not know that
support exists and needs nothing back from it. Sent inside the dispute's
transaction: a receiver's writes roll back with it."""

from django.dispatch import Signal

# kwargs: dispute (the PaymentDispute), key (its identity outside settlements,
# "payment_dispute:<pk>"), user (the student), job_title, summary (the student's words)
payment_dispute_opened = Signal()

# kwargs: dispute, key (as above), actor (the staff member who decided it, or the
# student who withdrew it), outcome (the words both sides read)
payment_dispute_closed = Signal()
