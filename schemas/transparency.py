"""Migration transparency data tables (flows/sources/transparency/parser.py): quarterly series.

`:` (not available) and `n/a` (not applicable) arrive as nulls, never zero. Units are in the
column names: `value_gbp_millions` is published in £ millions, `value_gbp` in pounds.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.home_office_detailed import QUARTER, Quarterly


class QuarterRows(Quarterly):
    """A transparency table has one row per quarter: a quarter published twice would be counted twice."""
    quarter: Series[str] = pa.Field(str_matches=QUARTER, unique=True)


class IllegalWorkingPenalties(QuarterRows):
    """CP_02: illegal working civil penalties issued, number and value (£ millions as published)."""
    penalties: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    value_gbp_millions: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)


class RightToRentPenalties(QuarterRows):
    """CP_03: right to rent civil penalties issued, number and value (£ as published)."""
    penalties: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    value_gbp: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)


class CharterReturns(QuarterRows):
    """FD_01: attempted charter and overseas returns, and use of force on them."""
    attempted_returns: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    use_of_force_share: Series[pd.Float64Dtype] = pa.Field(ge=0, le=1, nullable=True)
    use_of_force_incidents: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    restraint_incidents: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)


class AsylumWorkInProgress(QuarterRows):
    """ASY_02: asylum initial decision work in progress at the quarter's end, by age of case."""
    total: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    less_than_3_months: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    months_3_to_6: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    months_6_to_12: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    months_12_plus: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)


class IllegalWorkingActivity(QuarterRows):
    """Illegal working visits and arrests (a newer series, found by its title)."""
    visits: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    arrests: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)


TABLES = {
    "illegal_working_penalties": IllegalWorkingPenalties,
    "right_to_rent_penalties": RightToRentPenalties,
    "charter_returns": CharterReturns,
    "asylum_wip_initial": AsylumWorkInProgress,
    "illegal_working_activity": IllegalWorkingActivity,
}
