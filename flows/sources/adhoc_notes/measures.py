"""The measures a note gives: the canonical ids read from a table row's label or a sentence's words, and the rule
that a known measure given twice for one period is counted once (and must give the same figure)."""
from __future__ import annotations

import re
from datetime import date

import pandas as pd

from flows.parsing import label_key

# canonical measure id -> pattern over a table row's label (case-folded, single spaces); the first match wins
MEASURES: list[tuple[str, re.Pattern]] = [(m, re.compile(p)) for m, p in [
    ("ers_returns", r"\bearly removal scheme\b|\bers\b"),       # FNO returns under the early removal scheme: before FNO
    ("fno_returns", r"foreign national offenders?|\bfnos?\b"),
    ("asylum_returns", r"\basylum\b"),
    ("charter_flights", r"\bcharter"),
    ("illegal_working_visits", r"illegal working\b.*\bvisits?\b|\bvisits?\b.*\billegal working"),
    ("illegal_working_arrests", r"illegal working\b.*\barrests?\b|\barrests?\b.*\billegal working"),
    ("enforced_returns", r"\benforced (?:returns?|removals?)\b"),
    ("voluntary_returns", r"\bvoluntary (?:returns?|departures?)\b"),
    ("returns", r"^(?:(?:total|all)\s+)?(?:number of\s+)?returns?(?:\s+from the uk)?(?:\s*\(total\)|\s+total)?$"),
]]

# canonical measure id -> pattern over the words naming a figure in a sentence (case-folded); the first match wins
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
KNOWN = {measure for measure, _ in MEASURES} | PROSE_KNOWN

# how a failure names a measure the claims need
DESCRIBE = {"returns": "the total of returns", "enforced_returns": "enforced returns",
            "voluntary_returns": "voluntary returns", "fno_returns": "foreign national offender returns",
            "ers_returns": "early removal scheme returns", "asylum_returns": "asylum-related returns",
            "charter_flights": "charter flights", "illegal_working_visits": "illegal working visits",
            "illegal_working_arrests": "illegal working arrests"}

_ILLEGAL_WORKING = re.compile(r"\billegal[- ]working\b", re.IGNORECASE)


def measure_of(label: str) -> str | None:
    """The canonical measure a table row's label names; None for a label it does not know."""
    key = label_key(label)
    for measure, pattern in MEASURES:
        if pattern.search(key):
            return measure
    return None


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


def same(a: object, b: object) -> bool:
    """Equal figures, two missing figures counting as equal."""
    if pd.isna(a) or pd.isna(b):
        return pd.isna(a) and pd.isna(b)
    return a == b


Seen = dict[tuple[str, date, date], tuple[object, str]]     # known measure and period -> (figure, where first given)


def first_mention(seen: Seen, measure: str, period: tuple[date, date], value: object, where: str) -> tuple[bool, object]:
    """(first_mention, check_repeat) of a figure: a known measure given again for the same period (a summary table,
    then a detailed one; a sentence, then a table) is counted once where first given, and fails with another figure.
    A label the note names itself is never matched with another."""
    if measure not in KNOWN:
        return True, pd.NA
    key = (measure, period[0], period[1])
    if key in seen:
        earlier, earlier_where = seen[key]
        return False, pd.NA if same(earlier, value) else f"{value} here, {earlier} in {earlier_where}"
    seen[key] = (value, where)
    return True, pd.NA
