"""The figures one paragraph's sentences give (read by prose.py) as rows of the raw table, in the same columns as
a note table's figures."""
from __future__ import annotations

import pandas as pd

from flows.parsing import Table
from flows.sources.adhoc_notes.measures import KNOWN, Seen, first_mention
from flows.sources.adhoc_notes.figure import Figure

_PROSE_LABELS = {"note_table": "paragraph", "measure": "measure", "measure_label": "measure", "period_label": "period",
                 "comparison": "period", "period_start": "period", "period_end": "period", "value": "figure",
                 "prior_value": "same period 12 months prior", "pct_change_published": "stated change",
                 "check_pct_change": "stated change", "first_mention": "figure", "check_repeat": "figure"}


def _rows_of(f: Figure, seen: Seen) -> list[dict]:
    """A figure's row, and a row for its figure for the same period 12 months prior when the sentence gives one."""
    said = [(f.period, f.period_label, f.comparison, f.value, f.prior, f.pct, f.check)]
    if f.prior is not None and f.prior_period is not None:
        said.append((f.prior_period, f.prior_label, f.prior_comparison, f.prior, None, None, None))
    rows = []
    for period, label, comparison, value, prior, pct, check in said:
        first, repeat = first_mention(seen, f.measure, period, value, f"{f.where}, sentence {f.sentence}")
        rows.append({"note_table": f.where, "measure": f.measure, "measure_label": f.label, "period_label": label,
                     "comparison": comparison, "period_start": pd.Timestamp(period[0]),
                     "period_end": pd.Timestamp(period[1]), "value": value,
                     "prior_value": pd.NA if prior is None else prior,
                     "pct_change_published": pd.NA if pct is None else float(pct),
                     "check_pct_change": pd.NA if check is None else check,
                     "first_mention": first, "check_repeat": repeat})
    return rows


def prose_table(name: str, figures: list[Figure], seen: Seen) -> Table:
    """One paragraph's figures as rows of the raw table (index: the sentence number), each figure and its figure for
    the same period 12 months prior; a known measure given again (here or in a table) counts once (first_mention),
    and with another figure fails (check_repeat)."""
    rows, index = [], []
    for f in figures:
        said = _rows_of(f, seen)
        rows += said
        index += [f.sentence] * len(said)
    frame = pd.DataFrame(rows, index=index)
    for column in ("value", "prior_value"):
        frame[column] = frame[column].astype(object)
    for column in ("check_pct_change", "check_repeat"):
        frame[column] = frame[column].astype(object)
    table = Table(name, figures[0].where, frame, dict(_PROSE_LABELS))
    unknown: dict[str, int] = {}
    for f in figures:
        if f.measure not in KNOWN:
            unknown[f.measure] = unknown.get(f.measure, 0) + 1
    table.unknown_categories = [("measure", label, rows) for label, rows in sorted(unknown.items())]
    return table
