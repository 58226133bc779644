"""GOV.UK's "Small boat arrivals: last 7 days" page (flows/sources/small_boats_page/parser.py): one row per day.

Each page version is one release. `page_table` is the table of the page the day was read from ("table 1");
`page_updated_on` the page's own updated date (Content API public_updated_at, or a saved page's
govuk:public-updated-at), which for a download is the release's publication date. Counts are nullable: a `-` or
an empty cell is not recorded, never zero (a day without crossings is published as 0). `check_repeat` is empty in
every loaded page: it carries, for validation, a day given twice on the page with different figures.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series


class SmallBoatsPageDaily(pa.DataFrameModel):
    """The "last 7 days" page: provisional small-boat arrivals and boats, per day."""
    page_table: Series[str]
    date: Series[pd.Timestamp] = pa.Field(unique=True, ge=pd.Timestamp("2018-01-01"))
    migrants_arrived: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    boats_arrived: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    boats_involved_in_uncontrolled_landings: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    notes: Series[str] = pa.Field(nullable=True)
    page_updated_on: Series[pd.Timestamp] = pa.Field(nullable=True)
    check_repeat: Series[str] = pa.Field(nullable=True)

    @pa.check("check_repeat", error="a day given twice on the page has one figure")
    def _repeat(cls, series: pd.Series) -> pd.Series:
        return series.isna()

    class Config:
        coerce = True
        strict = "filter"     # extra published columns are reported by the loader, not loaded


TABLES = {"small_boats_page_daily": SmallBoatsPageDaily}
