"""Home Office immigration system statistics, detailed datasets (flows/sources/home_office_detailed/parser.py).

One model per flat data sheet. Every table carries `quarter` ('YYYY Qn', canonical) and the
period it covers (`period_start`, `period_end`), so metric SQL never parses labels. Category
columns hold canonical labels (flows/sources/home_office_detailed/labels.py CATEGORY_LABELS); labels outside the
known set are kept and reported, never rejected. Counts are nullable: `:` or `..` in a cell
means not available, never zero.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

QUARTER = r"^\d{4} Q[1-4]$"


class Quarterly(pa.DataFrameModel):
    quarter: Series[str] = pa.Field(str_matches=QUARTER)
    period_start: Series[pd.Timestamp] = pa.Field(nullable=True)
    period_end: Series[pd.Timestamp] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"     # extra published columns are reported by the loader, not loaded


class DetailedTable(Quarterly):
    """Columns every detailed dataset table has (the transparency tables share only Quarterly)."""
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1990, le=2100)


class Returns(DetailedTable):
    """Ret_D01: returns by nationality, return type, age, sex and destination group."""
    date: Series[pd.Timestamp] = pa.Field(nullable=True)
    nationality: Series[str] = pa.Field(nullable=True)
    region: Series[str] = pa.Field(nullable=True)
    return_type_group: Series[str]
    return_type: Series[str] = pa.Field(nullable=True)
    age: Series[str] = pa.Field(nullable=True)
    sex: Series[str] = pa.Field(nullable=True)
    return_destination_group: Series[str] = pa.Field(nullable=True)
    returns: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)


class ReturnsByDestination(DetailedTable):
    """Ret_D02: returns by return type and destination country."""
    date: Series[pd.Timestamp] = pa.Field(nullable=True)
    return_type_group: Series[str]
    return_type: Series[str] = pa.Field(nullable=True)
    return_destination: Series[str] = pa.Field(nullable=True)
    return_destination_region: Series[str] = pa.Field(nullable=True)
    returns: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)


class FnoReturns(DetailedTable):
    """Ret_D03: returns of foreign national offenders by nationality and destination group."""
    date: Series[pd.Timestamp] = pa.Field(nullable=True)
    nationality: Series[str] = pa.Field(nullable=True)
    region: Series[str] = pa.Field(nullable=True)
    return_destination_group: Series[str] = pa.Field(nullable=True)
    returns: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)


class FnoReturnsByDestination(DetailedTable):
    """Ret_D04: returns of foreign national offenders by destination country."""
    date: Series[pd.Timestamp] = pa.Field(nullable=True)
    return_destination: Series[str] = pa.Field(nullable=True)
    return_destination_region: Series[str] = pa.Field(nullable=True)
    returns: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)


class IrregularDetections(DetailedTable):
    """Irr_D01 / IER_D01: detected irregular (illegal) entry to the UK by method of entry."""
    method_of_entry: Series[str]
    nationality: Series[str] = pa.Field(nullable=True)
    region: Series[str] = pa.Field(nullable=True)
    sex: Series[str] = pa.Field(nullable=True)
    age_group: Series[str] = pa.Field(nullable=True)
    detections: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)

    # A row repeated whole is refused by the parser (source.toml `unique_rows`), over every published column: a key on
    # these columns alone would refuse an edition that adds a breakdown column (by location of detection, say)


class Stock(DetailedTable):
    """A count of people at a date: `as_at` is the last day of the quarter it is reported for."""
    as_at: Series[pd.Timestamp]

    # `error`, not `name`: pandera pops `name` the first time a model is converted, so subclasses
    # (AsylumAwaitingDecision, AsylumSupport) would report the function name instead.
    @pa.check("as_at", error="is the last day of a quarter")
    def _quarter_end(cls, series: pd.Series) -> pd.Series:
        return series.dt.is_quarter_end


class AsylumAwaitingDecision(Stock):
    """Asy_D03: asylum applications awaiting a decision, counted in people or in cases (never mixed)."""
    nationality: Series[str] = pa.Field(nullable=True)
    region: Series[str] = pa.Field(nullable=True)
    applicant_type: Series[str] = pa.Field(nullable=True)
    application_stage: Series[str]
    duration: Series[str] = pa.Field(nullable=True)
    uasc: Series[str] = pa.Field(nullable=True)
    people: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    cases: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)


class AsylumSupport(Stock):
    """Asy_D11: people in receipt of asylum support by local authority and accommodation type."""
    support_type: Series[str] = pa.Field(nullable=True)
    uk_region: Series[str] = pa.Field(nullable=True)
    local_authority: Series[str] = pa.Field(nullable=True)
    lad_code: Series[str] = pa.Field(nullable=True)
    accommodation_type: Series[str]
    people: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)


class AsylumSupportNational(Stock):
    """Asy_D09: people in receipt of asylum support by nationality, support type, accommodation type and UK region.

    `region` is the nationality's world region (as in the other detailed datasets); the UK's is `uk_region`."""
    nationality: Series[str] = pa.Field(nullable=True)
    region: Series[str] = pa.Field(nullable=True)
    support_type: Series[str] = pa.Field(nullable=True)
    accommodation_type: Series[str]
    uk_region: Series[str] = pa.Field(nullable=True)
    people: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)


TABLES = {
    "returns": Returns,
    "returns_by_destination": ReturnsByDestination,
    "fno_returns": FnoReturns,
    "fno_returns_by_destination": FnoReturnsByDestination,
    "irregular_detections": IrregularDetections,
    "asylum_awaiting_decision": AsylumAwaitingDecision,
    "asylum_support": AsylumSupport,
    "asylum_support_national": AsylumSupportNational,
}
