"""How figures and dates are written wherever people read them: the terminal, the report, the Prefect artifacts.

Plain functions without dependencies, so the quick commands (`pledges status`, `sql`) stay quick.
"""
from __future__ import annotations

from datetime import date

MISSING = "–"      # an absent figure or date in the report


def fmt_num(value, missing: str = MISSING) -> str:
    """A figure: whole numbers (and anything of 100 or more) with thousands separators, others to 2 decimals."""
    if value is None:
        return missing
    value = float(value)
    return f"{value:,.0f}" if abs(value) >= 100 or value.is_integer() else f"{value:,.2f}"


def fmt_signed(value) -> str:
    """A change, with its sign: +1,234 or -0.25."""
    if value is None:
        return MISSING
    value = float(value)
    return f"{value:+,.0f}" if abs(value) >= 100 or value.is_integer() else f"{value:+,.2f}"


def fmt_pct(value) -> str:
    """A percentage change, with its sign: +12.6%."""
    return MISSING if value is None else f"{float(value):+.1f}%"


def fmt_date(value) -> str:
    """A date (or time) as ISO text; other values as they are."""
    if value is None:
        return MISSING
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def fmt_day(day: date) -> str:
    """A date as people write it: 23 Jan 2026."""
    return f"{day.day} {day:%b %Y}"
