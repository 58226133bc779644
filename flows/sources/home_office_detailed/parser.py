"""Home Office "Immigration system statistics" detailed datasets, one layout for every table.

Each detailed dataset workbook (returns, irregular migration / illegal entry routes, asylum
awaiting a decision, asylum support by local authority, ...) holds flat data sheets named
`Data - <ID>` (to 2024) or `Data_<ID>` (from 2025) beside pivot sheets named `<ID>` that are
not read. A data sheet has its title in row 1, its header in row 2 (found by column names,
so a header a row or two lower still loads) and a last row reading `End of table`.

The catalog entry's options say which tables to read:

    [[<source>.options.tables]]
    ids = ["Irr_D01", "IER_D01"]      # the table id in the sheet name, any of these
    table = "irregular_detections"    # -> raw.<table>, validated by schemas.<schema>.TABLES[table]
    columns = { year = "Year", quarter = "Quarter", detections = ["Number of detections"] }
    optional_columns = { date = "Date" }           # loaded when present, empty otherwise
    one_of = [["people", "cases"]]                 # at least one column of each group must be present
    numbers = ["detections"]                       # counts: '1,234' as text parses, '12a' does not
    period = "quarter"                              # or "stock": a count at the quarter's end
    optional = false                                # true: a release without the table still loads
    unique_rows = true                              # a row repeated whole (every published column) is refused
    no_total_rows = ["nationality", "sex"]          # a row reading 'Total' / 'All ...' in any of these is refused
"""
from __future__ import annotations

import re

import pandas as pd

from flows.errors import FailureCase
from flows.parsing import (Table, TableNotFound, Workbook, add_quarter_periods, add_stock_periods, clean_text,
                           column_specs, cut_spec_table, find_spec_header, header_problems, id_pattern, parse_numbers,
                           read_each, sheet_key)
from flows.sources.home_office_detailed.labels import is_total_label, normalise_categories

END_OF_TABLE = "End of table"


def data_sheet_pattern(ids: list[str]) -> re.Pattern:
    """`Data - Ret_D01`, `Data_Ret_D01`, `Data-Ret_D01`, `data ret_d01`: never the pivot sheet `Ret_D01`."""
    alternatives = "|".join(id_pattern(i) for i in ids)
    return re.compile(rf"^data\s*[-_\u2013]?\s*(?:{alternatives})$")


def find_data_sheet(book: Workbook, ids: list[str]) -> str | None:
    pattern = data_sheet_pattern(ids)
    found = [s for s in book.sheet_names if pattern.match(sheet_key(s))]
    return found[0] if found else None


def read_table(book: Workbook, spec: dict) -> Table | None:
    ids = spec["ids"] if isinstance(spec.get("ids"), list) else [spec["ids"]]
    name = spec["table"]
    what = f"table {' / '.join(ids)}"
    sheet = find_data_sheet(book, ids)
    if sheet is None:
        if spec.get("optional"):
            return None
        expected = " or ".join(f"'Data - {i}' / 'Data_{i}'" for i in ids)
        raise TableNotFound([FailureCase(f"Data - {ids[0]}", None, None,
                                         f"{what}: no data sheet named {expected} "
                                         f"(sheets: {', '.join(book.sheet_names)})")])
    required = column_specs(spec.get("columns"))
    optional = column_specs(spec.get("optional_columns"), required=False)
    specs = required + optional
    header = find_spec_header(book.grid(sheet), sheet, specs)
    cases = header_problems(header, spec, specs, what)
    if cases:
        raise TableNotFound(cases)
    table = cut_spec_table(book, header, name, specs, stop_marker=END_OF_TABLE)
    book.forget(sheet)
    frame = table.frame
    numbers = list(spec.get("numbers") or [])
    parse_numbers(frame, numbers)
    clean_text(frame, [c for c in frame.columns if c not in numbers])
    table.unknown_categories = normalise_categories(frame)
    if spec.get("no_total_rows"):
        refuse_total_rows(frame, sheet, what, spec["no_total_rows"], table.labels)
    if spec.get("unique_rows"):
        refuse_repeated_rows(frame, sheet, what)
    if spec.get("period", "quarter") == "stock":
        add_stock_periods(frame, as_at=spec.get("as_at", "as_at"))
    else:
        add_quarter_periods(frame)
    refuse_year_not_quarters(frame, sheet, what, table.labels)
    table.labels.setdefault("period_start", table.labels.get("quarter", "Quarter"))
    table.labels.setdefault("period_end", table.labels.get("quarter", "Quarter"))
    return table


def refuse_total_rows(frame, sheet: str, what: str, columns: list[str], labels: dict[str, str]) -> None:
    """TableNotFound naming each cell of a breakdown column that reads a total label ('Total', 'All nationalities'):
    its row adds up other rows, so a metric summing the table would count its people twice."""
    cases = []
    for column in columns:
        if column not in frame.columns:
            continue
        totals = frame[column].map(is_total_label).astype(bool)
        cases += [FailureCase(sheet, int(row), labels.get(column, column),
                              "a total label in a breakdown column: the row adds up other rows, which would be counted "
                              "twice", str(value)) for row, value in frame.loc[totals, column].items()]
    if cases:
        cases.sort(key=lambda c: c.row)
        raise TableNotFound(cases, what=f"{what}: {len({c.row for c in cases})} total row(s) among the data rows")


def refuse_year_not_quarters(frame, sheet: str, what: str, labels: dict[str, str]) -> None:
    """TableNotFound naming each row whose Year is not the year of its Quarter (2024 beside '2023 Q4'): a calendar/
    financial-year slip or a row from another quarter, and which of the two dates the row is not guessed. Cells that
    are no year or no quarter are left to validation, which names them."""
    if "year" not in frame.columns or "quarter" not in frame.columns:
        return
    year = pd.to_numeric(frame["year"], errors="coerce")
    quarters_year = pd.to_numeric(frame["quarter"].astype("string").str.extract(r"^(\d{4}) Q[1-4]$")[0], errors="coerce")
    differ = year.notna() & quarters_year.notna() & (year != quarters_year)
    if not differ.any():
        return
    year_label, quarter_label = labels.get("year", "Year"), labels.get("quarter", "Quarter")
    cases = [FailureCase(sheet, int(row), year_label, f"is not the year of the row's {quarter_label} "
                                                      f"{frame.at[row, 'quarter']!r}", f"{frame.at[row, 'year']:g}"
                         if isinstance(frame.at[row, "year"], float) else str(frame.at[row, "year"]))
             for row in frame.index[differ]]
    raise TableNotFound(cases, what=f"{what}: {len(cases)} row(s) whose Year and Quarter disagree")


def refuse_repeated_rows(frame, sheet: str, what: str) -> None:
    """TableNotFound naming each row that repeats an earlier one in every published column (as read: labels and
    numbers normalised): its figures would be counted twice. A row differing in any column, one added since included
    (a breakdown by location, say), is a row of its own."""
    repeated = frame.duplicated(keep=False)
    if not repeated.any():
        return
    first = {}
    cases = []
    for row, values in frame[repeated].iterrows():
        key = tuple(values.astype(str))
        if key in first:
            cases.append(FailureCase(sheet, int(row), None, f"repeats row {first[key]} in every column: its figures would "
                                                            "be counted twice"))
        else:
            first[key] = int(row)
    raise TableNotFound(cases, what=f"{what}: {len(cases)} row(s) repeated whole")


def parse(book: Workbook, options: dict) -> list[Table]:
    """Every table the catalog entry lists; all missing tables reported together."""
    return read_each(options.get("tables", []), lambda spec: read_table(book, spec))
