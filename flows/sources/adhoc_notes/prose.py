"""Figures from the prose of a Home Office ad-hoc note (the notes as published: sentences, not tables).

A published note ("Returns from the UK from 5 July 2024 to 22 March 2025") gives each figure in a sentence:

    Between 5 July 2024 and 22 March 2025, a total of 24,103 returns were recorded (including both enforced
    and voluntary returns), an 11% increase on the 21,807 returns in the same period 12 months prior.
    From 5 July 2024 to 22 March 2025, there were 6,339 enforced returns. This compares with 5,244 enforced
    returns in the same period 12 months prior, an increase of 21%.
    ... 46 charter flights for returns to countries in Africa, Asia, Europe and South America, level with
    the same period 12 months prior (46).

How a sentence is read (`_Reader.sentence`), after footnote markers and tables are left out:

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

The note's paragraphs come from note_text.py, a sentence's spans and words from sentence_words.py, its stated
changes and their check from stated_changes.py, the measures' names from measures.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flows.errors import FailureCase
from flows.periods import same_period_a_year_earlier
from flows.sources.adhoc_notes.figure import Figure  # noqa: F401  (re-exported)
from flows.sources.adhoc_notes.measures import PROSE_KNOWN, PROSE_MEASURES, prose_measure
from flows.sources.adhoc_notes.note_text import Block, NoteText, note_text, sentences
from flows.sources.adhoc_notes.sentence_words import (
    CUE, PERIOD_WORD, RANGE, Span, mask, phrase_after, phrase_before, quote, read_date_range, spans_of,
    total_definition,
)
from flows.sources.adhoc_notes.stated_changes import LEVEL, change_check, changes_in

# names this module has always offered
__all__ = ["read_prose", "note_text", "sentences", "NoteText", "Block", "Figure", "Prose", "Span", "prose_measure",
           "read_date_range", "PROSE_MEASURES", "PROSE_KNOWN", "RANGE", "CUE", "LEVEL", "PERIOD_WORD"]


@dataclass
class Prose:
    figures: list[Figure] = field(default_factory=list)
    cases: list[FailureCase] = field(default_factory=list)
    read: int = 0                           # sentences read
    current: tuple[date, date] | None = None    # the note's period (the latest-ending figure period)


@dataclass
class _Sentence:
    """One sentence laid out: its spans, the text with them blanked out, and where its comparison cuts it."""
    block: Block
    number: int                             # in its paragraph, from 1
    text: str
    spans: list[Span]
    masked: str
    cue: re.Match | None                    # the comparison ('an increase on', 'compared with'), if any
    cut: int = 0                            # counts before it are the figures, after it the year before's
    prior_phrase: Span | None = None        # 'the same period 12 months prior'

    @property
    def context(self) -> str:               # what tells bare 'arrests' are illegal working's
        return self.text + " " + self.block.heading

    def of_kind(self, kind: str) -> list[Span]:
        return [s for s in self.spans if s.kind == kind]

    @property
    def current(self) -> list[Span]:        # the figures
        return [s for s in self.of_kind("count") if s.start < self.cut]

    @property
    def before(self) -> list[Span]:         # the figures they are compared with
        return [s for s in self.of_kind("count") if s.start >= self.cut]


def _lay_out(block: Block, number: int, text: str) -> _Sentence:
    spans = spans_of(text)
    masked = mask(text, spans)
    return _Sentence(block, number, text, spans, masked, CUE.search(masked))


def _cut_at_comparison(s: _Sentence) -> bool:
    """Set where the sentence's comparison cuts it; True when it names the year before but no comparison says
    which figures are that year's (ambiguous)."""
    s.prior_phrase = next((x for x in s.spans if x.kind == "prior"), None)
    if s.cue:
        s.cut = s.cue.start()
        return False
    if s.prior_phrase is not None and not s.of_kind("range") and not changes_in(s.masked, s.spans):
        s.cut = 0                                   # "There were 5,244 in the same period 12 months prior."
        return False
    s.cut = len(s.text)
    return s.prior_phrase is not None


def _named(s: _Sentence) -> list[tuple[Span, str | None, str]]:
    """Each figure with the measure it counts and the words naming it: the words after it, else those before it."""
    named = []
    for span in s.current:
        words = phrase_after(s.text, s.spans, span, s.cut)
        measure = prose_measure(words, s.context)
        if measure is None:
            words_before = phrase_before(s.text, s.spans, span)
            measure = prose_measure(words_before, s.context)
            words = words if re.search(r"[a-z]", words, re.IGNORECASE) else words_before
        named.append((span, measure, words))
    return named


class _Reader:
    """Reads a note's sentences in order, keeping what a sentence can leave to the next: its section's period and
    figures still waiting for their year-before figure ("This compares with ...")."""

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

    def fail(self, s: _Sentence, why: str) -> None:
        """A failure naming the paragraph and sentence; none in a quiet sentence. Returns None, so a step can
        `return self.fail(...)` for 'failed'."""
        if not self.quiet:
            self.out.cases.append(FailureCase(f"paragraph {s.block.number}", s.number, None, why, quote(s.text)))

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
        """Read one sentence: its figures, their period, the year before's figures and the stated changes."""
        self.quiet = False
        s = _lay_out(block, number, text)
        if not s.of_kind("count"):
            return self.without_figures(s)
        ambiguous = _cut_at_comparison(s)
        reading = self.figures_named(s)
        if reading is None:
            return                                  # numbers in a sentence about something else
        self.quiet, named = reading
        self.out.read += 1
        if ambiguous:
            return self.fail(s, "cannot tell which figures of this sentence are for the same period 12 months prior "
                             "(no comparison such as 'an increase on' or 'compared with'): not read")
        found = self.figures_period(s)
        if found is None:
            return
        if not s.current:                           # "This compares with 5,244 ... an increase of 21%."
            return self.complete_pending(s)
        figures = self.figures_of(s, named, *found)
        if figures:
            self.compare_or_state(s, figures)

    def without_figures(self, s: _Sentence) -> None:
        """A sentence without counts: an introduction's or a section's period, which later sentences take, or the
        stated change of the figures of the sentence before ("This is an increase of 21% on ...")."""
        readable = [x for x in s.of_kind("range") if x.data is not None]
        if len(readable) == 1 and not s.cue:
            self.section_period = (s.block.section, readable[0].data, readable[0].text)
        if self.pending and (s.cue or s.of_kind("prior")) and (changes_in(s.masked, s.spans) or LEVEL.search(s.masked)):
            self.stated_changes(s, self.pending)

    def figures_named(self, s: _Sentence) -> tuple[bool, list[tuple[Span, str | None, str]]] | None:
        """(quiet, the figures named): a sentence about no measure it knows is quiet, its figures kept under their
        words where it has a period or a comparison, and what cannot be read in it is not the claims' concern (left,
        not failed). None: numbers in a sentence about something else, not read."""
        named = _named(s)
        if not s.current:
            return not self.pending and not any(prose_measure(phrase_after(s.text, s.spans, x, len(s.text)), s.context)
                                                for x in s.before), named
        if any(m is not None for _, m, _ in named):
            return False, named
        if not (s.of_kind("range") or s.prior_phrase):
            return None
        named = [(span, words, words) for span, _, words in named if re.search(r"[a-z]", words, re.IGNORECASE)]
        return (True, named) if named else None

    def figures_period(self, s: _Sentence) -> tuple[tuple[date, date] | None, str] | None:
        """(period, its words) of the sentence's figures: its own range, else its section's or the title's; None
        (failed) when it mentions time in a way that cannot be read with certainty."""
        ranges = s.of_kind("range")
        now_ranges = [x for x in ranges if x.start < s.cut]
        then_ranges = [x for x in ranges if x.start >= s.cut]
        unclear = [x for x in s.spans if x.kind in ("date", "year", "timespan") or (x.kind == "range" and x.data is None)]
        word = PERIOD_WORD.search(s.masked)
        if unclear or word or len(now_ranges) > 1 or len(then_ranges) > 1:
            what = unclear[0].text if unclear else word.group(0) if word else "two date ranges"
            self.fail(s, f"cannot read the period of this sentence's figures ({what!r}; expected e.g. 'Between 5 July "
                      "2024 and 22 March 2025' and 'the same period 12 months prior'): not read")
            return None
        if now_ranges:
            self.section_period = (s.block.section, now_ranges[0].data, now_ranges[0].text)
            return now_ranges[0].data, now_ranges[0].text
        return self.period_for(s.block) or (None, "")

    def complete_pending(self, s: _Sentence) -> None:
        """A sentence that only compares: its figures are the year before's of the figures of the sentence before."""
        targets = self.pending
        if not targets:
            return self.fail(s, "a comparison with no figures before it to compare: not read")
        if len(s.before) != len(targets):
            return self.fail(s, f"{len(s.before)} figure(s) compared with {len(targets)} figure(s) of the sentence "
                             "before: cannot pair them")
        if self.pair(s, targets):
            self.pending = []

    def figures_of(self, s: _Sentence, named: list[tuple[Span, str | None, str]], period: tuple[date, date] | None,
                   period_label: str) -> list[Figure] | None:
        """The sentence's figures, each named and given its period; None (failed) when one cannot be."""
        unnamed = [span.text for span, m, _ in named if m is None]
        if unnamed:
            return self.fail(s, f"cannot tell what {unnamed[0]!r} counts in this sentence: not read")
        figures: list[Figure] = []
        for span, measure, words in named:
            label = self.label(s, span, measure, words)
            if label is None:
                return None
            if period is None:
                return self.fail(s, "no period for this sentence's figures: no date range in it, in its section or in "
                                 "the note's title: not read")
            figures.append(Figure(s.block.number, s.number, s.text, measure, label, span.data, period, period_label))
        known = [f.measure for f in figures if f.measure in PROSE_KNOWN]
        twice = sorted({m for m in known if known.count(m) > 1})
        if twice:
            return self.fail(s, f"two figures for {twice[0]!r} in one sentence: cannot tell which is which: not read")
        return figures

    def label(self, s: _Sentence, span: Span, measure: str, words: str) -> str | None:
        """The words naming a figure; the total's with its definition, None (failed) for a total that is not
        enforced plus voluntary returns."""
        definition = total_definition(s.text, s.spans, span, s.cut) if measure == "returns" else ""
        if not definition:
            return words
        if re.search(r"\bport\b|\brefus", definition, re.IGNORECASE) or \
                re.search(r"\bexclud\w*\b.*\b(?:enforced|voluntary)\b", definition, re.IGNORECASE):
            return self.fail(s, f"the total's definition ({definition!r}) is not enforced plus voluntary returns, "
                             "the definition the claims and returns_total use: not read")
        return f"{words} ({definition})"

    def compare_or_state(self, s: _Sentence, figures: list[Figure]) -> None:
        """Pair the figures with the year before's in the sentence, or keep them for the next sentence to compare."""
        if s.before:
            if len(s.before) != len(figures):
                return self.fail(s, f"{len(figures)} figure(s) and {len(s.before)} figure(s) compared with them: "
                                 "cannot pair them")
            if not self.pair(s, figures):
                return
            self.pending = []
        else:
            if not self.stated_changes(s, figures):
                return
            self.pending = figures
        self.out.figures += figures

    def pair(self, s: _Sentence, figures: list[Figure]) -> bool:
        """Give each figure, in order, the figure the sentence compares it with, and that figure's period."""
        then_ranges = [x for x in s.of_kind("range") if x.start >= s.cut]
        if then_ranges:
            prior_period, prior_label = then_ranges[0].data, then_ranges[0].text
        elif s.prior_phrase is not None:
            prior_period, prior_label = None, s.prior_phrase.text      # a year before each figure's own period
        else:
            self.fail(s, "the figures compared with are given no period (expected e.g. 'in the same period 12 months "
                      "prior'): not read")
            return False
        for figure, span in zip(figures, s.before):
            said = prose_measure(phrase_after(s.text, s.spans, span, len(s.text)), s.context)
            if said is not None and said != "returns" and figure.measure in PROSE_KNOWN and said != figure.measure:
                self.fail(s, f"compares {figure.measure!r} with a figure of {said!r}: not read")
                return False
        for figure, span in zip(figures, s.before):
            figure.prior = span.data
            figure.prior_period = prior_period or (same_period_a_year_earlier(*figure.period) if figure.period else None)
            figure.prior_label = " ".join(prior_label.split())
        return self.stated_changes(s, figures)

    def stated_changes(self, s: _Sentence, figures: list[Figure]) -> bool:
        """The stated changes of the sentence given to its figures: one each in order, or one for all when it says
        'both' or 'each'; 'level with' is no change."""
        changes = changes_in(s.masked, s.spans)
        if not changes:
            if LEVEL.search(s.masked):
                for figure in figures:
                    figure.pct, figure.level, figure.pct_text = 0.0, True, s.text
            return True
        if len(changes) == len(figures):
            pairs = list(zip(figures, changes))
        elif len(changes) == 1 and re.search(r"\b(?:both|each|all)\b", s.text, re.IGNORECASE):
            pairs = [(f, changes[0]) for f in figures]
        else:
            self.fail(s, f"{len(changes)} stated change(s) for {len(figures)} figure(s): cannot tell which change "
                      "belongs to which figure: not read")
            return False
        for figure, (value, _) in pairs:
            figure.pct, figure.pct_text = value, s.text
        return True

    def finish(self) -> None:
        """Place every figure's period against the note's (the latest-ending) and check the stated changes."""
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
            check = change_check(f, self.tolerance)
            if check is not None:
                f.check = check


def read_prose(note: NoteText, tolerance: float = 1.0) -> Prose:
    """Every figure the note's sentences give, with its period, the same period 12 months prior and the stated
    change; failures name the paragraph and sentence (FailureCase sheet 'paragraph N', row = sentence number)."""
    return _Reader(note, tolerance).read()
