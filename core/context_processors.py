from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .notifications import unread_count


def site(request: HttpRequest) -> dict[str, Any]:
    unread = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        unread = unread_count(user.pk)
    return {"SITE_NAME": settings.SITE_NAME, "unread_notifications": unread, "OPERATOR": operator_licences()}


def operator_licences() -> dict[str, str]:
    """The operator's licence numbers for the footer and the licences page (《网络招聘服务管理规定》)."""
    return {
        "company": settings.OPERATOR_COMPANY_NAME,
        "credit_code": settings.OPERATOR_CREDIT_CODE,
        "hr_licence": settings.OPERATOR_HR_LICENCE_NO,
        "hr_authority": settings.OPERATOR_HR_LICENCE_AUTHORITY,
        "hr_valid_until": settings.OPERATOR_HR_LICENCE_VALID_UNTIL,
    }
