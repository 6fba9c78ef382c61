"""How long before another SMS code may be sent (issue 20): the server's limits,
read back so the refusal says how many seconds remain and the "send code"
buttons count them down (static/js/sms-cooldown.js).

The limits themselves are allauth's (ACCOUNT_RATE_LIMITS["request_login_code"]
and ["verify_phone"] = SMS_CODE_RATE_LIMIT): per number and per client address,
kept in the shared cache as the times of the recent requests, newest first. This
module reads that record with allauth's own key function and never writes it."""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext

LOGIN_CODE = "request_login_code"
VERIFY_PHONE = "verify_phone"
CHANGE_PHONE_SESSION_KEY = "account_phone_verification"  # allauth's flows.phone_verification
_STAGE_FOR_URL = {"account_confirm_login_code": "login_by_code", "account_verify_phone": "verify_phone"}


def code_wait_seconds(request: HttpRequest, *, phone: str, action: str, now: float | None = None) -> int:
    """Seconds until `phone` may get another code through `action` from this client (0: now).

    For each exhausted limit, the request that must fall out of its window is the
    `amount`-th newest; the longest such wait is the answer."""
    from allauth.core.internal import ratelimit  # allauth==65.22.1, pinned: its cache key and rate parser

    now = time.time() if now is None else now
    wait = 0.0
    for rate in ratelimit.get_rates(app="allauth.account", action=action):
        if rate.per not in ("key", "ip"):
            continue
        cache_key = ratelimit.get_cache_key(request, app="allauth.account", action=action, rate=rate, key=phone)
        recent = [at for at in cache.get(cache_key, []) if at > now - rate.duration]
        if len(recent) >= rate.amount:
            wait = max(wait, recent[rate.amount - 1] + rate.duration - now)
    return max(0, math.ceil(wait))


def code_wait_message(seconds: int) -> str:
    """The refusal, with the time left: seconds for the cool-down, minutes for the hourly and daily limits."""
    if seconds <= 120:
        return ngettext("Please wait %(seconds)d second before asking for another code.",
                        "Please wait %(seconds)d seconds before asking for another code.", seconds) % {
            "seconds": seconds}
    minutes = math.ceil(seconds / 60)
    return gettext("Too many codes were asked for. You can ask for another one in %(minutes)d minutes "
                   "(%(seconds)d seconds).") % {"minutes": minutes, "seconds": seconds}


def phone_being_verified(request: HttpRequest) -> tuple[str, str] | None:
    """(number, action) of the code page being answered: a number change (session), a sign-up
    or sign-in stage (the stashed login); None elsewhere or for an e-mail code."""
    from allauth.account.internal.stagekit import unstash_login

    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match is not None else None
    if url_name not in _STAGE_FOR_URL:
        return None
    action = LOGIN_CODE if url_name == "account_confirm_login_code" else VERIFY_PHONE
    if action == VERIFY_PHONE:
        state = request.session.get(CHANGE_PHONE_SESSION_KEY) or {}
        if state.get("phone"):
            return state["phone"], action
    login = unstash_login(request, peek=True)
    if login is None:
        return None
    stage = login.state.get("stages", {}).get(_STAGE_FOR_URL[url_name], {})
    phone = stage.get("data", {}).get("phone")
    return (phone, action) if phone else None
