"""Staff sessions (J3): a staff session ends after STAFF_SESSION_IDLE_SECONDS
without a request, STAFF_SESSION_MAX_SECONDS after signing in, and when the
browser closes — "remember me" does not apply to staff. Students and employers
keep the sessions they ask for.

The session carries when the staff member signed in and when they were last
seen; the last-seen time is written at most once a minute (SEEN_RESOLUTION), so
a session may end up to a minute early, never late."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext as _

STARTED, SEEN = "staff_session_started", "staff_session_seen"
SEEN_RESOLUTION = 60  # seconds


def _is_staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff)


def staff_session_expired(session, now: float) -> bool:
    started = session.get(STARTED)
    if started is None:  # a session from before this rule: it starts now
        return False
    seen = session.get(SEEN, started)
    return (now - started > settings.STAFF_SESSION_MAX_SECONDS
            or now - seen > settings.STAFF_SESSION_IDLE_SECONDS)


def _keep(session, now: float) -> None:
    """Mark the session as a staff session seen now, ending with the browser."""
    session.setdefault(STARTED, now)
    if now - session.get(SEEN, 0) >= SEEN_RESOLUTION:
        session[SEEN] = now
    if session.get("_session_expiry") != 0:  # allauth's "remember me" set a lifetime: undo it
        session.set_expiry(0)


@receiver(user_logged_in, dispatch_uid="staff_session_start")
def staff_session_start(sender, request, user, **kwargs):
    """Every sign-in starts the clock again, even in a session the same person had."""
    if request is not None and hasattr(request, "session") and _is_staff(user):
        now = time.time()
        request.session[STARTED] = request.session[SEEN] = now
        request.session.set_expiry(0)


class StaffSessionMiddleware:
    """An expired staff session is signed out before the view runs: the request
    goes on as an anonymous visitor's (a protected page sends them to sign in),
    with a message saying why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _is_staff(getattr(request, "user", None)) and staff_session_expired(request.session, time.time()):
            logout(request)
            messages.info(request, _("Your staff session has ended. Please sign in again."))
        response = self.get_response(request)
        # After the view: a sign-in during this request (allauth sets "remember me" after it) is kept too.
        if _is_staff(getattr(request, "user", None)):
            _keep(request.session, time.time())
        return response
