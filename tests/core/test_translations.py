"""zh-hans is the default language: the catalogue must be complete and clean."""

import re
import subprocess
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def _entries():
    text = PO.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)?\s*"(.*)"$', block.split("msgstr")[0], re.M))
        msgstr = "".join(re.findall(r'^(?:msgstr(?:\[\d\])?)?\s*"(.*)"$', "msgstr" + block.split("msgstr", 1)[1], re.M)) \
            if "msgstr" in block else ""
        yield block, msgid, msgstr


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = subprocess.run(["msgattrib", "--untranslated", str(PO)], capture_output=True, text=True)
    fuzzy = subprocess.run(["msgattrib", "--only-fuzzy", str(PO)], capture_output=True, text=True)
    assert "msgid" not in untranslated.stdout, untranslated.stdout[:2000]
    assert "msgid" not in fuzzy.stdout, fuzzy.stdout[:2000]


def test_translations_keep_every_placeholder():
    for block, msgid, msgstr in _entries():
        if not msgid:
            continue
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), block
