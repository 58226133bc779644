"""DfE apprenticeships, headline full-year data set (flows/sources/dfe/parser.py): national totals.

One row per academic year: the National row with every filter at `Total`, as the data set
version published it (each version is a release). `is_final` says whether the year's figures
count as final in that release (published on or after 1 November after the academic year
ended) or provisional / part-year; the two are never summed together (two metrics).
Suppressed or not-applicable cells (`low`, `c`, `z`) are missing, never zero.
"""
from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

TOTAL = ["Total"]


class ApprenticeshipsNational(pa.DataFrameModel):
    """DfE national totals: apprenticeship starts in England, per academic year."""
    time_period: Series[str] = pa.Field(str_matches=r"^\d{6}$", unique=True)    # '202425' = 2024/25
    time_identifier: Series[str] = pa.Field(isin=["Academic year"])
    academic_year: Series[str] = pa.Field(nullable=True)                          # '2024/25'
    geographic_level: Series[str] = pa.Field(isin=["National"])
    country_code: Series[str] = pa.Field(nullable=True)
    country_name: Series[str] = pa.Field(nullable=True)
    region_code: Series[str] = pa.Field(nullable=True)                            # empty in national rows
    region_name: Series[str] = pa.Field(nullable=True)
    apprenticeship_level: Optional[Series[str]] = pa.Field(isin=TOTAL)
    age_youth_adult: Optional[Series[str]] = pa.Field(isin=TOTAL)
    age_group: Optional[Series[str]] = pa.Field(isin=TOTAL)
    funding_type: Optional[Series[str]] = pa.Field(isin=TOTAL)
    provider_type: Optional[Series[str]] = pa.Field(isin=TOTAL)
    start_count: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    achievement_count: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    participation_count: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    starts_percent: Series[pd.Float64Dtype] = pa.Field(ge=0, le=100, nullable=True)
    achievements_percent: Series[pd.Float64Dtype] = pa.Field(ge=0, le=100, nullable=True)
    is_final: Series[bool]
    figure_status: Series[str] = pa.Field(isin=["final", "provisional"])
    period_start: Series[pd.Timestamp] = pa.Field(nullable=True)
    period_end: Series[pd.Timestamp] = pa.Field(nullable=True)

    @pa.check("time_period", error="an academic year: the second year follows the first ('202425')")
    def _consecutive(cls, series: pd.Series) -> pd.Series:
        text = series.astype(str)
        first = pd.to_numeric(text.str[2:4], errors="coerce")
        second = pd.to_numeric(text.str[4:6], errors="coerce")
        return ((first + 1) % 100 == second).fillna(False).astype(bool)

    class Config:
        coerce = True
        strict = "filter"     # columns a later version adds are reported by the loader, not loaded


TABLES = {"apprenticeships_national": ApprenticeshipsNational}
