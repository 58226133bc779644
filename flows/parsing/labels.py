"""Labels (sheet names, headers, cells) normalised here and only here: case, whitespace,
bracketed notes and footnote markers glued to words; and the cells that mean "no value"."""
from __future__ import annotations

import re

import pandas as pd


# Cells that mean "no value" in Home Office and ONS tables. `-` = not recorded yet,
# `:` = not available, `n/a` = not applicable, `..`/`[x]` = suppressed or unavailable, `[z]` = not applicable,
# `[c]` = confidential. Bare `x`, `z`, `c`, `low` are not here: they are the DfE's suppression codes, read only where
# its parser says so (its catalog entry's `missing_markers`); in another source's count they are refused, named.
MISSING_MARKERS = frozenset({"", "-", ":", "n/a", "..", "[x]", "[z]", "[c]"})

_WS = re.compile(r"\s+")
_NOTE = re.compile(r"\s*\[(?:note|notes|x|z|c)\b[^\]]*\]", re.IGNORECASE)
# Footnote digits glued to a word ("Issued1", "Penalties2,3"), but not a number in its own right.
_GLUED_FOOTNOTE = re.compile(r"(?<=[A-Za-z)])\d+(?:,\d+)*$")
# A table id ends in digits of its own ("Asy_D09", "Enf_D01", "Data_Irr_D01"): never a footnote (audit 25: a sheet
# named "Enf_D01" read as "Enf_D", so a sheet_hint naming its table found no sheet).
_TABLE_ID_END = re.compile(r"_[A-Za-z]*\d+$")


def clean_label(value: object) -> str:
    """A header or category as a person reads it: trimmed, single spaces, footnotes removed."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = _NOTE.sub("", str(value))
    text = _WS.sub(" ", text).strip()
    return text if _TABLE_ID_END.search(text) else _GLUED_FOOTNOTE.sub("", text).strip()


def label_key(value: object) -> str:
    """Case- and spacing-insensitive key for matching labels and categories."""
    return clean_label(value).casefold()


def column_name(value: object) -> str:
    """A warehouse column name for a published header: `Number of Penalties Issued1` -> `number_of_penalties_issued`."""
    key = re.sub(r"[^0-9a-z]+", "_", label_key(value).replace("£", "gbp ").replace("+", " plus"))
    return key.strip("_")


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and pd.isna(value):
        return True
    return isinstance(value, str) and value.strip().casefold() in MISSING_MARKERS
