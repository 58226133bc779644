"""Spreadsheet error cells (#REF!, #DIV/0!, #N/A, LibreOffice's Err:502), found in the file's XML.

python-calamine (0.9) gives an xlsx error cell (`t="e"`) as an empty cell, '', and an ods one
(`calcext:value-type="error"`) as '' or as the number LibreOffice keeps beside it (0): nothing in what it returns
tells them from an empty cell or a real 0. So the sheet's XML is searched for them here, at C speed for the usual
file that has none (a byte search, no parse); only a sheet that has some is parsed for their positions.
"""
from __future__ import annotations

import html
import posixpath
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat
import zipfile
from pathlib import Path


class CellError(str):
    """A spreadsheet error value where calamine gives an empty cell: the error as the spreadsheet shows it."""
    __slots__ = ()


Positions = dict[tuple[int, int], str]     # (0-based row, 0-based column) -> the error as shown

_CHUNK = 1 << 20
_XLSX_ERROR = re.compile(rb"""\bt\s*=\s*["']e["']""")
_XLSX_ERROR_HINTS = (b'"e"', b"'e'")          # in every _XLSX_ERROR match
_XLSX_CELL = re.compile(rb"<((?:[\w.-]+:)?)c\b([^>]*)(?<!/)>(.*?)</\1c\s*>", re.S)
_XLSX_REF = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d+)["']""")
_XLSX_VALUE = re.compile(rb"<(?:[\w.-]+:)?v\b[^>]*>([^<]*)</", re.S)
_ODS_ERROR = re.compile(rb"""value-type\s*=\s*["']error["']""")
_ODS_ERROR_HINTS = (b"error",)                 # in every _ODS_ERROR match ('value-type' is in every valued cell)
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_MAX_REPEAT = 10_000          # cells of one repeated error cell listed at most (the first are enough to name it)


class PatternWatch:
    """A stream read through, its chunks searched on the way for `pattern` (at most a few dozen bytes long: each
    chunk is searched with the last 64 bytes of the one before). `hints`: byte strings one of which every match
    holds, looked for first (a byte search is several times faster than a pattern that starts with `\\b` and
    classes, over a sheet's megabytes that usually hold none). `seen`: found in what was read so far."""

    def __init__(self, stream, pattern: re.Pattern, hints: tuple[bytes, ...] = ()) -> None:
        self.stream, self.pattern, self.hints = stream, pattern, hints
        self.carry, self.seen = b"", False

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        if chunk and not self.seen:
            # a hint in the window (the carry, then the chunk) is in the chunk or starts in the carry: the window is
            # put together (a copy of the chunk) only to search it for the pattern
            if not self.hints or any(hint in chunk or hint in self.carry + chunk[:len(hint) - 1] for hint in self.hints):
                self.seen = self.pattern.search(self.carry + chunk) is not None
            self.carry = chunk[-64:]
        return chunk


def _has(stream, pattern: re.Pattern, hints: tuple[bytes, ...] = ()) -> bool:
    """Whether `pattern` occurs in the stream, read in 1 MB chunks until it is found (PatternWatch)."""
    watch = PatternWatch(stream, pattern, hints)
    while not watch.seen and watch.read(_CHUNK):
        pass
    return watch.seen


def ods_error_watch(stream) -> PatternWatch:
    """content.xml's stream as another reader reads it (the ods grid check), searched on the way for an
    error-valued cell, so error cells need not be looked for in another read of the file: `seen` is the answer once
    the stream has been read to its end."""
    return PatternWatch(stream, _ODS_ERROR, _ODS_ERROR_HINTS)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number - 1


class ErrorCells:
    """The error cells of one workbook, sheet by sheet (read when a sheet is first asked for)."""

    def __init__(self, path: Path, kind: str, ods_errors_seen: bool | None = None):
        """`ods_errors_seen`: whether an ods's content.xml holds an error-valued cell, when a read of it has already
        looked (ods_error_watch); None: look here."""
        self.path, self.kind, self.ods_errors_seen = path, kind, ods_errors_seen
        self._sheets: dict[str, Positions] = {}
        self._ods: dict[str, Positions] | None = None
        self._parts: dict[str, str] | None = None
        self._zip: zipfile.ZipFile | None = None     # an xlsx's archive, opened once for all its sheets (close())

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def of(self, sheet: str) -> Positions:
        if self.kind == "ods":
            if self._ods is None:
                self._ods = _ods_error_cells(self.path, self.ods_errors_seen)
            return self._ods.get(sheet, {})
        if self.kind != "xlsx":
            return {}
        if sheet not in self._sheets:
            self._sheets[sheet] = self._xlsx_sheet(sheet)
        return self._sheets[sheet]

    def _xlsx_sheet(self, sheet: str) -> Positions:
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.path)
        z = self._zip
        if self._parts is None:
            self._parts = _xlsx_sheet_parts(z)
        part = self._parts.get(sheet)
        if part is None:
            return {}
        with z.open(part) as stream:
            if not _has(stream, _XLSX_ERROR, _XLSX_ERROR_HINTS):
                return {}
        data = z.read(part)
        found: Positions = {}
        for m in _XLSX_CELL.finditer(data):
            attributes, inner = m.group(2), m.group(3)
            if not _XLSX_ERROR.search(attributes):
                continue
            ref = _XLSX_REF.search(attributes)
            if ref is None:
                continue        # a cell without its reference: not placed (Excel and openpyxl always write it)
            value = _XLSX_VALUE.search(inner)
            text = html.unescape(value.group(1).decode("utf-8", "replace")).strip() if value else ""
            found[(int(ref.group(2)) - 1, _column_number(ref.group(1)))] = text or "#error"
        return found


def _xlsx_sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding its cells, from the workbook part and its relationships."""
    names = set(z.namelist())
    book = "xl/workbook.xml"
    if "_rels/.rels" in names:
        for rel in ET.fromstring(z.read("_rels/.rels")):
            if rel.get("Type", "").endswith("/officeDocument") and rel.get("Target"):
                book = rel.get("Target").lstrip("/")
    if book not in names:
        return {}
    folder = posixpath.dirname(book)
    rels_name = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
    targets: dict[str, str] = {}
    if rels_name in names:
        for rel in ET.fromstring(z.read(rels_name)):
            target = rel.get("Target") or ""
            targets[rel.get("Id") or ""] = (target.lstrip("/") if target.startswith("/")
                                             else posixpath.normpath(posixpath.join(folder, target)))
    parts: dict[str, str] = {}
    for element in ET.fromstring(z.read(book)).iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        if element.get("name") is not None and rid in targets and targets[rid] in names:
            parts[element.get("name")] = targets[rid]
    return parts


def _ods_error_cells(path: Path, seen: bool | None = None) -> dict[str, Positions]:
    """Every sheet's error cells in an ods's content.xml (calcext:value-type="error"), placed as calamine places cells.
    `seen`: whether content.xml holds any, already known (None: looked for here first)."""
    if seen is False:
        return {}
    with zipfile.ZipFile(path) as z:
        if "content.xml" not in z.namelist():
            return {}
        if seen is None:
            with z.open("content.xml") as stream:
                if not _has(stream, _ODS_ERROR, _ODS_ERROR_HINTS):
                    return {}
        with z.open("content.xml") as stream:
            return _OdsErrors().read(stream)


class _OdsErrors:
    def __init__(self) -> None:
        self.found: dict[str, Positions] = {}
        self.depth = 0
        self.sheet = ""
        self.row = self.col = 0
        self.row_repeat = self.cell_repeat = 1
        self.error: list[str] | None = None       # the text of the error cell being read

    def read(self, stream) -> dict[str, Positions]:
        parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
        parser.StartElementHandler, parser.EndElementHandler = self.start, self.end
        parser.CharacterDataHandler = self.text
        parser.ParseFile(stream)
        return self.found

    @staticmethod
    def _count(value: str | None) -> int:
        return max(int(value), 1) if value and value.strip().isdigit() else 1

    def start(self, name: str, attrs: dict) -> None:
        ns, _, tag = name.rpartition("}")
        if ns != _TABLE:
            return
        if tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.sheet, self.row = attrs.get(f"{_TABLE}}}name", ""), 0
        elif self.depth != 1:
            return
        elif tag == "table-row":
            self.row_repeat, self.col = self._count(attrs.get(f"{_TABLE}}}number-rows-repeated")), 0
        elif tag in ("table-cell", "covered-table-cell"):
            self.cell_repeat = self._count(attrs.get(f"{_TABLE}}}number-columns-repeated"))
            kind = attrs.get(f"{_CALCEXT}}}value-type") or attrs.get(f"{_OFFICE}}}value-type")
            self.error = [] if kind == "error" else None

    def end(self, name: str) -> None:
        ns, _, tag = name.rpartition("}")
        if ns != _TABLE:
            return
        if tag == "table":
            self.depth -= 1
        elif self.depth != 1:
            return
        elif tag == "table-row":
            self.row += self.row_repeat
        elif tag in ("table-cell", "covered-table-cell"):
            if self.error is not None:
                text = "".join(self.error).strip() or "#error"
                cells = self.found.setdefault(self.sheet, {})
                for r in range(self.row, self.row + min(self.row_repeat, _MAX_REPEAT)):
                    for c in range(self.col, self.col + min(self.cell_repeat, _MAX_REPEAT // min(self.row_repeat, _MAX_REPEAT))):
                        cells[(r, c)] = text
                self.error = None
            self.col += self.cell_repeat

    def text(self, data: str) -> None:
        if self.error is not None and self.depth == 1:
            self.error.append(data)
