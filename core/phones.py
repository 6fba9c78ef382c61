"""Mainland mobile numbers (issue 20): parsed and validated with phonenumbers,
stored in E.164, shown masked."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .crypto import mask

NOT_MOBILE = _("Enter a mainland China mobile number, e.g. 138 0013 8000.")
_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def is_cn_mobile(number: phonenumbers.PhoneNumber | None) -> bool:
    return (number is not None and number.country_code == 86 and phonenumbers.is_valid_number(number)
            and phonenumbers.number_type(number) in _MOBILE_TYPES)


def cn_mobile_e164(raw: str) -> str:
    """'138 0013 8000', '+86 138-0013-8000' or '008613800138000' → '+8613800138000'.
    Anything but a valid mainland mobile number raises ValidationError."""
    try:
        number = phonenumbers.parse((raw or "").strip(), "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(NOT_MOBILE, code="not_mobile") from None
    if not is_cn_mobile(number):
        raise ValidationError(NOT_MOBILE, code="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """+8613800138000 → +86138****8000: the operator prefix and last four only."""
    return mask(e164 or "", keep_start=6, keep_end=4)
