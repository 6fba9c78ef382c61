"""Fixtures for the employer tests (E1)."""

import pytest
from django.test import Client

from tests.factories.accounts import StaffFactory
from tests.factories.employers import EmployerFactory, EmployerMemberFactory, EmployerUserFactory, uscc_for
from tests.support.files import pdf_upload


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def _employer_storage_in_tmp(settings):
    """The private storage root of this test (tests/conftest.py points it at tmp_path)."""
    from pathlib import Path

    return Path(settings.PRIVATE_MEDIA_ROOT)


@pytest.fixture
def new_files(_employer_storage_in_tmp):
    """new_files() → the private files written since the test started."""

    def files() -> set:
        root = _employer_storage_in_tmp
        return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()

    before = files()
    return lambda: files() - before


@pytest.fixture
def employer_user(db):
    return EmployerUserFactory()


@pytest.fixture
def employer_client(employer_user):
    return client_for(employer_user)


@pytest.fixture
def employer(db):
    """A submitted employer with its owner."""
    return EmployerFactory()


@pytest.fixture
def approved_employer(db):
    return EmployerFactory(approved=True)


@pytest.fixture
def owner_client(employer):
    return client_for(employer.created_by)


@pytest.fixture
def member(employer):
    return EmployerMemberFactory(employer=employer)


@pytest.fixture
def moderator(db):
    return StaffFactory(role="moderator")


@pytest.fixture
def customer_service(db):
    return StaffFactory(role="customer_service")


@pytest.fixture
def registration_post():
    """A valid registration as the browser posts it (E1.1)."""

    def make(**overrides):
        data = {
            "name": "杭州青禾咖啡有限公司",
            "uscc": uscc_for(777),
            "address": "文三路 90 号",
            "city": "杭州市",
            "district": "西湖区",
            "business_scope": "咖啡馆经营；预包装食品销售",
            "contact_name": "李明",
            "contact_mobile": "13800138000",
            "business_licence": pdf_upload(),
        }
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not None}

    return make
