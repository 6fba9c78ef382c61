"""Field and model names Django made up from attribute names ("decided_at" → "decided at",
PatrolRun → "patrol run") are plain English strings the catalogue never translates: the admin
showed "Decided at:" and "Patrol runs" on Chinese pages (issue 21). At start-up they are made
lazy translations of themselves, so the zh-hans catalogue translates them; migrations are not
affected (they read the declared names: Field._verbose_name, Meta.original_attrs)."""

from django.apps import apps
from django.utils.translation import gettext_lazy

PROJECT_APPS = ("core", "accounts", "employers", "jobs", "applications", "settlements", "finance", "backoffice",
                "reviews", "risk", "moderation", "support", "operations")


def made_up_labels() -> list[tuple[object, str]]:
    """(owner, attribute) of every name Django made up in the project's apps."""
    found: list[tuple[object, str]] = []
    for model in apps.get_models():
        opts = model._meta
        if opts.app_label not in PROJECT_APPS:
            continue
        if "verbose_name" not in opts.original_attrs:
            found.append((opts, "verbose_name"))
        if "verbose_name_plural" not in opts.original_attrs:
            found.append((opts, "verbose_name_plural"))
        for field in opts.get_fields(include_hidden=False):
            if getattr(field, "concrete", False) and getattr(field, "_verbose_name", "") is None:
                found.append((field, "verbose_name"))
    return found


_done = False


def translate_made_up_labels() -> None:
    """Once, at start-up (CoreConfig.ready): the made-up names are still English there (a plural
    Django made is format_lazy("{}s", name) of the plain made-up name)."""
    global _done
    if _done:
        return
    _done = True
    for owner, attribute in made_up_labels():
        english = str(getattr(owner, attribute))  # plain made-up strings: no catalogue involved
        setattr(owner, attribute, gettext_lazy(english))  # the made-up English is the msgid
