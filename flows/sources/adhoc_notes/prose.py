"""Figures from the prose of a Home Office ad-hoc note (the notes as published: sentences, not tables).

A published note ("Returns from the UK from 5 July 2024 to 22 March 2025") gives each figure in a sentence:

    Between 5 July 2024 and 22 March 2025, a total of 24,103 returns were recorded (including both enforced
    and voluntary returns), an 11% increase on the 21,807 returns in the same period 12 months prior.
    From 5 July 2024 to 22 March 2025, there were 6,339 enforced returns. This compares with 5,244 enforced
    returns in the same period 12 months prior, an increase of 21%.
    ... 46 charter flights for returns to countries in Africa, Asia, Europe and South America, level with
    the same period 12 months prior (46).

How a sentence is read (`read_sentence`), after footnote markers and tables are left out:

- dates are found first: a range ("Between 5 July 2024 and 22 March 2025", "from 5 July 2024 to ...") is the
  period of the figures before the comparison; "the same period 12 months prior" (a year before, the previous
  year ...) the period of the figures after it; a sentence without a range takes the last range of its section
  (the text under one heading), else the note's title. A figure sentence with any other mention of time (a
  month, a year, a single date, "seven months", a quarter) is not guessed at: it is a failure naming it;
- a comparison ("increase on", "compares with", "compared with", "against", "level with", ...) splits the
  sentence: counts before it are the figures, counts after it the same figures 12 months before, paired in
  order ("3,188 visits and 2,299 arrests, against 2,371 and 1,836 a year before"); a sentence that only
  compares ("This compares with 5,244 ...") completes the figures of the sentence before it;
- each figure's measure is read from the words after its number ("6,339 enforced returns", "3,594 foreign
  national offenders (FNOs) returned", "1,848 ... under the Early Removal Scheme"), else from the words before
  it; bare "arrests"/"visits" are illegal working's when the sentence or its heading says illegal working;
- a percentage next to a direction word ("an 11% increase", "an increase of 21%", "down 5%") is the stated
  change; "level with" states no change; a percentage without one (a share) is not read. The stated change is
  checked against the two figures (`pct_tolerance` percentage points) by validation, naming the sentence;
- the total's definition ("(including both enforced and voluntary returns)") is kept in its label; a total
  that says it includes port returns (or leaves out enforced or voluntary returns) is refused: the claims and
  `returns_total` count enforced plus voluntary returns only.

Anything a sentence says that cannot be placed with certainty (two figures for one measure, more comparisons
than figures, a comparison without a period) fails, naming the paragraph and sentence: never a guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

from flows.errors import FailureCase
from flows.periods import MONTHS, same_period_a_year_earlier

# --- the note's text ------------------------------------------------------------------------------

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


# --- the words of a sentence ------------------------------------------------------------------------

_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
          r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)")
_DAY_MONTH = rf"\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\.?"
_DATE = rf"{_DAY_MONTH}(?:,?\s+\d{{4}})?"
_FULL_DATE = rf"{_DAY_MONTH},?\s+\d{{4}}"
_ONE_DATE = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?(?:,?\s+(\d{{4}}))?", re.IGNORECASE)

RANGE = re.compile(rf"(?:\b(?:between|from|since|for|over|in)\s+(?:the\s+period\s+)?)?(?<!\d)(?P<a>{_DATE})\s*"
                   rf"(?:and|to|until|till|up\s+to|through|[-\u2013\u2014])\s*(?P<b>{_FULL_DATE})(?![\w])", re.IGNORECASE)
SINGLE_DATE = re.compile(rf"(?<!\d){_DATE}(?![\w])|\b{_MONTH}\s+(?:19|20)\d\d\b", re.IGNORECASE)
_N = r"(?:12|twelve)\s+months?|(?:a|one)\s+year"
PRIOR = re.compile(
    rf"(?:\b(?:in|over|for|during|from)\s+)?(?:the\s+)?(?:same\s+(?:period|days|dates|time(?:\s+period)?)\s+)"
    rf"(?:(?:{_N})\s+(?:prior|before|earlier|ago|previously)|(?:in\s+|of\s+)?(?:the\s+)?(?:previous|prior|last|preceding)\s+year)"
    rf"|(?:\b(?:in|over|for|during|from)\s+)?(?:the\s+)?(?:{_N})\s+(?:prior|before|earlier|ago|previously)\b"
    rf"|(?:\b(?:in|over|for|during|from)\s+)?the\s+(?:previous|prior|preceding)\s+year\b|\bthe\s+year\s+before\b",
    re.IGNORECASE)
TIME_SPAN = re.compile(r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
                       r"(?:days?|weeks?|months?|quarters?|years?)\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\w.,])(?:19|20)\d\d(?![\w]|[.,]\d)")
PCT = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?)\s*(?:%|per\s*cent\b|percent\b)", re.IGNORECASE)
COUNT = re.compile(r"(?<![\w.,\u00a3$\u20ac])(\d{1,3}(?:,\d{3})+|\d+)(?![\w]|[.,]\d)")
ASIDE = re.compile(r"\([^()\d]*\)")                    # a parenthesis without digits: "(FNOs)", "(including ...)"
SHARE = re.compile(r"\(\s*\d+(?:\.\d+)?\s*(?:%|per\s*cent)[^()\d]*\)", re.IGNORECASE)    # "(26%)", "(51% of the total)"
# words that mean time where no range or comparison explains them: the figures' period cannot be read
PERIOD_WORD = re.compile(r"\b(?:january|february|march|april|june|july|august|september|october|november|december"
                         r"|jan|feb|mar|apr|jun|jul|aug|sept|oct|nov|dec)\b|\b\d{1,2}\s+may\b|\bmay\s+\d{4}\b"
                         r"|\b(?:quarters?|weeks?|months?|years?|q[1-4])\b|\byear[- ]to[- ]date\b", re.IGNORECASE)
CUE = re.compile(r"\b(?:(?:increase|rise|decrease|fall|drop|reduction|up|down|higher|lower)\s+(?:on|from|compared\s+(?:with|to))"
                 r"|(?:increase|rise|decrease|fall|drop|reduction)s?\s+of(?:\s|,|\band\b)+on"
                 r"|compar(?:es|ed|ing)\s+(?:with|to)|against|level\s+with|(?:the\s+)?same\s+(?:number\s+|level\s+)?as"
                 r"|in\s+line\s+with|higher\s+than|lower\s+than|versus|vs)\b", re.IGNORECASE)
LEVEL = re.compile(r"\blevel\s+with\b|\b(?:the\s+)?same\s+(?:number\s+|level\s+)?as\b|\bunchanged\b|\bno\s+change\b",
                   re.IGNORECASE)
_UP = re.compile(r"\b(?:increase[sd]?|increasing|rise|rises|rose|risen|up|higher|grew|grown|growth)\b", re.IGNORECASE)
_DOWN = re.compile(r"\b(?:decrease[sd]?|decreasing|fall|falls|fell|fallen|drop|drops|dropped|down|lower|reduction"
                   r"|declined?|declines)\b", re.IGNORECASE)
_ABS_BEFORE = re.compile(r"\b(?:increase|rise|decrease|fall|drop|reduction|up|down|rose|fell|grew)\s+(?:of|by)\s+"
                         r"(?:around\s+|about\s+|almost\s+|nearly\s+|over\s+|more\s+than\s+)?$", re.IGNORECASE)
_ABS_AFTER = re.compile(r"^\s+(?:more|fewer|higher|lower|additional)\b", re.IGNORECASE)
_DEFINITION = re.compile(r"\b(?:including|includes|include|excluding|excludes|exclude)\b[^,;.()]*", re.IGNORECASE)
_STOP = re.compile(r"[,;:.]|\s[-\u2013\u2014]\s")

# canonical measure id -> pattern over the words naming a figure (case-folded); the first match wins
PROSE_MEASURES: list[tuple[str, re.Pattern]] = [(m, re.compile(p)) for m, p in [
    ("ers_returns", r"\bearly removal scheme\b|\bers\b"),
    ("fno_returns", r"\bforeign national offenders?\b|\bfnos?\b|\bforeign (?:national )?criminals?\b"),
    ("asylum_returns", r"\basylum\b"),
    ("charter_flights", r"\bcharter"),
    ("illegal_working_visits", r"illegal working\b.*\b(?:visits?|raids?)\b|\b(?:visits?|raids?)\b.*\billegal working"),
    ("illegal_working_arrests", r"illegal working\b.*\barrests?\b|\barrests?\b.*\billegal working"),
    ("enforced_returns", r"\benforced\b"),
    ("voluntary_returns", r"\bvoluntary\b"),
    ("returns", r"\breturn(?:s|ed|ees)?\b|\bremov(?:als?|ed)\b|\bdeport(?:ed|ations?)\b"),
]]
PROSE_KNOWN = {m for m, _ in PROSE_MEASURES}
_ILLEGAL_WORKING = re.compile(r"\billegal[- ]working\b", re.IGNORECASE)


def prose_measure(words: str, context: str = "") -> str | None:
    """The measure the words after (or before) a figure name; bare visits, raids or arrests are illegal working's
    when the sentence or its heading (`context`) speaks of illegal working."""
    key = " ".join(words.casefold().replace("-", " ").split())
    for measure, pattern in PROSE_MEASURES:
        if pattern.search(key):
            return measure
    if _ILLEGAL_WORKING.search(context):
        if re.search(r"\b(?:visits?|raids?)\b", key):
            return "illegal_working_visits"
        if re.search(r"\barrests?\b", key):
            return "illegal_working_arrests"
    return None


def read_date_range(text: str) -> tuple[date, date] | None:
    """'5 July 2024 and 22 March 2025' (the first year may be left out) -> (start, end); None if not a range."""
    found = _ONE_DATE.findall(text)
    if len(found) < 2:
        return None
    (d1, m1, y1), (d2, m2, y2) = found[0], found[-1]
    if not y2:
        return None
    try:
        end = date(int(y2), MONTHS[m2.casefold()[:3]], int(d2))
        month1 = MONTHS[m1.casefold()[:3]]
        start = date(int(y1), month1, int(d1)) if y1 else date(end.year, month1, int(d1))
        if not y1 and start > end:
            start = start.replace(year=end.year - 1)
    except (ValueError, KeyError):
        return None
    return (start, end) if start <= end else None


@dataclass
class Span:
    start: int
    end: int
    kind: str                # range | prior | date | year | pct | timespan | aside | count | abs
    text: str
    data: object = None


def _spans(text: str) -> list[Span]:
    spans: list[Span] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s.start or a >= s.end for s in spans)

    def claim(pattern: re.Pattern, kind: str, reader=None) -> None:
        for m in pattern.finditer(text):
            if free(m.start(), m.end()):
                spans.append(Span(m.start(), m.end(), kind, m.group(0), reader(m) if reader else None))

    claim(RANGE, "range", lambda m: read_date_range(m.group("a") + " and " + m.group("b")))
    claim(SHARE, "aside")
    claim(PRIOR, "prior")
    claim(SINGLE_DATE, "date")
    claim(TIME_SPAN, "timespan")
    claim(PCT, "pct", lambda m: float(m.group(1)))
    claim(_YEAR, "year")
    claim(ASIDE, "aside")
    for m in COUNT.finditer(text):
        if not free(m.start(), m.end()):
            continue
        kind = "abs" if _ABS_BEFORE.search(text[:m.start()]) or _ABS_AFTER.match(text[m.end():]) else "count"
        spans.append(Span(m.start(), m.end(), kind, m.group(0), int(m.group(1).replace(",", ""))))
    return sorted(spans, key=lambda s: s.start)


def _mask(text: str, spans: list[Span], kinds: set[str] | None = None) -> str:
    chars = list(text)
    for s in spans:
        if kinds is None or s.kind in kinds:
            chars[s.start:s.end] = " " * (s.end - s.start)
    return "".join(chars)


# --- figures ------------------------------------------------------------------------------------------

@dataclass
class Figure:
    paragraph: int
    sentence: int
    text: str                               # the sentence as published
    measure: str                            # a canonical id (PROSE_KNOWN) or the words as published
    label: str                              # the words naming it, as published (the total with its definition)
    value: int
    period: tuple[date, date] | None = None
    period_label: str = ""
    prior: int | None = None
    prior_period: tuple[date, date] | None = None
    prior_label: str = ""
    pct: float | None = None                # the stated change (0 for 'level with')
    pct_text: str = ""                      # the sentence stating it
    level: bool = False
    comparison: str = ""
    prior_comparison: str = ""
    check: str | None = None                # set when the stated change disagrees with the figures

    @property
    def where(self) -> str:
        return f"paragraph {self.paragraph}"


@dataclass
class Prose:
    figures: list[Figure] = field(default_factory=list)
    cases: list[FailureCase] = field(default_factory=list)
    read: int = 0                           # sentences read
    current: tuple[date, date] | None = None    # the note's period (the latest-ending figure period)


def _quote(text: str, limit: int = 320) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _words(text: str, spans: list[Span], start: int, end: int) -> str:
    """The words of text[start:end]: parentheses without digits (and shares, '(26%)'), numbers and dates left out."""
    piece = _mask(text, spans)[start:end]
    return " ".join(piece.replace("(", " ").replace(")", " ").split())


def _phrase_after(text: str, spans: list[Span], span: Span, limit: int) -> str:
    """The words after a figure, up to the next number, date or punctuation: '6,339 enforced returns'."""
    stops = [s.start for s in spans if s.start >= span.end and s.kind != "aside"]
    end = min([limit] + stops)
    m = _STOP.search(_mask(text, spans), span.end, end)
    return _words(text, spans, span.end, m.start() if m else end)


def _phrase_before(text: str, spans: list[Span], span: Span) -> str:
    """The words of the figure's clause before it: 'Enforced returns rose by 21% to 6,339'."""
    stops = [m.end() for m in _STOP.finditer(_mask(text, spans), 0, span.start)]
    return _words(text, spans, max([0] + stops), span.start)


def _direction(masked: str, span: Span) -> int:
    """+1 / -1 when a direction word sits in the percentage's clause, nearest first; 0 when none (a share)."""
    left = max([0] + [m.end() for m in re.finditer(r"[,;:(]", masked[: span.start])])
    right_stop = re.search(r"[,;:)]", masked[span.end:])
    right = span.end + right_stop.start() if right_stop else len(masked)
    best: tuple[int, int] | None = None
    for pattern, sign in ((_UP, 1), (_DOWN, -1)):
        for m in pattern.finditer(masked, left, right):
            distance = span.start - m.end() if m.end() <= span.start else m.start() - span.end
            if best is None or distance < best[0]:
                best = (distance, sign)
    return best[1] if best else 0


def _changes(masked: str, spans: list[Span]) -> list[tuple[float, Span]]:
    """The stated changes of a sentence, signed; a percentage listed after another ('increases of 21%, 16% and 5%')
    takes its direction."""
    out: list[tuple[float, Span]] = []
    previous: tuple[int, Span] | None = None
    for span in (s for s in spans if s.kind == "pct"):
        sign = _direction(masked, span)
        if not sign and previous and previous[0] and re.fullmatch(r"[\s,]*(?:and\s*)?", masked[previous[1].end:span.start]):
            sign = previous[0]
        if sign:
            out.append((span.data * sign, span))
        previous = (sign, span)
    return out


class _Reader:
    def __init__(self, note: NoteText, tolerance: float) -> None:
        self.note = note
        self.tolerance = tolerance
        self.out = Prose()
        self.title_period, self.title_label = None, ""
        if note.title:
            m = RANGE.search(note.title)
            self.title_period = read_date_range(m.group("a") + " and " + m.group("b")) if m else None
            self.title_label = m.group(0) if m else ""
        self.section_period: tuple[int, tuple[date, date], str] | None = None     # (section, period, label)
        self.pending: list[Figure] = []     # figures of the last figure sentence still without their year-before figure
        self.quiet = False                  # the sentence speaks of no measure it knows: what it cannot read is left

    def fail(self, block: Block, number: int, sentence: str, why: str) -> None:
        if not self.quiet:
            self.out.cases.append(FailureCase(f"paragraph {block.number}", number, None, why, _quote(sentence)))

    def period_for(self, block: Block) -> tuple[tuple[date, date], str] | None:
        if self.section_period and self.section_period[0] == block.section:
            return self.section_period[1], self.section_period[2]
        if self.title_period:
            return self.title_period, self.title_label
        return None

    def read(self) -> Prose:
        for block in self.note.blocks:
            if self.pending and self.pending[0].paragraph != block.number and \
                    not re.match(r"^(?:this|that|these|those|it)\b", block.text, re.IGNORECASE):
                self.pending = []
            for number, sentence in enumerate(sentences(block.text), start=1):
                self.sentence(block, number, sentence)
        self.finish()
        return self.out

    def sentence(self, block: Block, number: int, text: str) -> None:
        self.quiet = False
        spans = _spans(text)
        masked = _mask(text, spans)
        counts = [s for s in spans if s.kind == "count"]
        ranges = [s for s in spans if s.kind == "range"]
        cue = CUE.search(masked)
        context = text + " " + block.heading
        readable = [s for s in ranges if s.data is not None]
        if not counts:
            if len(readable) == 1 and not cue:          # an introduction's or a section's period: later sentences take it
                self.section_period = (block.section, readable[0].data, readable[0].text)
            if self.pending and (cue or any(s.kind == "prior" for s in spans)) and \
                    (_changes(masked, spans) or LEVEL.search(masked)):     # "This is an increase of 21% on ..."
                self.stated_changes(block, number, text, spans, masked, self.pending)
            return
        prior_phrase = next((s for s in spans if s.kind == "prior"), None)
        changes = _changes(masked, spans)
        ambiguous = False
        if cue:
            cut = cue.start()
        elif prior_phrase is not None and not ranges and not changes:
            cut = 0                                     # "There were 5,244 in the same period 12 months prior."
        else:
            cut, ambiguous = len(text), prior_phrase is not None
        current = [s for s in counts if s.start < cut]
        before = [s for s in counts if s.start >= cut]
        # what each figure counts
        named: list[tuple[Span, str | None, str]] = []      # (figure, measure, the words naming it)
        for span in current:
            words = _phrase_after(text, spans, span, cut)
            measure = prose_measure(words, context)
            if measure is None:
                words_before = _phrase_before(text, spans, span)
                measure = prose_measure(words_before, context)
                words = words if re.search(r"[a-z]", words, re.IGNORECASE) else words_before
            named.append((span, measure, words))
        known = any(m is not None for _, m, _ in named)
        if current:
            # a sentence about no measure it knows: its figures kept under their words, where it has a period or a
            # comparison; what cannot be read in it is not the claims' concern (left, not failed)
            quiet = not known
            if quiet:
                if not (ranges or prior_phrase):
                    return                              # numbers in a sentence about something else
                named = [(span, words, words) for span, _, words in named if re.search(r"[a-z]", words, re.IGNORECASE)]
                if not named:
                    return
        else:
            quiet = not self.pending and not any(prose_measure(_phrase_after(text, spans, s, len(text)), context)
                                                 for s in before)

        self.quiet = quiet

        def fail(why: str) -> None:
            self.fail(block, number, text, why)

        self.out.read += 1
        if ambiguous:
            return fail("cannot tell which figures of this sentence are for the same period 12 months prior (no "
                        "comparison such as 'an increase on' or 'compared with'): not read")
        # the period of the figures, and of the figures they are compared with
        now_ranges = [s for s in ranges if s.start < cut]
        then_ranges = [s for s in ranges if s.start >= cut]
        unclear = [s for s in spans if s.kind in ("date", "year", "timespan") or (s.kind == "range" and s.data is None)]
        word = PERIOD_WORD.search(_mask(text, spans))
        if unclear or word or len(now_ranges) > 1 or len(then_ranges) > 1:
            what = unclear[0].text if unclear else word.group(0) if word else "two date ranges"
            return fail(f"cannot read the period of this sentence's figures ({what!r}; expected e.g. 'Between 5 July "
                        "2024 and 22 March 2025' and 'the same period 12 months prior'): not read")
        if now_ranges:
            period, period_label = now_ranges[0].data, now_ranges[0].text
            self.section_period = (block.section, period, period_label)
        else:
            found = self.period_for(block)
            period, period_label = found if found else (None, "")
        if not current:                                # "This compares with 5,244 ... an increase of 21%."
            targets = self.pending
            if not targets:
                return fail("a comparison with no figures before it to compare: not read")
            if len(before) != len(targets):
                return fail(f"{len(before)} figure(s) compared with {len(targets)} figure(s) of the sentence before: "
                            "cannot pair them")
            if not self.pair(block, number, text, spans, targets, before, then_ranges, prior_phrase, masked):
                return
            self.pending = []
            return
        unnamed = [span.text for span, m, _ in named if m is None]
        if unnamed:
            return fail(f"cannot tell what {unnamed[0]!r} counts in this sentence: not read")
        figures: list[Figure] = []
        for span, measure, words in named:
            label = words
            if measure == "returns":
                definition = self.definition(text, spans, span, cut)
                if definition:
                    label = f"{words} ({definition})"
                    if re.search(r"\bport\b|\brefus", definition, re.IGNORECASE) or \
                            re.search(r"\bexclud\w*\b.*\b(?:enforced|voluntary)\b", definition, re.IGNORECASE):
                        return fail(f"the total's definition ({definition!r}) is not enforced plus voluntary returns, "
                                    "the definition the claims and returns_total use: not read")
            if period is None:
                return fail("no period for this sentence's figures: no date range in it, in its section or in the "
                            "note's title: not read")
            figures.append(Figure(block.number, number, text, measure, label, span.data, period, period_label))
        if not figures:
            return
        known = [f.measure for f in figures if f.measure in PROSE_KNOWN]
        twice = sorted({m for m in known if known.count(m) > 1})
        if twice:
            return fail(f"two figures for {twice[0]!r} in one sentence: cannot tell which is which: not read")
        if before:
            if len(before) != len(figures):
                return fail(f"{len(figures)} figure(s) and {len(before)} figure(s) compared with them: cannot pair them")
            if not self.pair(block, number, text, spans, figures, before, then_ranges, prior_phrase, masked):
                return
            self.pending = []
        else:
            if not self.stated_changes(block, number, text, spans, masked, figures):
                return
            self.pending = figures
        self.out.figures += figures

    def definition(self, text: str, spans: list[Span], span: Span, cut: int) -> str:
        """What the sentence says the total includes: '(including both enforced and voluntary returns)'."""
        later = [s for s in spans if s.kind == "count" and s.start > span.start]
        end = min([cut] + [s.start for s in later])
        for s in spans:
            if s.kind == "aside" and span.end <= s.start < end and _DEFINITION.search(s.text):
                return s.text.strip("() ")
        m = _DEFINITION.search(_mask(text, spans), span.end, end)
        return " ".join(m.group(0).split()) if m else ""

    def pair(self, block, number, text, spans, figures, before, then_ranges, prior_phrase, masked) -> bool:
        if then_ranges:
            prior_period, prior_label = then_ranges[0].data, then_ranges[0].text
        elif prior_phrase is not None:
            prior_period, prior_label = None, prior_phrase.text      # a year before each figure's own period
        else:
            self.fail(block, number, text, "the figures compared with are given no period (expected e.g. 'in the same "
                      "period 12 months prior'): not read")
            return False
        for figure, span in zip(figures, before):
            words = _phrase_after(text, spans, span, len(text))
            said = prose_measure(words, text + " " + block.heading)
            if said is not None and said != "returns" and figure.measure in PROSE_KNOWN and said != figure.measure:
                self.fail(block, number, text, f"compares {figure.measure!r} with a figure of {said!r}: not read")
                return False
        for figure, span in zip(figures, before):
            figure.prior = span.data
            figure.prior_period = prior_period or (same_period_a_year_earlier(*figure.period) if figure.period else None)
            figure.prior_label = " ".join(prior_label.split())
        return self.stated_changes(block, number, text, spans, masked, figures)

    def stated_changes(self, block, number, text, spans, masked, figures) -> bool:
        """The stated changes of the sentence given to its figures: one each in order, or one for all when it says
        'both' or 'each'; 'level with' is no change."""
        changes = _changes(masked, spans)
        if not changes:
            if LEVEL.search(masked):
                for figure in figures:
                    figure.pct, figure.level, figure.pct_text = 0.0, True, text
            return True
        if len(changes) == len(figures):
            pairs = list(zip(figures, changes))
        elif len(changes) == 1 and re.search(r"\b(?:both|each|all)\b", text, re.IGNORECASE):
            pairs = [(f, changes[0]) for f in figures]
        else:
            self.fail(block, number, text, f"{len(changes)} stated change(s) for {len(figures)} figure(s): cannot tell "
                      "which change belongs to which figure: not read")
            return False
        for figure, (value, _) in pairs:
            figure.pct, figure.pct_text = value, text
        return True

    def finish(self) -> None:
        figures = self.out.figures
        periods = [f.period for f in figures if f.period]
        if not periods:
            return
        current = max(periods, key=lambda p: (p[1], p[0]))
        self.out.current = current
        year_before = same_period_a_year_earlier(*current)
        near = lambda p, q: abs((p[0] - q[0]).days) <= 3 and abs((p[1] - q[1]).days) <= 3   # noqa: E731
        for f in figures:
            f.comparison = "current" if f.period == current else "earlier"
            if f.prior_period is not None:
                f.prior_comparison = "year_before" if near(f.prior_period, year_before) else "earlier"
            if f.pct is not None and f.prior is not None and f.prior > 0:
                computed = 100 * (f.value - f.prior) / f.prior
                if abs(computed - f.pct) > self.tolerance:
                    said = "level with the year before" if f.level else f"{f.pct:+g}%"
                    quoted = f.text if not f.pct_text or f.pct_text == f.text else f"{f.text} {f.pct_text}"
                    f.check = (f"stated {said} in \u201c{_quote(quoted)}\u201d: {f.value:,} against {f.prior:,} "
                               f"is {computed:+.1f}%")


def read_prose(note: NoteText, tolerance: float = 1.0) -> Prose:
    """Every figure the note's sentences give, with its period, the same period 12 months prior and the stated
    change; failures name the paragraph and sentence (FailureCase sheet 'paragraph N', row = sentence number)."""
    return _Reader(note, tolerance).read()
