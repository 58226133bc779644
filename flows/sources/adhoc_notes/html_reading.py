"""Reading a note's HTML: the document (Content API JSON or a saved page) and the cells of its `<table>`s."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from flows.errors import FailureCase
from flows.parsing import TableNotFound


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
