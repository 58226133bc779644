"""MoJ outcomes by offence (flows/sources/moj/parser.py): the s.25 Immigration Act 1971 facilitation offences.

Rows of the published CSV whose Offence matches the catalog's `offence_match`, every breakdown
kept as published (category values keep their code prefixes, `01: Male`). `convictions` is the
Convicted column where the file has one, else Sentenced (`count_basis` says which). A count
published as suppressed or not available is missing, never zero.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series


class FacilitationOutcomes(pa.DataFrameModel):
    """MoJ outcomes by offence: convictions and sentences for immigration facilitation (people smuggling), per year."""
    year: Series[pd.Int64Dtype] = pa.Field(ge=1990, le=2100)
    sex: Series[str] = pa.Field(nullable=True)
    age_group: Series[str] = pa.Field(nullable=True)
    police_force_area: Series[str] = pa.Field(nullable=True)
    offence_group: Series[str] = pa.Field(nullable=True)
    offence: Series[str]
    offence_code: Series[str] = pa.Field(nullable=True)
    offence_description: Series[str]
    sentence_outcome: Series[str] = pa.Field(nullable=True)
    custodial_sentence_length: Series[str] = pa.Field(nullable=True)
    convicted: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    sentenced: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    convictions: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    count_basis: Series[str] = pa.Field(isin=["Convicted", "Sentenced"])
    period_start: Series[pd.Timestamp] = pa.Field(nullable=True)
    period_end: Series[pd.Timestamp] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"


TABLES = {"immigration_facilitation_outcomes": FacilitationOutcomes}
