"""J3.1: no control characters in what users type. Every single-line text field of
every form (the project's, the admin's, allauth's) refuses CR, LF, NUL and every
other Cc character; multi-line fields (textareas) keep their line breaks but refuse
the rest. A job title "活动助理\r\nBcc: …" used to be stored and then broke every
e-mail whose subject quoted it."""

import importlib
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from django.utils import translation

from core.forms import control_characters_check
from jobs.models import Job
from tests.jobs.test_employer_pages import _frozen_time, client, employer, owner, posting  # noqa: F401

PROJECT_APPS = ("core", "accounts", "employers", "jobs", "applications", "settlements", "finance", "reviews",
                "risk", "moderation", "support", "operations", "config")
THIRD_PARTY = ("allauth", "django.contrib.auth", "django.contrib.admin")
SINGLE_LINE_ZH = "此字段不允许包含换行符或控制字符。"
MULTI_LINE_ZH = "此处不允许包含控制字符（如 NUL）。"


def _import_every_project_module():
    """Load every module of the project's apps (and allauth's forms) so that
    BaseForm.__subclasses__() sees every form class."""
    get_resolver().url_patterns  # noqa: B018 - the URLconf imports the views and their forms
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".management" in info.name or info.name.startswith("config.settings"):
                continue
            importlib.import_module(info.name)
    for name in ("allauth.account.forms", "allauth.mfa.base.forms", "allauth.mfa.totp.forms",
                 "allauth.mfa.recovery_codes.forms", "django.contrib.auth.forms", "django.contrib.admin.forms"):
        importlib.import_module(name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _admin_forms():
    """The ModelForm each registered ModelAdmin builds for its add page."""
    from accounts.models import User

    request = RequestFactory().get("/admin/")
    request.user = User(is_staff=True, is_superuser=True, is_active=True)
    built = []
    for model, model_admin in admin.site._registry.items():
        built.append((f"admin:{model._meta.label}", model_admin.get_form(request, None)))
    return built


def every_form():
    _import_every_project_module()
    found = {}
    for form_class in _subclasses(forms.BaseForm):
        module = form_class.__module__
        if module.startswith(tuple(f"{app}." for app in PROJECT_APPS) + THIRD_PARTY):
            found[f"{module}.{form_class.__qualname__}"] = form_class
    found.update(dict(_admin_forms()))
    return found


def text_fields(form_class):
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.CharField):
            yield name, field


def _is_text(field) -> bool:
    """Whether the field's cleaned value is text (amount, UUID and JSON fields refuse
    anything but their own syntax, control characters included, before this rule)."""
    try:
        return isinstance(field.to_python("ab"), str)
    except ValidationError:
        return False


def _refusal(field, value) -> ValidationError | None:
    try:
        field.clean(value)
    except ValidationError as error:
        return error
    return None


FORMS = every_form()


def test_j3_1_the_walk_finds_the_forms_that_matter():
    # the project's own, the admin's and allauth's sign-up (the project's subclass) are all walked
    names = set(FORMS)
    assert "jobs.forms_employer.JobForm" in names
    assert "accounts.forms.StudentSignupForm" in names
    assert any(name.startswith("allauth.account.forms.") for name in names)
    assert "admin:jobs.Job" in names and "admin:accounts.User" in names
    assert sum(1 for form in FORMS.values() for _ in text_fields(form)) > 100


@pytest.mark.parametrize("form_name", sorted(FORMS))
def test_j3_1_every_single_line_field_refuses_line_breaks_and_control_characters(form_name):
    form_class = FORMS[form_name]
    for name, field in text_fields(form_class):
        multiline = isinstance(field.widget, forms.Textarea)
        for value in (("ab\x1b[2Jcd", "ab\x00cd") if multiline else ("活动\r\nBcc: x@example.com", "ab\ncd",
                                                                   "ab\rcd", "ab\x00cd", "ab\x07cd", "ab\x85cd")):
            with translation.override("zh-hans"):
                error = _refusal(field, value)
                assert error is not None, f"{form_name}.{name} accepted {value!r}"
                if _is_text(field):
                    assert error.code == "control_characters" or "control_characters" in [
                        e.code for e in error.error_list], f"{form_name}.{name}: {error.messages}"
                    assert (MULTI_LINE_ZH if multiline else SINGLE_LINE_ZH) in error.messages
        if multiline:  # line breaks and tabs stay
            refusal = _refusal(field, "第一行\r\n第二行\t完")
            assert refusal is None or "control_characters" not in [e.code for e in refusal.error_list], (
                f"{form_name}.{name} refused a line break in a textarea")


def test_j3_1_the_rule_itself():
    control_characters_check("活动助理 兼职", multiline=False)
    control_characters_check("第一行\r\n\t第二行", multiline=True)
    for value in ("a\rb", "a\nb", "a\tb", "a\x00b", "a\x7fb", "a\u2028b"):
        with pytest.raises(ValidationError):
            control_characters_check(value, multiline=False)
    for value in ("a\x00b", "a\x1bb", "a\x0bb", "a\x9bb"):
        with pytest.raises(ValidationError):
            control_characters_check(value, multiline=True)


@pytest.mark.django_db
def test_j3_1_a_job_title_with_an_injected_header_is_refused_and_nothing_is_stored(client):  # noqa: F811
    # when: the reported probe
    response = client.post(reverse("jobs:employer_job_new"),
                           posting(title="活动助理\r\nBcc: victim@example.com"))
    # then: a field error, no job
    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_j3_1_allauth_signup_refuses_control_characters_in_the_email(client):  # noqa: F811
    client.logout()
    response = client.post(reverse("account_signup"), {"email": "a@example.com\r\nBcc: b@example.com",
                                                       "password1": "Xy7!long-enough-pass",
                                                       "password2": "Xy7!long-enough-pass"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not apps.get_model(settings.AUTH_USER_MODEL).objects.filter(email__startswith="a@example.com").exists()


