"""A row that repeats another over the columns that make a row (a schema's Config.unique) is named as such, with
the row it repeats, in the words of the other errors, not as Pandera's `multiple_fields_uniqueness` per cell."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from flows.parsing import add_quarter_periods, cut_table, locate_table, open_document
from flows.validate import _validate_table
from tests.workbooks import write_xlsx

HEADER = ["Year", "Quarter", "Route", "Visas granted"]


class VisasGranted(pa.DataFrameModel):
    year: Series[pd.Int64Dtype]
    quarter: Series[str]
    route: Series[str]
    visas_granted: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    period_start: Series[pd.Timestamp]
    period_end: Series[pd.Timestamp]

    class Config:
        coerce = True
        strict = "filter"
        unique = ["period_start", "route"]


def test_a_repeated_row_is_named_with_the_row_it_repeats(tmp_path):
    rows = [[2025, "Q1", "Work", 1000], [2025, "Q1", "Study", 20], [2025, "Q2", "Work", 30],
            [2025, "Q1", "Work", 1000], [2025, "Q1", "Work", 999]]      # sheet rows 6 and 7 repeat row 3
    path = write_xlsx(tmp_path / "visas.xlsx", {"VIS_01": [["Visas granted by route"], HEADER, *rows, [], ["Notes:"]]})
    book = open_document(path, "xlsx", 2**30)
    table = cut_table(book, locate_table(book, HEADER), "visas_granted", stop_at_blank=True)
    add_quarter_periods(table)

    valid, cases, _notes = _validate_table(None, table, VisasGranted, None)

    assert valid is None
    assert [case.describe() for case in cases] == [
        "sheet 'VIS_01', row 6: repeats row 3 over columns 'Quarter', 'Route' (its figures would be counted twice) "
        "(value 'Quarter 2025-01-01, Route Work')",
        "sheet 'VIS_01', row 7: repeats row 3 over columns 'Quarter', 'Route' (its figures would be counted twice) "
        "(value 'Quarter 2025-01-01, Route Work')",
    ]
