"""What a file's content says before it is parsed: sheet heads read once, dates in cover text, and the last
period of a table (flows/recognise.py and each family's recognise.py use these to recognise a local file)."""
from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd

from flows import periods
from flows.parsing.cells import parse_date_text
from flows.parsing.headers import column_specs, find_spec_header, sheet_key
from flows.parsing.workbook import Workbook

MAX_HEADER_SHEETS = 40          # sheets whose first rows are read when looking for a header row


class Heads:
    """The first rows of a workbook's sheets, each read once (calamine reads a whole sheet even for its head)."""

    ROWS = 30

    def __init__(self, book: Workbook):
        self.book = book
        self.sheet_names = book.sheet_names
        self._heads: dict[str, pd.DataFrame] = {}

    def __call__(self, sheet: str) -> pd.DataFrame:
        if sheet not in self._heads:
            self._heads[sheet] = self.book.head(sheet, self.ROWS)
        return self._heads[sheet]


def listed(items: list, most: int = 12) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:most]) + (f" and {len(items) - most} more" if len(items) > most else "")


def every_sheet(specs: list[dict], find) -> str | None:
    """'sheets A, B' when `find(spec)` names a sheet for every table spec; None as soon as one has none."""
    found = []
    for spec in specs:
        sheet = find(spec)
        if sheet is None:
            return None
        found.append(sheet)
    return f"sheets {listed(found)}" if found else None


def ordered(book: Workbook, preferred: re.Pattern) -> list[str]:
    """The sheets whose key matches `preferred` first, then the others (at most MAX_HEADER_SHEETS)."""
    first = [s for s in book.sheet_names if preferred.search(sheet_key(s))]
    return (first + [s for s in book.sheet_names if s not in first])[:MAX_HEADER_SHEETS]


_DAY_MONTH_YEAR = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+[a-z]+\.?,?\s+\d{4}\b", re.IGNORECASE)


def as_date(value: object) -> date | None:
    """A cell's date: a date cell, or a date written in text as UK publishers write one."""
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.date() if not pd.isna(value) else None
    if isinstance(value, str):
        m = _DAY_MONTH_YEAR.search(value) or re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{4}-\d{2}-\d{2}\b", value)
        parsed = parse_date_text(m.group(0)) if m else None
        return parsed.date() if parsed is not None else None
    return None


def required_table(options: dict) -> dict | None:
    """The first table a catalog entry requires (its `tables`, or the options themselves for one table)."""
    tables = options.get("tables") or [options]
    return next((t for t in tables if not t.get("optional")), None)


def last_period(book: Workbook, sheets: list[str | None], spec: dict, lag_months: int,
                period_end=None) -> date | None:
    """An estimate of the release's date from the reference month of a table's last period (a `quarter`, a `period`
    read by `period_end`, or an `as_at` date): periods.publication_estimate, as a file name's reference month gives."""
    specs = column_specs(spec.get("columns")) + column_specs(spec.get("optional_columns"), required=False)
    for sheet in [s for s in sheets if s is not None][:MAX_HEADER_SHEETS]:
        grid = book.grid(sheet)
        header = find_spec_header(grid, sheet, specs)
        if header.row < 0 or header.missing:
            continue
        for name in ("quarter", "period", "as_at"):
            if name not in header.positions:
                continue
            ends = [end for value in grid.iloc[header.row + 1:, header.positions[name]].dropna().unique()
                    if (end := _period_end(name, value, period_end)) is not None]
            if ends:
                last = max(ends)
                return periods.publication_estimate(last, lag_months)
    return None


def _period_end(column: str, value: object, period_end) -> date | None:
    if column == "quarter":
        return periods.quarter_bounds(str(value))[1] if periods.parse_quarter(value) else None
    if column == "period":
        return period_end(value) if period_end is not None else None
    return as_date(value)
