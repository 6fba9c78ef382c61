"""Every free-text field another user reads passes the one gate (G2, J1.4).

Walks every form class in every forms module of the project's apps, as the
access matrix walks the URLs: a text field is either screened
(`core.screening.ScreenedFormMixin`, listed in `screened_fields`) or declared in
`tests/security/screened_texts.py` with the reason nobody else reads it. A new
form that writes student-visible text without the gate fails here."""

import importlib
import inspect
import pkgutil
from pathlib import Path

from django import forms
from django.apps import apps
from django.conf import settings

from core import screening
from core.screening import ScreenedFormMixin
from tests.security import screened_texts as registry


def _project_form_classes() -> list[type]:
    root = Path(settings.BASE_DIR).resolve()
    found = []
    for app in apps.get_app_configs():
        path = Path(app.path).resolve()
        # The project's own apps: a virtualenv inside the checkout (make's .venv) holds Django's and
        # allauth's, which are not ours to screen.
        if not path.is_relative_to(root) or "site-packages" in path.parts:
            continue
        for module_info in pkgutil.iter_modules([app.path]):
            if not module_info.name.startswith("forms"):
                continue
            module = importlib.import_module(f"{app.name}.{module_info.name}")
            found += [cls for _name, cls in inspect.getmembers(module, inspect.isclass)
                      if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__]
    return found


FORMS = _project_form_classes()


def _text_fields(cls) -> list[str]:
    return [name for name, field in cls.base_fields.items()
            if isinstance(field, forms.CharField) and not isinstance(field, forms.EmailField)]


def _dotted(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_g2_every_text_field_of_every_form_is_screened_or_declared_private():
    # given: every form of the project's apps
    assert len(FORMS) > 50, "the walk found too few forms: is BASE_DIR right?"
    unscreened = []
    for cls in FORMS:
        screened = set(cls.screened_fields) if issubclass(cls, ScreenedFormMixin) else set()
        for name in _text_fields(cls):
            if name in screened or _dotted(cls) in registry.NOT_SCREENED \
                    or f"{_dotted(cls)}.{name}" in registry.NOT_SCREENED:
                continue
            unscreened.append(f"{_dotted(cls)}.{name}")
    # then
    assert not unscreened, (
        "These text fields reach no gate. Screen them (core.screening.ScreenedFormMixin) or declare in "
        "tests/security/screened_texts.py why no other user reads them:\n" + "\n".join(unscreened))


def test_g2_the_registry_names_no_form_or_field_that_does_not_exist():
    known = {_dotted(cls) for cls in FORMS} | {f"{_dotted(cls)}.{n}" for cls in FORMS for n in _text_fields(cls)}
    stale = set(registry.NOT_SCREENED) - known
    assert not stale, f"Remove stale entries from tests/security/screened_texts.py: {sorted(stale)}"


def test_g2_screened_forms_name_their_door_and_fields_that_exist():
    for cls in FORMS:
        if issubclass(cls, ScreenedFormMixin):
            assert cls.gate_door, f"{_dotted(cls)} screens without naming its door"
            assert set(cls.screened_fields) <= set(cls.base_fields), f"{_dotted(cls)} screens unknown fields"
            assert not {f"{_dotted(cls)}.{n}" for n in cls.screened_fields} & set(registry.NOT_SCREENED)


def test_g2_services_that_write_text_for_others_call_the_gate():
    # The services are the gate of record for the doors that hold flagged text.
    for dotted, helper in registry.SCREENED_SERVICES.items():
        module_name, name = dotted.rsplit(".", 1)
        module = importlib.import_module(module_name)
        service, screening_helper = (inspect.getsource(getattr(module, n)) for n in (name, helper))
        assert f"{helper}(" in service and "gate_check(" in screening_helper, (
            f"{dotted} writes text for another user without core.screening.gate_check")


def test_g2_every_door_that_holds_text_has_a_moderator_decision():
    # given: the doors registered in the apps' ready()
    doors = screening.doors()
    # then: a held text can always be delivered or dropped
    for name in ("applications.schedule_change", "applications.invitation", "reviews.answer"):
        assert doors[name].on_clear and doors[name].on_reject, name
    assert "jobs.lexicon" in screening._screeners
