"""Cells that used to load as something they are not: each release is rejected naming its source, release, sheet,
row, column and the cell as published, and the good data published before it stays."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from flows.ingest import load_paths
from tests.sources.small_boats.builders import small_boats_file, small_boats_grids
from tests.sources.transparency.test_transparency import QUARTERS, ie_sheets
from tests.warehouse_reads import query, snapshot
from tests.workbooks import write_workbook, write_xlsx

SB_BAD = "09_February_2024_Small_boats_-_time_series.ods"
SB_RELEASE = f"small_boats release 2024-02-09 ({SB_BAD})"
IE_BAD = "IE_Q2_2025_Published.xlsx"
IE_RELEASE = f"ie_transparency release 2025-08-31 ({IE_BAD})"


@pytest.fixture
def small_boats_published(settings, tmp_path):
    """One good small-boats release loaded; the published data to compare with after a bad one."""
    good = small_boats_file(tmp_path / "good", date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    [outcome] = load_paths(settings, [good])
    assert outcome.status == "loaded", outcome.error
    return snapshot(settings)


@pytest.fixture
def ie_published(settings, tmp_path):
    good = write_xlsx(tmp_path / "good" / "IE_Q1_2025_Published.xlsx", ie_sheets(visits_and_arrests=False))
    [outcome] = load_paths(settings, [good])
    assert outcome.status == "loaded", outcome.error
    return snapshot(settings)


def load_small_boats(settings, tmp_path, grids) -> str:
    (tmp_path / "bad").mkdir(exist_ok=True)
    [outcome] = load_paths(settings, [write_workbook(tmp_path / "bad" / SB_BAD, grids)])
    assert outcome.status == "rejected", outcome
    assert SB_RELEASE in outcome.error, outcome.error
    return outcome.error


def load_ie(settings, tmp_path, sheets, writer=write_xlsx) -> str:
    (tmp_path / "bad").mkdir(exist_ok=True)
    [outcome] = load_paths(settings, [writer(tmp_path / "bad" / IE_BAD, sheets)])
    assert outcome.status == "rejected", outcome
    assert IE_RELEASE in outcome.error, outcome.error
    return outcome.error


# --- fault 2: TRUE/FALSE in a count or money column ------------------------------------------------------

def test_a_boolean_in_a_count_column_is_rejected_not_loaded_as_one(settings, tmp_path, small_boats_published):
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_01"][5][1] = True                     # sheet row 6, 'Migrants arrived'
    grids["SB_02"][2][4] = False                    # sheet row 3, 'Migrants prevented'
    error = load_small_boats(settings, tmp_path, grids)
    assert ("sheet 'SB_01', row 6, column 'Migrants arrived': not a valid Int64 value: TRUE or FALSE where a number "
            "is expected (value 'TRUE')") in error, error
    assert "sheet 'SB_02', row 3, column 'Migrants prevented': not a valid Int64 value: TRUE or FALSE" in error, error
    assert snapshot(settings) == small_boats_published


def test_a_boolean_in_a_money_column_is_rejected_not_loaded_as_a_million(settings, tmp_path, ie_published):
    rows = [[q, 300 + i, 5.5 + i / 10] for i, q in enumerate(QUARTERS)] + [["2025 Q2", 410, True]]
    error = load_ie(settings, tmp_path, ie_sheets(quarters=[*QUARTERS, "2025 Q2"], cp02_rows=rows))
    row = 7 + len(QUARTERS)
    assert (f"sheet 'CP_02', row {row}, column 'Value of penalties issued (Millions)': not a valid Float64 value: "
            "TRUE or FALSE where a number is expected (value 'TRUE')") in error, error
    assert snapshot(settings) == ie_published


# --- fault 1: a date cell with a time of day ------------------------------------------------------------

def test_a_date_cell_with_a_time_of_day_is_rejected_not_stored_as_a_second_row_for_the_day(settings, tmp_path,
                                                                                           small_boats_published):
    """SB_01 row 6 (5 January) written as 4 January 12:00: the unique check saw two different timestamps, the
    warehouse's DATE column two rows for 4 January, and the day's arrivals were counted twice."""
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_01"][5][0] = pd.Timestamp("2024-01-04 12:00")
    error = load_small_boats(settings, tmp_path, grids)
    assert ("sheet 'SB_01', row 6, column 'Date': not a valid date: a time of day (12:00) where a whole day is expected "
            "(value '2024-01-04 12:00')") in error, error
    assert snapshot(settings) == small_boats_published


# --- fault 5: text that pandas reads as missing -----------------------------------------------------------

@pytest.mark.parametrize("text", ["#N/A", "None", "NULL", "nan", "NA", "low", "x", "z", "c"])
def test_text_that_is_no_publisher_s_missing_marker_is_rejected_not_blanked(settings, tmp_path, small_boats_published, text):
    """pandas' NA strings, and the DfE's suppression codes (read by the DfE parser from its own option), in a
    small-boats count: the day was dropped from the release with nothing said."""
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_01"][5][1] = text
    error = load_small_boats(settings, tmp_path, grids)
    assert f"sheet 'SB_01', row 6, column 'Migrants arrived': not a valid Int64 value (value '{text}')" in error, error
    assert snapshot(settings) == small_boats_published


def test_the_missing_markers_publishers_use_still_read_as_no_value(settings, tmp_path):
    """'-' (not recorded), ':' (not available), 'n/a', '..' and the bracketed [x] [z] [c] codes, in spreadsheets."""
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    for row, text in zip(range(2, 9), ["-", ":", "n/a", "..", "[x]", "[z]", "[c]"]):
        grids["SB_01"][row][2] = text               # 'Boats arrived'
    [outcome] = load_paths(settings, [write_workbook(tmp_path / SB_BAD, grids)])
    assert outcome.status == "loaded", outcome.error
    assert query(settings, "SELECT count(*) FROM raw.small_boats_daily WHERE boats_arrived IS NULL") == [(7,)]


# --- fault 4: a blank row in the middle of a table --------------------------------------------------------

def test_a_blank_row_inside_a_table_is_rejected_not_taken_for_its_end(settings, tmp_path, ie_published):
    """CP_02 with an empty row after its second quarter: the table was cut there, the quarters below silently not
    loaded, and the release reported as loaded."""
    rows = [[q, 300 + i, 5.5 + i / 10] for i, q in enumerate(QUARTERS)]
    sheets = ie_sheets(cp02_rows=rows[:2] + [[None, None, None]] + rows[2:])        # header on row 6: blank row 9
    error = load_ie(settings, tmp_path, sheets)
    assert f"{IE_RELEASE}: a table cut short by a blank row" in error, error
    assert ("sheet 'CP_02', row 9, column 'Quarter': a blank row inside the table, with more of its rows below it "
            "(row 10: 'Q3 2024', 302, 5.7): the table would be cut short here") in error, error
    assert snapshot(settings) == ie_published


def test_notes_below_a_blank_row_still_end_the_table(settings, tmp_path, ie_published):
    """Below the blank rows: notes, a 'Total' row, a note that begins with a quarter: not more of the table."""
    sheets = ie_sheets()
    sheets["CP_02"] += [["2025 Q2 figures will be published in August"], ["Total", 1510, 28.5],
                        ["Source: Home Office management information"], ["Q2 2025", 310, 6.0]]
    for row in sheets["CP_02"]:
        row += [None] * (len(sheets["CP_02"][6]) - len(row))
    [outcome] = load_paths(settings, [write_xlsx(tmp_path / IE_BAD, sheets)])
    assert outcome.status == "loaded", outcome.error
    assert query(settings, "SELECT count(*) FROM raw.illegal_working_penalties WHERE release_id LIKE "
                           "'ie_transparency/2025-08-31/%'") == [(len(QUARTERS),)]


# --- fault 3: spreadsheet error cells (#REF!, #DIV/0!, #N/A) ----------------------------------------------

def test_an_excel_error_cell_in_a_table_is_rejected_naming_the_error(settings, tmp_path, ie_published):
    """Error values (t="e" cells) came out of calamine as empty cells: CP_02's counts read as 'no value'."""
    rows = [[q, 300 + i, 5.5 + i / 10] for i, q in enumerate(QUARTERS)] + [["2025 Q2", "#REF!", "#N/A"]]
    rows[4][1] = "#DIV/0!"
    error = load_ie(settings, tmp_path, ie_sheets(quarters=[*QUARTERS, "2025 Q2"], cp02_rows=rows))   # t="e" cells
    assert f"{IE_RELEASE}: a table holds spreadsheet error cells" in error, error
    assert ("sheet 'CP_02', row 11, column 'Number of Penalties Issued': an error cell where a value is expected "
            "(the formula's result is an error) (value '#DIV/0!')") in error, error
    assert "sheet 'CP_02', row 12, column 'Number of Penalties Issued': an error cell" in error and "'#REF!'" in error
    assert "sheet 'CP_02', row 12, column 'Value of penalties issued (Millions)': an error cell" in error and "'#N/A'" in error
    assert snapshot(settings) == ie_published


def test_an_error_cell_in_a_text_column_is_rejected_as_one(settings, tmp_path, ie_published):
    """In a text column (CP_02's quarter) calamine's error cell came out as its text, '#REF!', and pandas' string
    column dropped the mark that it was an error: in a free-text column it would have loaded as the word '#REF!'.
    Error cells are found by their position in the sheet."""
    rows = [[q, 300 + i, 5.5 + i / 10] for i, q in enumerate(QUARTERS)]
    rows[2][0] = "#REF!"
    error = load_ie(settings, tmp_path, ie_sheets(cp02_rows=rows))
    assert f"{IE_RELEASE}: a table holds spreadsheet error cells" in error, error
    assert ("sheet 'CP_02', row 9, column 'Quarter': an error cell where a value is expected "
            "(the formula's result is an error) (value '#REF!')") in error, error
    assert snapshot(settings) == ie_published


def ods_with_error_cell(path, sheet: str, row: int, column: int, error: str):
    """`path` (an ods) with the cell at 1-based `row`, `column` of `sheet` rewritten as LibreOffice writes a formula
    whose result is an error: calcext:value-type="error", the error shown as its text."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        members = {info: z.read(info.filename) for info in z.infolist()}
    [content] = [info for info in members if info.filename == "content.xml"]
    xml = members[content].decode()
    start = xml.index(f'<table:table table:name="{sheet}"')
    rows = list(re.finditer(r"<table:table-row\b.*?</table:table-row>", xml[start:], re.S))
    target = rows[row - 1]
    cells = list(re.finditer(r"<table:table-cell\b[^>]*?(?:/>|>.*?</table:table-cell>)", target.group(0), re.S))
    cell = cells[column - 1]
    new_row = (target.group(0)[:cell.start()] + f'<table:table-cell table:formula="of:=1/0" office:value-type="float" '
               f'office:value="0" calcext:value-type="error"><text:p>{error}</text:p></table:table-cell>'
               + target.group(0)[cell.end():])
    xml = xml[:start + target.start()] + new_row + xml[start + target.end():]
    if 'xmlns:calcext=' not in xml[:4000]:
        xml = xml.replace("<office:document-content ", '<office:document-content xmlns:calcext='
                          '"urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" ', 1)
    members[content] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for info, data in members.items():
            z.writestr(info, data, compress_type=zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED)
    return path


def test_an_ods_error_cell_in_a_table_is_rejected_naming_the_error(settings, tmp_path, small_boats_published):
    """LibreOffice keeps an error's cell as the number 0 (or an empty text) beside calcext:value-type="error":
    calamine read SB_01's count as 0."""
    (tmp_path / "bad").mkdir()
    path = write_workbook(tmp_path / "bad" / SB_BAD, small_boats_grids(start=date(2024, 1, 1), days=27))
    ods_with_error_cell(path, "SB_01", 6, 2, "#DIV/0!")
    [outcome] = load_paths(settings, [path])
    assert outcome.status == "rejected", outcome
    assert (f"{SB_RELEASE}: a table holds spreadsheet error cells\n  - sheet 'SB_01', row 6, column 'Migrants arrived': "
            "an error cell where a value is expected (the formula's result is an error) (value '#DIV/0!')") in outcome.error, \
        outcome.error
    assert snapshot(settings) == small_boats_published


def test_an_error_cell_outside_the_tables_read_does_not_reject(settings, tmp_path, ie_published):
    """An error in a title or in the notes below a table is no figure the release publishes."""
    sheets = ie_sheets()
    sheets["CP_02"][0][3] = "#REF!"                   # beside the title
    sheets["CP_02"][-1][0] = "#N/A"                   # the last note
    [outcome] = load_paths(settings, [write_xlsx(tmp_path / IE_BAD, sheets)])
    assert outcome.status == "loaded", outcome.error
