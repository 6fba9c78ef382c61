"""The sign-in backends: Django's and allauth's, reading the signed-in user with SQL
compiled once per process (accounts.selectors.user_by_id, core.compiled).

Every signed-in request reads its user by primary key before anything else; on the
student dashboard the ORM's `.get()` cost about as much Python as the page's own
reads (student_dashboard_rps_ratio in bench/specs.py). Which users may sign in is
unchanged: `user_can_authenticate` (active accounts only) still decides."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from .selectors import user_by_id


class CompiledGetUser:
    def get_user(self, user_id):
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(CompiledGetUser, DjangoModelBackend):
    """Email and password (the admin's sign-in form and `force_login`)."""


class AuthenticationBackend(CompiledGetUser, AllauthBackend):
    """allauth's sign-in by email or mobile number."""
