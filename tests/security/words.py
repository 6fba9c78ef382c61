"""What a zh-hans page must not show (issue 21): English words outside an allow-list, "None",
"example.com", Django's stock "变量" texts, numbers in scientific notation. Used by the crawler
test (tests/security/test_words_crawl.py); `findings(html)` lists what it found, with context.

What an English page must not show: Chinese outside what users wrote (`chinese_findings`), text
marked lang="zh…" aside (the language switch's 中文, names written in Chinese on purpose)."""

import re
from html.parser import HTMLParser

# Words that stay as they are on a Chinese page: the brand, file formats, units and standard
# abbreviations, and the names of the languages in the language switch.
ALLOWED = {
    "jianzhi", "english", "pdf", "jpeg", "jpg", "png", "webp", "xlsx", "csv", "svg", "qr", "totp", "url", "id",
    "api", "sla", "kri", "uscc", "cny", "alipay", "email", "e-mail", "wifi", "app", "http", "https", "www", "ok",
    "json", "ip", "sms", "chsi", "ai", "faq", "utc", "gps", "vs", "ltd", "co",
    "ktv",  # 卡拉OK venues are called KTV in Chinese too (the minors declaration, docs/minors.md)
}
_SKIP_TAGS = {"script", "style", "svg", "code", "pre", "textarea", "symbol", "noscript", "template"}
# Attributes a reader sees or hears.
_SEEN_ATTRIBUTES = {"title", "placeholder", "aria-label"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")
_NOT_WORDS = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"            # e-mail addresses (user data)
    r"|https?://\S+|www\.\S+|/[\w/.-]+"       # addresses and paths
    r"|\b[A-Z]{1,4}\d+(\.\d+)*\b"              # requirement IDs, codes (J1.4, E2.2)
    r"|\b[A-Z0-9]{2,}(-[A-Z0-9]+)+\b"          # references (JZ-2026-0001)
    r"|\b\w*\d\w*\b")                          # tokens with digits (hashes, references)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_SCIENTIFIC = re.compile(r"\b\d(\.\d+)?E[+-]\d+\b")
# Chinese characters (CJK unified ideographs, extension A, compatibility) and full-width punctuation.
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# In an English sentence, the Chinese term in brackets ("Service agreement (劳务协议)", "CHSI (学信网)")
# and the examples of what to type ("e.g. 上海市、杭州市") are meant to be Chinese.
_GLOSSES = re.compile(r"(?<=[A-Za-z.,:;] )[(（][^()（）]*[\u3400-\u9fff][^()（）]*[)）]"
                      r"|\be\.g\.,? [^.;]*[\u3400-\u9fff][^;]*?(?=\.\s|\.$|;|$)")
_FULL_WIDTH_PUNCTUATION = re.compile(r"[\u3001\u3002\u300a-\u3011\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f]")


class _Text(HTMLParser):
    def __init__(self, *, skip_chinese_marked: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._skip_chinese_marked = skip_chinese_marked
        self._chinese: list[list] = []  # [tag, nesting] of the open elements marked lang="zh…"

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skip += 1
        attributes = dict(attrs)
        if self._chinese and self._chinese[-1][0] == tag:
            self._chinese[-1][1] += 1
        elif self._skip_chinese_marked and (attributes.get("lang") or "").lower().startswith("zh"):
            self._chinese.append([tag, 1])
        if self._chinese:
            return
        for name in _SEEN_ATTRIBUTES:
            if attributes.get(name):
                self.parts.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        if self._chinese and self._chinese[-1][0] == tag:
            self._chinese[-1][1] -= 1
            if not self._chinese[-1][1]:
                self._chinese.pop()

    def handle_data(self, data):
        if not self._skip and not self._chinese and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str, *, skip_chinese_marked: bool = False) -> list[str]:
    parser = _Text(skip_chinese_marked=skip_chinese_marked)
    parser.feed(html)
    return parser.parts


def chinese_findings(html: str, *, user_text: str = "") -> list[tuple[str, list[str], str]]:
    """What an English page shows in Chinese outside what users wrote, as (kind, runs, context).
    `user_text`: the Chinese runs of the texts users (the fixtures) entered, one per line; a run on
    the page passes when it is part of one of them (a truncated title, a masked name: 张*)."""
    found = []
    for part in visible_text(html, skip_chinese_marked=True):
        runs = [run for run in HAN.findall(_GLOSSES.sub(" ", part)) if run not in user_text]
        if runs:
            found.append(("Chinese", runs, part[:80]))
        elif not HAN.search(part) and _FULL_WIDTH_PUNCTUATION.search(part):
            found.append(("full-width punctuation", [], part[:80]))
        if _SCIENTIFIC.search(part):
            found.append(("scientific notation", [], part[:80]))
    return found


def findings(html: str, *, allowed_text: frozenset[str] = frozenset()) -> list[tuple[str, list[str], str]]:
    """What the page shows that a zh-hans reader should not see, as (kind, words, context).
    `allowed_text`: user-entered strings of the fixtures, left out before the check."""
    found = []
    for part in visible_text(html):
        text = part
        for user_text in allowed_text:
            text = text.replace(user_text, " ")
        context = part[:80]
        if "example.com" in _EMAIL.sub(" ", text):  # the fixtures' users have example.com addresses
            found.append(("example.com", [], context))
        if "变量" in text:
            found.append(("变量", [], context))
        if _SCIENTIFIC.search(text):
            found.append(("scientific notation", [], context))
        if re.search(r"\bNone\b", text):
            found.append(("None", [], context))
        words = [w for w in _WORD.findall(_NOT_WORDS.sub(" ", text)) if w.lower().strip("'’-") not in ALLOWED]
        if words:
            found.append(("English", words, context))
    return found
