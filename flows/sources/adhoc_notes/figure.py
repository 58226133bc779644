"""One figure a note states in a sentence, with its period, the figure a year before and the stated change."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


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
