"""Home Office ad-hoc transparency notes (flows/sources/adhoc_notes/parser.py): one row per figure.

A figure is a measure (a canonical id such as `enforced_returns` or `ers_returns`, or the words as
published for measures the parser does not know) over a date range, in one note (release): read from a
sentence of the note (`note_table` 'paragraph N', the period from the sentence, its section or the
note's title) or from a table (`note_table` 'table N', the period from the column header).
`comparison` is `current` (5 July 2024 to the note's cut-off), `year_before` (the same days 12 months
earlier) or `earlier`. `first_mention` is false where a known measure repeats a figure the note already
gave (metrics count it once). The `check_*` columns are empty in every loaded note: they carry, for
validation, a stated percentage change that disagrees with the figures (naming the sentence, for prose)
or a measure given twice with different figures.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series


class NoteFigures(pa.DataFrameModel):
    """Home Office ad-hoc notes (published between its quarterly statistics): each figure a note gives, for the window of days it covers."""
    note_table: Series[str]
    measure: Series[str]
    measure_label: Series[str]
    period_label: Series[str]
    comparison: Series[str] = pa.Field(isin=["current", "year_before", "earlier"])
    period_start: Series[pd.Timestamp]
    period_end: Series[pd.Timestamp]
    value: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    prior_value: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    pct_change_published: Series[pd.Float64Dtype] = pa.Field(nullable=True)
    first_mention: Series[bool]
    check_pct_change: Series[str] = pa.Field(nullable=True)
    check_repeat: Series[str] = pa.Field(nullable=True)

    @pa.check("check_pct_change", error="the published percentage change agrees with the figures")
    def _pct(cls, series: pd.Series) -> pd.Series:
        return series.isna()

    @pa.check("check_repeat", error="a measure given twice in the note has one figure")
    def _repeat(cls, series: pd.Series) -> pd.Series:
        return series.isna()

    class Config:
        coerce = True
        strict = "filter"


TABLES = {"adhoc_note_figures": NoteFigures}
