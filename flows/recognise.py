"""Local files recognised for `pledges load`: by name first, then by content.

By name: the catalog's attachment patterns (flows.catalog.recognise), the file's date from its name
(`date_basis = file_name`), or its modification time where the name carries none (`file_time`).

By content, when no pattern matches the name (a browser's ` (1)` suffix, a renamed download): the
layout each parser reads, checked without parsing the whole file:

- spreadsheets (xlsx/ods, checked against the decompression limit first): Home Office detailed
  datasets by their data sheets (`Data - Irr_D01`, `Data_Ret_D01`), transparency workbooks by their
  table-id sheets (`CP_02`, `ASY_02`), small-boats time series by the SB_01/SB_02 header rows, ONS
  LTIM by the main table's header row;
- CSV files by their header columns (DfE explore education statistics: `time_period,
  time_identifier, geographic_level, ..., start_count`), with at least one National row with every
  filter at `Total` (a regional extract is not a release);
- zips of CSVs by a member's header (MoJ outcomes by offence).

Exactly one source must match; several, or none, and the file is skipped with the reason (the
sheets, columns or members it has). Pages (HTML, JSON) are recognised by name only.

A file recognised by content is dated from its content where it carries a date (`content`): a
"Published: 23 November 2023" line on its cover sheet; else a reference period in the cover title
("year ending September 2023", "Q3 2023") or the last period of its data (the last day of a
small-boats series, the last quarter or year-ending period) plus the source's publication lag, as a
name's reference month is. Where the content has no date (DfE, MoJ), the file's modification time
(`file_time`). Downloads record `page` or `api` (or `file_name` where the name carries the date).
"""
from __future__ import annotations

import csv
import dataclasses
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from flows.catalog import Source, load_catalog, recognise as recognise_name
from flows.periods import MONTHS
from flows.sources.dfe import parser as dfe
from flows.sources.home_office_detailed import parser as ho_detailed
from flows.sources.moj import parser as moj
from flows.sources.small_boats import parser as small_boats
from flows.parsing import (TableNotFound, UnsafeFile, Workbook, check_archive, column_specs, find_header,
                           find_spec_header, id_pattern, label_key, one_of_groups, parse_date_text,
                           sheet_key)

# how a release's publication date is known (meta.releases.date_basis); only `file_time` is not the publisher's
DATE_BASES = ("file_name", "content", "file_time", "page", "api")

SNIFF_BYTES = 1 << 16
MAX_HEADER_SHEETS = 40          # sheets whose first rows are read when looking for a header row


@dataclass(frozen=True)
class Recognition:
    """What a local file is: its source and publication date with how it is known, or why it is skipped."""
    source: Source | None
    published_on: date | None = None
    date_basis: str | None = None      # file_name | content | file_time
    by: str = "name"                    # name | content
    reason: str | None = None           # set when the file is skipped
    evidence: str | None = None         # by content: what matched (sheets, header row, CSV columns)

    @property
    def skipped(self) -> bool:
        return self.reason is not None


def remote_date_basis(source: Source, file_name: str) -> str:
    """How discovery dated a download (flows.fetch): the API's version or release date, the name's date, or the page's."""
    if source.discovery in ("ons_dataset", "dfe_api"):
        return "api"
    if source.date_from == "file_name" and source.date_in_name(file_name) is not None:
        return "file_name"
    return "page"


def sighting_date_basis(source: Source, file_name: str, url: str) -> str:
    """The date basis of an archived sighting recorded before the basis was kept: downloads as discovery dates
    them; local files (recognised by name alone then) from the name, else the file's time."""
    if url.startswith(("http://", "https://")):
        return remote_date_basis(source, file_name)
    return "file_name" if source.published_from_name(file_name) is not None else "file_time"


def with_date_basis(source: Source, basis: str | None) -> Source:
    """The source with `date_basis` among its parser options (DfE counts the newest year final only on a
    publisher's date, never on a file's modification time)."""
    if basis is None or source.options.get("date_basis") == basis:
        return source
    return dataclasses.replace(source, options={**source.options, "date_basis": basis})


def _file_time(path: Path) -> date:
    return date.fromtimestamp(path.stat().st_mtime)


def recognise_file(path: Path, max_unzipped_bytes: int) -> Recognition:
    """The file's source and date: by name, else by content (see the module doc)."""
    source = recognise_name(path.name)
    if source is not None:
        if (problem := source.name_problem(path.name)) is not None:   # never a silent fallback to the file's time
            return Recognition(source, reason=problem)
        published = source.published_from_name(path.name)
        if published is not None:
            return Recognition(source, published, "file_name")
        return Recognition(source, _file_time(path), "file_time")
    if not path.name.isprintable():
        return Recognition(None, reason=f"its name {path.name!r} has unprintable characters: not read")
    try:
        return _by_content(path, max_unzipped_bytes)
    except UnsafeFile as exc:
        return Recognition(None, reason=f"no source's name pattern matches it, and its content cannot be read safely: {exc}")
    except Exception as exc:   # an unreadable file of an unknown kind is skipped, never fatal
        return Recognition(None, reason=f"no source's name pattern matches it, and its content cannot be read "
                                        f"({type(exc).__name__}: {exc})")


# --- what kind of file -------------------------------------------------------------------------

def _sniff(path: Path) -> tuple[str, bytes]:
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip", head
    if head.startswith(b"\x1f\x8b"):
        return "gzip", head
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole", head                 # legacy .xls / .doc
    if b"\x00" in head:
        return "binary", head
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n").casefold()
    if text.startswith(("<!doctype html", "<html")) or "<html" in text[:2000]:
        return "html", head
    if text.startswith(("{", "[")):
        return "json", head
    return "text", head


def _listed(items: list[str], most: int = 12) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:most]) + (f" and {len(items) - most} more" if len(items) > most else "")


def _by_content(path: Path, max_unzipped_bytes: int) -> Recognition:
    kind, head = _sniff(path)
    if kind == "zip":
        check_archive(path, max_unzipped_bytes)       # bounded before any reader inflates it
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" in names or "mimetype" in names or "content.xml" in names:
                return _spreadsheet(path)
            return _zip_of_csvs(path, archive)
    if kind == "text":
        return _csv(path, head)
    what = {"gzip": "a gzip-compressed file (no source is published in this form)",
            "ole": "a legacy Office file (.xls): no source is published in this form",
            "html": "an HTML page: pages are recognised by name only",
            "json": "a JSON document: recognised by name only",
            "binary": "not a spreadsheet, CSV or zip"}[kind]
    return Recognition(None, reason=f"no source's name pattern matches it; {what}")


def _ambiguous(matches: list[tuple[Source, str]]) -> Recognition:
    return Recognition(None, reason="the layouts of several sources match (" +
                       "; ".join(f"{s.id}: {why}" for s, why in matches) + "): give it its published name to load it")


# --- spreadsheets ------------------------------------------------------------------------------

def _ho_detailed_sheets(source: Source, book: Workbook, heads: _Heads) -> str | None:
    specs = [t for t in source.options.get("tables", []) if not t.get("optional")]
    found = []
    for spec in specs:
        ids = spec["ids"] if isinstance(spec.get("ids"), list) else [spec["ids"]]
        sheet = ho_detailed.find_data_sheet(book, ids)
        if sheet is None:
            return None
        found.append(sheet)
    return f"sheets {_listed(found)}" if found else None


def _transparency_sheets(source: Source, book: Workbook, heads: _Heads) -> str | None:
    """Every required table's sheet, named by its id (sheet names only: no sheet is read)."""
    specs = [t for t in source.options.get("tables", []) if t.get("id") and not t.get("optional")]
    found = []
    for spec in specs:
        named = re.compile(rf"^{id_pattern(spec['id'])}(?![a-z0-9])")
        sheet = next((s for s in book.sheet_names if named.match(sheet_key(s))), None)
        if sheet is None:
            return None
        found.append(sheet)
    return f"sheets {_listed(found)}" if found else None


class _Heads:
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


def _ordered(book: Workbook, preferred: re.Pattern) -> list[str]:
    first = [s for s in book.sheet_names if preferred.search(sheet_key(s))]
    return (first + [s for s in book.sheet_names if s not in first])[:MAX_HEADER_SHEETS]


def _small_boats_headers(source: Source, book: Workbook, heads: _Heads) -> str | None:
    found = {}
    for name, labels, hint in (("daily", small_boats.DAILY, r"sb_01|daily"), ("weekly", small_boats.WEEKLY, r"sb_02|week")):
        for sheet in _ordered(book, re.compile(hint)):
            match = find_header(heads(sheet), sheet, labels, scan_rows=15)
            if not match.missing:
                found[name] = match
                break
        else:
            return None
    return f"header rows {_listed(small_boats.DAILY)} (sheet {found['daily'].sheet}) and " \
           f"{_listed(small_boats.WEEKLY)} (sheet {found['weekly'].sheet})"


def _ons_header(source: Source, book: Workbook, heads: _Heads) -> str | None:
    specs = column_specs(source.options.get("columns")) + column_specs(source.options.get("optional_columns"), required=False)
    preferred = {label_key(s) for s in source.options.get("sheets") or ["1", "Table 1"]}
    ordered = [s for s in book.sheet_names if label_key(s) in preferred]
    ordered += [s for s in book.sheet_names if s not in ordered]
    for sheet in ordered[:MAX_HEADER_SHEETS]:
        header = find_spec_header(heads(sheet), sheet, specs, scan_rows=_Heads.ROWS)
        if header.row >= 0 and not header.missing:
            return f"a header row with {_listed([s.published for s in specs if s.required])} (sheet {sheet})"
    return None


# parser -> (what the workbook must have; True when that is read from sheet names alone)
SPREADSHEET_LAYOUTS = {
    "home_office_detailed": (_ho_detailed_sheets, True),
    "transparency": (_transparency_sheets, True),
    "small_boats": (_small_boats_headers, False),
    "ons_ltim": (_ons_header, False),
}


def _spreadsheet(path: Path) -> Recognition:
    book = Workbook(path)
    heads = _Heads(book)
    try:
        sources = [s for s in load_catalog().values() if s.format in ("xlsx", "ods") and s.family in SPREADSHEET_LAYOUTS]
        matches: list[tuple[Source, str]] = []
        # sheet names first (nothing read); header rows only if no source is recognised by its sheet names
        for by_names in (True, False):
            for source in sources:
                layout, names_only = SPREADSHEET_LAYOUTS[source.family]
                if names_only == by_names and (why := layout(source, book, heads)) is not None:
                    matches.append((source, why))
            if matches:
                break
        if not matches:
            return Recognition(None, reason=f"no known layout: sheets {_listed(book.sheet_names)}")
        if len(matches) > 1:
            return _ambiguous(matches)
        source, why = matches[0]
        published = _cover_date(source, book, heads) or _data_date(source, book, heads)
        if published is None:
            return Recognition(source, _file_time(path), "file_time", by="content", evidence=why)
        return Recognition(source, published, "content", by="content", evidence=why)
    finally:
        book.close()


def _plus_months(day: date, months: int) -> date:
    n = day.month - 1 + months
    return date(day.year + n // 12, n % 12 + 1, 1)


_PUBLISHED = re.compile(r"^(?:date\s+)?(?:published|publication\s+date|date\s+published|released|release\s+date)"
                        r"(?:\s+on)?\s*[:\-\u2013]?\s*(?P<rest>.*)$", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+[a-z]+\.?,?\s+\d{4}\b", re.IGNORECASE)
_YEAR_ENDING = re.compile(r"\byear\s+ending\s+(?P<month>[a-z]+)\.?\s+(?P<year>\d{4})\b", re.IGNORECASE)
_QUARTER = re.compile(r"\bQ(?P<quarter>[1-4])\s*[-_ ]?\s*(?P<year>\d{4})\b", re.IGNORECASE)


def _as_date(value: object) -> date | None:
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.date() if not pd.isna(value) else None
    if isinstance(value, str):
        m = _DAY_MONTH_YEAR.search(value) or re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{4}-\d{2}-\d{2}\b", value)
        parsed = parse_date_text(m.group(0)) if m else None
        return parsed.date() if parsed is not None else None
    return None


def _cover_date(source: Source, book: Workbook, heads: _Heads) -> date | None:
    """A cover's "Published: 23 November 2023" (the date itself), else its title's reference period
    ("year ending September 2023", "Q3 2023") plus the source's publication lag."""
    covers = [s for s in book.sheet_names if sheet_key(s).startswith(("cover", "front", "contents"))]
    covers = covers or book.sheet_names[:1]
    reference: date | None = None
    for sheet in covers:
        for row in heads(sheet).itertuples(index=False):
            cells = [v for v in row if not (v is None or (isinstance(v, float) and pd.isna(v)))]
            for i, cell in enumerate(cells):
                if not isinstance(cell, str):
                    continue
                text = re.sub(r"\s+", " ", cell).strip()
                m = _PUBLISHED.match(text)
                if m:
                    found = _as_date(m.group("rest")) if m.group("rest") else None
                    if found is None and i + 1 < len(cells):
                        found = _as_date(cells[i + 1])
                    if found is not None:
                        return found
                if reference is None:
                    reference = _reference_in(text)
    return _plus_months(reference, source.publication_lag_months) if reference is not None else None


def _reference_in(text: str) -> date | None:
    m = _YEAR_ENDING.search(text)
    if m and (month := MONTHS.get(m.group("month").casefold())):
        return date(int(m.group("year")), month, 1)
    m = _QUARTER.search(text)
    if m:
        return date(int(m.group("year")), 3 * int(m.group("quarter")), 1)
    return None


def _data_date(source: Source, book: Workbook, heads: _Heads) -> date | None:
    """The last period of the data: a small-boats series' last day; else the last quarter (or year-ending
    period) of the first table, as a reference month plus the publication lag."""
    from flows import periods
    from flows.sources.ons_ltim import parser as ons

    if source.family == "small_boats":
        for sheet in _ordered(book, re.compile(r"sb_01|daily")):
            match = find_header(heads(sheet), sheet, small_boats.DAILY, scan_rows=15)
            if match.missing:
                continue
            column = [label_key(v) for v in match.labels].index("date")
            days = [v for v in book.grid(sheet).iloc[match.row + 1:, column] if isinstance(v, (datetime, pd.Timestamp))]
            return max(days).date() if days else None    # each weekly file carries the days up to its release
        return None
    tables = source.options.get("tables") or [source.options]
    spec = next((t for t in tables if not t.get("optional")), None)
    if spec is None:
        return None
    if source.family == "home_office_detailed":
        ids = spec["ids"] if isinstance(spec.get("ids"), list) else [spec["ids"]]
        sheets = [ho_detailed.find_data_sheet(book, ids)]
    elif source.family == "transparency":
        named = re.compile(rf"^{id_pattern(spec.get('id', ''))}(?![a-z0-9])")
        sheets = [next((s for s in book.sheet_names if named.match(sheet_key(s))), None)]
    else:
        preferred = {label_key(s) for s in source.options.get("sheets") or []}
        sheets = [s for s in book.sheet_names if label_key(s) in preferred] + list(book.sheet_names)
    specs = column_specs(spec.get("columns")) + column_specs(spec.get("optional_columns"), required=False)
    for sheet in [s for s in sheets if s is not None][:MAX_HEADER_SHEETS]:
        grid = book.grid(sheet)
        header = find_spec_header(grid, sheet, specs)
        if header.row < 0 or header.missing:
            continue
        ends: list[date] = []
        for name in ("quarter", "period", "as_at"):
            if name not in header.positions:
                continue
            for value in grid.iloc[header.row + 1:, header.positions[name]].dropna().unique():
                if name == "quarter" and periods.parse_quarter(value):
                    ends.append(periods.quarter_bounds(str(value))[1])
                elif name == "period" and (parsed := ons.parse_period(value)) is not None:
                    ends.append(parsed[4])
                elif name == "as_at" and (day := _as_date(value)) is not None:
                    ends.append(day)
            if ends:
                last = max(ends)
                return _plus_months(date(last.year, last.month, 1), source.publication_lag_months)
    return None


# --- CSV files and zips of them ------------------------------------------------------------------

def _text_of(head: bytes) -> str:
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:          # a character cut at the end of the sample
            return head[:exc.start].decode("utf-8-sig")
        return head.decode("cp1252", errors="replace")


def _header_of(head: bytes) -> list[str]:
    text = _text_of(head)
    first = text.splitlines()[0] if text else ""
    return next(csv.reader([first]), [])


def _dfe_national_total(source: Source, path: Path, names: dict[str, str]) -> bool:
    """Whether the CSV has a National row with every filter at Total (the row the parser keeps)."""
    published = {v: k for k, v in names.items()}
    level = published.get("geographic_level", "geographic_level")
    filters = [published.get(f, f) for f in source.options.get("filters") or []]
    national = label_key(source.options.get("geographic_level", "National"))
    total = label_key(source.options.get("total", "Total"))
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        for row in csv.DictReader(handle):
            if label_key(row.get(level)) == national and all(label_key(row.get(f)) == total for f in filters):
                return True
    return False


def _column_specs(options: dict) -> list:
    """A CSV source's required and optional columns, as its parser matches them."""
    return column_specs(options.get("columns")) + column_specs(options.get("optional_columns"), required=False)


def _csv(path: Path, head: bytes) -> Recognition:
    header = _header_of(head)
    if len(header) < 2:
        return Recognition(None, reason="no source's name pattern matches it; not a spreadsheet, CSV or zip")
    matches: list[tuple[Source, str]] = []
    extracts: list[Source] = []
    for source in load_catalog().values():
        if source.format != "csv" or source.family != "dfe":
            continue
        options = source.options
        specs = _column_specs(options)
        try:
            names = dfe.header_columns(header, specs, list(options.get("filters") or []), "table")
        except TableNotFound:
            continue
        if _dfe_national_total(source, path, names):
            matches.append((source, f"CSV columns {_listed([s.published for s in specs if s.required])}"))
        else:
            extracts.append(source)
    if len(matches) > 1:
        return _ambiguous(matches)
    if matches:
        return Recognition(matches[0][0], _file_time(path), "file_time", by="content", evidence=matches[0][1])
    if extracts:
        return Recognition(None, reason=f"the {extracts[0].id} CSV layout, but no National row with every filter at "
                                        "Total: an extract, not the published data set")
    return Recognition(None, reason=f"CSV columns {_listed(header)} match no source")


def _zip_of_csvs(path: Path, archive: zipfile.ZipFile) -> Recognition:
    matches: list[tuple[Source, str]] = []
    for source in load_catalog().values():
        if source.format != "zip" or source.family != "moj":
            continue
        options = source.options
        specs = _column_specs(options)
        try:
            found = moj.find_members(archive, specs, one_of_groups(options), "table")
        except TableNotFound:
            continue
        matches.append((source, f"CSV member {_listed([m[0] for m in found])}"))
    if len(matches) > 1:
        return _ambiguous(matches)
    if matches:
        return Recognition(matches[0][0], _file_time(path), "file_time", by="content", evidence=matches[0][1])
    members = [m for m in archive.namelist() if not m.endswith("/")]
    return Recognition(None, reason=f"zip members {_listed(members)}: none has a source's CSV columns")
