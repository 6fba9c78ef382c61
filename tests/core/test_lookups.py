"""`__any_of`: the same rows as `__in`, with one array parameter on PostgreSQL."""

import pytest
from django.db import connection

from tests.factories.accounts import StudentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_any_of_finds_the_same_rows_as_in():
    from accounts.models import User

    users = [UserFactory() for _ in range(3)]
    wanted = [users[0].pk, users[2].pk, 10**9]
    assert (sorted(User.objects.filter(pk__any_of=wanted).values_list("pk", flat=True))
            == sorted(User.objects.filter(pk__in=wanted).values_list("pk", flat=True))
            == [users[0].pk, users[2].pk])
    assert not User.objects.filter(pk__any_of=[]).exists()


def test_any_of_works_across_a_relation():
    from accounts.models import StudentProfile

    profile = StudentProfileFactory()
    assert list(StudentProfile.objects.filter(user__any_of=[profile.user_id]).values_list("pk", flat=True)) == [
        profile.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array form is PostgreSQL's")
def test_any_of_sends_one_parameter_on_postgresql():
    from accounts.models import User

    sql, params = User.objects.filter(pk__any_of=list(range(1000))).query.sql_with_params()
    assert "= ANY(%s)" in sql and len(params) == 1 and len(params[0]) == 1000
