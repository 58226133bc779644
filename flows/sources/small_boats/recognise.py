"""A small-boats time series recognised by content: the SB_01 (daily) and SB_02 (weekly) header rows, in
whichever sheets hold them; dated by estimate, the day after its last day (each weekly file carries the days up to
the day before its release: the real 23 January 2026 file ends on 22 January)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pandas as pd

from flows.catalog import Source
from flows.parsing import Workbook, find_header, label_key
from flows.parsing.content import Heads, listed, ordered
from flows.sources.small_boats.parser import DAILY, WEEKLY


def by_headers(source: Source, book: Workbook, heads: Heads) -> str | None:
    found = {}
    for name, labels, hint in (("daily", DAILY, r"sb_01|daily"), ("weekly", WEEKLY, r"sb_02|week")):
        for sheet in ordered(book, re.compile(hint)):
            match = find_header(heads(sheet), sheet, labels, scan_rows=15)
            if not match.missing:
                found[name] = match
                break
        else:
            return None
    return (f"header rows {listed(DAILY)} (sheet {found['daily'].sheet}) and "
            f"{listed(WEEKLY)} (sheet {found['weekly'].sheet})")


def published_on(source: Source, book: Workbook, heads: Heads) -> date | None:
    for sheet in ordered(book, re.compile(r"sb_01|daily")):
        match = find_header(heads(sheet), sheet, DAILY, scan_rows=15)
        if match.missing:
            continue
        column = [label_key(v) for v in match.labels].index("date")
        days = [v for v in book.grid(sheet).iloc[match.row + 1:, column] if isinstance(v, (datetime, pd.Timestamp))]
        return max(days).date() + timedelta(days=1) if days else None   # the earliest it could be out
    return None
