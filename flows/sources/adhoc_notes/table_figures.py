"""The figures of one note table: a row per measure, a column per period (read by table_periods), each figure a
row of the raw table with its period; the figure 12 months before and a published percentage change kept beside
the current period's figure, the change checked against the two figures."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from numbers import Integral

import pandas as pd

from flows.errors import FailureCase
from flows.parsing import Table, clean_label, is_missing, parse_numbers
from flows.sources.adhoc_notes.html_reading import HtmlTable
from flows.sources.adhoc_notes.measures import KNOWN, Seen, first_mention, measure_of
from flows.sources.adhoc_notes.table_periods import Column

_PCT_VALUE = re.compile(r"^(?P<sign>[+\-\u2212\u2013]?)\s*(?P<number>\d+(?:\.\d+)?)\s*(?:%|per\s*cent)?$", re.IGNORECASE)


def cell(text: str) -> object:
    text = clean_label(text)
    return pd.NA if is_missing(text) else text


def pct_cell(text: str) -> object:
    """A percentage change cell ('+21%', '-5', '\u22123.2 per cent') as a signed number."""
    value = cell(text)
    if value is pd.NA:
        return value
    m = _PCT_VALUE.match(value.replace(" ", ""))
    if not m:
        return value                     # left as published: validation names it
    number = float(m.group("number"))
    return -number if m.group("sign") in ("-", "\u2212", "\u2013") else number


@dataclass
class _Body:
    """The rows of a table that give figures, as (row number, cells), and each row's label and measure."""
    rows: list[tuple[int, list[str]]]
    numbers: list[int] = field(init=False)
    labels: list[str] = field(init=False)
    measures: list[str] = field(init=False)      # a canonical id, else the label as published

    def __post_init__(self) -> None:
        self.numbers = [n for n, _ in self.rows]
        self.labels = [clean_label(row[0]) for _, row in self.rows]
        self.measures = [measure_of(label) or label for label in self.labels]

    def cells(self, column: Column, reader=cell) -> pd.Series:
        return pd.Series([reader(row[column.position]) if column.position < len(row) else pd.NA for _, row in self.rows],
                         index=self.numbers, dtype=object)


def _body(table: HtmlTable, index: int, period_columns: list[Column], needed: set[str]) -> _Body:
    """The labelled rows under the header that give a figure; a row of a needed measure is kept with empty cells
    too (so it fails, named), but a section heading inside the table (no cells of its own) is not."""
    def has_figures(row: list[str]) -> bool:
        return any(c.position < len(row) and cell(row[c.position]) is not pd.NA for c in period_columns)

    def has_cells(number: int, row: list[str]) -> bool:      # period cells of its own, empty or not
        return any(c.position < len(row) and (number - 1, c.position) not in table.covered for c in period_columns)
    return _Body([(number, row) for number, row in enumerate(table.rows, start=1)
                  if number > index + 1 and row and clean_label(row[0])
                  and (has_figures(row) or (measure_of(clean_label(row[0])) in needed and has_cells(number, row)))])


def _unread_cells(table: HtmlTable, body: _Body, period_columns: list[Column], needed: set[str]) -> list[FailureCase]:
    """Figures that would be NULL or out of line, named: in a nested table, under a spanning cell, or missing where
    the claims need them."""
    where = f"table {table.number}"
    cases = []
    for (number, row), measure in zip(body.rows, body.measures):
        for column in period_columns:
            position = (number - 1, column.position)
            if position in table.nested:
                cases.append(FailureCase(where, number, column.header, f"figure of {measure!r} is in a table nested "
                                         "in the cell: not read", row[column.position]))
            elif position in table.covered:
                span, text = table.covered[position]
                cases.append(FailureCase(where, number, column.header, f"figure of {measure!r} is covered by a cell "
                                         f"spanning {span} columns, so the row's figures are not under their headers",
                                         text))
            elif measure in needed and (column.position >= len(row) or cell(row[column.position]) is pd.NA):
                cases.append(FailureCase(where, number, column.header, f"no figure for {measure!r}, a figure the "
                                         "claims need", row[column.position] if column.position < len(row) else None))
    return cases


def _settle_change_columns(columns: list[Column], body: _Body) -> None:
    """'Change': a percentage if its figures say so, else an absolute change (not read)."""
    for column in columns:
        if column.kind == "change":
            texts = [row[column.position] for _, row in body.rows if column.position < len(row)]
            column.kind = "pct" if any("%" in t or "per cent" in t.casefold() for t in texts) else "other"


def _pct_checks(value: pd.Series, prior: pd.Series, published: pd.Series, tolerance: float) -> list[object]:
    """Per row: a published change further than `tolerance` points from the change the figures give, described."""
    checks = []
    for now, then, pct in zip(value, prior, published):
        if isinstance(pct, float) and isinstance(now, Integral) and isinstance(then, Integral) and then > 0:
            computed = 100 * (now - then) / then
            if abs(computed - pct) > tolerance:
                checks.append(f"published {pct:+g}%, the figures give {computed:+.1f}%")
                continue
        checks.append(pd.NA)
    return checks


def _period_frame(where: str, body: _Body, column: Column, value: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({
        "note_table": where, "measure": body.measures, "measure_label": body.labels, "period_label": column.header,
        "comparison": column.comparison, "period_start": pd.Timestamp(column.period[0]),
        "period_end": pd.Timestamp(column.period[1]), "value": value,
    }, index=body.numbers)
    frame["prior_value"] = pd.NA
    frame["pct_change_published"] = pd.NA
    frame["check_pct_change"] = pd.NA
    return frame


def _column_labels(column: Column, label_header: str, before: Column | None, pct_column: Column | None) -> dict:
    """The header each raw column's values come from, for failure messages."""
    labels = {c: column.header for c in ("value", "period_label", "comparison", "period_start", "period_end",
                                         "first_mention", "check_repeat")}
    labels.update({"note_table": "table", "measure": label_header, "measure_label": label_header,
                   "prior_value": before.header if before is not None else "prior period",
                   "pct_change_published": pct_column.header if pct_column is not None else "change",
                   "check_pct_change": pct_column.header if pct_column is not None else "change"})
    return labels


def table_figures(name: str, table: HtmlTable, index: int, columns: list[Column], needed: set[str], tolerance: float,
                  seen: Seen, given: dict[str, str]) -> tuple[list[Table], list[FailureCase]]:
    """The raw tables (one per period column) of a table whose header row `index` has dated `columns`, and its
    failures. `seen` and `given` carry, across the note, the figures already given and the first table giving
    each measure."""
    where = f"table {table.number}"
    label_header = (clean_label(table.rows[index][0]) if table.rows[index] else "") or "Measure"
    period_columns = [c for c in columns if c.kind == "period"]
    body = _body(table, index, period_columns, needed)
    for measure in body.measures:
        given.setdefault(measure, where)
    cases = _unread_cells(table, body, period_columns, needed)
    unknown: dict[str, int] = {}
    for label, measure in zip(body.labels, body.measures):
        if measure not in KNOWN:
            unknown[label] = unknown.get(label, 0) + 1
    values = {c.position: parse_numbers(pd.DataFrame({"v": body.cells(c)}), ["v"])["v"] for c in period_columns}
    current = next(c for c in period_columns if c.comparison == "current")
    before = next((c for c in period_columns if c.comparison == "year_before"), None)
    _settle_change_columns(columns, body)
    pct_column = next((c for c in columns if c.kind == "pct"), None)
    out: list[Table] = []
    for n, column in enumerate(period_columns):
        value = values[column.position]
        frame = _period_frame(where, body, column, value)
        if column is current and before is not None:
            prior = values[before.position]
            frame["prior_value"] = prior.map(lambda v: v if isinstance(v, Integral) else pd.NA)
            if pct_column is not None:
                published = body.cells(pct_column, pct_cell)
                frame["pct_change_published"] = published
                frame["check_pct_change"] = pd.Series(_pct_checks(value, prior, published, tolerance),
                                                      index=body.numbers, dtype=object)
        mentions = [first_mention(seen, measure, column.period, v, f"{where} row {number}")
                    for number, measure, v in zip(body.numbers, body.measures, value)]
        frame["first_mention"] = [first for first, _ in mentions]
        frame["check_repeat"] = pd.Series([repeat for _, repeat in mentions], index=body.numbers, dtype=object)
        out.append(Table(name, where, frame, _column_labels(column, label_header, before, pct_column)))
        if n == 0:          # new labels reported once per table, not once per period column
            out[-1].unknown_categories = [("measure", label, rows) for label, rows in sorted(unknown.items())]
    return out, cases
