"""Shared reading steps for every published spreadsheet layout.

Labels (sheet names, headers, categories) are normalised here and only here:
case, whitespace, bracketed notes and footnote markers glued to words.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.errors import FailureCase

# Cells that mean "no value" in Home Office and ONS tables. `-` = not recorded yet,
# `:` = not available, `n/a` = not applicable, `..`/`x`/`[x]` = suppressed or unavailable.
MISSING_MARKERS = frozenset({"", "-", ":", "n/a", "na", "..", "x", "[x]", "[z]", "[c]", "z", "c", "low"})

_WS = re.compile(r"\s+")
_NOTE = re.compile(r"\s*\[(?:note|notes|x|z|c)\b[^\]]*\]", re.IGNORECASE)
# Footnote digits glued to a word ("Issued1", "Penalties2,3"), but not a number in its own right.
_GLUED_FOOTNOTE = re.compile(r"(?<=[A-Za-z)])\d+(?:,\d+)*$")


def clean_label(value: object) -> str:
    """A header or category as a person reads it: trimmed, single spaces, footnotes removed."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = _NOTE.sub("", str(value))
    text = _WS.sub(" ", text).strip()
    return _GLUED_FOOTNOTE.sub("", text).strip()


def label_key(value: object) -> str:
    """Case- and spacing-insensitive key for matching labels and categories."""
    return clean_label(value).casefold()


def column_name(value: object) -> str:
    """A warehouse column name for a published header: `Number of Penalties Issued1` -> `number_of_penalties_issued`."""
    key = re.sub(r"[^0-9a-z]+", "_", label_key(value).replace("£", "gbp ").replace("+", " plus"))
    return key.strip("_")


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and pd.isna(value):
        return True
    return isinstance(value, str) and value.strip().casefold() in MISSING_MARKERS


class UnsafeFile(Exception):
    """A file that is not a readable spreadsheet, or would expand beyond the limit."""


def check_spreadsheet(path: Path, max_unzipped_bytes: int) -> None:
    """Reject corrupt archives and decompression bombs before any parser opens them.

    xlsx and ods are zip archives: the sum of the declared member sizes bounds what a
    reader will inflate, and testzip() catches truncated or corrupt members.
    """
    if not zipfile.is_zipfile(path):
        raise UnsafeFile(f"{path.name} is not a spreadsheet (not a zip-based xlsx/ods file; truncated or wrong type?)")
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(member.file_size for member in archive.infolist())
            if total > max_unzipped_bytes:
                raise UnsafeFile(f"{path.name} would expand to {total:,} bytes, over the {max_unzipped_bytes:,}-byte limit")
            bad = archive.testzip()
            if bad is not None:
                raise UnsafeFile(f"{path.name} is corrupt: member {bad} fails its checksum")
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise UnsafeFile(f"{path.name} is corrupt: {exc}") from exc


class Workbook:
    """Sheets read lazily with the calamine engine, as raw cell grids (no header guessing)."""

    def __init__(self, path: Path):
        self.path = path
        self._book = pd.ExcelFile(path, engine="calamine")
        self.sheet_names: list[str] = list(self._book.sheet_names)
        self._cache: dict[str, pd.DataFrame] = {}

    def grid(self, sheet: str) -> pd.DataFrame:
        if sheet not in self._cache:
            self._cache[sheet] = pd.read_excel(self._book, sheet_name=sheet, header=None)
        return self._cache[sheet]

    def close(self) -> None:
        self._book.close()


@dataclass
class HeaderMatch:
    sheet: str
    row: int                        # 0-based position in the grid
    found: list[str]
    missing: list[str]
    labels: list[str] = field(default_factory=list)


def find_header(grid: pd.DataFrame, sheet: str, required: list[str], scan_rows: int = 30) -> HeaderMatch:
    """The row within the first `scan_rows` that holds the most of `required` labels."""
    wanted = {label_key(r): r for r in required}
    best = HeaderMatch(sheet, -1, [], list(required))
    for pos in range(min(scan_rows, len(grid))):
        labels = [clean_label(v) for v in grid.iloc[pos].tolist()]
        keys = {label.casefold() for label in labels}
        found = [wanted[k] for k in wanted if k in keys]
        if len(found) > len(best.found):
            best = HeaderMatch(sheet, pos, found, [wanted[k] for k in wanted if k not in keys], labels)
            if not best.missing:
                break
    return best


def locate_table(book: Workbook, required: list[str], sheet_hint: re.Pattern | None = None) -> HeaderMatch:
    """Find the sheet and header row of a table by its column names (and, if given, a sheet-name pattern)."""
    sheets = [s for s in book.sheet_names if sheet_hint is None or sheet_hint.search(clean_label(s))]
    best: HeaderMatch | None = None
    for sheet in sheets:
        match = find_header(book.grid(sheet), sheet, required)
        if best is None or len(match.found) > len(best.found):
            best = match
        if not match.missing:
            return match
    if best is None or not best.found:
        where = f"sheets matching {sheet_hint.pattern!r}" if sheet_hint is not None else "any sheet"
        raise TableNotFound([FailureCase(None, None, None, f"no header row with {', '.join(required)} in {where} (sheets: {', '.join(book.sheet_names)})")])
    raise TableNotFound([FailureCase(best.sheet, best.row + 1, m, f"expected column {m!r} missing from the header row") for m in best.missing])


class TableNotFound(Exception):
    def __init__(self, cases: list[FailureCase]):
        super().__init__("; ".join(c.describe() for c in cases))
        self.cases = cases


@dataclass
class Table:
    """A table cut out of a sheet: columns renamed to warehouse names, index = sheet row number (1-based)."""
    name: str
    sheet: str
    frame: pd.DataFrame
    labels: dict[str, str]          # warehouse column -> label as published
    # category labels the parser did not know: (column, label, rows); kept in the data, reported
    unknown_categories: list[tuple[str, str, int]] = field(default_factory=list)


def cut_table(book: Workbook, match: HeaderMatch, name: str, stop_marker: str | None = None) -> Table:
    """Rows below the header down to `stop_marker` (e.g. 'End of table') or the last non-blank row.

    Blank trailing rows and columns are dropped; missing markers become NA; the frame's
    index is the row number a spreadsheet user sees, so errors can point at it.
    """
    grid = book.grid(match.sheet)
    header = match.labels
    keep = [i for i, label in enumerate(header) if label]
    body = grid.iloc[match.row + 1:, keep].copy()
    body.columns = [column_name(header[i]) for i in keep]
    labels = {column_name(header[i]): header[i] for i in keep}
    body.index = pd.RangeIndex(match.row + 2, match.row + 2 + len(body))
    if stop_marker is not None:
        first = body.iloc[:, 0].map(label_key)
        stops = first.index[first == stop_marker.casefold()]
        if len(stops) == 0:
            raise TableNotFound([FailureCase(match.sheet, None, None, f"no closing row reading {stop_marker!r}: the table may be cut short")])
        body = body.loc[: stops[0] - 1]
    body = body.map(lambda v: pd.NA if is_missing(v) else (v.strip() if isinstance(v, str) else v))
    blank = body.isna().all(axis=1)
    if blank.any() and not blank.all():
        last = blank[~blank].index[-1]
        body = body.loc[:last]
    elif blank.all():
        body = body.iloc[0:0]
    return Table(name, match.sheet, body, labels)
