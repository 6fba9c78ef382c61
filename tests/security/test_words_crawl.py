"""The words crawler (issue 21): every principal of the access matrix (anonymous, students,
employers, each staff role) signs in and reads every page the matrix knows (the site's pages,
the objects they own, the admin's index, changelists and change forms), in zh-hans. It fails on
any 500 and on what gives a Chinese page away as unfinished: "None", "example.com", Django's
"变量" texts, numbers in scientific notation, and English words outside the allow-list
(tests/security/words.py) and outside the known leftovers below, which may only shrink.

The same crawl in English (each page once) fails on Chinese outside the data: the texts stored in
the database (what users wrote, place names, the lexicon) pass; what the templates and the code
say does not, unless marked lang="zh…" (the brand, the operator's registered names) or a Chinese
gloss or example in an English sentence (tests/security/words.py)."""

import collections
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.security import routes as registry
from tests.security.test_access_matrix import ALL_ROUTES, PRINCIPALS, World, world  # noqa: F401 (fixture)
from tests.security.words import HAN, chinese_findings, findings

# Not pages: side effects, files, redirects only.
NOT_PAGES = {"account_logout", "set_language", "core:healthz", "core:robots", "core:inbox_mark_read"}
# English still on pages today, word by word (lower case), recorded by the first crawl: raw codes
# and English __str__ of records in the admin (ledger keys, credit event kinds, policy names,
# statuses in parentheses), notifications stored in English, the compliance lexicon's English
# patterns. A word outside this list fails the test; remove words as pages are fixed, and rewrite
# the list only on purpose: WORDS_CRAWL_RECORD=1 pytest tests/security/test_words_crawl.py
LEFTOVERS_FILE = Path(__file__).with_name("words_leftovers.txt")
KNOWN_LEFTOVERS = set(LEFTOVERS_FILE.read_text(encoding="utf-8").split()) if LEFTOVERS_FILE.exists() else set()


def _client(the_world: World, principal: str, language: str = "zh-hans") -> Client:
    client = the_world.client_for(principal)
    client.raise_request_exception = False  # a 500 is a finding like the others
    client.cookies["jianzhi_language"] = language
    return client


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def stored_chinese() -> set[str]:
    """The Chinese runs of every text stored in the database, read through the models (encrypted
    fields decrypted): what users wrote, and the data seeded in Chinese by nature (place names,
    the compliance lexicon, search synonyms, the Chinese column of the bilingual FAQ)."""
    runs: set[str] = set()
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if f.get_internal_type() in (
            "CharField", "TextField", "JSONField", "EmailField", "SlugField")]
        if not fields:
            continue
        for row in model._base_manager.all().iterator():
            for field in fields:
                for text in _strings(field.value_from_object(row)):
                    runs.update(HAN.findall(text))
    return runs


def _owned(owners, principal: str) -> bool:
    return principal in (owners if isinstance(owners, tuple) else (owners,))


def pages_for(the_world: World, principal: str) -> list[str]:
    user = the_world.users.get(principal)
    urls = []
    for route in ALL_ROUTES:
        if route.params or route.name in NOT_PAGES or not route.name:
            continue
        if route.name in registry.PUBLIC or (user is not None and route.name in registry.PROTECTED):
            try:
                urls.append(reverse(route.name))
            except NoReverseMatch:
                continue
    urls += [reverse(name, kwargs=kwargs) for name, (owners, kwargs) in the_world.files.items()
             if _owned(owners, principal)]
    if user is not None and user.is_staff:
        urls.append(reverse("admin:index"))
        for model in admin.site._registry:
            opts = model._meta
            if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}") and not user.has_perm(
                    f"{opts.app_label}.change_{opts.model_name}"):
                continue
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            obj = the_world.objects.get(model) or model._default_manager.order_by("pk").first()
            if obj is not None:
                urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    return list(dict.fromkeys(urls))


@pytest.mark.django_db
def test_i21_every_page_reads_in_chinese_for_every_role(world, settings):  # noqa: F811 (the matrix's world)
    settings.LANGUAGE_CODE = "zh-hans"
    problems: list[str] = []
    english: set[str] = set()
    crawled: collections.Counter = collections.Counter()
    for principal in PRINCIPALS:
        client = _client(world, principal)
        for url in pages_for(world, principal):
            response = client.get(url)
            if response.status_code >= 500:
                problems.append(f"{principal} {url}: {response.status_code}")
                continue
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            crawled[principal] += 1
            for kind, words, context in findings(response.content.decode()):
                if kind != "English":
                    problems.append(f"{principal} {url}: {kind}: {context}")
                    continue
                found = {w.lower() for w in words}
                english |= found
                if found - KNOWN_LEFTOVERS:
                    problems.append(f"{principal} {url}: English {sorted(found - KNOWN_LEFTOVERS)}: {context}")
    print(f"words crawl: pages per principal {dict(crawled)}, {sum(crawled.values())} in all; English words "
          f"left {len(english)}, of them fixed since recorded {len(KNOWN_LEFTOVERS - english)}")  # noqa: T201
    if os.environ.get("WORDS_CRAWL_RECORD"):
        LEFTOVERS_FILE.write_text("\n".join(sorted(english)) + "\n", encoding="utf-8")
        problems = [p for p in problems if ": English [" not in p]
    assert all(crawled[p] for p in PRINCIPALS), crawled
    assert not problems, "\n".join(sorted(set(problems))[:200])


@pytest.mark.django_db
def test_i21_every_page_reads_in_english_without_chinese_outside_user_text(world):  # noqa: F811
    user_text = "\n".join(stored_chinese())
    problems: list[str] = []
    crawled: collections.Counter = collections.Counter()
    seen: set[str] = set()  # each page once, read by the first principal who may open it: words do not vary by role
    for principal in PRINCIPALS:
        client = _client(world, principal, "en")
        for url in pages_for(world, principal):
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            if response.status_code >= 500:
                problems.append(f"{principal} {url}: {response.status_code}")
                continue
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            crawled[principal] += 1
            html = response.content.decode()
            assert "<html" not in html[:300] or '<html lang="en"' in html[:300], f"{principal} {url} is not in English"
            for kind, runs, context in chinese_findings(html, user_text=user_text):
                problems.append(f"{principal} {url}: {kind} {runs}: {context}")
    print(f"english crawl: pages per principal {dict(crawled)}, {sum(crawled.values())} in all, "  # noqa: T201
          f"{len(problems)} findings")
    assert all(crawled[p] for p in ("anonymous", "student_a", "employer_a", "moderator")), crawled
    assert not problems, "\n".join(sorted(set(problems))[:300])


def test_i21_the_english_check_sees_chinese_in_the_page_but_not_in_data_marks_or_glosses():
    page = ('<html lang="en"><body><a class="brand"><span lang="zh-Hans">兼职</span> Jianzhi</a>'
            "<p>Service agreement (劳务协议)</p><p>City, e.g. 上海市、杭州市</p><p>漕溪北路 88 号</p>"
            '<button title="提交">Send</button><p>已提交</p><p>Status（pending）</p></body></html>')
    found = chinese_findings(page, user_text="漕溪北路\n号")
    assert found == [("Chinese", ["提交"], "提交"), ("Chinese", ["已提交"], "已提交"),
                     ("full-width punctuation", [], "Status（pending）")]
