"""The periods of a note table's columns, read from their headers ("5 July 2024 to 31 January 2025",
"Same period 12 months prior"), and which is the note's period, the year before or earlier."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flows.errors import FailureCase
from flows.parsing import clean_label
from flows.sources.adhoc_notes.html_reading import HtmlTable

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec")
_DATE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\.?(?:,?\s+(\d{{4}}))?(?![a-z])", re.IGNORECASE)
_MONTH_WORD = re.compile(rf"\b(?:{_MONTHS})\b|\b(?:19|20)\d\d\b", re.IGNORECASE)
_PRIOR = re.compile(r"(?:12|twelve)\s+months?\s+(?:prior|before|earlier)|same\s+period\b.*\b(?:previous|last|prior|before|earlier)"
                    r"|previous\s+year|prior\s+year|year\s+(?:before|earlier)", re.IGNORECASE)
_PCT = re.compile(r"%|per\s*cent|percentage", re.IGNORECASE)
_CHANGE = re.compile(r"\b(?:change|difference|increase|decrease)\b", re.IGNORECASE)


def _month(name: str) -> int:
    from flows.periods import MONTHS
    return MONTHS[name.casefold()[:3]]


def parse_range(text: str) -> tuple[date, date] | None:
    """'5 July 2024 to 31 January 2025' (the first year may be left out) -> (start, end); None if not a date range."""
    return range_of(_DATE.findall(text))


def range_of(found: list[tuple[str, str, str]]) -> tuple[date, date] | None:
    """The first and last of (day, month name, year or '') as a range; the first year may be left out."""
    if len(found) < 2:
        return None
    (d1, m1, y1), (d2, m2, y2) = found[0], found[-1]
    if not y2:
        return None
    try:
        end = date(int(y2), _month(m2), int(d2))
        start = date(int(y1), _month(m1), int(d1)) if y1 else date(end.year, _month(m1), int(d1))
        if not y1 and start > end:
            start = start.replace(year=end.year - 1)
    except (ValueError, KeyError):
        return None
    return (start, end) if start <= end else None


@dataclass
class Column:
    position: int
    header: str
    kind: str                            # period | prior | pct | change (% or absolute, by its values) | unreadable | other
    period: tuple[date, date] | None = None
    comparison: str = ""


def classify(position: int, header: str) -> Column:
    if _PCT.search(header):
        return Column(position, header, "pct")
    if _CHANGE.search(header):
        return Column(position, header, "change")
    dated = parse_range(header)
    if dated:
        return Column(position, header, "period", dated)
    if _PRIOR.search(header):
        return Column(position, header, "prior")
    if _MONTH_WORD.search(header):
        return Column(position, header, "unreadable")
    return Column(position, header, "other")


def header_row(table: HtmlTable) -> tuple[int, list[Column]] | None:
    """(row index, its columns) of the first of the table's first three rows naming a period; None: not a figure table."""
    for index, row in enumerate(table.rows[:3]):
        columns = [classify(i, clean_label(cell)) for i, cell in enumerate(row) if i > 0]
        if any(c.kind in ("period", "prior") for c in columns):
            return index, columns
    return None


def date_columns(table: HtmlTable, index: int, columns: list[Column]) -> list[FailureCase]:
    """Give every period column its dates and comparison; failures for headers that cannot be read."""
    from flows import periods

    where = f"table {table.number}"
    cases = [FailureCase(where, index + 1, c.header, "cannot read the period in this header "
                         "(expected e.g. '5 July 2024 to 31 January 2025' or 'Same period 12 months prior')")
             for c in columns if c.kind == "unreadable"]
    dated = [c for c in columns if c.kind == "period"]
    if not dated:
        return cases + [FailureCase(where, index + 1, c.header, "no column of this table gives its dates, so the "
                                    "period 12 months before cannot be placed") for c in columns if c.kind == "prior"]
    current = max(dated, key=lambda c: (c.period[1], c.period[0]))
    year_before = periods.same_period_a_year_earlier(*current.period)
    for column in columns:
        if column.kind == "prior":
            column.period, column.kind = year_before, "period"
        if column.kind != "period":
            continue
        if column is current:
            column.comparison = "current"
        elif abs((column.period[1] - year_before[1]).days) <= 3 and abs((column.period[0] - year_before[0]).days) <= 3:
            column.comparison = "year_before"
        else:
            column.comparison = "earlier"
    return cases
