"""A streaming pre-check of an ODS file's grid (rows, columns, cells) before calamine expands it:
a few kilobytes of repeated-cell markup can declare billions of cells."""
from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

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
