"""History reads in words (DESIGN: state changes; P2: staff and users read what happened):
every record with a state machine declares the vocabulary of its history (core.history
refuses to record a word outside it), and every word of it is translated."""

import pytest
from django.apps import apps
from django.utils import translation
from django_fsm import FSMFieldMixin

STATEFUL = [model for model in apps.get_models()
            if any(isinstance(f, FSMFieldMixin) for f in model._meta.concrete_fields)]


@pytest.mark.parametrize("model", STATEFUL, ids=lambda m: m._meta.label)
def test_every_state_machine_declares_its_history_vocabulary(model):
    actions = getattr(model, "history_actions", None)
    assert actions is not None, f"{model._meta.label} has a state machine but no history_actions"


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
