from decimal import Decimal

from django import template

from core.money import format_fen, plain_number

register = template.Library()


@register.filter
def fen(value: int | None) -> str:
    """{{ amount|fen }} → ¥1,234.50"""
    return format_fen(value)


@register.filter
def number(value: Decimal | int | None) -> str:
    """{{ reading.value|number }} → 20 (never 2E+1), 2.5"""
    return plain_number(value)
