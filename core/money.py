"""Money is integer fen (分), CNY only; shown as ¥1,234.50."""


def format_fen(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"
