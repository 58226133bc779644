"""The changes a sentence states ("an 11% increase", "down 5%", "level with"), signed by their direction words,
and the check of a stated change against the figure and its figure 12 months before."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flows.sources.adhoc_notes.sentence_words import Span, quote

if TYPE_CHECKING:
    from flows.sources.adhoc_notes.figure import Figure

LEVEL = re.compile(r"\blevel\s+with\b|\b(?:the\s+)?same\s+(?:number\s+|level\s+)?as\b|\bunchanged\b|\bno\s+change\b",
                   re.IGNORECASE)
_UP = re.compile(r"\b(?:increase[sd]?|increasing|rise|rises|rose|risen|up|higher|grew|grown|growth)\b", re.IGNORECASE)
_DOWN = re.compile(r"\b(?:decrease[sd]?|decreasing|fall|falls|fell|fallen|drop|drops|dropped|down|lower|reduction"
                   r"|declined?|declines)\b", re.IGNORECASE)


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


def changes_in(masked: str, spans: list[Span]) -> list[tuple[float, Span]]:
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


def change_check(f: Figure, tolerance: float) -> str | None:
    """Why the change a figure's sentence states is not the change its figures give (further than `tolerance`
    percentage points); None when it is, or when nothing can be checked."""
    if f.pct is None or f.prior is None or not f.prior > 0:
        return None
    computed = 100 * (f.value - f.prior) / f.prior
    if not abs(computed - f.pct) > tolerance:
        return None
    said = "level with the year before" if f.level else f"{f.pct:+g}%"
    quoted = f.text if not f.pct_text or f.pct_text == f.text else f"{f.text} {f.pct_text}"
    return f"stated {said} in \u201c{quote(quoted)}\u201d: {f.value:,} against {f.prior:,} is {computed:+.1f}%"
