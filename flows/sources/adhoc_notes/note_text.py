"""The text of a note: its paragraphs and headings in document order (tables, footnotes and page chrome left out),
its title, and a paragraph's sentences."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCKS = {"p", "li", "ul", "ol", "div", "section", "article", "main", "blockquote", "dd", "dt", "dl", "header",
           "footer", "nav", "aside", "figure", "figcaption", "details", "summary", "form"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP = {"sup", "script", "style", "noscript", "template", "svg", "button"}


@dataclass
class Block:
    number: int              # paragraph number (headings not counted), 1-based in document order
    text: str
    heading: str             # the heading the paragraph sits under ('' before the first)
    section: int             # counts headings: paragraphs of one section share it
    tables_before: int       # top-level tables that start before it (document order against html_tables)


@dataclass
class NoteText:
    title: str
    blocks: list[Block] = field(default_factory=list)


class _ProseReader(HTMLParser):
    """Paragraph texts outside tables, footnote markers (<sup>), footnote lists and page chrome. When the page has
    a `govspeak` element (the body of a GOV.UK publication, in a saved page or the Content API's HTML), only the
    text inside it is read."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[str, str, bool, int]] = []    # (kind, text, in govspeak, tables before)
        self.h1 = ""
        self.title = ""
        self._text: list[str] = []
        self._kind = "p"
        self._skip = 0
        self._tables = 0                 # top-level tables started
        self._table_depth = 0
        self._stack: list[tuple[str, str]] = []    # open block elements: (tag, role) role in {'govspeak', 'footnotes', ''}
        self._in_title = False
        self._in_h1 = False

    def _role(self, attrs) -> str:
        classes = (dict(attrs).get("class") or "").split()
        if "govspeak" in classes:
            return "govspeak"
        if "footnotes" in classes:
            return "footnotes"
        return ""

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        self._text = []
        if not text or self._table_depth:
            return
        roles = {role for _, role in self._stack}
        if "footnotes" in roles:
            return
        self.parts.append((self._kind, text, "govspeak" in roles, self._tables))

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self._flush()
            if self._table_depth == 0:
                self._tables += 1
            self._table_depth += 1
            return
        if self._table_depth:
            return
        if tag in _SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _HEADINGS or tag in _BLOCKS:
            self._flush()
            self._kind = "h" if tag in _HEADINGS else "p"
            if tag == "h1":
                self._in_h1 = True
            if tag in _BLOCKS:
                self._stack.append((tag, self._role(attrs)))
        elif tag == "br":
            self._text.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag == "br" and not self._table_depth:
            self._text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table_depth = max(0, self._table_depth - 1)
            return
        if self._table_depth:
            return
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in _HEADINGS or tag in _BLOCKS:
            if tag == "h1" and self._in_h1 and not self.h1:
                self.h1 = " ".join("".join(self._text).split())
            self._in_h1 = self._in_h1 and tag != "h1"
            self._flush()
            self._kind = "p"
            if tag in _BLOCKS:
                for i in range(len(self._stack) - 1, -1, -1):      # close the innermost open element of this tag
                    if self._stack[i][0] == tag:
                        del self._stack[i:]
                        break

    def handle_data(self, data: str) -> None:
        if self._table_depth or self._skip:
            return
        if self._in_title:
            self.title += data
            return
        self._text.append(data)


def note_text(html: str, title: str = "") -> NoteText:
    """The note's paragraphs and headings in document order, and its title (the Content API's `title`, else the
    page's <h1>, else its <title>)."""
    reader = _ProseReader()
    reader.feed(html)
    reader.close()
    reader._flush()
    parts = reader.parts
    if any(in_body for _, _, in_body, _ in parts):
        parts = [p for p in parts if p[2]]
    if not title:
        title = reader.h1 or re.sub(r"\s*[-\u2013|]\s*GOV\.UK\s*$", "", " ".join(reader.title.split()))
    note = NoteText(" ".join(title.split()))
    heading, section, number = "", 0, 0
    for kind, text, _, tables in parts:
        if kind == "h":
            heading, section = text, section + 1
            continue
        number += 1
        note.blocks.append(Block(number, text, heading, section, tables))
    return note


def sentences(text: str) -> list[str]:
    """A paragraph's sentences: split after . ! or ? followed by a space and a capital, a digit or a quote."""
    text = re.sub(r"\[\s*footnote\s*\d+\s*\]", "", text, flags=re.IGNORECASE)
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\u201c\u2018\"'(])", text) if s.strip()]
