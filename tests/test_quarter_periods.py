"""add_quarter_periods on a quarterly table as publishers lay it out: a Year column and quarters 'Q1'..'Q4' beside
it. Each quarter gets its period; a cell that gives none is named (sheet, row, column, the label), not left as an
empty period for validation to blame on period_start."""
from __future__ import annotations

from datetime import date

import pytest

from flows.parsing import TableNotFound, add_quarter_periods, cut_table, locate_table, open_document
from tests.workbooks import write_xlsx

HEADER = ["Year", "Quarter", "Route", "Visas granted"]


def visas_table(tmp_path, rows: list[list]):
    """VIS_01 (title, header on row 3, the rows, a blank row, a note) read as a parser reads it."""
    path = write_xlsx(tmp_path / "visas.xlsx", {"VIS_01": [["Visas granted by route"], [], HEADER, *rows, [],
                                                           ["Notes: figures for the latest quarter are provisional."]]})
    book = open_document(path, "xlsx", 2**30)
    return cut_table(book, locate_table(book, HEADER), "visas_granted", stop_at_blank=True)


def periods_of(frame) -> list[tuple]:
    return [(q, s.date(), e.date()) for q, s, e in zip(frame["quarter"], frame["period_start"], frame["period_end"])]


@pytest.mark.parametrize("pass_table", [True, False], ids=["table", "frame"])
def test_quarters_q1_to_q4_beside_a_year_column_get_their_periods(tmp_path, pass_table):
    table = visas_table(tmp_path, [[2024, "Q4", "Work", 900], [2025, "Q1", "Work", 1000], [2025, "q2", "Study", 20],
                                   [2025, " Q3 ", "Work", 30], [2025, 4, "Work", 40]])
    add_quarter_periods(table if pass_table else table.frame)
    assert periods_of(table.frame) == [
        ("2024 Q4", date(2024, 10, 1), date(2024, 12, 31)), ("2025 Q1", date(2025, 1, 1), date(2025, 3, 31)),
        ("2025 Q2", date(2025, 4, 1), date(2025, 6, 30)), ("2025 Q3", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025 Q4", date(2025, 10, 1), date(2025, 12, 31))]


def test_a_quarter_label_that_is_no_quarter_is_named_with_its_sheet_row_and_column(tmp_path):
    table = visas_table(tmp_path, [[2025, "Q1", "Work", 1000], [2025, "Q5", "Work", 7], [2025, None, "Study", 3],
                                   [None, "Q2", "Work", 4], ["2025r", "Q3", "Work", 5]])
    with pytest.raises(TableNotFound) as raised:
        add_quarter_periods(table)
    assert raised.value.what == "quarter labels that cannot be read"
    described = [case.describe() for case in raised.value.cases]
    assert described == [
        "sheet 'VIS_01', row 5, column 'Quarter': not a quarter: expected Q1 to Q4 beside a year, or a label such as "
        "'2023 Q3' or 'Q3 2023' (value 'Q5')",
        "sheet 'VIS_01', row 6, column 'Quarter': blank: no quarter",
        "sheet 'VIS_01', row 7, column 'Year': no year for quarter 'Q2': not a whole year",
        "sheet 'VIS_01', row 8, column 'Year': no year for quarter 'Q3': not a whole year (value '2025r')",
    ]


def test_a_quarter_without_a_year_in_a_table_with_no_year_column_says_so(tmp_path):
    path = write_xlsx(tmp_path / "q.xlsx", {"T1": [["Quarter", "Returns"], ["Q3 2023", 5], ["Q4", 6]]})
    book = open_document(path, "xlsx", 2**30)
    table = cut_table(book, locate_table(book, ["Quarter", "Returns"]), "returns")
    with pytest.raises(TableNotFound) as raised:
        add_quarter_periods(table)
    [case] = raised.value.cases
    assert (case.sheet, case.row, case.column, case.value) == ("T1", 3, "Quarter", "Q4")
    assert "a quarter without a year, and the table has no year column" in case.check
