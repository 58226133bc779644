"""Migration transparency data (Immigration Enforcement, UKVI): one layout for every table.

A table sits on its own sheet, named by its id (`CP_02`, `ASY_02`), with a title in row 1
carrying glued footnote markers ("CP_02: Volume and value of ...1,2" or "...27,B"),
"Back to Contents" below it, the header a few rows down (found by content: the row with
`Quarter` and the expected columns, not by position), footnote digits glued to header
cells ("Number of Penalties Issued1"), `:` (not available) and `n/a` (not applicable) as
values, and trailing blank rows and columns (notes below a blank row are not data).

Options in the catalog entry:

    [[<source>.options.tables]]
    id = "CP_02"                          # the sheet name (or the title's leading id)
    table = "illegal_working_penalties"
    columns = { quarter = "Quarter", penalties = ["Number of Penalties Issued"] }
    optional_columns = { ... }
    numbers = ["penalties"]

    [[<source>.options.tables]]           # a table found by its title words instead of an id
    title = [["illegal working"], ["visit", "arrest"]]   # every group must match, any word within it
    optional = true                       # a release without it still loads
    one_of = ["visits", "arrests"]

    sum_of = { total = ["less_than_3_months", "months_3_to_6"] }   # a total column the table adds up itself

A title-found sheet whose header does not have the columns is passed over (title words are
fuzzy); a sheet found by its id that lacks them is an error. A title-found table is read from
one sheet: a sheet whose title names a part of the UK (Scotland, Wales, a region) is passed over,
and two UK-wide sheets with the columns, or only a part's sheet, is an error naming them.
"""
from __future__ import annotations

import math
import re

from flows.errors import FailureCase
from flows.parsing import (Table, TableNotFound, Workbook, add_quarter_periods, clean_label, clean_text,
                           column_specs, cut_spec_table, find_spec_header, header_problems, id_pattern,
                           parse_numbers, read_each, sheet_key)


def _title(book: Workbook, sheet: str) -> str:
    head = book.head(sheet, rows=3)
    for value in head.iloc[:, 0].tolist() if head.shape[1] else []:
        text = clean_label(value)
        if text:
            return text
    return ""


def sheets_by_id(book: Workbook, table_id: str) -> list[str]:
    """The sheet named by the id ('CP_02', 'ASY_05(M)'), else a sheet whose title starts with it."""
    named = re.compile(rf"^{id_pattern(table_id)}(?![a-z0-9])")
    found = [s for s in book.sheet_names if named.match(sheet_key(s))]
    if found:
        return found[:1]
    titled = re.compile(rf"^{id_pattern(table_id)}\s*[:\-\u2013 ]", re.IGNORECASE)
    return [s for s in book.sheet_names if titled.match(_title(book, s))][:1]


def sheets_by_title(book: Workbook, groups: list[list[str]]) -> list[str]:
    def wanted(title: str) -> bool:
        key = title.casefold()
        return bool(key) and all(any(word.casefold() in key for word in group) for group in groups)
    return [s for s in book.sheet_names if wanted(_title(book, s))]


# A part of the UK named in a title ('... in Scotland', '...: England and Wales', '... London'): that sheet is a
# nation's or region's table, never the UK's, however well its title words and columns match.
PART_OF_THE_UK = re.compile(
    r"\b(?:scotland|scottish|wales|welsh|northern ireland|england|english regions?|london|north east|north west|"
    r"yorkshire|humber|east midlands|west midlands|east of england|south east|south west|"
    r"by (?:nation|region|country)s?)\b", re.IGNORECASE)


def part_of_the_uk(title: str) -> str | None:
    """The words of a title that name a part of the UK (or a breakdown by nation/region), else None."""
    found = PART_OF_THE_UK.search(title)
    return found.group(0) if found else None


def read_tables(book: Workbook, spec: dict) -> list[Table]:
    name = spec["table"]
    by_title = "id" not in spec
    what = f"table {spec['id']}" if not by_title else f"table {name} (title with {spec['title']})"
    sheets = sheets_by_title(book, spec["title"]) if by_title else sheets_by_id(book, spec["id"])
    if not sheets:
        if spec.get("optional"):
            return []
        raise TableNotFound([FailureCase(spec.get("id", name), None, None,
                                         f"{what}: no sheet named {spec.get('id', name)!r} nor titled so "
                                         f"(sheets: {', '.join(book.sheet_names)})")])
    required = column_specs(spec.get("columns"))
    optional = column_specs(spec.get("optional_columns"), required=False)
    specs = required + optional
    tables: list[Table] = []
    cases: list[FailureCase] = []
    sums: list[FailureCase] = []
    headers = []
    for sheet in sheets:
        header = find_spec_header(book.grid(sheet), sheet, specs)
        problems = header_problems(header, spec, specs, what)
        if problems:
            if not by_title:
                cases.extend(problems)
            continue
        headers.append(header)
    if by_title:
        headers = _the_national_sheet(book, headers, what)
    for header in headers:
        sheet = header.sheet
        table = cut_spec_table(book, header, name, specs, stop_at_blank=True)
        book.forget(sheet)
        numbers = list(spec.get("numbers") or [])
        parse_numbers(table.frame, numbers)
        clean_text(table.frame, [c for c in table.frame.columns if c not in numbers])
        sums.extend(totals_not_summing(table, spec.get("sum_of") or {}))
        add_quarter_periods(table.frame, year=None)
        table.labels.setdefault("period_start", table.labels.get("quarter", "Quarter"))
        table.labels.setdefault("period_end", table.labels.get("quarter", "Quarter"))
        tables.append(table)
    if cases:
        raise TableNotFound(cases)
    if sums:
        raise TableNotFound(sums, what=f"{what}: {len(sums)} total(s) not the sum of their columns")
    return tables


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _figure(number: float) -> str:
    return f"{int(number):,}" if number.is_integer() else f"{number:,}"


def totals_not_summing(table: Table, sum_of: dict[str, list[str]]) -> list[FailureCase]:
    """Rows whose total column is not the sum of its parts (ASY_02's Total and its four age-of-case columns): the
    table's own cross-check, failed naming the total cell with both numbers. A row with a part not available (`:`)
    or not a number cannot be checked here (validation names a cell that is not a number)."""
    cases = []
    for total, parts in sum_of.items():
        if total not in table.frame.columns or any(p not in table.frame.columns for p in parts):
            continue
        names = [table.labels.get(p, p).strip() for p in parts]
        for row, values in table.frame[[total, *parts]].iterrows():
            numbers = [_number(v) for v in values]
            if any(n is None for n in numbers) or numbers[0] == sum(numbers[1:]):
                continue
            cases.append(FailureCase(table.sheet, int(row), table.labels.get(total, total).strip(),
                                     f"is not the sum of {', '.join(names[:-1])} and {names[-1]} on its row, "
                                     f"which add up to {_figure(sum(numbers[1:]))}", _figure(numbers[0])))
    return cases


def _the_national_sheet(book: Workbook, headers: list, what: str) -> list:
    """Of the title-found sheets that have the table's columns, the one UK table. A sheet whose title names a part
    of the UK is passed over (it is that part's table); only such sheets, or two UK-wide ones, is an error naming
    them: read, the part's figures would pass as the UK's, or two sheets' rows be added into one quarter."""
    national = [h for h in headers if not part_of_the_uk(_title(book, h.sheet))]
    if len(national) > 1:
        listed = ", ".join(f"{h.sheet!r} ({_title(book, h.sheet)!r})" for h in national)
        raise TableNotFound([FailureCase(h.sheet, None, None, f"{what}: {len(national)} sheets match it ({listed}); "
                                                              "which is the table is not guessed, nor are they added")
                             for h in national], what=f"{what}: found on {len(national)} sheets")
    if not national and headers:
        raise TableNotFound([FailureCase(h.sheet, 1, None,
                                         f"{what}: its title {_title(book, h.sheet)!r} names a part of the UK "
                                         f"({part_of_the_uk(_title(book, h.sheet))!r}), not the UK; no UK-wide sheet "
                                         "has the table") for h in headers],
                            what=f"{what}: only a part of the UK's table found")
    return national


def parse(book: Workbook, options: dict) -> list[Table]:
    return read_each(options.get("tables", []), lambda spec: read_tables(book, spec))
