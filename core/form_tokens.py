"""One form render, one write (issue 21): Back after creating a job and sending the form again
made a second draft. A page that creates something puts a fresh token in its form; the first send
claims it (atomically, in the shared cache) and records what it made; a second send of the same
render finds the token used and is shown what the first one made instead of making it again.

A send that fails (invalid form, a refused rule) releases the token, so the corrected form, which
carries the same token, goes through."""

import re
import uuid

from django.core.cache import cache

FIELD = "form_token"
TTL_SECONDS = 24 * 60 * 60
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_IN_PROGRESS = "…"


def form_token_new() -> str:
    return uuid.uuid4().hex


def _key(scope: str, user_id: int, token: str) -> str:
    return f"form-token:{scope}:{user_id}:{token}"


def form_token_claim(*, scope: str, user_id: int, token: str) -> tuple[bool, str | None]:
    """(True, None): this render's first send, go ahead. (False, result): sent before; `result` is
    what that send recorded (form_token_done), or None while it is still being saved. A missing or
    malformed token (a page from before tokens) is let through."""
    if not _TOKEN.match(token or ""):
        return True, None
    key = _key(scope, user_id, token)
    if cache.add(key, _IN_PROGRESS, TTL_SECONDS):
        return True, None
    result = cache.get(key)
    return False, None if result in (None, _IN_PROGRESS) else str(result)


def form_token_done(*, scope: str, user_id: int, token: str, result: object) -> None:
    if _TOKEN.match(token or ""):
        cache.set(_key(scope, user_id, token), str(result), TTL_SECONDS)


def form_token_release(*, scope: str, user_id: int, token: str) -> None:
    if _TOKEN.match(token or ""):
        cache.delete(_key(scope, user_id, token))
