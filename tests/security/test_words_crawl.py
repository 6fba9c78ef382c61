"""The words crawler (issue 21): every principal of the access matrix (anonymous, students,
employers, each staff role) signs in and reads every page the matrix knows (the site's pages,
the objects they own, the admin's index, changelists and change forms), in zh-hans. It fails on
any 500 and on what gives a Chinese page away as unfinished: "None", "example.com", Django's
"变量" texts, numbers in scientific notation, and English words outside the allow-list
(tests/security/words.py) and outside the known leftovers below, which may only shrink."""

import collections
import os
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.security import routes as registry
from tests.security.test_access_matrix import ALL_ROUTES, PRINCIPALS, World, world  # noqa: F401 (fixture)
from tests.security.words import findings

# Not pages: side effects, files, redirects only.
NOT_PAGES = {"account_logout", "set_language", "core:healthz", "core:robots", "core:inbox_mark_read"}
# English still on pages today, word by word (lower case), recorded by the first crawl: raw codes
# and English __str__ of records in the admin (ledger keys, credit event kinds, policy names,
# statuses in parentheses), notifications stored in English, the compliance lexicon's English
# patterns. A word outside this list fails the test; remove words as pages are fixed, and rewrite
# the list only on purpose: WORDS_CRAWL_RECORD=1 pytest tests/security/test_words_crawl.py
LEFTOVERS_FILE = Path(__file__).with_name("words_leftovers.txt")
KNOWN_LEFTOVERS = set(LEFTOVERS_FILE.read_text(encoding="utf-8").split()) if LEFTOVERS_FILE.exists() else set()


def _client(the_world: World, principal: str) -> Client:
    client = the_world.client_for(principal)
    client.raise_request_exception = False  # a 500 is a finding like the others
    client.cookies["jianzhi_language"] = "zh-hans"
    return client


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
