"""A streaming pre-check of an ODS file's grid (rows, columns, cells) before calamine expands it:
a few kilobytes of repeated-cell markup can declare billions of cells."""
from __future__ import annotations

import re
import xml.parsers.expat
import zipfile
import zlib
from itertools import repeat
from pathlib import Path

import numpy as np

from flows.parsing.error_cells import ods_error_watch
from flows.parsing.files import UnsafeFile


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

    def plain_rows(self, widths: np.ndarray) -> bool:
        """Rows written one by one (no repeat), the i-th with values in its first widths[i] columns (0: none), as
        row_start, row_values and row_end would take them; False, having taken none, if one reaches beyond the
        grid (taken row by row, that row is then named)."""
        if self.depth != 1:
            return False
        valued = np.flatnonzero(widths)
        if len(valued):
            widest, end = int(widths.max()), self.row + int(valued[-1]) + 1
            if widest > ODS_MAX_COLUMNS or end > ODS_MAX_ROWS:
                return False
            self.last_row, self.last_col = end, max(self.last_col, widest)
        self.row = min(self.row + len(widths), ODS_MAX_ROWS + 1)
        return True

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
# Inside a row, a table element other than a cell (a name not starting `table:table-cell`): a table in a cell, or
# the row's end written another way (`</table:table-row >`), which would take the next row, and its repeat, for
# this one's cells. The same test as _ods_plain_rows's, which counts "table:table" against "table:table-cell".
_ODS_NOT_A_CELL = re.compile(rb"</?table:table(?!-cell)")
_ODS_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml\s[^<>]*\?>")


class _NotUsual(Exception):
    """content.xml is not written the usual way: the XML parser reads it instead."""


def _ods_attribute(attributes: bytes, name: bytes) -> str | None:
    if name not in attributes:
        return None
    values = [a.group(2) if a.group(2) is not None else a.group(3)
              for a in _ODS_ATTR.finditer(attributes) if a.group(1) == name]
    if len(values) > 1:
        raise _NotUsual("an attribute given twice")     # not well-formed: the XML parser says so
    return values[0].decode("utf-8", "replace") if values else None


def _ods_row_cells(inner: bytes, grid: _OdsGrid) -> None:
    """One row's cells into `grid`. At C speed when no cell is repeated before the row's last value, nor the cell
    holding it (how LibreOffice writes rows: values, then one empty cell repeated to the grid's edge): the columns
    up to the last value are then its cells, one each. Otherwise cell by cell."""
    last = max(inner.rfind(b"value-type"), inner.rfind(b"<text:"))
    if last == -1:
        return                                      # no value in the row: its repeats expand nothing
    repeat = inner.find(b"-repeated")
    if repeat == -1 or (repeat > last and inner.rfind(b"<", 0, repeat) > last):   # a later tag's repeat only
        width = inner.count(b"<table:table-cell", 0, last) + inner.count(b"<table:covered-table-cell", 0, last)
        if width:
            grid.row_values(width)
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


def _holds(buffer: bytes, markup: bytes, start: int = 0) -> bool:
    """Whether `markup` ('<!', '<?') occurs in `buffer` from `start`: its second byte, rare in content.xml, is
    looked for first (a one-byte search is many times faster than a two-byte one starting with '<', in every tag)."""
    return buffer.find(markup[1:], start) != -1 and buffer.find(markup, start) != -1


def _scan_ods_tags(stream, grid: _OdsGrid) -> bool:
    """Follow content.xml's sheets and rows with regular expressions over its bytes, in 1 MB chunks (more while
    a row runs on, so never quadratic), a run of rows or a row at a time (a small-boats file in about 0.015 s).
    False, having decided nothing, when the document is not written the usual way (other namespace prefixes;
    comments, CDATA, a DOCTYPE or processing instructions, which could hide or fake tags; a table inside a cell;
    a row left open, or ended another way): the caller then uses the XML parser."""
    carry, first = b"", True
    try:
        while True:
            chunk = stream.read(max(1 << 20, len(carry)))     # a row longer than a chunk: read as much again
            buffer, start = carry + chunk, 0
            if first:
                if not all(prefix in buffer[:1 << 16] for prefix in _ODS_PREFIXES):
                    return False
                declaration = _ODS_DECLARATION.match(buffer)
                start, first = (declaration.end() if declaration else 0), False
            if _holds(buffer, b"<!") or _holds(buffer, b"<?", start):
                return False
            taken = _scan_ods_rows(buffer, start, grid, last=not chunk)
            if taken is None:
                return False
            if not chunk:
                return True
            carry = buffer[taken:]
    except _NotUsual:
        return False


_ODS_ROW_START = np.frombuffer(b"<table:table-row", np.uint8)      # then ' ' or '>'
_ODS_COVERED = b"<table:covered-table-cell"


def _ods_plain_rows(rows: list[bytes], buffer: bytes | None = None, start: int = 0) -> np.ndarray:
    """For each row (its start tag and cells, up to its end tag), at C speed: the width of its values (0: none)
    when the row is plain, -1 when it is not. Plain, as _ods_row_cells's fast path takes a row: a start tag
    `<table:table-row ...>` (not empty-element) with no repeat, then at once only cells (no other table element),
    no repeat before its last value nor in the cell holding it, and a cell before that value.

    `buffer[start:]` holds the rows joined by their end tags, as split (built here when not given): the bytes at
    fixed places of every row (its start tag's first 17 and its last two) are then read in one numpy gather rather
    than a method call per row, and a covered cell is counted row by row only when the rows hold one."""
    n = len(rows)
    if buffer is None:
        buffer, start = _ODS_ROW_END.join(rows), 0

    def each(method, *args, dtype=np.int64) -> np.ndarray:
        """method(row, *args) for every row; an argument given as a list is taken row by row."""
        return np.fromiter(map(method, rows, *(a if isinstance(a, list) else repeat(a) for a in args)), dtype, n)

    lengths = each(len)
    starts = np.zeros(n, np.int64)
    np.cumsum(lengths[:-1] + len(_ODS_ROW_END), out=starts[1:])
    stop = start + int(starts[-1] + lengths[-1]) if n else start
    data = np.frombuffer(buffer, np.uint8, count=stop - start, offset=start)

    def byte_at(offsets: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """The byte at `offsets` (relative to each row's start) where `valid`, else 0 (no byte of a tag)."""
        return np.where(valid, data[np.where(valid, starts + offsets, 0)] if len(data) else 0, 0)

    after_tag = each(bytes.find, b"<", 1)                                   # tags hold no '<'
    tag_end = np.where(after_tag == -1, lengths, after_tag)
    long_enough = lengths >= len(_ODS_ROW_START) + 1
    head = data[np.where(long_enough, starts, 0)[:, None] + np.arange(len(_ODS_ROW_START) + 1)] if len(data) > \
        len(_ODS_ROW_START) else np.zeros((n, len(_ODS_ROW_START) + 1), np.uint8)
    starts_row = long_enough & (head[:, :-1] == _ODS_ROW_START).all(axis=1) & np.isin(head[:, -1], (ord(" "), ord(">")))
    closes = byte_at(tag_end - 1, tag_end >= 1) == ord(">")                 # the start tag ends with '>' ...
    empty = closes & (byte_at(tag_end - 2, tag_end >= 2) == ord("/"))        # ... not '/>'
    row_tag = starts_row & closes & ~empty
    only_cells = each(bytes.count, b"table:table") == each(bytes.count, b"table:table-cell") + 1
    last = np.maximum(each(bytes.rfind, b"value-type"), each(bytes.rfind, b"<text:"))    # the last value; -1: none
    first_repeat = each(bytes.find, b"-repeated")
    its_tag = each(bytes.rfind, b"<", 0, np.maximum(first_repeat, 0).tolist())           # the tag holding it
    upto = np.maximum(last, 0).tolist()
    widths = each(bytes.count, b"<table:table-cell", 0, upto)
    if buffer.find(_ODS_COVERED, start, stop) != -1:                        # none in the rows: none in any of them
        widths += each(bytes.count, _ODS_COVERED, 0, upto)
    plain = row_tag & only_cells & ((first_repeat == -1) | ((first_repeat > last) & (its_tag > np.maximum(last, 0))))
    plain &= (last == -1) | (widths > 0)
    return np.where(plain, np.where(last == -1, 0, widths), -1)


def _scan_ods_run(buffer: bytes, start: int, grid: _OdsGrid) -> int | None:
    """The rows of a sheet from `start` (a row's start tag) to its last complete row in `buffer`: the plain ones
    (_ods_plain_rows) taken a run at a time, the others one by one. Returns where they end (`start` when there is
    no complete row), or None for a document not written the usual way."""
    sheet_end = buffer.find(b"</table:table>", start)
    stop = buffer.rfind(_ODS_ROW_END, start, len(buffer) if sheet_end == -1 else sheet_end)
    if stop == -1:
        return start
    rows = buffer[start:stop].split(_ODS_ROW_END)
    widths = _ods_plain_rows(rows, buffer, start)
    begin = 0
    for i in [*np.flatnonzero(widths < 0).tolist(), len(rows)]:
        if i > begin and not grid.plain_rows(widths[begin:i]):
            for row in rows[begin:i]:               # one reaches beyond the grid: row by row, to name it
                if _scan_ods_rows(row + _ODS_ROW_END, 0, grid, last=True, runs=False) is None:
                    return None
        if i < len(rows) and _scan_ods_rows(rows[i] + _ODS_ROW_END, 0, grid, last=True, runs=False) is None:
            return None
        begin = i + 1
    return stop + len(_ODS_ROW_END)


def _scan_ods_rows(buffer: bytes, pos: int, grid: _OdsGrid, last: bool, runs: bool = True) -> int | None:
    """The sheets and rows of `buffer` from `pos` into `grid`. Returns where the next chunk takes up (a row cut by
    the chunk's end, taken again whole; or the last tag, perhaps cut), or None for a document not written the
    usual way. A sheet's rows are taken a run at a time (_scan_ods_run; with `runs`), or one by one: found by
    their start and skipped whole, at C speed, their cells by _ods_row_cells."""
    search, row_end, not_a_cell = _ODS_TABLE_OR_ROW.search, _ODS_ROW_END, _ODS_NOT_A_CELL.search
    while (m := search(buffer, pos)) is not None:
        closing, tag, attributes, empty = m.groups()
        if tag == b"table":
            if closing:
                if grid.depth != 1:
                    return None                     # a table's end without its start
                grid.table_end()
            elif grid.depth >= 1:
                return None                         # a table inside a cell: the XML parser follows nesting
            else:
                grid.table_start(_ods_attribute(attributes, b"table:name"))
                if empty:
                    grid.table_end()
            pos = m.end()
            continue
        if closing:
            return None                             # a row end without its start
        if empty:
            grid.row_start(_ods_attribute(attributes, b"table:number-rows-repeated"))
            grid.row_end()
            pos = m.end()
            continue
        if runs and grid.depth == 1:
            taken = _scan_ods_run(buffer, m.start(), grid)
            if taken is None:
                return None
            if taken > m.start():
                pos = taken
                continue
        end = buffer.find(row_end, m.end())
        if end == -1:
            return None if last else m.start()      # a row left open at the end; or cut by the chunk
        inner = buffer[m.end():end]
        if not_a_cell(inner):
            return None
        grid.row_start(_ods_attribute(attributes, b"table:number-rows-repeated"))
        _ods_row_cells(inner, grid)
        grid.row_end()
        pos = end + len(row_end)
    cut = buffer.rfind(b"<", pos)
    return cut if cut != -1 else len(buffer)


def _parse_ods_xml(stream, grid: _OdsGrid) -> None:
    """The same with expat (namespaces resolved, no DOCTYPE): for documents _scan_ods_tags does not take."""
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


class _StreamErrors:
    """A stream whose own read errors (a bad CRC, corrupt data) are kept, to tell them from the scan's."""

    def __init__(self, stream) -> None:
        self.stream, self.error = stream, None

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except BaseException as exc:
            self.error = exc
            raise


class OdsContentScan:
    """check_ods_grid's fast scan run on the archive check's own read of content.xml (files.check_archive's
    `read_member`), so that an ods's largest member is inflated once, not twice. `result` then answers as
    check_ods_grid does: from this scan when it read content.xml to its end, otherwise by check_ods_grid itself
    (a refusal, a document the XML parser must read, content.xml not read here), with the same outcome, in the same
    order (the archive's own faults first: the stream's errors are left to the archive check)."""

    def __init__(self) -> None:
        self.scanned, self.watch = False, None

    def read_member(self, info: zipfile.ZipInfo, stream) -> None:
        if info.filename != "content.xml" or self.scanned:
            return
        self.scanned = True
        reader = _StreamErrors(stream)
        watch = ods_error_watch(reader)
        try:
            if _scan_ods_tags(watch, _OdsGrid()):
                self.watch = watch
        except Exception as exc:
            if exc is reader.error:
                raise                   # the archive's fault, as testzip() meets it
            # the scan's (a refusal): check_ods_grid says it again, once the archive has passed its checks

    def result(self, path: Path, name: str | None = None) -> bool:
        """check_ods_grid(path, name)."""
        if self.watch is not None:
            return self.watch.seen
        return check_ods_grid(path, name)


def check_ods_grid(path: Path, name: str | None = None) -> bool:
    """Before calamine opens an ods: follow content.xml and refuse a cell or row with a value repeated beyond the
    spreadsheet grid, or a sheet whose cells up to its last value would exceed ODS_MAX_CELLS. Empty repeats
    (LibreOffice closes every sheet with ~1,048,000 empty rows of 16,384 empty cells) are not counted: readers do
    not expand them. About 0.02 s for a small-boats file (0.3 s when the XML parser is needed).

    Returns whether content.xml holds an error-valued cell, looked for in the same read (ods_error_watch), for
    the workbook's ErrorCells."""
    name = name or path.name
    try:
        with zipfile.ZipFile(path) as archive:
            with archive.open("content.xml") as content:
                watch = ods_error_watch(content)
                done = _scan_ods_tags(watch, _OdsGrid())      # True only once it has read content.xml to its end
            if not done:
                with archive.open("content.xml") as content:
                    watch = ods_error_watch(content)
                    _parse_ods_xml(watch, _OdsGrid())
            return watch.seen
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
