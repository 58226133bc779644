"""ONS long-term international migration, provisional (flows/sources/ons_ltim/parser.py).

One row per flow and year-ending period, as the edition published it: every edition is its own
release (vintage), so revisions are kept. Nationality columns are kept as published: recent
editions give EU+ / Non-EU+, older ones EU / Non-EU (the other pair is empty). Counts are
people rounded to the nearest thousand; net migration may be negative; a suppressed or
unavailable cell is missing, never zero.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

PERIOD = r"(?i)^(?:ye|year\s+ending)\s+[a-z]{3,9}\.?\s+(?:\d{4}|\d{2})(?:\s*\(?\s*[pr]\s*\)?)*$"


class LtimFlows(pa.DataFrameModel):
    """Table 1: immigration, emigration and net migration by nationality group, year ending each quarter."""
    flow: Series[str]
    period: Series[str] = pa.Field(str_matches=PERIOD)          # as published, with its P / R flags
    year_ending: Series[str] = pa.Field(nullable=True)          # canonical 'YE Jun 2025'
    provisional: Series[bool]
    revised: Series[bool]
    period_start: Series[pd.Timestamp] = pa.Field(nullable=True)
    period_end: Series[pd.Timestamp] = pa.Field(nullable=True)
    all_nationalities: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    british: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    eu_plus: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    non_eu_plus: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    eu: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    non_eu: Series[pd.Int64Dtype] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"
        unique = ["flow", "year_ending"]    # one figure per flow and period: a repeated block would be summed twice


TABLES = {"ltim_flows": LtimFlows}
