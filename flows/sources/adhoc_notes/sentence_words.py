"""The words of a sentence of a note: the spans of its numbers, dates, periods, percentages and asides (found in
an order that lets a date range claim its dates before a single date could, and so on), the sentence with them
blanked out (`mask`), and the words naming a figure."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flows.sources.adhoc_notes.table_periods import range_of

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
_ABS_BEFORE = re.compile(r"\b(?:increase|rise|decrease|fall|drop|reduction|up|down|rose|fell|grew)\s+(?:of|by)\s+"
                         r"(?:around\s+|about\s+|almost\s+|nearly\s+|over\s+|more\s+than\s+)?$", re.IGNORECASE)
_ABS_AFTER = re.compile(r"^\s+(?:more|fewer|higher|lower|additional)\b", re.IGNORECASE)
_DEFINITION = re.compile(r"\b(?:including|includes|include|excluding|excludes|exclude)\b[^,;.()]*", re.IGNORECASE)
_STOP = re.compile(r"[,;:.]|\s[-\u2013\u2014]\s")


def read_date_range(text: str) -> tuple[date, date] | None:
    """'5 July 2024 and 22 March 2025' (the first year may be left out) -> (start, end); None if not a range."""
    return range_of(_ONE_DATE.findall(text))


@dataclass
class Span:
    start: int
    end: int
    kind: str                # range | prior | date | year | pct | timespan | aside | count | abs
    text: str
    data: object = None


def spans_of(text: str) -> list[Span]:
    """The spans of a sentence, in text order: each claims its characters, so a later pattern cannot take them."""
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


def mask(text: str, spans: list[Span], kinds: set[str] | None = None) -> str:
    """The text with its spans (of `kinds`, else all) blanked out, positions kept."""
    chars = list(text)
    for s in spans:
        if kinds is None or s.kind in kinds:
            chars[s.start:s.end] = " " * (s.end - s.start)
    return "".join(chars)


def quote(text: str, limit: int = 320) -> str:
    """A sentence as a failure quotes it: cut at `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _words(text: str, spans: list[Span], start: int, end: int) -> str:
    """The words of text[start:end]: parentheses without digits (and shares, '(26%)'), numbers and dates left out."""
    piece = mask(text, spans)[start:end]
    return " ".join(piece.replace("(", " ").replace(")", " ").split())


def phrase_after(text: str, spans: list[Span], span: Span, limit: int) -> str:
    """The words after a figure, up to the next number, date or punctuation: '6,339 enforced returns'."""
    stops = [s.start for s in spans if s.start >= span.end and s.kind != "aside"]
    end = min([limit] + stops)
    m = _STOP.search(mask(text, spans), span.end, end)
    return _words(text, spans, span.end, m.start() if m else end)


def phrase_before(text: str, spans: list[Span], span: Span) -> str:
    """The words of the figure's clause before it: 'Enforced returns rose by 21% to 6,339'."""
    stops = [m.end() for m in _STOP.finditer(mask(text, spans), 0, span.start)]
    return _words(text, spans, max([0] + stops), span.start)


def total_definition(text: str, spans: list[Span], span: Span, cut: int) -> str:
    """What the sentence says the total (the figure at `span`) includes: '(including both enforced and voluntary
    returns)'; '' when it says nothing."""
    later = [s for s in spans if s.kind == "count" and s.start > span.start]
    end = min([cut] + [s.start for s in later])
    for s in spans:
        if s.kind == "aside" and span.end <= s.start < end and _DEFINITION.search(s.text):
            return s.text.strip("() ")
    m = _DEFINITION.search(mask(text, spans), span.end, end)
    return " ".join(m.group(0).split()) if m else ""
