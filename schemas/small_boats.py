"""Small boats time series: SB_01 (daily) and SB_02 (weekly).

Counts are nullable: a `-` in the published sheet means "not recorded yet", never zero.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from typing import Optional

from pandera.typing import Series


class SmallBoatsDaily(pa.DataFrameModel):
    """SB_01: migrants and boats detected crossing the English Channel in small boats, per day."""
    date: Series[pd.Timestamp] = pa.Field(unique=True, ge=pd.Timestamp("2018-01-01"))
    migrants_arrived: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    boats_arrived: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    boats_arrived_involved_in_uncontrolled_landings: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    notes: Optional[Series[str]] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"     # extra published columns are reported by the loader, not loaded


class SmallBoatsWeekly(pa.DataFrameModel):
    """SB_02: small-boat arrivals and prevented crossings, per week."""
    week_ending: Series[pd.Timestamp] = pa.Field(unique=True, ge=pd.Timestamp("2018-01-01"))
    migrants_arrived: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    boats_arrived: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    boats_arrived_involved_in_uncontrolled_landings: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    migrants_prevented: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    events_prevented: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    notes: Optional[Series[str]] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"


TABLES = {
    "small_boats_daily": SmallBoatsDaily,
    "small_boats_weekly": SmallBoatsWeekly,
}
