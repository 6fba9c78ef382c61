"""Shared fixtures: staff clients that passed MFA, private media in a temp folder."""

import os
import time

import pytest
from django.test import Client

from tests.factories.accounts import StaffFactory, StudentProfileFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    """The chaos test (issue 22) starts a cluster of its own for up to five minutes: CI runs it
    (CI=true), `make chaos` runs it alone (CHAOS=1); a developer's `make test` skips it."""
    if os.environ.get("CI") == "true" or os.environ.get("CHAOS") == "1":
        return
    skip = pytest.mark.skip(reason="the chaos test runs with CI=true or CHAOS=1 (make chaos)")
    for item in items:
        if item.get_closest_marker("chaos") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    """The per-process cache (facets, cached form fragments) must not leak between tests."""
    from django.core.cache import caches

    caches["local"].clear()
    yield
    caches["local"].clear()


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # Tests read messages in English unless they switch language themselves.
    settings.LANGUAGE_CODE = "en"


def login_with_mfa(client: Client, user) -> Client:
    """Sign a user in as if they passed allauth's password and TOTP stages."""
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


@pytest.fixture
def staff_client(db):
    """staff_client("moderator") → (client signed in with MFA, staff user)."""

    def make(role: str):
        user = StaffFactory(role=role)
        return login_with_mfa(Client(), user), user

    return make


@pytest.fixture
def admin_client_for(staff_client):
    def make(role: str):
        client, _user = staff_client(role)
        return client

    return make


@pytest.fixture
def student(db):
    return UserFactory(kind="student")


@pytest.fixture
def student_client(student):
    client = Client()
    client.force_login(student)
    return client


@pytest.fixture
def approved_student(db):
    return StudentProfileFactory(approved=True)


def pytest_terminal_summary(terminalreporter):
    from tests.security import probe_stats

    if probe_stats.TOTAL["probes"]:
        terminalreporter.write_line(f"access matrix: {probe_stats.TOTAL['probes']} probes, all refused")


@pytest.fixture(scope="module")
def migration_data_restored(django_db_setup, django_db_blocker):
    """For modules of transactional tests (real commits, several connections): the
    database is flushed after each, so put back the rows the data migrations
    created (staff roles, policy, reason templates) for the tests that follow, in
    this session or a --reuse-db one. Use with
    `pytestmark = pytest.mark.usefixtures("migration_data_restored")`."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        default = connections["default"]
        contents = getattr(default, "_test_serialized_contents", None)
        if contents:
            default.creation.deserialize_db_from_string(contents)
        default.close()



@pytest.fixture(autouse=True)
def _content_type_ids_of_this_database(request):
    """The migration test (tests/upgrades) rebuilds the database from nothing, so the content
    type ids cached in this process may not be those of the database a transactional test
    restores: such tests start with an empty cache (ordinary tests keep it, and their query counts)."""
    marker = request.node.get_closest_marker("django_db")
    if (marker is not None and marker.kwargs.get("transaction")) or "live_server" in request.fixturenames:
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
