"""Official period labels to dates, in one place (range arithmetic for the derived tables is in warehouse/marts/00_periods.sql)."""
from __future__ import annotations

import re
from datetime import date, timedelta

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
# English month names and their standard abbreviations (three letters, and Sept), case-folded -> month number
MONTHS = {m.casefold(): i for i, m in enumerate(MONTH_NAMES, 1)}
MONTHS.update({name[:3]: i for name, i in list(MONTHS.items())})
MONTHS["sept"] = 9

# '2023 Q3', '2023Q3', '2023-Q3' and the transparency data's 'Q3 2023', 'Q3-2023'
_QUARTER = re.compile(r"^\s*(?:(\d{4})\s*[- ]?\s*Q([1-4])|Q([1-4])\s*[- ]?\s*(\d{4}))\s*$", re.IGNORECASE)
_YEAR_ENDING = re.compile(r"^\s*(?:YE|year ending)\s+([A-Za-z]+)\s+(\d{2}|\d{4})(?:\s+[PR])*\s*$", re.IGNORECASE)
_ACADEMIC = re.compile(r"^\s*(\d{4})\s*/?\s*(\d{2}|\d{4})\s*$")


def month_end(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)


def parse_quarter(label: object) -> tuple[int, int] | None:
    """'2023 Q3' or 'Q3 2023' -> (2023, 3); None for anything else."""
    m = _QUARTER.match(str(label))
    if not m:
        return None
    if m.group(1):
        return int(m.group(1)), int(m.group(2))
    return int(m.group(4)), int(m.group(3))


def quarter_label(label: object) -> str | None:
    """The canonical 'YYYY Qn' form of a quarter label ('Q3 2023' -> '2023 Q3'); None if not a quarter."""
    parsed = parse_quarter(label)
    return f"{parsed[0]} Q{parsed[1]}" if parsed else None


def quarter_bounds(label: str) -> tuple[date, date]:
    """'2023 Q3' (or 'Q3 2023') -> (2023-07-01, 2023-09-30)."""
    parsed = parse_quarter(label)
    if parsed is None:
        raise ValueError(f"not a quarter label: {label!r} (expected 'YYYY Qn' or 'Qn YYYY')")
    year, q = parsed
    return date(year, 3 * q - 2, 1), month_end(year, 3 * q)


def quarter_containing(day: date) -> tuple[date, date]:
    """The calendar quarter a date falls in: 2024-09-30 -> (2024-07-01, 2024-09-30)."""
    q = (day.month - 1) // 3 + 1
    return date(day.year, 3 * q - 2, 1), month_end(day.year, 3 * q)


def year_ending_bounds(label: str) -> tuple[date, date]:
    """'YE Jun 25', 'YE Dec 24 R', 'YE Mar 2025 P' -> the 12 months ending that month."""
    m = _YEAR_ENDING.match(str(label))
    if not m:
        raise ValueError(f"not a year-ending label: {label!r} (expected e.g. 'YE Jun 25')")
    month = MONTHS.get(m.group(1).casefold())     # a month name or its abbreviation, never guessed from a prefix
    if month is None:
        raise ValueError(f"unknown month in {label!r}")
    year = int(m.group(2))
    year += 2000 if year < 100 else 0
    end = month_end(year, month)
    start = date(year - 1, month, 1) + timedelta(days=31)
    return date(start.year, start.month, 1), end


def academic_year_bounds(label: str | int) -> tuple[date, date]:
    """'202425', '2024/25' -> (2024-08-01, 2025-07-31), the English academic year used by DfE."""
    text = str(label)
    m = _ACADEMIC.match(text)
    if not m:
        raise ValueError(f"not an academic year: {label!r} (expected e.g. '202425' or '2024/25')")
    first = int(m.group(1))
    return date(first, 8, 1), date(first + 1, 7, 31)


def same_period_a_year_earlier(start: date, end: date) -> tuple[date, date]:
    """The same calendar span 12 months before (29 February maps to 28 February)."""
    def back(d: date) -> date:
        try:
            return d.replace(year=d.year - 1)
        except ValueError:
            return d.replace(year=d.year - 1, day=28)
    return back(start), back(end)


def publication_estimate(reference: date, lag_months: int) -> date:
    """When a release whose data run to `reference`'s month was published, at the latest: the last day of the month
    `lag_months` after it (a source's usual lag in months; as staging.due_on). An estimate for a file whose name or content
    gives only the month its data run to: an as-of answer never shows its figures before they could be out."""
    n = reference.month - 1 + lag_months
    year, month = reference.year + n // 12, n % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)
