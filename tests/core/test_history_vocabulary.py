"""History reads in words (DESIGN: state changes; P2: staff and users read what happened):
every record with a state machine declares the vocabulary of its history, every
transition it can run is in it, and every word of it is translated."""

import pytest
from django.apps import apps
from django.utils import translation
from django_fsm import FSMFieldMixin

from core.history import _STRICT

STATEFUL = [model for model in apps.get_models()
            if any(isinstance(f, FSMFieldMixin) for f in model._meta.concrete_fields)]


def test_history_vocabulary_is_enforced_for_every_record():
    assert _STRICT, "every model with history declares history_actions; the lenient mode is gone"


@pytest.mark.parametrize("model", STATEFUL, ids=lambda m: m._meta.label)
def test_every_state_machine_declares_its_history_vocabulary(model):
    actions = getattr(model, "history_actions", None)
    assert actions is not None, f"{model._meta.label} has a state machine but no history_actions"


@pytest.mark.parametrize("model", STATEFUL, ids=lambda m: m._meta.label)
def test_every_transition_of_a_state_machine_is_a_word_of_its_vocabulary(model):
    """A transition run through core.transitions records its method name unless the
    service names it otherwise; either way the name must be a word readers see translated."""
    actions = getattr(model, "history_actions", None)
    if actions is None:
        pytest.skip("no vocabulary: the test above fails")
    fields = [f for f in model._meta.concrete_fields if isinstance(f, FSMFieldMixin)]
    names = {t.name for field in fields for t in field.get_all_transitions(model)}
    assert names <= set(actions.values), f"{model._meta.label}: {sorted(names - set(actions.values))}"


def test_every_history_word_reads_in_chinese():
    vocabularies = {getattr(m, "history_actions", None) for m in apps.get_models()} - {None}
    untranslated = []
    for actions in vocabularies:
        for member in actions:
            with translation.override("en"):
                english = str(member.label)
            with translation.override("zh-hans"):
                chinese = str(member.label)
            if chinese == english:
                untranslated.append(f"{actions.__name__}.{member.name}")
    assert not untranslated, untranslated
