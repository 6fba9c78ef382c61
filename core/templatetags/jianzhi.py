from django import template

from core.money import format_fen

register = template.Library()


@register.filter
def fen(value: int | None) -> str:
    """{{ amount|fen }} → ¥1,234.50"""
    return format_fen(value)
