"""Importing third-party credit flags (K3.3) from a CSV file staff upload.

Columns (header row required, any order): subject (student | employer),
identifier (student: resident ID number; employer: unified social credit code),
points (integer −30..10), reason, reference (the provider's unique id),
occurred_on (YYYY-MM-DD). UTF-8 (with or without BOM) or GB18030.

Every row is validated first; any problem rejects the whole file with
row-numbered messages and nothing is saved. Each row becomes one credit event
keyed `external:<provider>:<reference>`, so importing the same file again adds
nothing. See docs/credit-flags-format.md."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.credit import credit_event_record
from core.crypto import keyed_hash
from core.errors import DomainError, NotPermitted
from core.identity import validate_resident_id, validate_uscc
from core.models import CreditEvent

from .models import ExternalFlagImport
from .scoring import EXTERNAL_FLAG_LIMITS, EXTERNAL_KIND

IMPORT_PERMISSION = "risk.add_externalflagimport"
COLUMNS = ("subject", "identifier", "points", "reason", "reference", "occurred_on")
MAX_ROWS = 10_000
MAX_REPORTED_ERRORS = 30
MAX_REASON = 500
PROVIDER_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9_.:/-]{1,80}$")


class FlagFileInvalid(DomainError):
    """The file cannot be imported; `errors` lists what is wrong, with row numbers."""

    default_message = _("This file of credit flags cannot be imported.")

    def __init__(self, errors: list):
        self.errors = [str(e) for e in errors[:MAX_REPORTED_ERRORS]]
        if len(errors) > MAX_REPORTED_ERRORS:
            self.errors.append(str(_("… and %(n)d more problems.") % {"n": len(errors) - MAX_REPORTED_ERRORS}))
        super().__init__(" ".join(self.errors), field="file")


@dataclass(frozen=True)
class FlagRow:
    row: int
    subject_kind: str
    subject_id: int
    points: int
    reason: str
    reference: str
    occurred_on: dt.date


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as error:
            raise FlagFileInvalid([_("The file is neither UTF-8 nor GB18030 text.")]) from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as error:
            raise FlagFileInvalid([_("The file is neither UTF-8 nor GB18030 text.")]) from error


def _read_rows(data: bytes) -> list[list[str]]:
    if not data:
        raise FlagFileInvalid([_("The file is empty.")])
    text = _decode(data)
    if "\x00" in text:
        raise FlagFileInvalid([_("The file is not a CSV text file.")])
    try:
        rows = []
        for row in csv.reader(io.StringIO(text)):
            rows.append([cell.strip() for cell in row[:20]])
            if len(rows) > MAX_ROWS + 1:
                raise FlagFileInvalid([_("The file has more than %(n)d rows; split it.") % {"n": MAX_ROWS}])
        return rows
    except csv.Error as error:
        raise FlagFileInvalid([_("The CSV file cannot be read: %(error)s") % {"error": error}]) from error


def _parse_identifier(subject: str, value: str) -> tuple[str, list]:
    if subject not in ("student", "employer"):
        return "", [_("subject must be “student” or “employer”")]
    try:
        return (validate_resident_id(value) if subject == "student" else validate_uscc(value)), []
    except ValidationError as error:
        return "", [_("identifier: %(error)s") % {"error": " ".join(error.messages)}]


def _parse_points(value: str) -> tuple[int | None, list]:
    try:
        points = int(value)
        if not EXTERNAL_FLAG_LIMITS[0] <= points <= EXTERNAL_FLAG_LIMITS[1]:
            raise ValueError
    except ValueError:
        return None, [_("points must be a whole number from %(low)d to %(high)d") % {
            "low": EXTERNAL_FLAG_LIMITS[0], "high": EXTERNAL_FLAG_LIMITS[1]}]
    return points, []


def _parse_occurred_on(value: str) -> tuple[dt.date | None, list]:
    try:
        occurred_on = dt.date.fromisoformat(value)
        if len(value) != 10 or occurred_on > timezone.localdate():
            raise ValueError
    except ValueError:
        return None, [_("occurred_on must be a date like 2026-11-27, not in the future")]
    return occurred_on, []


def _parse_row(values: dict, *, number: int, references: dict[str, int]) -> tuple[tuple, list]:
    """One data row → (row number, subject, identifier, points, reason, reference, date) and its problems.
    `references` collects the rows' references, to refuse a repeated one."""
    subject = values["subject"].lower()
    identifier, row_errors = _parse_identifier(subject, values["identifier"])
    points, problems = _parse_points(values["points"])
    row_errors += problems
    reason = values["reason"]
    if not reason or len(reason) > MAX_REASON:
        row_errors.append(_("reason is required (at most %(n)d characters)") % {"n": MAX_REASON})
    reference = values["reference"]
    if not REFERENCE_PATTERN.match(reference):
        row_errors.append(_("reference is required: up to 80 letters, digits or _ . : / -"))
    elif reference in references:
        row_errors.append(_("reference %(ref)s is repeated from row %(row)d") % {
            "ref": reference, "row": references[reference]})
    else:
        references[reference] = number
    occurred_on, problems = _parse_occurred_on(values["occurred_on"])
    row_errors += problems
    return (number, subject, identifier, points, reason, reference, occurred_on), row_errors


def flags_parse(*, data: bytes) -> list[FlagRow]:
    """Every data row, validated and matched to a student or an employer; FlagFileInvalid otherwise."""
    from accounts.models import StudentProfile
    from employers.models import Employer

    rows = [row for row in _read_rows(data) if any(row)]
    if not rows:
        raise FlagFileInvalid([_("The file is empty.")])
    header = [cell.lstrip("\ufeff").strip().lower() for cell in rows[0]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise FlagFileInvalid([_("The first row must name the columns %(columns)s; missing: %(missing)s.") % {
            "columns": ", ".join(COLUMNS), "missing": ", ".join(missing)}])
    position = {name: header.index(name) for name in COLUMNS}
    errors: list = []
    pending = []
    references: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        values = {name: (row[i] if i < len(row) else "") for name, i in position.items()}
        parsed_row, row_errors = _parse_row(values, number=number, references=references)
        if row_errors:
            errors.append(_("Row %(row)d: %(problems)s.") % {"row": number,
                                                            "problems": "; ".join(str(e) for e in row_errors)})
        else:
            pending.append(parsed_row)
    if len(rows) == 1:
        errors.append(_("The file has no rows under the header."))
    # Match identifiers in two queries: students through the keyed hash of the ID number.
    hashes = {keyed_hash(p[2]): p[2] for p in pending if p[1] == "student"}
    students = {hashes[h]: user_id for h, user_id in StudentProfile.objects.filter(
        id_number_hash__in=list(hashes)).values_list("id_number_hash", "user_id")}
    employers = dict(Employer.objects.filter(uscc__in=[p[2] for p in pending if p[1] == "employer"])
                     .values_list("uscc", "pk"))
    parsed = []
    for number, subject, identifier, points, reason, reference, occurred_on in pending:
        subject_id = (students if subject == "student" else employers).get(identifier)
        if subject_id is None:
            errors.append(_("Row %(row)d: no %(subject)s with this identifier is registered.") % {
                "row": number, "subject": CreditEvent.Subject(subject).label.lower()})
            continue
        parsed.append(FlagRow(number, subject, subject_id, points, reason, reference, occurred_on))
    if errors:
        errors.sort(key=lambda e: int(re.search(r"\d+", str(e)).group()) if re.search(r"\d+", str(e)) else 0)
        raise FlagFileInvalid(errors)
    return parsed


def _occurred_at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


@transaction.atomic
def external_flags_import(*, uploaded_file, provider: str, actor) -> ExternalFlagImport:
    """Import a provider's CSV of credit flags (K3.3): all rows or none.

    Preconditions: `risk.add_externalflagimport`; provider a short slug.
    Effects: one credit event per new row (each rescored after commit), the import
    recorded with how many rows were new and how many were already known."""
    if not (actor.is_active and actor.has_perm(IMPORT_PERMISSION)):
        raise NotPermitted()
    provider = (provider or "").strip().lower()
    if not PROVIDER_PATTERN.match(provider):
        raise DomainError(_("Name the provider with up to 30 lower-case letters, digits, - or _."),
                          field="provider")
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > settings.UPLOAD_MAX_BYTES:
        raise FlagFileInvalid([_("The file is larger than the upload limit.")])
    uploaded_file.seek(0)
    data = uploaded_file.read(settings.UPLOAD_MAX_BYTES + 1)
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise FlagFileInvalid([_("The file is larger than the upload limit.")])
    rows = flags_parse(data=data)
    keys = {f"external:{provider}:{row.reference}": row for row in rows}
    known = set(CreditEvent.objects.filter(key__in=list(keys)).values_list("key", flat=True))
    for key, row in keys.items():
        if key in known:
            continue
        credit_event_record(key=key, subject_kind=row.subject_kind, subject_id=row.subject_id, kind=EXTERNAL_KIND,
                            value=row.points, occurred_at=_occurred_at(row.occurred_on),
                            reason=_("Third-party credit flag (%(provider)s): %(reason)s") % {
                                "provider": provider, "reason": row.reason})
    return ExternalFlagImport.objects.create(
        provider=provider, file_name=(getattr(uploaded_file, "name", "") or "flags.csv")[:200], imported_by=actor,
        rows_recorded=len(keys) - len(known), rows_already_known=len(known))
