"""Local files recognised for `pledges load`: by name first, then by content.

By name: the catalog's attachment patterns (flows.catalog.recognise), the file's date from its name
(`date_basis = file_name`), or its modification time where the name carries none (`file_time`). A name that
gives only the month the data run to (Home Office quarterly and transparency files) is dated by the workbook's
cover, "Published: 23 November 2023" (`content`, `cover_date`), else by estimate (`estimated`: the end of the
month the source's usual lag after it). A page or Content API JSON recognised by name is dated by what it says of
itself where its family reads it (`page_date`: an ad-hoc note's public_updated_at, where the name gives only its
cut-off), else by the name's estimate, else its modification time (`dated_by_content`).

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
"Published: 23 November 2023" line on its cover sheet; else by estimate (`estimated`) from a reference
period in the cover title ("year ending September 2023", "Q3 2023") or the last period of its data (the
last quarter or year-ending period) plus the source's publication lag, as a name's reference month is,
or the last day of a small-boats series. Where the content has no date (DfE, MoJ), the file's
modification time (`file_time`). Downloads record `page` or `api` (or `file_name` where the name carries
the date).
"""
from __future__ import annotations

import csv
import importlib
import importlib.util
import re
import zipfile
from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from flows.catalog import Source, load_catalog
from flows.local_files import DATE_BASES, Recognition, _file_time, recognise_by_name  # noqa: F401
from flows.parsing import UnsafeFile, Workbook, check_archive, sheet_key
from flows.parsing.content import Heads, as_date, listed
from flows.periods import MONTHS, publication_estimate

SNIFF_BYTES = 1 << 16


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
    return source.name_date_basis(file_name) if source.published_from_name(file_name) is not None else "file_time"


def recognise_file(path: Path, max_unzipped_bytes: int) -> Recognition:
    """The file's source and date: by name, else by content (see the module doc)."""
    if (by_name := recognise_by_name(path)) is not None:
        return by_name
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
    if kind == "html":
        return _html(path, head)
    what = {"gzip": "a gzip-compressed file (no source is published in this form)",
            "ole": "a legacy Office file (.xls): no source is published in this form",
            # not loaded, but not unused: the DfE API's description of a data set dates the CSV saved beside it
            "json": "a JSON document: loaded only under a source's name pattern (a DfE data-set description beside "
                    "its CSV is read only to date that CSV: see the CSV's note)",
            "binary": "not a spreadsheet, CSV or zip"}[kind]
    return Recognition(None, reason=f"no source's name pattern matches it; {what}")


def _ambiguous(matches: list[tuple[Source, str]]) -> Recognition:
    return Recognition(None, reason="the layouts of several sources match (" +
                       "; ".join(f"{s.id}: {why}" for s, why in matches) + "): give it its published name to load it")


# --- each family's own recogniser (flows/sources/<family>/recognise.py) --------------------------

@cache
def _family(family: str):
    """The family's recognise module, or None where it has none (its files are recognised by name only)."""
    if importlib.util.find_spec(f"flows.sources.{family}.recognise") is None:
        return None
    return importlib.import_module(f"flows.sources.{family}.recognise")


def _sources_with(hook: str, formats: tuple[str, ...]) -> list[tuple[Source, object]]:
    found = []
    for source in load_catalog().values():
        module = _family(source.family)
        if source.format in formats and module is not None and hasattr(module, hook):
            found.append((source, getattr(module, hook)))
    return found


# --- spreadsheets ------------------------------------------------------------------------------

def _spreadsheet(path: Path) -> Recognition:
    book = Workbook(path)
    heads = Heads(book)
    try:
        matches: list[tuple[Source, str]] = []
        # sheet names first (nothing read); header rows only if no source is recognised by its sheet names
        for hook in ("by_sheet_names", "by_headers"):
            for source, recognise in _sources_with(hook, ("xlsx", "ods")):
                if (why := recognise(source, book, heads)) is not None:
                    matches.append((source, why))
            if matches:
                break
        if not matches:
            return Recognition(None, reason=f"no known layout: sheets {listed(book.sheet_names)}")
        if len(matches) > 1:
            return _ambiguous(matches)
        source, why = matches[0]
        module = _family(source.family)
        published, basis = _cover_date(source, heads)
        if published is None and hasattr(module, "published_on"):
            published, basis = module.published_on(source, book, heads), "estimated"   # from the data's last period
        if published is None:
            return Recognition(source, _file_time(path), "file_time", by="content", evidence=why)
        return Recognition(source, published, basis, by="content", evidence=why)
    finally:
        book.close()


def dated_by_content(path: Path, found: Recognition, max_unzipped_bytes: int) -> Recognition:
    """A file recognised by name but not dated by it (date_basis estimated or file_time), dated by what it says of
    itself (`content`) where it says it: a page or Content API JSON by its family's `page_date` hook (an ad-hoc
    note's public_updated_at, a saved page's "Updated 31 March 2025"), a workbook by its cover (dated_by_cover).
    A date before the data the name says it holds (a stale one) leaves the estimate standing."""
    module = _family(found.source.family)
    if module is not None and hasattr(module, "page_date"):
        published = module.page_date(found.source, path)
        named = found.source.date_in_name(path.name)
        if published is None or (named is not None and published <= _data_end(found.source, path.name, named)):
            return found
        return replace(found, published_on=published, date_basis="content")
    return dated_by_cover(path, found, max_unzipped_bytes) if found.date_basis == "estimated" else found


def _data_end(source: Source, file_name: str, named: date) -> date:
    """The last day of the data a name dates (`..._to_31_january_2025`: that day; `..._sep_2023`: the month's end)."""
    return named if source.name_gives_day(file_name) else publication_estimate(named, 0)


def dated_by_cover(path: Path, found: Recognition, max_unzipped_bytes: int) -> Recognition:
    """A file recognised by a name that gives only a month (date_basis estimated), dated by its cover's "Published:
    23 November 2023" or "Released: 27 November 2025" line instead (`content`) where the line fits the name: after the
    month its data run to (date_from reference_period), or within the month of publication it names (`ltimnov25`)."""
    named = found.source.date_in_name(path.name)
    published = cover_date(path, max_unzipped_bytes)
    if published is None or named is None:
        return found
    month_end = _data_end(found.source, path.name, named)      # a month-only name: the month's last day
    fits = (published > month_end if found.source.date_from == "reference_period"
            else named <= published <= month_end)
    # a cover that does not fit (a stale one, dated before its own data end) leaves the estimate standing
    return replace(found, published_on=published, date_basis="content") if fits else found


def cover_date(path: Path, max_unzipped_bytes: int) -> date | None:
    """The "Published: 23 November 2023" date on a workbook's cover sheet, or None (none there, or not a workbook
    that can be read safely)."""
    try:
        if _sniff(path)[0] != "zip":
            return None
        check_archive(path, max_unzipped_bytes)       # bounded before any reader inflates it
        book = Workbook(path)
    except Exception:      # unreadable here: the parse meets it again and rejects the release saying why
        return None
    try:
        return _cover_lines(Heads(book))[0]
    except Exception:
        return None
    finally:
        book.close()


_PUBLISHED = re.compile(r"^(?:date\s+)?(?:published|publication\s+date|date\s+published|released|release\s+date)"
                        r"(?:\s+on)?\s*[:\-\u2013]?\s*(?P<rest>.*)$", re.IGNORECASE)
_YEAR_ENDING = re.compile(r"\byear\s+ending\s+(?P<month>[a-z]+)\.?\s+(?P<year>\d{4})\b", re.IGNORECASE)
_QUARTER = re.compile(r"\bQ(?P<quarter>[1-4])\s*[-_ ]?\s*(?P<year>\d{4})\b", re.IGNORECASE)


def _cover_date(source: Source, heads: Heads) -> tuple[date | None, str | None]:
    """A cover's "Published: 23 November 2023" (the date itself: `content`), else an estimate from its title's
    reference period ("year ending September 2023", "Q3 2023") and the source's publication lag (`estimated`)."""
    published, reference = _cover_lines(heads)
    if published is not None:
        return published, "content"
    if reference is not None:
        return publication_estimate(reference, source.publication_lag_months), "estimated"
    return None, None


def _cover_lines(heads: Heads) -> tuple[date | None, date | None]:
    """From the cover sheet's first rows: the "Published:" date, and the first reference period named."""
    covers = [s for s in heads.sheet_names if sheet_key(s).startswith(("cover", "front", "contents"))]
    reference: date | None = None
    for sheet in covers or heads.sheet_names[:1]:
        for row in heads(sheet).itertuples(index=False):
            cells = [v for v in row if not (v is None or (isinstance(v, float) and pd.isna(v)))]
            for i, cell in enumerate(cells):
                if not isinstance(cell, str):
                    continue
                text = re.sub(r"\s+", " ", cell).strip()
                if (found := _published_in(text, cells[i + 1] if i + 1 < len(cells) else None)) is not None:
                    return found, reference
                reference = reference or _reference_in(text)
    return None, reference


def _published_in(text: str, next_cell: object) -> date | None:
    """The date of a "Published: ..." line, written after it or in the next cell."""
    m = _PUBLISHED.match(text)
    if not m:
        return None
    found = as_date(m.group("rest")) if m.group("rest") else None
    return found if found is not None or next_cell is None else as_date(next_cell)


def _reference_in(text: str) -> date | None:
    m = _YEAR_ENDING.search(text)
    if m and (month := MONTHS.get(m.group("month").casefold())):
        return date(int(m.group("year")), month, 1)
    m = _QUARTER.search(text)
    if m:
        return date(int(m.group("year")), 3 * int(m.group("quarter")), 1)
    return None


# --- saved HTML pages ---------------------------------------------------------------------------

def _html(path: Path, head: bytes) -> Recognition:
    """A saved page, by the families that read one (`by_html`: its title and table); dated by the page's own
    updated date where it shows one, else the file's time."""
    matches = [(source, found) for source, recognise in _sources_with("by_html", ("json", "html"))
               if (found := recognise(source, path, _text_of(head))) is not None]
    if len(matches) > 1:
        return _ambiguous([(source, why) for source, (why, _) in matches])
    if not matches:
        return Recognition(None, reason="no source's name pattern matches it; an HTML page no source's layout matches")
    source, (why, updated) = matches[0]
    if updated is None:
        return Recognition(source, _file_time(path), "file_time", by="content", evidence=why)
    return Recognition(source, updated, "content", by="content", evidence=why)


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


def _csv(path: Path, head: bytes) -> Recognition:
    header = _header_of(head)
    if len(header) < 2:
        return Recognition(None, reason="no source's name pattern matches it; not a spreadsheet, CSV or zip")
    matches: list[tuple[Source, str]] = []
    extracts: list[str] = []
    for source, recognise in _sources_with("by_csv_header", ("csv",)):
        why, why_not = recognise(source, path, header)
        if why is not None:
            matches.append((source, why))
        elif why_not is not None:
            extracts.append(why_not)
    if len(matches) > 1:
        return _ambiguous(matches)
    if matches:
        source, why = matches[0]
        module = _family(source.family)
        if hasattr(module, "published_beside") and (beside := module.published_beside(source, path)) is not None:
            return Recognition(source, beside[0], "api", by="content", evidence=why, dated_by=beside[1])
        return Recognition(source, _file_time(path), "file_time", by="content", evidence=why)
    if extracts:
        return Recognition(None, reason=extracts[0])
    return Recognition(None, reason=f"CSV columns {listed(header)} match no source")


def _zip_of_csvs(path: Path, archive: zipfile.ZipFile) -> Recognition:
    matches = [(source, why) for source, recognise in _sources_with("by_zip_members", ("zip",))
               if (why := recognise(source, archive)) is not None]
    if len(matches) > 1:
        return _ambiguous(matches)
    if matches:
        return Recognition(matches[0][0], _file_time(path), "file_time", by="content", evidence=matches[0][1])
    members = [m for m in archive.namelist() if not m.endswith("/")]
    return Recognition(None, reason=f"zip members {listed(members)}: none has a source's CSV columns")
