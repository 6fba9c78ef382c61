"""A masked ID number cannot be rebuilt from what a staff page shows (J3.1, J3.2, PIPL art. 28, 51).

For every staff role this reads the pages that show a student's (or a legal
representative's) identity, takes what they show of the ID number and of the
birth date, and counts the full numbers `stdnum.cn.ric` accepts that agree with
it. Fewer than 10,000 candidates means the page is a reveal without a log.

The count is exact over what the page gives away and deliberately generous to
the reader: the age in years (shown to reviewers) is assumed known, the region
is any code in stdnum's table valid in the birth year, and enumeration stops at
the threshold, so the test stays under a second."""

import datetime as dt
import re
from itertools import product

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from stdnum import numdb
from stdnum.cn import ric

from accounts.models import StudentVerification, age_on
from accounts.roles import AUDITOR, CUSTOMER_SERVICE, FINANCE, MANAGER, MODERATOR, OPERATIONS
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerVerificationFactory, make_resident_id

pytestmark = pytest.mark.django_db

THRESHOLD = 10_000
BIRTH = dt.date(2004, 3, 30)
STUDENT_ID = make_resident_id(region="310101", birth=f"{BIRTH:%Y%m%d}", sequence=123)
LEGAL_REP_ID = make_resident_id(region="110105", birth="19800101", sequence=456)
ROLES = [MODERATOR, CUSTOMER_SERVICE, OPERATIONS, FINANCE, AUDITOR, MANAGER]
# An 18-character run of digits, X and asterisks with at least one asterisk: a masked ID as rendered.
MASKED = re.compile(r"(?<![\dXx*])[\dXx*]{18}(?![\dXx*])")


def _region_codes() -> list[str]:
    codes = []
    for _len, low, high, _props, counties in numdb.get("cn/loc").prefixes:
        for province in range(int(low), int(high) + 1):
            for _clen, clow, chigh, _cprops, _children in counties:
                codes.extend(f"{province:02d}{county:04d}" for county in range(int(clow), int(chigh) + 1))
    return codes


REGIONS = _region_codes()


def date_renderings(day: dt.date) -> list[str]:
    """Every way a page could spell the date (ISO, compact, Chinese, Django's English formats)."""
    return [day.isoformat(), f"{day:%Y%m%d}", f"{day:%Y/%m/%d}", f"{day.year}年{day.month}月{day.day}日",
            f"{day:%B} {day.day}, {day.year}", f"{day:%b}. {day.day}, {day.year}", f"{day.day} {day:%B} {day.year}"]


def count_candidates(shown: str, *, dates: list[dt.date], limit: int = THRESHOLD) -> int:
    """Valid resident IDs that agree with every known character of `shown` (asterisks unknown) and
    whose birth date is among `dates`; stops counting at `limit`."""
    shown = shown.upper()
    known = {i: c for i, c in enumerate(shown) if c != "*"}
    regions = [r for r in REGIONS if all(known.get(i, r[i]) == r[i] for i in range(6))]
    count = 0
    seq_slots = [range(10) if 14 + i not in known else [int(known[14 + i])] for i in range(3)]
    for day in dates:
        stamp = f"{day:%Y%m%d}"
        if any(known.get(6 + i, stamp[i]) != stamp[i] for i in range(8)):
            continue
        for region, seq in product(regions, product(*seq_slots)):
            body = f"{region}{stamp}{''.join(map(str, seq))}"
            check = ric.calc_check_digit(body + "0")
            if 17 in known and known[17] != check:
                continue
            if ric.is_valid(body + check):
                count += 1
                if count >= limit:
                    return count
    return count


def dates_of_age(age: int, today: dt.date) -> list[dt.date]:
    start = dt.date(today.year - age - 1, 1, 1)
    days = (dt.date(today.year - age + 1, 12, 31) - start).days + 1
    return [d for d in (start + dt.timedelta(n) for n in range(days)) if age_on(d, today) == age]


def test_count_candidates_agrees_with_the_fault_the_probe_found():
    # The old mask (region prefix + last four) beside the birth date left a handful of numbers.
    old_page = STUDENT_ID[:4] + "*" * 10 + STUDENT_ID[-4:]
    assert 1 <= count_candidates(old_page, dates=[BIRTH]) < 20
    assert count_candidates(STUDENT_ID, dates=[BIRTH]) == 1


@pytest.fixture
def identities():
    profile = StudentProfileFactory(date_of_birth=BIRTH, approved=True, id_number=STUDENT_ID)
    verification = StudentVerification.objects.create(
        profile=profile, id_card_front=ContentFile(b"front", name="f.jpg"),
        id_card_back=ContentFile(b"back", name="b.jpg"), student_proof_kind="chsi_code", chsi_code="A1B2C3D4E5F6")
    legal = EmployerVerificationFactory(legal_rep_id_number=LEGAL_REP_ID)
    return profile, verification, legal


def _pages(profile, verification, legal) -> list[tuple[str, str, dt.date]]:
    """(url, whose ID, their birth date) for every staff page that shows an identity."""
    return [
        (reverse("admin:accounts_studentprofile_change", args=[profile.pk]), STUDENT_ID, BIRTH),
        (reverse("admin:accounts_studentprofile_changelist"), STUDENT_ID, BIRTH),
        (reverse("admin:accounts_studentprofile_reveal", args=[profile.pk]), STUDENT_ID, BIRTH),
        (reverse("admin:accounts_studentverification_change", args=[verification.pk]), STUDENT_ID, BIRTH),
        (reverse("admin:accounts_studentverification_changelist"), STUDENT_ID, BIRTH),
        (reverse("admin:employers_employerverification_change", args=[legal.pk]), LEGAL_REP_ID,
         dt.date(1980, 1, 1)),
        (reverse("admin:employers_employerverification_changelist"), LEGAL_REP_ID, dt.date(1980, 1, 1)),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_j3_1_no_staff_page_leaves_fewer_than_10000_candidates_for_an_id_number(identities, staff_client, role):
    profile, verification, legal = identities
    client, _staff = staff_client(role)
    today = dt.date.today()
    shown_pages = 0
    # What one role can see across all these pages, per person.
    seen: dict[str, dict] = {STUDENT_ID: {"masks": set(), "date_shown": False, "birth": BIRTH},
                             LEGAL_REP_ID: {"masks": set(), "date_shown": False, "birth": dt.date(1980, 1, 1)}}
    for url, number, birth in _pages(profile, verification, legal):
        response = client.get(url)
        if response.status_code != 200:
            continue
        shown_pages += 1
        html = response.content.decode()
        assert number not in html, f"{url} shows the full ID number to {role}"
        seen[number]["masks"].update(m for m in MASKED.findall(html) if "*" in m and m[-4:] == number[-4:])
        seen[number]["date_shown"] |= any(text in html for text in date_renderings(birth))
    for what in seen.values():
        if not what["masks"]:
            continue
        # The reader is assumed to know the age in years (the review page shows it).
        dates = [what["birth"]] if what["date_shown"] else dates_of_age(age_on(what["birth"], today), today)
        # Merge every masked rendering: a character known on any page is known.
        merged = "".join(next((m[i] for m in what["masks"] if m[i] != "*"), "*") for i in range(18))
        candidates = count_candidates(merged, dates=dates)
        assert candidates >= THRESHOLD, (
            f"{role} can narrow {merged} (birth date shown: {what['date_shown']}) to {candidates} numbers")
    if role in (MODERATOR, CUSTOMER_SERVICE, MANAGER):
        assert shown_pages and seen[STUDENT_ID]["masks"], f"{role} should see the student's masked ID"


def test_j3_1_the_review_page_shows_the_age_but_not_the_date_of_birth(identities, staff_client):
    profile, _verification, _legal = identities
    client, _staff = staff_client(MODERATOR)
    html = client.get(reverse("admin:accounts_studentprofile_change", args=[profile.pk])).content.decode()
    assert "*" * 14 + STUDENT_ID[-4:] in html
    assert not any(text in html for text in date_renderings(BIRTH))
    assert f"<div class=\"readonly\">{profile.age()}</div>" in html
