"""Money is integer fen (分), CNY only; shown as ¥1,234.50, typed and read in yuan."""

import re
from dataclasses import dataclass
from decimal import Decimal


def format_fen(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


# ------------------------------------------------------------------ yuan typed or read → fen
# The one parser of amounts written in yuan (forms, bank statements, result files). Its rules:
# empty is None (never 0: the caller says what a blank means); at most two decimals (a third
# is an error, never truncated or rounded); negative only where the caller allows it; never
# above `max_fen` (by default a ceiling far above any real sum that no column overflows).
MAX_FEN = 10**15
MAX_CHARACTERS = 24
_YUAN_TEXT = re.compile(r"^(-)?(\d+)(?:\.(\d{1,2}))?$")
_DECORATION = re.compile(r"[\s,，¥￥+]")


class AmountError(ValueError):
    """An amount that is not yuan (`code`: invalid, precision, negative, too_large)."""

    def __init__(self, code: str, value: object = None) -> None:
        super().__init__(code, value)
        self.code = code


def parse_yuan(value: object, *, allow_negative: bool = False, max_fen: int = MAX_FEN) -> int | None:
    """Yuan ("1,234.50", "¥25", "-200", "25元") or a spreadsheet number (int, Decimal,
    float cell) → exact integer fen, through Decimal digits, never float arithmetic.

    None or blank → None. Raises AmountError (a ValueError)."""
    if value is None:
        return None
    value = _number_as_text(value)
    text = _DECORATION.sub("", str(value)).removesuffix("元").replace("。", ".")
    if not text:
        return None
    if len(text) > MAX_CHARACTERS:
        raise AmountError("too_large", value)
    fen = _fen_of_text(text, value, allow_negative=allow_negative)
    if abs(fen) > max_fen:
        raise AmountError("too_large", value)
    return fen


def _number_as_text(value: object) -> object:
    """A spreadsheet number as the digits it shows; text and other values as they are."""
    if isinstance(value, bool):
        raise AmountError("invalid", value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        # A float cell's shortest repr is the number the bank wrote ("1234.5").
        if not (value == value and abs(value) != float("inf")):
            raise AmountError("invalid", value)
        return format(Decimal(repr(value) if isinstance(value, float) else value), "f")
    return value


def _fen_of_text(text: str, value: object, *, allow_negative: bool) -> int:
    """Undecorated yuan text ("-1234.5") → fen; `value`, the amount as read, goes into the error."""
    match = _YUAN_TEXT.match(text)
    if match is None:
        if re.fullmatch(r"-?\d+\.\d{3,}", text):
            raise AmountError("precision", value)
        raise AmountError("invalid", value)
    sign, whole, cents = match.groups()
    fen = int(whole) * 100 + int((cents or "").ljust(2, "0"))
    if sign:
        if not allow_negative and fen:
            raise AmountError("negative", value)
        fen = -fen
    return fen


def yuan_decimal(fen: int) -> str:
    """Integer fen as a yuan decimal string for files and reports: 12345 → "123.45", -5 → "-0.05"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan}.{cents:02d}"


@dataclass(frozen=True)
class YuanCell:
    """An amount for a report's spreadsheet cell: a number of yuan with the format
    "0.00" in XLSX (so 求和/SUM adds it up), `yuan_decimal` text in CSV and HTML
    (str). Only the cell holds a binary float; the figure behind it stays fen."""

    fen: int

    def __str__(self) -> str:
        return yuan_decimal(self.fen)


def yuan_text(fen: int | None) -> str:
    """How an amount reads in a form field: 60 → "0.60", 6000 → "60", 6050 → "60.50"."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan}.{cents:02d}" if cents else f"{sign}{yuan}"


def plain_number(value: Decimal | int | None) -> str:
    """A measured number as people write it, never in scientific notation and without trailing
    zeros: Decimal("20.00") → "20" (not "2E+1" as Decimal.normalize() gives), 2.50 → "2.5"."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text
