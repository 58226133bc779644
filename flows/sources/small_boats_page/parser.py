"""GOV.UK's "Small boat arrivals: last 7 days" page (the HTML publication
`.../migrants-detected-crossing-the-english-channel-in-small-boats-last-7-days`).

The page is read as its Content API JSON (the HTML under `details.body`, the page's date in
`public_updated_at`); a saved `.html` page parses too (its date from the `govuk:public-updated-at` meta tag, else
its "Updated 21 August 2026" line). Every `<table>` is read with the standard library's html.parser; a
*daily table* is one whose header row (among its first three rows) has a `Date` column. As published on
21 August 2026 there is one, a row per day (the date a `<th scope="row">`):

    Date | Migrants arrived | Boats arrived | Boats involved in uncontrolled landings | Notes
    14 August 2026 | 93 | 1 | 0 |
    16 August 2026 | 0 | 0 | 0 |        <- a day without crossings is 0 in every column (never left out)

- `Migrants arrived` is required in a daily table; the boats columns and Notes are read where given (an absent
  column is all missing, never zero);
- numbers may carry thousands commas; a `-` or an empty cell is missing (not recorded), never zero;
- a date without its year ("14 August") takes the year that puts it on or before the page's publication date;
- a blank row, or a row labelled Total, is not a day;
- a day given again in a later table with the same figures is kept once; with other figures the page is
  rejected (`check_repeat`), naming both rows.

A page without a daily table (the weekly summary page, a page whose table was taken down or renamed) is rejected
naming what is missing: the `Date` and `Migrants arrived` columns, and the headers of the tables it does have.

Failure cases name the table ("table 1"), its row (every row of the table counted from 1, header included) and
the column header as published.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from flows.errors import FailureCase
from flows.parsing import Table, TableNotFound, clean_label, column_name, is_missing, label_key, parse_date_text, day_of_page_time

TABLE = "small_boats_page_daily"

# warehouse column -> header pattern (over the label case-folded, single spaces, footnotes removed); first match wins
COLUMNS: list[tuple[str, re.Pattern]] = [(c, re.compile(p)) for c, p in [
    ("date", r"^(?:date|day)$"),
    ("boats_involved_in_uncontrolled_landings", r"uncontrolled landings?"),
    ("migrants_arrived", r"^(?:number of )?(?:migrants|people)(?: arrived| detected| arriving)?$"),
    ("boats_arrived", r"^(?:number of )?(?:small )?boats(?: arrived| detected| arriving)?$"),
    ("notes", r"^notes?$"),
]]
COUNTS = ["migrants_arrived", "boats_arrived", "boats_involved_in_uncontrolled_landings"]
SCHEMA_COLUMNS = {"page_table", "date", *COUNTS, "notes", "page_updated_on", "check_repeat"}
REQUIRED = {"date": "Date", "migrants_arrived": "Migrants arrived"}
EXPECTED_HEADER = "Date | Migrants arrived | Boats arrived | Boats involved in uncontrolled landings | Notes"

_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)$", re.ASCII)
_DAY_MONTH = re.compile(r"^(?:[A-Za-z]+,?\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?$")
_WEEKDAY_PREFIX = re.compile(r"^(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)[a-z]*,?\s+", re.IGNORECASE)
_TOTAL = re.compile(r"^(?:total|all days|7[- ]day total|week total)\b", re.IGNORECASE)
_UPDATED_META = re.compile(r"""<meta\s+name=["']govuk:public-updated-at["']\s+content=["']([^"']+)["']""", re.IGNORECASE)
_UPDATED_LINE = re.compile(r"Updated\s+(\d{1,2}\s+[A-Za-z]+\s+\d{4})")


# --- HTML tables ---------------------------------------------------------------------------------

@dataclass
class HtmlTable:
    number: int                                         # 1-based, in document order
    rows: list[list[str]] = field(default_factory=list)


class _TableReader(HTMLParser):
    """Cell texts of every table, footnote markers (<sup>), scripts and styles left out; a cell spanning n columns
    is its text then n - 1 empty cells, so later cells stay under their headers. A table nested in a cell is
    read as that cell's text."""

    SKIP = {"sup", "script", "style"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[HtmlTable] = []
        self._table: HtmlTable | None = None
        self._cell: list[str] | None = None
        self._span = 1
        self._skip = 0
        self._nested = 0

    def _close_cell(self) -> None:
        if self._cell is not None and self._table is not None and self._table.rows:
            text = " ".join("".join(self._cell).split())
            self._table.rows[-1].extend([text] + [""] * (self._span - 1))
        self._cell = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIP:
            self._skip += 1
            return
        if self._nested:
            if tag == "table":
                self._nested += 1
            elif tag in ("td", "th", "tr", "br") and self._cell is not None:
                self._cell.append(" ")
            return
        if tag == "table":
            if self._cell is not None:              # a table inside a cell: its words are the cell's text
                self._nested = 1
                self._cell.append(" ")
                return
            self._close_cell()
            if self._table is not None:
                self.tables.append(self._table)
            self._table = HtmlTable(len(self.tables) + 1)
        elif self._table is None:
            return
        elif tag == "tr":
            self._close_cell()
            self._table.rows.append([])
        elif tag in ("td", "th"):
            self._close_cell()
            if not self._table.rows:
                self._table.rows.append([])
            self._cell = []
            span = dict(attrs).get("colspan") or "1"
            self._span = int(span) if span.isdigit() and 0 < int(span) <= 50 else 1
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if self._nested:
            if tag == "table":
                self._nested -= 1
                if self._cell is not None:
                    self._cell.append(" ")
            return
        if tag == "table" and self._table is not None:
            self._close_cell()
            self.tables.append(self._table)
            self._table = None
        elif tag in ("td", "th"):
            self._close_cell()

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._skip:
            self._cell.append(data)

    def finish(self) -> list[HtmlTable]:
        self.close()
        if self._table is not None:                 # a table left open at the end of the document
            self._close_cell()
            self.tables.append(self._table)
            self._table = None
        for number, table in enumerate(self.tables, 1):
            table.number = number
        return self.tables


def html_tables(html: str) -> list[HtmlTable]:
    reader = _TableReader()
    reader.feed(html)
    return reader.finish()


# --- the page ------------------------------------------------------------------------------------

def page_html(path: Path) -> tuple[str, date | None]:
    """The page's HTML and its own updated date: `details.body` and `public_updated_at` of a Content API JSON
    document, or a saved HTML page as it is (its date from the govuk:public-updated-at meta tag or the
    'Updated 21 August 2026' line)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    if not text.lstrip().startswith("{"):
        meta = _UPDATED_META.search(text)
        line = _UPDATED_LINE.search(text)
        return text, day_of_page_time(meta.group(1)) if meta else day_of_page_time(line.group(1)) if line else None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise TableNotFound([FailureCase(None, None, None, f"not valid Content API JSON: {exc}")]) from None
    if not isinstance(document, dict):
        raise TableNotFound([FailureCase(None, None, None, "the Content API JSON is not an object")])
    body = (document.get("details") or {}).get("body") if isinstance(document.get("details"), dict) else None
    if isinstance(body, list):               # several content types: take the HTML one
        body = next((b.get("content") for b in body if isinstance(b, dict) and b.get("content_type") == "text/html"), None)
    if not isinstance(body, str):
        raise TableNotFound([FailureCase(None, None, None, "the Content API JSON has no details.body "
                                         "(not the HTML publication page?)")])
    return body, day_of_page_time(document.get("public_updated_at") or document.get("updated_at"))


def column_of(header: str) -> str | None:
    key = label_key(header)
    return next((column for column, pattern in COLUMNS if pattern.search(key)), None)


def _header(table: HtmlTable) -> tuple[int, dict[str, int], list[str]] | None:
    """(row index, warehouse column -> position, the row's labels) of the first of the first three rows with a Date column."""
    for index, row in enumerate(table.rows[:3]):
        labels = [clean_label(cell) for cell in row]
        positions: dict[str, int] = {}
        for position, label in enumerate(labels):
            column = column_of(label)
            if column is not None and column not in positions:
                positions[column] = position
        if "date" in positions:
            return index, positions, labels
    return None


def _day(text: str, published_on: date | None) -> object:
    """A row's date: '14 August 2026' (a weekday before it allowed); '14 August' in the year that puts it on or
    before the publication date. Anything else is returned as published, so validation names the cell."""
    bare = _WEEKDAY_PREFIX.sub("", text).strip()
    parsed = parse_date_text(bare)
    if parsed is not None:
        return parsed
    m = _DAY_MONTH.fullmatch(bare)
    if m and published_on is not None:
        from flows.periods import MONTHS
        month = MONTHS.get(m.group(2).casefold())
        if month:
            for year in (published_on.year, published_on.year - 1):
                try:
                    day = date(year, month, int(m.group(1)))
                except ValueError:
                    continue
                if day <= published_on:
                    return pd.Timestamp(day)
    return text


def _count(text: str) -> object:
    if is_missing(text):
        return pd.NA
    stripped = text.strip()
    return int(stripped.replace(",", "")) if _NUMBER.fullmatch(stripped) else stripped


def _describe(tables: list[HtmlTable]) -> str:
    if not tables:
        return "the page has no table at all"
    seen = []
    for table in tables[:6]:
        head = next((row for row in table.rows if any(row)), [])
        seen.append(f"table {table.number}: " + (" | ".join(clean_label(c) for c in head) or "(empty)"))
    return "the page's tables: " + "; ".join(seen)


def _extra_columns(positions: dict[str, int], labels: list[str]) -> dict[str, int]:
    """Columns the page adds beyond the schema's (column name -> position): reported by the loader as new columns,
    not loaded."""
    known = set(positions.values())
    extra = {}
    for position, label in enumerate(labels):
        extra_name = column_name(label)
        if position not in known and extra_name and extra_name not in SCHEMA_COLUMNS and extra_name not in extra:
            extra[extra_name] = position
    return extra


def _record(cells: list[str], positions: dict[str, int], extra: dict[str, int], where: str, first: str,
            published_on: date | None, updated: date | None) -> dict[str, object]:
    """One day's row (`first`: its date cell), in the raw table's column order."""
    record: dict[str, object] = {"page_table": where, "date": _day(first, published_on) if first else pd.NA}
    for column in COUNTS:
        position = positions.get(column)
        record[column] = _count(cells[position]) if position is not None and position < len(cells) else pd.NA
    position = positions.get("notes")
    note = cells[position] if position is not None and position < len(cells) else ""
    record["notes"] = note if note else pd.NA
    record["page_updated_on"] = pd.Timestamp(updated) if updated is not None else pd.NaT
    for column, position in extra.items():
        record[column] = cells[position] if position < len(cells) else pd.NA
    record["check_repeat"] = pd.NA
    return record


def _given_before(record: dict[str, object], seen: dict, where: str, number: int) -> bool:
    """True when an earlier table gave this day with the same figures (counted once: the row is dropped); with
    other figures the row's check_repeat names both. `seen`: day -> (figures, table, row) where first given."""
    figures = tuple(None if v is pd.NA else v for v in (record[c] for c in COUNTS))
    day = record["date"]
    if isinstance(day, pd.Timestamp):
        if day in seen and seen[day][1] != where:
            earlier, earlier_table, earlier_row = seen[day]
            if earlier == figures:
                return True
            record["check_repeat"] = f"{_figures(figures)} here, {_figures(earlier)} in {earlier_table} row {earlier_row}"
        else:
            seen.setdefault(day, (figures, where, number))
    return False


def _day_rows(table: HtmlTable, index: int, positions: dict[str, int], extra: dict[str, int], where: str,
              published_on: date | None, updated: date | None, seen: dict) -> tuple[list[dict], list[int]]:
    """The day rows under the header (row `index`) and their row numbers; blank rows and totals are no days."""
    records, numbers = [], []
    for number, row in enumerate(table.rows[index + 1:], start=index + 2):
        cells = [clean_label(c) for c in row]
        first = cells[positions["date"]] if positions["date"] < len(cells) else ""
        if not any(cells) or _TOTAL.match(first):
            continue
        record = _record(cells, positions, extra, where, first, published_on, updated)
        if _given_before(record, seen, where, number):
            continue
        records.append(record)
        numbers.append(number)
    return records, numbers


def _daily_table(name: str, where: str, records: list[dict], numbers: list[int], positions: dict[str, int],
                 extra: dict[str, int], labels: list[str]) -> Table:
    frame = pd.DataFrame.from_records(records, index=pd.Index(numbers))
    frame["page_updated_on"] = pd.to_datetime(frame["page_updated_on"])
    for column in COUNTS:
        frame[column] = frame[column].astype(object)
    column_labels = {column: labels[position] for column, position in {**positions, **extra}.items()}
    for column in COUNTS:
        column_labels.setdefault(column, f"{column.replace('_', ' ').capitalize()} (not on the page)")
    column_labels.update({"page_table": "table", "page_updated_on": "page updated",
                          "check_repeat": labels[positions["date"]]})
    column_labels.setdefault("notes", "Notes")
    return Table(name, where, frame, column_labels)


def parse(document: Path, options: dict) -> list[Table]:
    name = options.get("table", TABLE)
    published_on = options.get("published_on")
    html, updated = page_html(Path(document))
    tables = html_tables(html)
    out: list[Table] = []
    cases: list[FailureCase] = []
    seen: dict[pd.Timestamp, tuple[tuple, str, int]] = {}       # day -> (figures, table, row) where first given
    for table in tables:
        found = _header(table)
        if found is None:
            continue
        index, positions, labels = found
        where = f"table {table.number}"
        if "migrants_arrived" not in positions:
            cases.append(FailureCase(where, index + 1, None,
                                     f"a daily table (it has a 'Date' column) without a 'Migrants arrived' column; "
                                     f"its header: {' | '.join(labels)}; expected {EXPECTED_HEADER}"))
            continue
        extra = _extra_columns(positions, labels)
        records, numbers = _day_rows(table, index, positions, extra, where, published_on, updated, seen)
        if not records:
            cases.append(FailureCase(where, None, None, f"the daily table has no day rows under its header "
                                                        f"({' | '.join(labels)})"))
            continue
        out.append(_daily_table(name, where, records, numbers, positions, extra, labels))
    if cases:
        raise TableNotFound(cases)
    if not out:
        raise TableNotFound([FailureCase(None, None, None,
                                         f"no daily table on the page: no table has the columns 'Date' and "
                                         f"'Migrants arrived' (expected {EXPECTED_HEADER}); {_describe(tables)}")])
    return out


def _figures(figures: tuple) -> str:
    return "/".join("-" if v is None else str(v) for v in figures)
