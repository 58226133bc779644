"""ONS long-term international migration, provisional (LTIM): the main series table.

Layout (from published descriptions; no real edition has been loaded yet, so everything is
found by content):

- recent editions: Cover / Contents / Notes sheets, then sheets named by bare numbers; the main
  series is sheet `1` (some editions `Table 1`), its header a few rows down (row 6 in May 2026);
- the December 2023 "accessible" edition has it as the fourth sheet, says `Net` for net
  migration and spells `All Nationalities`, `EU`, `Non-EU`;
- long format: Flow (`Immigration`, `Emigration`, `Net migration`, stacked in that order; a
  flow written only on the first row of its block is carried down), Period (`YE Jun 25`,
  `YE Dec 24 R`, `YE Mar 25 P R`, four-digit years too), then one column per nationality group
  (All nationalities, British, EU+, Non-EU+), people rounded to the nearest thousand.

Options in the catalog entry:

    sheets = ["1", "Table 1"]        # tried first (case-insensitive); then every sheet, by its header
    table = "ltim_flows"             # -> raw.<table>
    columns = { flow = "Flow", period = "Period", all_nationalities = "All nationalities" }
    optional_columns = { british = "British", eu_plus = "EU+", ... }     # empty where absent
    numbers = ["all_nationalities", ...]
"""
from __future__ import annotations

import re
from datetime import date

import pandas as pd

from flows.errors import FailureCase
from flows.parsing import (SpecHeader, Table, TableNotFound, Workbook, clean_label, clean_text, column_specs,
                           cut_spec_table, find_spec_header, header_failures, label_key, map_values,
                           parse_numbers)

FLOWS = ("Immigration", "Emigration", "Net migration")
FLOW_VARIANTS = {"net": "Net migration", "net international migration": "Net migration", "net migration (immigration minus emigration)": "Net migration",
                 "immigration (inflow)": "Immigration", "emigration (outflow)": "Emigration"}

# 'YE Jun 25', 'YE Dec 24 R', 'YE Mar 25 P R', 'YE June 2012', 'Year ending Jun 25 (P)'
_PERIOD = re.compile(r"^(?:ye|year\s+ending)\s+([a-z]+)\.?\s+(\d{4}|\d{2})((?:\s*\(?\s*[pr]\s*\)?)*)$", re.IGNORECASE)


def parse_period(label: object) -> tuple[str, bool, bool, date, date] | None:
    """'YE Mar 25 P R' -> ('YE Mar 2025', provisional, revised, first day, last day); None if not a year-ending label."""
    from flows import periods    # lazy: flows.periods imports the catalog, which imports the parsers

    m = _PERIOD.match(clean_label(label))
    if not m:
        return None
    month = m.group(1)[:3].title()
    year = int(m.group(2))
    canonical = f"YE {month} {year + 2000 if year < 100 else year}"      # 'YE Jun 2025', whatever the published form
    try:
        start, end = periods.year_ending_bounds(canonical)
    except ValueError:
        return None
    flags = m.group(3).upper()
    return canonical, "P" in flags, "R" in flags, start, end


def _flow(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = clean_label(value)
    key = text.casefold()
    for flow in FLOWS:
        if key == flow.casefold():
            return flow
    return FLOW_VARIANTS.get(key, text)


def _preferred(book: Workbook, names: list[str]) -> list[str]:
    wanted = {label_key(n) for n in names}
    first = [s for s in book.sheet_names if label_key(s) in wanted]
    return first + [s for s in book.sheet_names if s not in first]


def find_main_table(book: Workbook, specs, preferred: list[str]) -> SpecHeader:
    """The first sheet (preferred names first) whose header row has every required column."""
    best: SpecHeader | None = None
    for sheet in _preferred(book, preferred):
        header = find_spec_header(book.grid(sheet), sheet, specs, scan_rows=30)
        if header.row >= 0 and not header.missing:
            return header
        if header.row >= 0 and (best is None or len(header.missing) < len(best.missing)):
            best = header
        book.forget(sheet)
    if best is None:
        wanted = ", ".join(s.describe() for s in specs if s.required)
        raise TableNotFound([FailureCase(preferred[0] if preferred else None, None, None,
                                         f"main LTIM table: no header row with {wanted} in any sheet "
                                         f"(sheets: {', '.join(book.sheet_names)})")])
    raise TableNotFound(header_failures(best, "main LTIM table"))


def parse(book: Workbook, options: dict) -> list[Table]:
    required = column_specs(options.get("columns"))
    optional = column_specs(options.get("optional_columns"), required=False)
    specs = required + optional
    header = find_main_table(book, specs, list(options.get("sheets") or ["1", "Table 1"]))
    table = cut_spec_table(book, header, options.get("table", "ltim_flows"), specs)
    book.forget(header.sheet)
    frame = table.frame
    numbers = list(options.get("numbers") or [])
    parse_numbers(frame, numbers)
    clean_text(frame, ["flow", "period"])
    # notes below the table (text in the first column only) are not data rows
    values = [c for c in numbers if c in frame.columns]
    frame = frame.loc[frame["period"].notna() | frame[values].notna().any(axis=1)].copy()
    frame["flow"] = frame["flow"].ffill()           # a flow written once per block
    frame["flow"] = map_values(frame["flow"], _flow)
    parsed = {label: parse_period(label) for label in frame["period"].dropna().unique()}
    for i, column in enumerate(["year_ending", "provisional", "revised", "period_start", "period_end"]):
        lookup = {label: p[i] for label, p in parsed.items() if p is not None}
        frame[column] = frame["period"].map(lambda v, lookup=lookup: lookup.get(v, pd.NA) if isinstance(v, str) else pd.NA)
    frame["provisional"] = frame["provisional"].fillna(False).astype(bool)
    frame["revised"] = frame["revised"].fillna(False).astype(bool)
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    for column in ("year_ending", "provisional", "revised", "period_start", "period_end"):
        table.labels[column] = table.labels.get("period", "Period")
    known = {f.casefold() for f in FLOWS}
    unknown = frame.loc[frame["flow"].map(lambda v: isinstance(v, str) and v.casefold() not in known), "flow"]
    table.unknown_categories = [("flow", label, int(n)) for label, n in unknown.value_counts().sort_index().items()]
    table.frame = frame
    return [table]
