"""The seconds a "send code" button waits before another SMS code may be sent (issue 20)."""

from django import template

from ..sms_codes import code_wait_seconds

register = template.Library()


@register.simple_tag(takes_context=True)
def sms_code_cooldown(context, phone, action: str) -> int:
    """{% sms_code_cooldown phone "verify_phone" as seconds %}: 0 when a code may be sent now."""
    request = context.get("request")
    if request is None or not phone:
        return 0
    return code_wait_seconds(request, phone=str(phone), action=action)
