"""Chinese identity numbers, checked with python-stdnum, with translated errors."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent
from stdnum.exceptions import ValidationError as StdnumError


def validate_resident_id(number: str, *, birth_date: dt.date | None = None) -> str:
    """Check a resident identity card number (居民身份证号码); return it compacted.

    Checks length, check digit, region and birth date, and that the birth date
    equals the one the person entered."""
    try:
        compact = ric.validate((number or "").strip().upper())
    except InvalidChecksum:
        raise ValidationError(_("The ID number's check digit is wrong."), code="checksum") from None
    except InvalidComponent:
        raise ValidationError(_("The ID number contains an impossible birth date or region."), code="component") from None
    except StdnumError:
        raise ValidationError(_("Enter an 18-character resident ID number."), code="format") from None
    if birth_date is not None and ric.get_birth_date(compact) != birth_date:
        raise ValidationError(_("The birth date in the ID number does not match your date of birth."), code="birth_date")
    return compact


# GB 32100-2015: the first character is the registration authority. Digits 1-9
# are covered by stdnum; A (religious venues), N (rural collective economic
# organisations) and Y (other authorities) carry a letter stdnum rejects.
_AUTHORITY_LETTERS = {"A", "N", "Y"}


def validate_uscc(code: str) -> str:
    """Check a unified social credit code (统一社会信用代码); return it compacted."""
    compact = uscc.compact((code or "").strip().upper())
    if len(compact) != 18 or any(c not in uscc._alphabet for c in compact):
        raise ValidationError(_("Enter the 18-character unified social credit code."), code="format")
    if not compact[2:8].isdigit():
        raise ValidationError(_("Characters 3–8 of the credit code must be the region code."), code="format")
    if compact[0] not in _AUTHORITY_LETTERS and not compact[0].isdigit():
        raise ValidationError(_("The credit code starts with an unknown registration authority."), code="format")
    if compact[-1] != uscc.calc_check_digit(compact[:17]):
        raise ValidationError(_("The credit code's check character is wrong."), code="checksum")
    return compact
