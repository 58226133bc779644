"""Shared reading steps for every published spreadsheet layout.

Labels (sheet names, headers, categories) are normalised here and only here:
case, whitespace, bracketed notes and footnote markers glued to words, and the known
spelling variants of category labels (CATEGORY_LABELS, LABEL_VARIANTS).
"""
from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from datetime import date, datetime
from pathlib import Path

import numpy as np
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


# An OLE2 compound document: a legacy .xls workbook, or an xlsx/ods saved with a password (encrypted).
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
SPREADSHEET_KINDS = {"xlsx": "an Excel workbook (xlsx)", "ods": "an OpenDocument spreadsheet (ods)"}


def check_spreadsheet(path: Path, max_unzipped_bytes: int, name: str | None = None) -> None:
    """`path` is a zip-based spreadsheet within the bounds; errors name the file as `name` (the published name:
    the archived copy is named by its hash)."""
    name = name or path.name
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as handle:
            ole2 = handle.read(len(_OLE2_MAGIC)) == _OLE2_MAGIC
        if ole2:
            raise UnsafeFile(f"{name} is not a spreadsheet this pipeline reads: it is an OLE2 compound file, a legacy "
                             ".xls workbook or a password-protected (encrypted) workbook, not a zip-based xlsx/ods file")
        raise UnsafeFile(f"{name} is not a spreadsheet (not a zip-based xlsx/ods file; truncated or wrong type?)")
    check_archive(path, max_unzipped_bytes, name)


def spreadsheet_kind(path: Path, name: str | None = None) -> str:
    """'xlsx' or 'ods', from the file's content (never its name): an xlsx has xl/workbook.xml, an ods its
    `mimetype` member (or, written by other tools, content.xml beside META-INF/manifest.xml). UnsafeFile for
    a zip that is neither, saying what it holds."""
    name = name or path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            if "xl/workbook.xml" in members or "xl/workbook.bin" in members:
                return "xlsx"
            mimetype = archive.read("mimetype")[:200].decode("ascii", "replace").strip() if "mimetype" in members else ""
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UnsafeFile(f"{name} is corrupt: {exc}") from exc
    if mimetype == _ODS_MIMETYPE or (not mimetype and "content.xml" in members and "META-INF/manifest.xml" in members):
        return "ods"
    if mimetype.startswith("application/vnd.oasis.opendocument."):
        what = f"an OpenDocument file of another kind ({mimetype})"
    elif any(m.startswith("xl/") for m in members):
        what = "an xlsx without its workbook part (xl/workbook.xml): damaged"
    elif any(m.startswith(("word/", "ppt/")) for m in members):
        what = "a Word or PowerPoint file"
    else:
        shown = ", ".join(members[:5]) + (f" and {len(members) - 5} more" if len(members) > 5 else "")
        what = f"a zip archive of other files ({shown or 'empty'})"
    raise UnsafeFile(f"{name} is not a spreadsheet: it is {what}, neither an xlsx workbook nor an ods spreadsheet")


def check_archive(path: Path, max_unzipped_bytes: int, name: str | None = None) -> None:
    """Reject corrupt archives and decompression bombs before any parser opens them.

    xlsx, ods and zipped CSVs are zip archives: the sum of the declared member sizes bounds
    what a reader will inflate, and testzip() catches truncated or corrupt members.
    """
    name = name or path.name
    if not zipfile.is_zipfile(path):
        raise UnsafeFile(f"{name} is not a zip archive (truncated or wrong type?)")
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(member.file_size for member in archive.infolist())
            if total > max_unzipped_bytes:
                raise UnsafeFile(f"{name} would expand to {total:,} bytes, over the {max_unzipped_bytes:,}-byte limit")
            bad = archive.testzip()
            if bad is not None:
                raise UnsafeFile(f"{name} is corrupt: member {bad} fails its checksum")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UnsafeFile(f"{name} is corrupt: {exc}") from exc


# The grid of every spreadsheet application (LibreOffice, Excel): 1,048,576 rows by 16,384 columns. Readers
# expand `table:number-rows-repeated` / `number-columns-repeated` into that many cells; calamine builds a dense
# grid from A1 to the last cell with a value, so a 55 KB file repeating one value 16,000,000 times (or a row
# 5,000,000 times) asks it for gigabytes and aborts the process. ODS_MAX_CELLS bounds that grid, per sheet:
# about 600 MB and 9 s of reading here; published ods files (small boats, transparency) span under 50,000 cells.
ODS_MAX_ROWS = 1_048_576
ODS_MAX_COLUMNS = 16_384
ODS_MAX_CELLS = 5_000_000


class _Refused(Exception):
    pass


class _OdsGrid:
    """The grid a reader would build from an ods's content.xml, followed event by event (see check_ods_grid)."""

    def __init__(self) -> None:
        self.sheet: str | None = None
        self.depth = 0            # table:table nesting: 1 = a sheet; deeper = a table inside a cell, not the grid
        self.row = self.col = 0
        self.row_repeat, self.row_has = 1, False
        self.cell_repeat, self.cell_has, self.in_cell = 0, False, False
        self.last_row = self.last_col = 0

    @staticmethod
    def count(text: str | None, what: str) -> int:
        if text is None:
            return 1
        text = text.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 12:
            raise _Refused(f"{what} {text[:40]!r} is not a count")
        return max(int(text), 1)

    def table_start(self, name: str | None) -> None:
        self.depth += 1
        if self.depth == 1:
            self.sheet, self.row, self.last_row, self.last_col = name or "?", 0, 0, 0
        elif self.in_cell:
            self.cell_has = True

    def table_end(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            area = self.last_row * self.last_col
            if area > ODS_MAX_CELLS:
                raise _Refused(f"sheet {self.sheet!r} spans {self.last_row:,} rows by {self.last_col:,} columns up to "
                               f"its last value ({area:,} cells, over {ODS_MAX_CELLS:,})")

    def row_start(self, repeat: str | None) -> None:
        if self.depth == 1:
            self.row_repeat, self.col, self.row_has = self.count(repeat, "table:number-rows-repeated"), 0, False

    def row_end(self) -> None:
        if self.depth != 1:
            return
        if self.row_has:
            end = self.row + self.row_repeat
            if end > ODS_MAX_ROWS:
                what = (f"a row with values repeated {self.row_repeat:,} times (table:number-rows-repeated) reaches row "
                        if self.row_repeat > 1 else "a row with values at row ")
                raise _Refused(f"sheet {self.sheet!r}, row {self.row + 1:,}: {what}{end:,}, beyond a spreadsheet's "
                               f"{ODS_MAX_ROWS:,}")
            self.last_row = end
        row = self.row + self.row_repeat
        self.row = row if row <= ODS_MAX_ROWS else ODS_MAX_ROWS + 1

    def row_values(self, width: int) -> None:
        """A row whose values all lie in its first `width` columns, one cell each (no repeat before them)."""
        if self.depth != 1:
            return
        if width > ODS_MAX_COLUMNS:
            raise _Refused(f"sheet {self.sheet!r}, row {self.row + 1:,}: a cell with a value at column {width:,}, "
                           f"beyond a spreadsheet's {ODS_MAX_COLUMNS:,}")
        self.row_has = True
        self.last_col = max(self.last_col, width)

    def cell_start(self, repeat: str | None, has_value: bool) -> None:
        if self.depth == 1:
            self.in_cell = True
            self.cell_repeat, self.cell_has = self.count(repeat, "table:number-columns-repeated"), has_value

    def cell_end(self) -> None:
        if self.depth != 1:
            return
        self.in_cell = False
        if self.cell_has:
            end = self.col + self.cell_repeat
            if end > ODS_MAX_COLUMNS:
                what = (f"a cell with a value repeated {self.cell_repeat:,} times (table:number-columns-repeated) "
                        "reaches column " if self.cell_repeat > 1 else "a cell with a value at column ")
                raise _Refused(f"sheet {self.sheet!r}, row {self.row + 1:,}: {what}{end:,}, beyond a spreadsheet's "
                               f"{ODS_MAX_COLUMNS:,}")
            self.row_has = True
            self.last_col = max(self.last_col, end)
        col = self.col + self.cell_repeat
        self.col = col if col <= ODS_MAX_COLUMNS else ODS_MAX_COLUMNS + 1


# The elements check_ods_grid follows, as LibreOffice and every other producer writes them (`table:` and `office:`
# bound to the ODF namespaces): start tags with their attributes (quoted values may hold '>'), end tags.
_ODS_ATTRS = rb"""((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>"""
_ODS_TABLE_OR_ROW = re.compile(rb"<(/?)table:(table|table-row)" + _ODS_ATTRS)
_ODS_CELL = re.compile(rb"<(/?)table:(table-cell|covered-table-cell)" + _ODS_ATTRS)
_ODS_ATTR = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ODS_PREFIXES = (b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"',
                 b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"')
_ODS_ROW_END = b"</table:table-row>"


class _NotUsual(Exception):
    """content.xml is not written the usual way: the XML parser reads it instead."""


def _ods_attribute(attributes: bytes, name: bytes) -> str | None:
    if name not in attributes:
        return None
    for a in _ODS_ATTR.finditer(attributes):
        if a.group(1) == name:
            return (a.group(2) if a.group(2) is not None else a.group(3)).decode("utf-8", "replace")
    return None


def _ods_row_cells(inner: bytes, grid: _OdsGrid) -> None:
    """One row's cells into `grid`. At C speed when every repeated cell comes after the row's last value (how
    LibreOffice writes rows: values, then one empty cell repeated to the grid's edge): the columns up to the last
    value are then its cells, one each. Otherwise cell by cell."""
    last = max(inner.rfind(b"value-type"), inner.rfind(b"<text:"))
    if last == -1:
        return                                      # no value in the row: its repeats expand nothing
    repeat = inner.find(b"-repeated")
    if repeat == -1 or repeat > last:
        start = max(inner.rfind(b"<table:table-cell", 0, last), inner.rfind(b"<table:covered-table-cell", 0, last))
        tag = _ODS_CELL.match(inner, start) if start != -1 else None
        if tag is not None and b"-repeated" not in tag.group(3) and (repeat == -1 or repeat >= tag.end()):
            grid.row_values(inner.count(b"<table:table-cell", 0, start) +
                            inner.count(b"<table:covered-table-cell", 0, start) + 1)
            return
    pos = 0
    for m in _ODS_CELL.finditer(inner):
        closing, _tag, attributes, empty = m.groups()
        if grid.in_cell and not grid.cell_has and inner[pos:m.start()].strip():
            grid.cell_has = True                    # text or other elements inside the cell (text:p)
        pos = m.end()
        if closing:
            grid.cell_end()
            continue
        grid.cell_start(_ods_attribute(attributes, b"table:number-columns-repeated"), b"office:value-type" in attributes)
        if empty:
            grid.cell_end()
    if grid.in_cell:
        raise _NotUsual("a cell left open")


def _scan_ods_tags(stream, grid: _OdsGrid) -> bool:
    """Follow content.xml's sheets and rows with regular expressions over its bytes, in 1 MB chunks, a row at a
    time (a small-boats file in about 0.02 s). False, having decided nothing, when the document is not written the
    usual way (other namespace prefixes; comments, CDATA or a DOCTYPE, which could hide or fake tags; a table
    inside a cell; a row left open): the caller then uses the XML parser."""
    carry, first = b"", True
    try:
        while True:
            chunk = stream.read(1 << 20)
            buffer = carry + chunk
            if first:
                if not all(prefix in buffer[:1 << 16] for prefix in _ODS_PREFIXES):
                    return False
                first = False
            if b"<!" in buffer:
                return False
            pos, carry = 0, b""
            for m in _ODS_TABLE_OR_ROW.finditer(buffer):
                if m.start() < pos:
                    continue                        # inside a row already taken whole
                closing, tag, attributes, empty = m.groups()
                if tag == b"table":
                    if grid.depth >= 1 and not closing:
                        return False                # a table inside a cell: the XML parser follows nesting
                    if closing:
                        grid.table_end()
                    else:
                        grid.table_start(_ods_attribute(attributes, b"table:name"))
                        if empty:
                            grid.table_end()
                    pos = m.end()
                    continue
                if closing:
                    return False                    # a row end without its start
                grid.row_start(_ods_attribute(attributes, b"table:number-rows-repeated"))
                if empty:
                    grid.row_end()
                    pos = m.end()
                    continue
                end = buffer.find(_ODS_ROW_END, m.end())
                if end == -1:
                    if not chunk:
                        return False                # a row left open at the end
                    grid.row_repeat = 1             # taken again, whole, with the next chunk
                    carry = buffer[m.start():]
                    break
                inner = buffer[m.end():end]
                if b"<table:table " in inner or b"<table:table>" in inner:
                    return False
                _ods_row_cells(inner, grid)
                grid.row_end()
                pos = end + len(_ODS_ROW_END)
            else:
                cut = buffer.rfind(b"<", pos)
                carry = buffer[cut:] if cut != -1 else b""
            if not chunk:
                return True
    except _NotUsual:
        return False


def _parse_ods_xml(stream, grid: _OdsGrid) -> None:
    """The same with expat (namespaces resolved, no DOCTYPE): for documents _scan_ods_tags does not take."""
    import xml.parsers.expat

    table_ns, office_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0|", "urn:oasis:names:tc:opendocument:xmlns:office:1.0|"
    cells = (table_ns + "table-cell", table_ns + "covered-table-cell")

    def start(tag: str, attrs: dict) -> None:
        if tag == table_ns + "table":
            grid.table_start(attrs.get(table_ns + "name"))
        elif tag == table_ns + "table-row":
            grid.row_start(attrs.get(table_ns + "number-rows-repeated"))
        elif tag in cells:
            grid.cell_start(attrs.get(table_ns + "number-columns-repeated"), office_ns + "value-type" in attrs)
        elif grid.in_cell:
            grid.cell_has = True

    def end(tag: str) -> None:
        if tag == table_ns + "table":
            grid.table_end()
        elif tag == table_ns + "table-row":
            grid.row_end()
        elif tag in cells:
            grid.cell_end()

    def text(data: str) -> None:
        if grid.in_cell and data.strip():
            grid.cell_has = True

    def no_doctype(*_args) -> None:
        raise _Refused("content.xml declares a DOCTYPE (never in an ods; entity expansion refused)")

    parser = xml.parsers.expat.ParserCreate(namespace_separator="|")
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.StartDoctypeDeclHandler = no_doctype
    while chunk := stream.read(1 << 20):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def check_ods_grid(path: Path, name: str | None = None) -> None:
    """Before calamine opens an ods: follow content.xml and refuse a cell or row with a value repeated beyond the
    spreadsheet grid, or a sheet whose cells up to its last value would exceed ODS_MAX_CELLS. Empty repeats
    (LibreOffice closes every sheet with ~1,048,000 empty rows of 16,384 empty cells) are not counted: readers do
    not expand them. About 0.05 s for a small-boats file (0.3 s when the XML parser is needed)."""
    import xml.parsers.expat

    name = name or path.name
    try:
        with zipfile.ZipFile(path) as archive:
            with archive.open("content.xml") as content:
                done = _scan_ods_tags(content, _OdsGrid())
            if not done:
                with archive.open("content.xml") as content:
                    _parse_ods_xml(content, _OdsGrid())
    except _Refused as exc:
        raise UnsafeFile(f"{name} is refused before reading: content.xml: {exc}: a decompression bomb, "
                         "not a published table") from None
    except KeyError:
        raise UnsafeFile(f"{name} is not a readable ods: it has no content.xml") from None
    except xml.parsers.expat.ExpatError as exc:
        raise UnsafeFile(f"{name} is corrupt: content.xml is not well-formed XML ({exc})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UnsafeFile(f"{name} is corrupt: {exc}") from None


# Cells pandas.read_excel reads as missing by default (its STR_NA_VALUES), plus empty cells.
_READ_AS_MISSING = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                              "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
_type_of = np.frompyfunc(type, 1, 1)


def _grid_column(values: np.ndarray) -> np.ndarray:
    """Calamine cells (a 1-D object array, converted in place) as pandas.read_excel(header=None) gives them, in
    bulk rather than per cell: whole floats become ints, dates become datetimes, empty cells and pandas' NA
    strings become NaN. Cell by cell, so one call can take a whole sheet's cells (see Workbook._read)."""
    types = _type_of(values)
    floats = np.flatnonzero(types == float)
    if len(floats):
        numbers = values[floats].astype(float)
        # whole numbers inside int64's range only: 2e19 stays the float it is (cast, it wrapped to -2**63)
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (np.abs(numbers) < 2.0**63)
        values[floats[whole]] = numbers[whole].astype(np.int64)
    texts = np.flatnonzero(types == str)
    if len(texts):
        missing = pd.Series(values[texts], dtype=object).isin(_READ_AS_MISSING).to_numpy()   # no str-dtype inference
        values[texts[missing]] = np.nan
    values[np.flatnonzero(types == type(None))] = np.nan
    for i in np.flatnonzero(types == date):     # date-only cells (datetime is a subclass, not matched)
        values[i] = datetime(values[i].year, values[i].month, values[i].day)
    return values


def open_document(path: Path, fmt: str, max_unzipped_bytes: int, name: str | None = None) -> "Workbook | Path":
    """What a parser reads: a Workbook for xlsx/ods (checked first), the checked path for zip,
    the path itself for csv, json and html (already bounded in size by the download).

    A spreadsheet is read as what its content is (xlsx or ods), whatever the catalog's format or the file's
    name say; an ods's grid is checked first (check_ods_grid). Errors name the file as `name`."""
    if fmt in ("xlsx", "ods"):
        check_spreadsheet(path, max_unzipped_bytes, name)
        kind = spreadsheet_kind(path, name)
        if kind == "ods":
            check_ods_grid(path, name)
        return Workbook(path, name=name, kind=kind)
    if fmt == "zip":
        check_archive(path, max_unzipped_bytes, name)
    return path


class Workbook:
    """Sheets read lazily with the calamine engine, as raw cell grids (no header guessing).

    Cells come straight from python-calamine and are converted in bulk, with the
    same result as pandas.read_excel(header=None) (whole floats as ints, dates as datetimes,
    empty and NA-string cells as NaN) but without its Python call per cell and its text
    parser's copies: for a 400,000-row sheet what remains is calamine's own parse of the XML
    (about 5 s here), and peak memory is about 140 MB lower.
    """

    def __init__(self, path: Path, name: str | None = None, kind: str | None = None):
        self.path = path
        self.name = name or path.name           # the published file name, for messages
        self.kind = kind or spreadsheet_kind(path, self.name)
        self._book = pd.ExcelFile(path, engine="calamine")   # pandas hands calamine an open file: read by content
        self.sheet_names: list[str] = list(self._book.sheet_names)
        self._cache: dict[str, pd.DataFrame] = {}

    def _read(self, sheet: str, nrows: int | None = None) -> pd.DataFrame:
        rows = self._book.book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=nrows)
        if not rows:
            return pd.DataFrame()
        width = max(len(row) for row in rows)
        grid = np.full((len(rows), width), None, dtype=object)
        try:
            grid[:] = rows                   # calamine's rows are all as wide as the sheet
        except ValueError:
            for i, row in enumerate(rows):   # pad any that are not
                grid[i, :len(row)] = row
        del rows
        # every cell converted in one call (a fixed cost per call, not per column: wide sheets with many
        # blank columns, and the 3-row heads read to find titles, were paying it dozens of times)
        cells = np.ascontiguousarray(grid.T)   # a copy, one row per column
        del grid
        _grid_column(cells.reshape(-1))
        frame = pd.DataFrame(dict(zip(range(cells.shape[0]), cells)))
        del cells
        return frame.infer_objects()

    def grid(self, sheet: str) -> pd.DataFrame:
        if sheet not in self._cache:
            if sheet not in self.sheet_names:
                raise ValueError(f"no sheet named {sheet!r} in {self.name}")
            self._cache[sheet] = self._read(sheet)
        return self._cache[sheet]

    def head(self, sheet: str, rows: int = 12) -> pd.DataFrame:
        """The first `rows` rows of a sheet (titles, headers), without reading the rest into a frame."""
        if sheet in self._cache:
            return self._cache[sheet].iloc[:rows]
        return self._read(sheet, nrows=rows)

    def forget(self, sheet: str) -> None:
        """Drop a sheet's cached grid once its table is cut out (large sheets hold hundreds of MB)."""
        self._cache.pop(sheet, None)

    def close(self) -> None:
        self._cache.clear()
        self._book.close()


def head_labels(grid: pd.DataFrame, rows: int) -> list[list[str]]:
    """The first `rows` rows of a grid as cleaned labels (taken out of the frame in one step, not row by row)."""
    cells = grid.iloc[:rows].to_numpy(dtype=object)
    return [[_clean_label_cached(v) for v in row] for row in cells]


# Header rows repeat across sheets and files; grid cells (text, numbers, dates, NaN) are all hashable.
_clean_label_cached = lru_cache(maxsize=8192, typed=True)(clean_label)


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
    for pos, labels in enumerate(head_labels(grid, scan_rows)):
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


def read_each(specs: list[dict], read) -> list[Table]:
    """Every table a catalog entry lists, read with `read(spec)` (a Table, a list of them, or None for an
    absent optional table); all missing tables reported together in one TableNotFound."""
    tables: list[Table] = []
    cases: list[FailureCase] = []
    for spec in specs:
        try:
            found = read(spec)
        except TableNotFound as exc:
            cases.extend(exc.cases)
            continue
        tables.extend(found if isinstance(found, list) else [] if found is None else [found])
    if cases:
        raise TableNotFound(cases)
    return tables


@dataclass
class Table:
    """A table cut out of a sheet: columns renamed to warehouse names, index = sheet row number (1-based)."""
    name: str
    sheet: str
    frame: pd.DataFrame
    labels: dict[str, str]          # warehouse column -> label as published
    # category labels the parser did not know: (column, label, rows); kept in the data, reported
    unknown_categories: list[tuple[str, str, int]] = field(default_factory=list)


def map_values(series: pd.Series, func) -> pd.Series:
    """`series.map(func)`, but `func` runs once per distinct value (hash-based), not once per cell.

    Missing cells (NaN/None/NA) stay missing without calling `func`. The result has object dtype.
    Hashing treats True as 1 and False as 0, so a column holding booleans is mapped cell by cell.
    """
    if series.dtype == object and (_type_of(series.to_numpy()) == bool).any():
        return series.map(lambda v: pd.NA if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else func(v)).astype(object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [func(u) for u in uniques]
    mapped[-1] = pd.NA
    return pd.Series(mapped[codes], index=series.index, dtype=object, name=series.name)


def _cell(value: object) -> object:
    if isinstance(value, str):
        return pd.NA if value.strip().casefold() in MISSING_MARKERS else value.strip()
    return value


def _clean_cells(series: pd.Series) -> pd.Series:
    """`_cell` on every text cell (once per distinct text), missing cells as NA, other cells unchanged.

    Only text needs a Python call: number and date cells are left as they are, so a column of
    thousands of distinct counts with a few '-' markers costs a call per distinct text, not per count.
    """
    values = series.to_numpy(dtype=object, copy=True)
    texts = np.flatnonzero(_type_of(values) == str)
    if len(texts):
        values[texts] = map_values(pd.Series(values[texts], dtype=object), _cell).to_numpy(dtype=object)
    values[pd.isna(values)] = pd.NA
    return pd.Series(values, index=series.index, name=series.name, dtype=object)


def _is_text_column(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def cut_table(book: Workbook, match: HeaderMatch, name: str, stop_marker: str | None = None,
              stop_at_blank: bool = False) -> Table:
    """Rows below the header down to `stop_marker` (e.g. 'End of table') or the last non-blank row.

    With `stop_at_blank`, the table ends at its first wholly blank row (notes below it are not data).
    Blank trailing rows and columns are dropped; missing markers become NA; the frame's
    index is the row number a spreadsheet user sees, so errors can point at it.
    Cells are cleaned column by column, once per distinct value, so a sheet of hundreds of
    thousands of rows costs a hash per cell rather than a Python call per cell.
    """
    grid = book.grid(match.sheet)
    header = match.labels
    keep = [i for i, label in enumerate(header) if label]
    body = grid.iloc[match.row + 1:, keep]
    body.columns = [column_name(header[i]) for i in keep]
    labels = {column_name(header[i]): header[i] for i in keep}
    body.index = pd.RangeIndex(match.row + 2, match.row + 2 + len(body))
    if stop_marker is not None:
        first_columns = [grid.iloc[match.row + 1:, 0]]
        if keep and keep[0] != 0:
            first_columns.append(grid.iloc[match.row + 1:, keep[0]])
        stops: list[int] = []
        for column in first_columns:
            column = column.set_axis(body.index)
            text = column[_type_of(column.to_numpy(dtype=object)) == str] if _is_text_column(column) else column.iloc[0:0]
            keys = map_values(text, label_key) if len(text) else text
            stops.extend(keys.index[keys == stop_marker.casefold()].tolist())
        if not stops:
            last = match.row + 1 + len(body)
            raise TableNotFound([FailureCase(match.sheet, last, None,
                                             f"no closing row reading {stop_marker!r} below the header on row {match.row + 1}: "
                                             "the table may be cut short")])
        body = body.loc[: min(stops) - 1]
    body = pd.DataFrame({c: _clean_cells(body[c]) if _is_text_column(body[c]) else body[c] for c in body.columns},
                        index=body.index).infer_objects()
    blank = body.isna().all(axis=1)
    if stop_at_blank and blank.any() and not blank.all():
        first_data = blank.idxmin()
        gaps = blank.loc[first_data:]
        if gaps.any():
            body = body.loc[: gaps.idxmax() - 1]
            blank = blank.loc[body.index]
    if blank.any() and not blank.all():
        last = blank[~blank].index[-1]
        body = body.loc[:last]
    elif blank.all():
        body = body.iloc[0:0]
    return Table(name, match.sheet, body, labels)


# --- sheets found by table id ------------------------------------------------------------

def sheet_key(name: object) -> str:
    """A sheet name for matching: single spaces, case-folded. Digits are kept ('Data_Ret_D01')."""
    return _WS.sub(" ", str(name)).strip().casefold()


def id_pattern(table_id: str) -> str:
    """A regex fragment for a table id that tolerates '_' vs '-' vs ' ' ('Ret_D01', 'Ret-D01')."""
    parts = [re.escape(p) for p in re.split(r"[_\- ]+", table_id.casefold()) if p]
    return r"[_\- ]?".join(parts)


# --- headers found by column specs --------------------------------------------------------

@dataclass(frozen=True)
class ColumnSpec:
    """A warehouse column and the published headers that may carry it.

    `labels` match a header exactly after clean_label and case-folding (so glued footnote
    digits, bracketed notes, case and spacing do not matter); `pattern` is a regex searched
    in the case-folded header. `required` columns must be in the header row.
    """
    name: str
    labels: tuple[str, ...] = ()
    pattern: re.Pattern | None = None
    required: bool = True

    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset(label_key(a) for a in self.labels)

    def matches(self, label: str) -> bool:
        key = label.casefold()
        if key in self.keys:
            return True
        return bool(self.pattern is not None and self.pattern.search(key))

    def describe(self) -> str:
        names = [repr(a) for a in self.labels] + ([f"/{self.pattern.pattern}/"] if self.pattern is not None else [])
        return " or ".join(names) or repr(self.name)

    @property
    def published(self) -> str:
        return self.labels[0] if self.labels else self.name


def column_specs(columns: dict | None, required: bool = True) -> list[ColumnSpec]:
    """Column specs from a catalog `options` table: name = "Label" | ["Label", ...] | {labels = [...], pattern = "..."}."""
    specs = []
    for name, value in (columns or {}).items():
        if isinstance(value, str):
            specs.append(ColumnSpec(name, (value,), None, required))
        elif isinstance(value, list):
            specs.append(ColumnSpec(name, tuple(value), None, required))
        elif isinstance(value, dict):
            labels = value.get("labels", [])
            labels = (labels,) if isinstance(labels, str) else tuple(labels)
            pattern = re.compile(value["pattern"], re.IGNORECASE) if value.get("pattern") else None
            specs.append(ColumnSpec(name, labels, pattern, bool(value.get("required", required))))
        else:
            raise ValueError(f"column {name!r}: expected a label, a list of labels or a table, not {value!r}")
    return specs


def one_of_groups(spec: dict) -> list[list[str]]:
    """A spec's `one_of`: ["a", "b"] (one group) or [["a", "b"], ["c", "d"]]; each group needs one column present."""
    one_of = spec.get("one_of") or []
    return [one_of] if one_of and isinstance(one_of[0], str) else one_of


@dataclass
class SpecHeader:
    sheet: str
    row: int                              # 0-based position in the grid; -1 if no row matched
    labels: list[str]                     # every header cell, cleaned
    positions: dict[str, int]             # spec name -> column position
    missing: list[ColumnSpec]             # required specs not in the header row


def match_columns(labels: list[str], specs: list[ColumnSpec]) -> dict[str, int]:
    """Spec name -> position of the header cell it matches; each cell serves at most one spec, in spec order."""
    positions: dict[str, int] = {}
    for spec in specs:
        for i, label in enumerate(labels):
            if label and i not in positions.values() and spec.matches(label):
                positions[spec.name] = i
                break
    return positions


def find_spec_header(grid: pd.DataFrame, sheet: str, specs: list[ColumnSpec], scan_rows: int = 15) -> SpecHeader:
    """The row within the first `scan_rows` holding the most required columns (then the most optional ones).

    Each header cell serves at most one spec, taken in the order given.
    """
    required = [s for s in specs if s.required]
    best = SpecHeader(sheet, -1, [], {}, required)
    best_score = (0, 0)
    for pos, labels in enumerate(head_labels(grid, scan_rows)):
        positions = match_columns(labels, specs)
        score = (sum(s.name in positions for s in required), len(positions))
        if score > best_score:
            best_score = score
            best = SpecHeader(sheet, pos, labels, positions, [s for s in required if s.name not in positions])
    return best


def header_problems(header: SpecHeader, spec: dict, specs: list[ColumnSpec], what: str) -> list[FailureCase]:
    """What is wrong with a table's header row: required columns missing, or none of a `one_of` group."""
    if header.missing or header.row < 0:
        return header_failures(header, what)
    for group in one_of_groups(spec):
        if not any(c in header.positions for c in group):
            wanted = " or ".join(s.describe() for s in specs if s.name in group)
            return [FailureCase(header.sheet, header.row + 1, None, f"{what}: none of the columns {wanted} in the header row")]
    return []


def header_failures(header: SpecHeader, what: str) -> list[FailureCase]:
    if header.row < 0:
        wanted = ", ".join(s.describe() for s in header.missing)
        return [FailureCase(header.sheet, None, None, f"{what}: no header row with {wanted} in the first rows")]
    return [FailureCase(header.sheet, header.row + 1, spec.published,
                        f"{what}: expected column {spec.describe()} missing from the header row")
            for spec in header.missing]


def cut_spec_table(book: Workbook, header: SpecHeader, name: str, specs: list[ColumnSpec],
                   stop_marker: str | None = None, stop_at_blank: bool = False) -> Table:
    """cut_table with spec columns renamed to their warehouse names; other published columns keep
    column_name(label) (the loader reports them as new columns). Optional spec columns absent
    from this release are added empty, so a raw table keeps one shape across releases."""
    by_position = {pos: spec_name for spec_name, pos in header.positions.items()}
    names: list[str] = []
    for i, label in enumerate(header.labels):
        if not label:
            names.append("")
            continue
        candidate = by_position.get(i) or column_name(label) or f"column_{i + 1}"
        if candidate in names or (i not in by_position and candidate in header.positions):
            candidate = f"{candidate}_{i + 1}"
        names.append(candidate)
    match = HeaderMatch(header.sheet, header.row, [], [], names)
    table = cut_table(book, match, name, stop_marker=stop_marker, stop_at_blank=stop_at_blank)
    table.labels = {names[i]: header.labels[i] for i in range(len(names)) if names[i]}
    for spec in specs:
        if spec.name not in table.frame.columns:
            table.frame[spec.name] = pd.Series(pd.NA, index=table.frame.index, dtype=object)
            table.labels[spec.name] = spec.published
    return table


# --- cell values -------------------------------------------------------------------------

# Numbers published as text: '1,234', ' 56 ', '1,234.5'. Anything else (e.g. '12a') is left
# as published, so validation rejects it and names its sheet, row and column.
# ASCII digits only: other scripts' digits ('\u0665') are left as published, so validation names them.
_NUMBER_TEXT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$", re.ASCII)


def _number(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER_TEXT.match(text):
            number = float(text.replace(",", ""))
            return int(number) if number.is_integer() and "." not in text else number
    return value


def parse_numbers(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Count and amount columns: numbers stored as text become numbers (once per distinct value)."""
    for column in columns:
        if column in frame.columns and _is_text_column(frame[column]):
            frame[column] = map_values(frame[column], _number).infer_objects()
    return frame


def _text(value: object) -> object:
    return _WS.sub(" ", value).strip() if isinstance(value, str) else value


def clean_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns: surrounding and repeated whitespace (including non-breaking spaces) removed."""
    for column in columns:
        if column in frame.columns and _is_text_column(frame[column]):
            frame[column] = map_values(frame[column], _text)
    return frame


# --- category labels ----------------------------------------------------------------------

# The known labels of each category column, by warehouse column name, as the Home Office
# publishes them. A label matching one of these up to case, spacing and dash style becomes
# this exact spelling; any other label is kept as published (whitespace cleaned) and reported
# through Table.unknown_categories so the loader records it in meta.new_categories.
CATEGORY_LABELS: dict[str, tuple[str, ...]] = {
    "return_type_group": ("Enforced return", "Voluntary return", "Refused entry at port and subsequently departed"),
    "return_type": ("Enforced removals", "Enforced removals from detention", "Non-detained enforced removals",
                    "Controlled returns", "Assisted returns", "Other verified returns", "Other returns from detention",
                    "Departed from UK Ports", "Departed from Juxtaposed controls", "N/A - pre-2007", "Not available"),
    "return_destination_group": ("Home country", "EU Member State", "Other country"),
    "age": ("17 and under", "18 to 29", "30 to 49", "50 to 69", "70 and over", "Unknown"),
    "age_group": ("17 and under", "18 to 24", "25 to 39", "40 and over", "Unknown", "Not currently recorded"),
    "sex": ("Male", "Female", "Unknown", "Not currently recorded"),
    "region": ("Africa North", "Africa Sub-Saharan", "America Central and South", "America North", "Asia Central",
               "Asia East", "Asia South", "Asia South East", "EU 14", "EU 8", "EU 2", "EU Other", "Europe Other",
               "Middle East", "Oceania", "Other", "Not currently recorded"),
    "method_of_entry": ("Small boat arrivals", "Inadequately documented air arrivals", "Recorded detections in the UK",
                        "Recorded detections at UK ports"),
    "applicant_type": ("Main applicant", "Dependant"),
    "application_stage": ("Pending initial decision", "Pending further review"),
    "duration": ("6 months or less", "More than 6 months", "N/A - Further review"),
    "support_type": ("Section 95", "Section 4", "Section 98"),
    "accommodation_type": ("Dispersal Accommodation", "Initial Accommodation", "Contingency Accommodation - Hotel",
                           "Contingency Accommodation - Other", "Other Accommodation", "Subsistence Only",
                           "N/A - Section 98 (pre-2023)"),
    "uk_region": ("East Midlands", "East of England", "London", "North East", "North West", "Northern Ireland",
                  "Scotland", "South East", "South West", "Wales", "West Midlands", "Yorkshire and The Humber",
                  "Unknown", "N/A - Section 98 (pre-Dec 2022)", "N/A - Section 4 (pre-2018)",
                  "N/A - Subsistence Only (Dec 2023 - Sep 2024)"),
}
CATEGORY_LABELS["return_destination_region"] = CATEGORY_LABELS["region"]

# Spellings that differ by more than case, spacing or dash style: column -> variant -> label.
LABEL_VARIANTS: dict[str, dict[str, str]] = {
    "return_type_group": {"enforced returns": "Enforced return", "voluntary returns": "Voluntary return",
                          "refused entry at port and subsequent departure": "Refused entry at port and subsequently departed",
                          "refused entry at port & subsequently departed": "Refused entry at port and subsequently departed"},
    "return_type": {"non detained enforced removals": "Non-detained enforced removals",
                    "enforced removal from detention": "Enforced removals from detention"},
    "accommodation_type": {"contingency accommodation (hotel)": "Contingency Accommodation - Hotel",
                           "contingency accommodation hotel": "Contingency Accommodation - Hotel",
                           "hotel": "Contingency Accommodation - Hotel"},
    "application_stage": {"pending initial decisions": "Pending initial decision"},
    "sex": {"males": "Male", "females": "Female"},
}

_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]\s*")


def category_key(value: object) -> str:
    """Key for category labels: case-folded, single spaces, every dash style as '-' without spaces around it."""
    return _DASHES.sub("-", _WS.sub(" ", str(value)).strip()).casefold()


_CANONICAL = {column: {**{category_key(v): c for v, c in LABEL_VARIANTS.get(column, {}).items()},
                       **{category_key(label): label for label in labels}}
              for column, labels in CATEGORY_LABELS.items()}


def normalise_categories(frame: pd.DataFrame, columns: list[str] | None = None) -> list[tuple[str, str, int]]:
    """Canonical labels, in place, for every column of `frame` with a known label set (or just `columns`).

    Returns the labels outside the known set as (column, label, rows); they stay in the data.
    Work is per distinct label, not per row.
    """
    unknown: list[tuple[str, str, int]] = []
    for column in columns if columns is not None else list(frame.columns):
        known = _CANONICAL.get(column)
        if known is None or column not in frame.columns:
            continue
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        mapped = np.empty(len(uniques) + 1, dtype=object)
        mapped[-1] = pd.NA
        new: dict[str, int] = {}
        for i, value in enumerate(uniques):
            text = _WS.sub(" ", str(value)).strip()
            label = known.get(category_key(text))
            if label is None:
                label = text
                new[label] = new.get(label, 0) + int(counts[i])
            mapped[i] = label
        frame[column] = pd.Series(mapped[codes], index=frame.index, dtype=object)
        unknown.extend((column, label, rows) for label, rows in sorted(new.items()))
    return unknown


# --- periods ------------------------------------------------------------------------------

def add_quarter_periods(frame: pd.DataFrame, quarter: str = "quarter", year: str | None = "year") -> pd.DataFrame:
    """Quarter labels made canonical ('Q3 2023' -> '2023 Q3'; quarter 3 with year 2023 -> '2023 Q3') and
    period_start/period_end added. A label that is not a quarter is kept as published, with no period,
    so validation names its row."""
    from flows import periods   # lazy: flows.periods imports the catalog, which imports the parsers

    labels = map_values(frame[quarter], lambda v: periods.quarter_label(v) or v)
    if year is not None and year in frame.columns:
        number = pd.to_numeric(labels.where(labels.map(type) != str), errors="coerce")
        years = pd.to_numeric(frame[year], errors="coerce")
        combine = number.isin([1, 2, 3, 4]) & years.notna() & (years % 1 == 0)
        if combine.any():
            labels = labels.astype(object)
            labels[combine] = (years[combine].astype("int64").astype(str) + " Q" + number[combine].astype("int64").astype(str))
    frame[quarter] = labels
    starts = map_values(labels, lambda v: periods.quarter_bounds(v)[0] if periods.parse_quarter(v) else pd.NA)
    ends = map_values(labels, lambda v: periods.quarter_bounds(v)[1] if periods.parse_quarter(v) else pd.NA)
    frame["period_start"] = pd.to_datetime(starts)
    frame["period_end"] = pd.to_datetime(ends)
    return frame


# Date text as UK publishers write it: day first, or ISO year first. Four-digit years only. Nothing else
# is read as a date: '02/23/2026' (month first), '5/2/26' (which century?), '2026/05/02' are refused, not guessed.
_DATE_TEXT_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
                      "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?,? (\d{4})", re.IGNORECASE)


def parse_date_text(value: str) -> pd.Timestamp | None:
    """A date written as text, read day first ('05/02/2026' is 5 February; '5 Feb 2026', '5 Sept 2026',
    '2026-02-05' too); None for anything else, including month-first and invalid dates."""
    text = _WS.sub(" ", value).strip()
    m = _DAY_MONTH_YEAR.fullmatch(text)
    if m:
        from flows.periods import MONTHS
        month = MONTHS.get(m.group(2).casefold())
        try:
            return pd.Timestamp(date(int(m.group(3)), month, int(m.group(1)))) if month else None
        except ValueError:
            return None
    for fmt in _DATE_TEXT_FORMATS:
        try:
            return pd.Timestamp(datetime.strptime(text, fmt)).normalize()
        except ValueError:
            continue
    return None


def _as_timestamp(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.normalize()
    if hasattr(value, "year") and hasattr(value, "month"):
        return pd.Timestamp(value).normalize()
    if isinstance(value, str):
        parsed = parse_date_text(value)     # UK day-first, never US
        if parsed is not None:
            return parsed
    return value    # left as published: the loader refuses it, naming the cell


def add_stock_periods(frame: pd.DataFrame, as_at: str = "as_at", quarter: str = "quarter", year: str | None = "year") -> pd.DataFrame:
    """A stock counted at a date: the quarter it closes gives period_start/period_end.

    From a quarter label where the table has one (as_at then defaults to the quarter's last day),
    otherwise from the as-at date (the quarter containing it; validation checks it is the quarter's end).
    """
    from flows import periods

    has_quarter = quarter in frame.columns and frame[quarter].notna().any()
    if as_at in frame.columns:
        frame[as_at] = map_values(frame[as_at], _as_timestamp).infer_objects()
    if has_quarter:
        add_quarter_periods(frame, quarter, year)
        if as_at not in frame.columns or frame[as_at].isna().all():
            frame[as_at] = frame["period_end"]
        return frame
    dates = frame[as_at] if as_at in frame.columns else pd.Series(pd.NA, index=frame.index, dtype=object)
    def bounds(value: object, which: int) -> object:
        return pd.Timestamp(periods.quarter_containing(value.date())[which]) if isinstance(value, pd.Timestamp) else pd.NA
    frame["period_start"] = pd.to_datetime(map_values(dates, lambda v: bounds(v, 0)))
    frame["period_end"] = pd.to_datetime(map_values(dates, lambda v: bounds(v, 1)))
    frame[quarter] = map_values(dates, lambda v: f"{v.year} Q{(v.month - 1) // 3 + 1}" if isinstance(v, pd.Timestamp) else pd.NA)
    return frame
