"""Home Office ad-hoc transparency notes ("Returns from the UK and illegal working activity since July 2024").

Each note is an HTML attachment of one GOV.UK publication page, read as its Content API JSON
(`title` and the HTML under `details.body`); a saved `.html` page works too. Notes as published
are prose: the figures of their sentences are read by prose.py (period, figure, the same period
12 months prior, the stated change), in document order with the note's tables, into the same
rows. Every `<table>` in the note is read with the standard library's html.parser:

- rows are measures (returns, enforced returns, voluntary returns, foreign national offender
  returns, asylum-related returns, charter flights, illegal working visits and arrests), the
  first cell the label;
- columns are periods, named by their header text: the current period ("5 July 2024 to
  31 January 2025") and the same period 12 months before ("5 July 2023 to 31 January 2024", or
  just "Same period 12 months prior": then a year before the current one); a percentage change
  column, if any, is checked against the figures (within `pct_tolerance` points), not loaded as a
  measure;
- tables without period columns (a list of nationalities by month, say) are not read.

Each figure becomes a row of raw.<table> with the period it covers (period_start/period_end),
`comparison` (current / year_before / earlier) and the measure: a canonical id for the known
measures (MEASURES), otherwise the label as published, kept and reported as a new category.
A known measure given again in a later table (a summary table, then a detailed one) keeps
`first_mention = false` so metrics count it once; given again with another figure, the note is
rejected.

Failure cases name the table ("table 2"), its row (counting every row of the table, header
included, from 1) and the column header as published.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from numbers import Integral
from pathlib import Path

import pandas as pd

from flows.errors import FailureCase
from flows.parsing import Table, TableNotFound, clean_label, is_missing, label_key, parse_numbers
from flows.sources.adhoc_notes import prose

# canonical measure id -> pattern over the label (case-folded, single spaces); the first match wins
MEASURES: list[tuple[str, re.Pattern]] = [(m, re.compile(p)) for m, p in [
    ("ers_returns", r"\bearly removal scheme\b|\bers\b"),       # FNO returns under the early removal scheme: before FNO
    ("fno_returns", r"foreign national offenders?|\bfnos?\b"),
    ("asylum_returns", r"\basylum\b"),
    ("charter_flights", r"\bcharter"),
    ("illegal_working_visits", r"illegal working\b.*\bvisits?\b|\bvisits?\b.*\billegal working"),
    ("illegal_working_arrests", r"illegal working\b.*\barrests?\b|\barrests?\b.*\billegal working"),
    ("enforced_returns", r"\benforced (?:returns?|removals?)\b"),
    ("voluntary_returns", r"\bvoluntary (?:returns?|departures?)\b"),
    ("returns", r"^(?:(?:total|all)\s+)?(?:number of\s+)?returns?(?:\s+from the uk)?(?:\s*\(total\)|\s+total)?$"),
]]
KNOWN = {measure for measure, _ in MEASURES} | prose.PROSE_KNOWN

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec")
_DATE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\.?(?:,?\s+(\d{{4}}))?(?![a-z])", re.IGNORECASE)
_MONTH_WORD = re.compile(rf"\b(?:{_MONTHS})\b|\b(?:19|20)\d\d\b", re.IGNORECASE)
_PRIOR = re.compile(r"(?:12|twelve)\s+months?\s+(?:prior|before|earlier)|same\s+period\b.*\b(?:previous|last|prior|before|earlier)"
                    r"|previous\s+year|prior\s+year|year\s+(?:before|earlier)", re.IGNORECASE)
_PCT = re.compile(r"%|per\s*cent|percentage", re.IGNORECASE)
_CHANGE = re.compile(r"\b(?:change|difference|increase|decrease)\b", re.IGNORECASE)
_PCT_VALUE = re.compile(r"^(?P<sign>[+\-\u2212\u2013]?)\s*(?P<number>\d+(?:\.\d+)?)\s*(?:%|per\s*cent)?$", re.IGNORECASE)


# --- HTML tables -----------------------------------------------------------------------------

@dataclass
class HtmlTable:
    number: int                         # 1-based, in document order
    rows: list[list[str]] = field(default_factory=list)
    header_rows: int = 0                # rows inside <thead>
    nested: set[tuple[int, int]] = field(default_factory=set)       # (row index, column): a table nested in the cell
    covered: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)   # padding of a colspan: (span, text)


class _TableReader(HTMLParser):
    """Cell texts of every table; footnote markers (<sup>) and scripts left out; a cell spanning n columns is its
    text then n - 1 empty cells (recorded in `covered`), so later cells stay under their headers. A table nested in
    a cell is no table of its own: its text is the cell's text, and the cell is recorded in `nested`."""

    SKIP = {"sup", "script", "style"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[HtmlTable] = []
        self._open: list[HtmlTable] = []
        self._cell: list[str] | None = None
        self._span = 1
        self._skip = 0
        self._in_head = False
        self._depth = 0                      # tables open inside the current cell
        self._cell_nested = False

    def _close_cell(self) -> None:
        if self._cell is not None and self._open and self._open[-1].rows:
            table = self._open[-1]
            row, position = len(table.rows) - 1, len(table.rows[-1])
            text = " ".join("".join(self._cell).split())
            table.rows[-1].extend([text] + [""] * (self._span - 1))
            if self._cell_nested:
                table.nested.add((row, position))
            for k in range(1, self._span):
                table.covered[(row, position + k)] = (self._span, text)
        self._cell = None
        self._cell_nested = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if self._depth:                      # inside a nested table: its cells are words of the outer cell
            if tag == "table":
                self._depth += 1
            elif tag in ("td", "th", "tr", "br"):
                self._cell.append(" ")
            elif tag in self.SKIP:
                self._skip += 1
            return
        if tag == "table" and self._cell is not None:
            self._depth, self._cell_nested = 1, True
            self._cell.append(" ")
        elif tag == "table":
            self._close_cell()
            table = HtmlTable(len(self.tables) + len(self._open) + 1)
            self._open.append(table)
        elif not self._open:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._close_cell()
            self._open[-1].rows.append([])
            if self._in_head:
                self._open[-1].header_rows += 1
        elif tag in ("td", "th"):
            self._close_cell()
            if not self._open[-1].rows:
                self._open[-1].rows.append([])
            self._cell = []
            span = dict(attrs).get("colspan") or "1"
            self._span = int(span) if span.isdigit() and 0 < int(span) <= 50 else 1
        elif tag in self.SKIP:
            self._skip += 1
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            if tag == "table":
                self._depth -= 1
                self._cell.append(" ")
            elif tag in self.SKIP and self._skip:
                self._skip -= 1
            return
        if tag == "table" and self._open:
            self._close_cell()
            self.tables.append(self._open.pop())
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "thead":
            self._in_head = False
        elif tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._skip:
            self._cell.append(data)


def html_tables(html: str) -> list[HtmlTable]:
    reader = _TableReader()
    reader.feed(html)
    reader.close()
    reader._depth = 0
    while reader._open:                      # unclosed tables at the end of the document
        reader._close_cell()
        reader.tables.append(reader._open.pop())
    return sorted(reader.tables, key=lambda t: t.number)


def note_html(path: Path) -> str:
    """The note's HTML: `details.body` of a Content API JSON document, or a saved HTML page as it is."""
    return note_document(path)[1]


def note_document(path: Path) -> tuple[str, str]:
    """(title, HTML) of a note: the Content API's `title` and `details.body`, or ('', a saved HTML page as it is:
    its <h1> gives the title)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    if not text.lstrip().startswith("{"):
        return "", text
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise TableNotFound([FailureCase(None, None, None, f"not valid Content API JSON: {exc}")]) from None
    body = (document.get("details") or {}).get("body") if isinstance(document, dict) else None
    if isinstance(body, list):               # multiple content types: take the HTML one
        body = next((b.get("content") for b in body if isinstance(b, dict) and b.get("content_type") == "text/html"), None)
    if not isinstance(body, str):
        raise TableNotFound([FailureCase(None, None, None, "Content API JSON has no details.body (not an HTML publication?)")])
    title = document.get("title")
    return (title if isinstance(title, str) else ""), body


# --- periods in column headers -------------------------------------------------------------------

def _month(name: str) -> int:
    from flows.periods import MONTHS
    return MONTHS[name.casefold()[:3]]


def parse_range(text: str) -> tuple[date, date] | None:
    """'5 July 2024 to 31 January 2025' (the first year may be left out) -> (start, end); None if not a date range."""
    found = _DATE.findall(text)
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
    except ValueError:
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


def _header_row(table: HtmlTable) -> tuple[int, list[Column]] | None:
    for index, row in enumerate(table.rows[:3]):
        columns = [classify(i, clean_label(cell)) for i, cell in enumerate(row) if i > 0]
        if any(c.kind in ("period", "prior") for c in columns):
            return index, columns
    return None


def _date_columns(table: HtmlTable, index: int, columns: list[Column]) -> list[FailureCase]:
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


# --- figures ---------------------------------------------------------------------------------------

def measure_of(label: str) -> str | None:
    key = label_key(label)
    for measure, pattern in MEASURES:
        if pattern.search(key):
            return measure
    return None


def _cell(text: str) -> object:
    text = clean_label(text)
    return pd.NA if is_missing(text) else text


def _pct(text: str) -> object:
    value = _cell(text)
    if value is pd.NA:
        return value
    m = _PCT_VALUE.match(value.replace(" ", ""))
    if not m:
        return value                     # left as published: validation names it
    number = float(m.group("number"))
    return -number if m.group("sign") in ("-", "\u2212", "\u2013") else number


def _same(a: object, b: object) -> bool:
    if pd.isna(a) or pd.isna(b):
        return pd.isna(a) and pd.isna(b)
    return a == b


def parse(path: Path, options: dict) -> list[Table]:
    name = options.get("table", "adhoc_note_figures")
    tolerance = float(options.get("pct_tolerance", 1.0))
    required = list(options.get("required_measures", []))
    groups = [list(required)] + [list(g) for g in options.get("required_together", [])]
    needed = {m for group in groups for m in group}
    title, html = note_document(path)
    tables = html_tables(html)
    note = prose.note_text(html, title)
    written = prose.read_prose(note, tolerance)          # the figures of the note's sentences
    out: list[Table] = []
    cases: list[FailureCase] = list(written.cases)
    given: dict[str, str] = {}              # measure -> first table giving a row for it
    given_prose: dict[str, prose.Figure] = {}   # measure -> first sentence giving it
    skipped = False                         # a table left unread (an unreadable header): measures not looked for
    seen: dict[tuple[str, date, date], tuple[object, str]] = {}     # known measure and period -> (value, where given)
    paragraphs: dict[int, list[prose.Figure]] = {}
    for figure in written.figures:
        paragraphs.setdefault(figure.paragraph, []).append(figure)
    before = {b.number: b.tables_before for b in note.blocks}
    # tables and paragraphs in document order: a measure given twice is counted where it is first given
    items = sorted([((t.number - 1, 1, 0), t) for t in tables] +
                   [((before[n], 0, n), figures) for n, figures in paragraphs.items()], key=lambda item: item[0])
    for _, table in items:
        if isinstance(table, list):
            out.append(_prose_table(name, table, seen))
            for figure in table:
                given_prose.setdefault(figure.measure, figure)
            continue
        found = _header_row(table)
        if found is None:
            continue
        index, columns = found
        problems = _date_columns(table, index, columns)
        if problems:
            cases += problems
            skipped = True
            continue
        where = f"table {table.number}"
        label_header = clean_label(table.rows[index][0]) if table.rows[index] else ""
        label_header = label_header or "Measure"
        period_columns = [c for c in columns if c.kind == "period"]

        def has_figures(row: list[str]) -> bool:      # a section heading inside the table has none
            return any(c.position < len(row) and _cell(row[c.position]) is not pd.NA for c in period_columns)

        def has_cells(number: int, row: list[str]) -> bool:   # a row with period cells of its own, empty or not
            return any(c.position < len(row) and (number - 1, c.position) not in table.covered for c in period_columns)
        body = [(number, row) for number, row in enumerate(table.rows, start=1)
                if number > index + 1 and row and clean_label(row[0])
                and (has_figures(row) or (measure_of(clean_label(row[0])) in needed and has_cells(number, row)))]
        numbers = [n for n, _ in body]
        labels = [clean_label(row[0]) for _, row in body]
        measures = [measure_of(label) or label for label in labels]
        for (number, row), measure in zip(body, measures):     # figures that would be NULL or out of line: named
            given.setdefault(measure, where)
            for column in period_columns:
                cell = (number - 1, column.position)
                if cell in table.nested:
                    cases.append(FailureCase(where, number, column.header, f"figure of {measure!r} is in a table nested "
                                             "in the cell: not read", row[column.position]))
                elif cell in table.covered:
                    span, text = table.covered[cell]
                    cases.append(FailureCase(where, number, column.header, f"figure of {measure!r} is covered by a cell "
                                             f"spanning {span} columns, so the row's figures are not under their headers",
                                             text))
                elif measure in needed and (column.position >= len(row) or _cell(row[column.position]) is pd.NA):
                    cases.append(FailureCase(where, number, column.header, f"no figure for {measure!r}, a figure the "
                                             "claims need", row[column.position] if column.position < len(row) else None))
        unknown: dict[str, int] = {}
        for label, measure in zip(labels, measures):
            if measure not in KNOWN:
                unknown[label] = unknown.get(label, 0) + 1

        def cells(column: Column, reader=_cell) -> pd.Series:
            return pd.Series([reader(row[column.position]) if column.position < len(row) else pd.NA for _, row in body],
                             index=numbers, dtype=object)

        values = {c.position: parse_numbers(pd.DataFrame({"v": cells(c)}), ["v"])["v"] for c in period_columns}
        current = next(c for c in period_columns if c.comparison == "current")
        before = next((c for c in period_columns if c.comparison == "year_before"), None)
        for column in columns:      # 'Change': a percentage if its figures say so, else an absolute change (not read)
            if column.kind == "change":
                texts = [row[column.position] for _, row in body if column.position < len(row)]
                column.kind = "pct" if any("%" in t or "per cent" in t.casefold() for t in texts) else "other"
        pct_column = next((c for c in columns if c.kind == "pct"), None)
        for n, column in enumerate(period_columns):
            value = values[column.position]
            frame = pd.DataFrame({
                "note_table": where, "measure": measures, "measure_label": labels, "period_label": column.header,
                "comparison": column.comparison, "period_start": pd.Timestamp(column.period[0]),
                "period_end": pd.Timestamp(column.period[1]), "value": value,
            }, index=numbers)
            frame["prior_value"] = pd.NA
            frame["pct_change_published"] = pd.NA
            frame["check_pct_change"] = pd.NA
            if column is current and before is not None:
                prior = values[before.position]
                frame["prior_value"] = prior.map(lambda v: v if isinstance(v, Integral) else pd.NA)
                if pct_column is not None:
                    published = cells(pct_column, _pct)
                    frame["pct_change_published"] = published
                    checks = []
                    for now, then, pct in zip(value, prior, published):
                        if isinstance(pct, float) and isinstance(now, Integral) and isinstance(then, Integral) and then > 0:
                            computed = 100 * (now - then) / then
                            if abs(computed - pct) > tolerance:
                                checks.append(f"published {pct:+g}%, the figures give {computed:+.1f}%")
                                continue
                        checks.append(pd.NA)
                    frame["check_pct_change"] = pd.Series(checks, index=numbers, dtype=object)
            first, repeats = [], []
            for number, measure, v in zip(numbers, measures, value):
                key = (measure, column.period[0], column.period[1])
                if measure not in KNOWN:
                    first.append(True)
                    repeats.append(pd.NA)
                elif key in seen:
                    earlier, earlier_where = seen[key]
                    first.append(False)
                    repeats.append(pd.NA if _same(earlier, v) else f"{v} here, {earlier} in {earlier_where}")
                else:
                    seen[key] = (v, f"{where} row {number}")
                    first.append(True)
                    repeats.append(pd.NA)
            frame["first_mention"] = first
            frame["check_repeat"] = pd.Series(repeats, index=numbers, dtype=object)
            table_labels = {c: column.header for c in ("value", "period_label", "comparison", "period_start", "period_end",
                                                       "first_mention", "check_repeat")}
            table_labels.update({"note_table": "table", "measure": label_header, "measure_label": label_header,
                                 "prior_value": before.header if before is not None else "prior period",
                                 "pct_change_published": pct_column.header if pct_column is not None else "change",
                                 "check_pct_change": pct_column.header if pct_column is not None else "change"})
            out.append(Table(name, where, frame, table_labels))
            if n == 0:          # new labels reported once per table, not once per period column
                out[-1].unknown_categories = [("measure", label, rows) for label, rows in sorted(unknown.items())]
    if not skipped:
        for group in groups:
            if group is groups[0] or any(m in given or m in given_prose for m in group):
                missing = [m for m in group if m not in given and m not in given_prose]
                if given:           # a note with figure tables: the table that gives the group's other measures
                    where = next((given[m] for m in group if m in given), None)
                    cases += [FailureCase(where, None, None, f"no row gives {m!r}, a figure the claims need")
                              for m in missing]
                else:
                    cases += [FailureCase(None, None, None, f"no sentence gives {m!r} ({_DESCRIBE.get(m, m)} from 5 July "
                                          "2024 to the note's cut-off), a figure the claims need") for m in missing]
        for measure, figure in sorted(given_prose.items()):       # given in sentences only: both periods needed
            if measure not in needed or measure in given:
                continue
            said = [f for f in written.figures if f.measure == measure]
            comparisons = {f.comparison for f in said} | {f.prior_comparison for f in said if f.prior is not None}
            if "current" not in comparisons:
                cases.append(FailureCase(figure.where, figure.sentence, None, f"{measure!r} is given, but not for the note's "
                                         "period (5 July 2024 to its cut-off), a figure the claims need", figure.text))
            elif "year_before" not in comparisons:
                cases.append(FailureCase(figure.where, figure.sentence, "same period 12 months prior",
                                         f"no figure for {measure!r} for the same period 12 months prior, a figure the "
                                         "claims need", figure.text))
    if cases:
        raise TableNotFound(cases)
    if not out:
        raise TableNotFound([FailureCase(None, None, None, f"no table with period columns ('5 July 2024 to ...') among "
                                         f"the note's {len(tables)} table(s), and no figure in the sentences of its "
                                         f"{len(note.blocks)} paragraph(s) ('Between 5 July 2024 and ..., N returns')")])
    return out


_DESCRIBE = {"returns": "the total of returns", "enforced_returns": "enforced returns",
             "voluntary_returns": "voluntary returns", "fno_returns": "foreign national offender returns",
             "ers_returns": "early removal scheme returns", "asylum_returns": "asylum-related returns",
             "charter_flights": "charter flights", "illegal_working_visits": "illegal working visits",
             "illegal_working_arrests": "illegal working arrests"}

_PROSE_LABELS = {"note_table": "paragraph", "measure": "measure", "measure_label": "measure", "period_label": "period",
                 "comparison": "period", "period_start": "period", "period_end": "period", "value": "figure",
                 "prior_value": "same period 12 months prior", "pct_change_published": "stated change",
                 "check_pct_change": "stated change", "first_mention": "figure", "check_repeat": "figure"}


def _prose_table(name: str, figures: list[prose.Figure], seen: dict) -> Table:
    """One paragraph's figures as rows of the raw table (index: the sentence number), each figure and its figure for
    the same period 12 months prior; a known measure given again (here or in a table) counts once (first_mention),
    and with another figure fails (check_repeat)."""
    rows, index = [], []
    for f in figures:
        said = [(f.period, f.period_label, f.comparison, f.value, f.prior, f.pct, f.check)]
        if f.prior is not None and f.prior_period is not None:
            said.append((f.prior_period, f.prior_label, f.prior_comparison, f.prior, None, None, None))
        for period, label, comparison, value, prior, pct, check in said:
            key = (f.measure, period[0], period[1])
            first, repeat = True, pd.NA
            if f.measure in KNOWN and key in seen:
                earlier, earlier_where = seen[key]
                first = False
                repeat = pd.NA if _same(earlier, value) else f"{value} here, {earlier} in {earlier_where}"
            elif f.measure in KNOWN:
                seen[key] = (value, f"{f.where}, sentence {f.sentence}")
            rows.append({"note_table": f.where, "measure": f.measure, "measure_label": f.label, "period_label": label,
                         "comparison": comparison, "period_start": pd.Timestamp(period[0]),
                         "period_end": pd.Timestamp(period[1]), "value": value,
                         "prior_value": pd.NA if prior is None else prior,
                         "pct_change_published": pd.NA if pct is None else float(pct),
                         "check_pct_change": pd.NA if check is None else check,
                         "first_mention": first, "check_repeat": repeat})
            index.append(f.sentence)
    frame = pd.DataFrame(rows, index=index)
    for column in ("value", "prior_value"):
        frame[column] = frame[column].astype(object)
    for column in ("check_pct_change", "check_repeat"):
        frame[column] = frame[column].astype(object)
    table = Table(name, figures[0].where, frame, dict(_PROSE_LABELS))
    unknown: dict[str, int] = {}
    for f in figures:
        if f.measure not in KNOWN:
            unknown[f.measure] = unknown.get(f.measure, 0) + 1
    table.unknown_categories = [("measure", label, rows) for label, rows in sorted(unknown.items())]
    return table
