"""Migration transparency data (parser transparency): the real Immigration Enforcement and UKVI workbooks,
the illegal working visits/arrests table found by its title (built in code), and bad input for the layout."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from flows.ingest import load_paths
from tests.warehouse_reads import failures, load_one, metric, query, snapshot
from tests.sources.transparency.builders import transparency_contents, transparency_sheet
from tests.workbooks import cover_published, write_workbook, write_xlsx

IE = "enforcement/IE__Q3_2023_Background_Published.xlsx"
UKVI = "asylum/UKVI_IP_Q3_2023_Background_Published.xlsx"
Q3_2023 = (date(2023, 7, 1), date(2023, 9, 30))


def sheet_table(path: Path, sheet: str) -> pd.DataFrame:
    """An independent read: the header is the row whose first cell is 'Quarter'; rows end at the first blank."""
    raw = pd.read_excel(path, sheet_name=sheet, header=None, engine="calamine")
    header = raw.index[raw[0].astype(str).str.strip() == "Quarter"][0]
    table = pd.read_excel(path, sheet_name=sheet, header=header, engine="calamine")
    table = table.loc[: table["Quarter"].isna().idxmax() - 1] if table["Quarter"].isna().any() else table
    return table.set_index("Quarter")


# --- real-data tier ------------------------------------------------------------------------------

def test_real_transparency_workbooks_load_with_the_sheet_values(realdata, settings):
    ie, ukvi = realdata / IE, realdata / UKVI
    outcomes = load_paths(settings, [ie, ukvi])
    assert [(o.source_id, o.status) for o in outcomes] == [("ie_transparency", "loaded"), ("ukvi_ip_transparency", "loaded")], \
        [o.error for o in outcomes]

    cp02 = sheet_table(ie, "CP_02")
    assert list(cp02.columns) == ["Number of Penalties Issued1", "Value of penalties issued (Millions)"]   # glued footnote
    penalties = metric(settings, "illegal_working_penalties")
    assert penalties[Q3_2023] == cp02.loc["2023 Q3", "Number of Penalties Issued1"] == 496
    assert sum(penalties.values()) == cp02["Number of Penalties Issued1"].sum()
    value = metric(settings, "illegal_working_penalty_value_gbp")
    assert value[Q3_2023] == round(cp02.loc["2023 Q3", "Value of penalties issued (Millions)"] * 1_000_000) == 8_900_000
    assert len(value) == len(cp02)
    fd01 = sheet_table(ie, "FD_01")
    charter = metric(settings, "charter_and_overseas_returns_attempted")
    assert charter[Q3_2023] == fd01.loc["2023 Q3", "Number of attempted Charter and Overseas Returns"] == 926
    assert sum(charter.values()) == fd01["Number of attempted Charter and Overseas Returns"].sum()
    cp03 = sheet_table(ie, "CP_03")      # right to rent: published in £, kept in raw only
    assert query(settings, "SELECT sum(value_gbp), sum(penalties) FROM raw.right_to_rent_penalties") == \
        [(float(cp03["Value of penalties issued"].sum()), int(cp03["Number of Penalties Issued1"].sum()))]

    asy02 = sheet_table(ukvi, "ASY_02")
    assert "12 months+ " in asy02.columns                                   # the trailing space as published
    wip = metric(settings, "asylum_work_in_progress_initial")
    assert wip[Q3_2023] == asy02.loc["2023 Q3", "Total"] == 131385
    assert len(wip) == len(asy02)
    assert query(settings, "SELECT less_than_3_months, months_3_to_6, months_6_to_12, months_12_plus FROM raw.asylum_wip_initial "
                           "WHERE quarter = '2023 Q3'") == [tuple(int(v) for v in asy02.loc["2023 Q3"].iloc[1:5])]

    # the newer illegal working visits/arrests table is not in these workbooks: no table, no rows, no error
    assert metric(settings, "illegal_working_visits") == {} and metric(settings, "illegal_working_arrests") == {}
    assert query(settings, "SELECT count(*) FROM duckdb_views() WHERE schema_name = 'raw' AND view_name = 'illegal_working_activity'") == [(0,)]
    # the names say only Q3 2023: each cover's "Published:" date (read here with openpyxl) dates it, not an estimate
    covers = [cover_published(realdata / IE), cover_published(realdata / UKVI)]
    assert covers == [date(2023, 11, 23)] * 2
    assert query(settings, "SELECT source_id, published_on, date_basis FROM meta.releases ORDER BY 1") == \
        [("ie_transparency", covers[0], "content"), ("ukvi_ip_transparency", covers[1], "content")]


# --- workbooks built in code ----------------------------------------------------------------------

QUARTERS = ["Q1 2024", "Q2 2024", "Q3 2024", "Q4 2024", "Q1 2025"]    # the 'Qn YYYY' style


def ie_sheets(quarters=QUARTERS, visits_and_arrests: bool = True, cp02_rows=None) -> dict[str, list[list]]:
    cp02 = cp02_rows or [[q, 300 + i, 5.5 + i / 10] for i, q in enumerate(quarters)]
    sheets = {
        "Cover_Sheet": [["Immigration Enforcement transparency data"]],
        "Contents": transparency_contents({"CP_02": "Volume and value of illegal working civil penalties",
                                           "CP_03": "Volume and value of right to rent civil penalties",
                                           "FD_01": "Escorted Moves and HOMES Data"}),
        "Notes": [["Notes"], ["1. Management information."]],
        "FD_01": transparency_sheet("FD_01", "Escorted Moves and Home Office Manual for Escorting Safely (HOMES) Data",
                                    ["Quarter", "Number of attempted Charter and Overseas Returns",
                                     "%  of attempted Charter and Overseas returns with use of force incident",
                                     "Number of use of force incidents",
                                     "Number of use of force Incidents where HOMES restraint equipment has been used"],
                                    [[q, 700 + i, 0.04, 30, 20] for i, q in enumerate(quarters)]),
        "CP_02": transparency_sheet("CP_02", "Volume and value of illegal working civil penalties",
                                    ["Quarter", "Number of Penalties Issued1", "Value of penalties issued (Millions)"], cp02,
                                    notes=["Source: Home Office management information", "1. Penalties issued in the quarter."]),
        "CP_03": transparency_sheet("CP_03", "Volume and value of right to rent civil penalties",
                                    ["Quarter", "Number of Penalties Issued1", "Value of penalties issued"],
                                    [[q, 20 + i, 20000 + i] for i, q in enumerate(quarters)], header_row=4),
    }
    if visits_and_arrests:
        sheets["IW_01"] = transparency_sheet("IW_01", "Illegal working visits and arrests",
                                             ["Quarter", "Illegal working visits2", "Illegal working arrests3"],
                                             [[q, 1000 + 100 * i, 600 + 50 * i] for i, q in enumerate(quarters)])
    return sheets


def test_illegal_working_visits_and_arrests_found_by_title(settings, tmp_path):
    path = write_workbook(tmp_path / "IE_Q1_2025_Published.ods", ie_sheets())
    [outcome] = load_paths(settings, [path])
    assert outcome.status == "loaded", outcome.error
    visits = metric(settings, "illegal_working_visits")
    arrests = metric(settings, "illegal_working_arrests")
    assert visits[(date(2024, 1, 1), date(2024, 3, 31))] == 1000 and visits[(date(2025, 1, 1), date(2025, 3, 31))] == 1400
    assert sum(arrests.values()) == sum(600 + 50 * i for i in range(5))
    assert query(settings, "SELECT DISTINCT quarter FROM raw.illegal_working_activity ORDER BY 1")[0] == ("2024 Q1",)   # canonical labels
    assert metric(settings, "illegal_working_penalty_value_gbp")[(date(2024, 1, 1), date(2024, 3, 31))] == 5_500_000
    # dated by its contents sheet's "Publication Date: 22 May 2025" (after the data's end, March 2025)
    assert query(settings, "SELECT published_on, date_basis FROM meta.releases") == [(date(2025, 5, 22), "content")]


def test_a_title_match_without_the_columns_is_passed_over(settings, tmp_path):
    sheets = ie_sheets(visits_and_arrests=False)
    sheets["IW_09"] = transparency_sheet("IW_09", "Illegal working visits by financial year",
                                         ["Financial year", "Visits"], [["2023/24", 5000]])
    [outcome] = load_paths(settings, [write_xlsx(tmp_path / "IE_Q1_2025_Published.xlsx", sheets)])
    assert outcome.status == "loaded", outcome.error
    assert metric(settings, "illegal_working_visits") == {}


BAD = "IE_Q2_2025_Published.xlsx"


@pytest.fixture
def published(settings, tmp_path):
    """A warehouse with one good transparency release (Q1 2025, without the visits/arrests table) published."""
    good = write_xlsx(tmp_path / "good" / "IE_Q1_2025_Published.xlsx", ie_sheets(visits_and_arrests=False))
    [outcome] = load_paths(settings, [good])
    assert outcome.status == "loaded", outcome.error
    return snapshot(settings)


def load_bad(settings, tmp_path, sheets):
    return load_one(settings, write_xlsx(tmp_path / "bad" / BAD, sheets))


def test_a_name_giving_its_data_month_is_dated_by_the_cover_or_by_estimate(settings, tmp_path):
    """IE_Q1_2025 (data to March 2025) whose contents sheet says "Publication Date: 22 May 2025": that date
    (date_basis content), so an as-of answer has its figures from 22 May, not before. IE_Q2_2025 (data to June) with
    the same stale line, before its own data end: not believed; dated by estimate at the end of August 2025 (June
    plus the usual two months: date_basis estimated), and explanations say it is an estimate."""
    q1 = write_xlsx(tmp_path / "a" / "IE_Q1_2025_Published.xlsx", ie_sheets(visits_and_arrests=False))
    q2 = write_xlsx(tmp_path / "b" / BAD, ie_sheets(quarters=[*QUARTERS, "2025 Q2"], visits_and_arrests=False))
    assert [o.status for o in load_paths(settings, [q1, q2])] == ["loaded", "loaded"]
    assert query(settings, "SELECT file_name, published_on, date_basis, staging.release_words(file_name, published_on, "
                           "date_basis) FROM marts.releases ORDER BY published_on") == [
        ("IE_Q1_2025_Published.xlsx", date(2025, 5, 22), "content", "IE_Q1_2025_Published.xlsx, published 22 May 2025"),
        (BAD, date(2025, 8, 31), "estimated", f"{BAD}, a local file dated 31 Aug 2025 by estimate (the month its data "
                                              "run to plus the usual publication lag; its publication date is not in it)")]
    known = "SELECT count(*) FROM marts.observations_as_of(?) WHERE metric_id = 'illegal_working_penalties'"
    assert query(settings, known, [date(2025, 5, 21)]) == [(0,)]
    assert query(settings, known, [date(2025, 5, 22)]) == [(len(QUARTERS),)]
    assert query(settings, known, [date(2025, 8, 31)]) == [(len(QUARTERS) + 1,)]


def test_header_a_row_lower_and_notes_below_still_load(settings, tmp_path, published):
    sheets = ie_sheets(quarters=["2025 Q2"])
    sheets["CP_02"] = transparency_sheet("CP_02", "Volume and value of illegal working civil penalties",
                                         ["Quarter", "Number of Penalties Issued1", "Value of penalties issued (Millions)"],
                                         [["2025 Q2", 410, 7.25]], header_row=7, notes=["2025 Q3 figures next quarter"])
    outcome = load_bad(settings, tmp_path, sheets)
    assert outcome.status == "loaded", outcome.error
    assert metric(settings, "illegal_working_penalties", "ie_transparency/2025-08-31/%") == {(date(2025, 4, 1), date(2025, 6, 30)): 410}
    assert metric(settings, "illegal_working_penalty_value_gbp", "ie_transparency/2025-08-31/%") == \
        {(date(2025, 4, 1), date(2025, 6, 30)): 7_250_000}


def test_special_values_and_numbers_as_text(settings, tmp_path, published):
    # the quarters after the published release's settled ones (a settled quarter revised from 301 to 1,234 is held by
    # the release gate), and up to 2025 Q2 (a release whose newest quarter moved back a year is held too)
    rows = [["2024 Q4", ":", "n/a"], ["2025 Q1", "1,234", "12.5"], ["2025 Q2", 0, 0]]
    outcome = load_bad(settings, tmp_path, ie_sheets(quarters=["2024 Q4", "2025 Q1", "2025 Q2"], cp02_rows=rows))
    assert outcome.status == "loaded", outcome.error
    got = metric(settings, "illegal_working_penalties", "ie_transparency/2025-08-31/%")
    # ':' (not available) gives no value, never zero; '1,234' as text parses; a published 0 is a 0
    assert got == {(date(2025, 1, 1), date(2025, 3, 31)): 1234, (date(2025, 4, 1), date(2025, 6, 30)): 0}
    assert query(settings, "SELECT penalties, value_gbp_millions FROM raw.illegal_working_penalties "
                           "WHERE quarter = '2024 Q4' AND release_id LIKE 'ie_transparency/2025-08-31/%'") == [(None, None)]


def test_sheet_renamed_so_the_table_id_is_gone_is_a_clear_error(settings, tmp_path, published):
    sheets = ie_sheets()
    grid = sheets.pop("CP_02")
    grid[0] = ["Volume and value of illegal working civil penalties1"]        # the id gone from the title too
    sheets["Penalties"] = grid
    outcome = load_bad(settings, tmp_path, sheets)
    assert outcome.status == "rejected"
    assert "ie_transparency release 2025-08-31 (IE_Q2_2025_Published.xlsx): table not found" in outcome.error
    assert "table CP_02: no sheet named 'CP_02' nor titled so" in outcome.error and "Penalties" in outcome.error
    assert snapshot(settings) == published


def test_renamed_column_is_named_with_its_sheet_and_row(settings, tmp_path, published):
    sheets = ie_sheets()
    sheets["FD_01"][5][1] = "Number of returns"                    # header on row 6
    outcome = load_bad(settings, tmp_path, sheets)
    assert outcome.status == "rejected"
    assert "sheet 'FD_01', row 6, column 'Number of attempted Charter and Overseas Returns'" in outcome.error
    assert failures(settings, BAD)[0][:3] == ("FD_01", 6, "Number of attempted Charter and Overseas Returns")
    assert snapshot(settings) == published


def test_a_needed_column_published_twice_is_named_not_guessed(settings, tmp_path, published):
    """'Number of Penalties Issued1' beside 'Number of Penalties Issued2': either could be the count (the spec
    matches both), so the release is rejected naming the sheet, the header row and both columns."""
    sheets = ie_sheets()
    header_row = 5                                                  # header on row 6
    for i, row in enumerate(sheets["CP_02"][header_row:header_row + 1 + len(QUARTERS)]):
        row.insert(2, "Number of Penalties Issued2" if i == 0 else 999)
    outcome = load_bad(settings, tmp_path, sheets)
    assert outcome.status == "rejected", outcome
    assert ("sheet 'CP_02', row 6, column 'Number of Penalties Issued': the header row has 2 columns that read alike "
            "('Number of Penalties Issued1' (column B) and 'Number of Penalties Issued2' (column C))") in outcome.error
    assert failures(settings, BAD)[0][:3] == ("CP_02", 6, "Number of Penalties Issued")
    assert snapshot(settings) == published


def test_value_that_is_not_a_number_is_rejected_naming_sheet_row_and_column(settings, tmp_path, published):
    rows = [["2025 Q1", 300, 5.5], ["2025 Q2", "12a", 6.0], ["Q5 2025", 10, 1.0]]
    outcome = load_bad(settings, tmp_path, ie_sheets(cp02_rows=rows))
    assert outcome.status == "rejected"
    # the column as a reader sees it, without the glued footnote digit ('Number of Penalties Issued1')
    assert "sheet 'CP_02', row 8, column 'Number of Penalties Issued': not a valid Int64 value (value '12a')" in outcome.error
    assert "sheet 'CP_02', row 9, column 'Quarter'" in outcome.error and "'Q5 2025'" in outcome.error
    assert [f[:3] for f in failures(settings, BAD)] == [("CP_02", 8, "Number of Penalties Issued"), ("CP_02", 9, "Quarter")]
    assert query(settings, "SELECT status FROM meta.releases WHERE file_name = ?", [BAD]) == [("rejected",)]
    assert snapshot(settings) == published


def test_a_quarter_published_twice_is_rejected_not_summed(settings, tmp_path, published):
    """A transparency table has one row per quarter; a repeated row (here 'Q2 2025' again, written the other way)
    would have been added to the first by the metric, doubling the quarter's penalties and their value."""
    rows = [["2025 Q1", 300, 5.5], ["Q2 2025", 496, 8.9], ["2025 Q2", 496, 8.9]]
    outcome = load_bad(settings, tmp_path, ie_sheets(cp02_rows=rows))
    assert outcome.status == "rejected", outcome.error
    # header on row 6 (transparency_sheet): the data rows are 7, 8 and 9; both copies of the quarter are named
    assert "sheet 'CP_02', row 8, column 'Quarter'" in outcome.error and "row 9" in outcome.error
    assert ("CP_02", 9, "Quarter") in [f[:3] for f in failures(settings, BAD)]
    assert snapshot(settings) == published


def test_changed_unit_is_rejected_not_guessed(settings, tmp_path, published):
    """CP_02 values are in £ millions; a release that switches the column to £ must not be read as millions."""
    sheets = ie_sheets(quarters=["2025 Q2"])
    sheets["CP_02"] = transparency_sheet("CP_02", "Volume and value of illegal working civil penalties",
                                         ["Quarter", "Number of Penalties Issued1", "Value of penalties issued (£)"],
                                         [["2025 Q2", 410, 7250000]])
    outcome = load_bad(settings, tmp_path, sheets)
    assert outcome.status == "rejected"
    assert "sheet 'CP_02'" in outcome.error and "Value of penalties issued (Millions)" in outcome.error
    assert snapshot(settings) == published


# --- the release gate's baseline: every source, without a gate table of its own (audit 13) ---------------------------

def test_a_settled_quarter_re_uploaded_ten_times_larger_is_held(settings, tmp_path, published):
    """A re-upload of a transparency workbook with one settled quarter's penalties 301 -> 3,010 (a slipped digit):
    held by the baseline's max_settled_revision (more than 50% and more than 100), naming sheet, row and both values;
    what was published stays. Before, sources without a gate table had no release gate: it replaced the figure."""
    rows = [[q, 300 + i, 5.5 + i / 10] for i, q in enumerate(QUARTERS)]
    rows[1][1] = 3010                                     # Q2 2024, settled by the release's last quarter (Q1 2025)
    outcome = load_bad(settings, tmp_path, ie_sheets(cp02_rows=rows, visits_and_arrests=False))
    assert outcome.status == "held", outcome.error
    assert ("release gate (max_settled_revision): 1 settled period(s) (ending before 2024-12-31) revised since "
            "ie_transparency/2025-05-22/") in outcome.error
    assert ("sheet 'CP_02', row 8, column 'Number of Penalties Issued': 2024-04-01 to 2024-06-30: illegal_working_penalties "
            "301 penalties in ie_transparency/2025-05-22/") in outcome.error and "now 3,010 (+2,709, +900.0%)" in outcome.error
    assert snapshot(settings) == published


def test_quarters_relabelled_a_year_early_are_held(settings, tmp_path, published):
    """Every quarter of the workbook a year early (Q1 2025's figures under Q1 2024, and so on): the newest quarter
    moves back a year, which no release of a quarterly series does; held, and nothing published moves."""
    early = [q.replace("2025", "2024X").replace("2024", "2023").replace("2023X", "2024") for q in QUARTERS]
    assert early == ["Q1 2023", "Q2 2023", "Q3 2023", "Q4 2023", "Q1 2024"]
    outcome = load_bad(settings, tmp_path, ie_sheets(quarters=early, visits_and_arrests=False))
    assert outcome.status == "held", outcome.error
    assert ("sheet 'CP_02', column 'Number of Penalties Issued': release gate (newest_moved_back): its newest period "
            "ends 2024-03-31, before the previous release ie_transparency/2025-05-22/") in outcome.error
    assert "(metric illegal_working_penalties)" in outcome.error
    assert snapshot(settings) == published


# --- the table found by its title is the UK's, and on one sheet (audit 20, F6) ------------------------------------

def illegal_working_sheet(table_id: str, title: str, rows: list[list]) -> list[list]:
    return transparency_sheet(table_id, title, ["Quarter", "Number of illegal working visits",
                                                "Number of illegal working arrests"], rows)


SCOTLAND_ROWS = [[q, 50 + 10 * i, 20 + 5 * i] for i, q in enumerate(QUARTERS)]
UK_ROWS = [[q, 1500 + 100 * i, 800 + 50 * i] for i, q in enumerate(QUARTERS)]


def test_a_title_naming_scotland_is_not_taken_as_the_uk_table(settings, tmp_path, published):
    """The only illegal-working sheet is titled '... in Scotland': its columns match, but it is Scotland's table.
    Before, its visits and arrests were published as the UK's; now the release is rejected naming the sheet and the
    words of its title, and nothing published moves."""
    sheets = ie_sheets(visits_and_arrests=False)
    sheets["IW_01"] = illegal_working_sheet("IW_01", "Illegal working visits and arrests in Scotland", SCOTLAND_ROWS)
    outcome = load_bad(settings, tmp_path, sheets)
    assert outcome.status == "rejected", outcome.error
    assert "sheet 'IW_01', row 1: table illegal_working_activity" in outcome.error
    assert "names a part of the UK ('Scotland'), not the UK" in outcome.error
    assert failures(settings, BAD)[0][:3] == ("IW_01", 1, None)
    assert snapshot(settings) == published


def test_a_nation_sheet_beside_the_uk_sheet_is_passed_over_not_added(settings, tmp_path, published):
    """'IW_01: Illegal working visits and arrests' beside 'IW_02: ...: Scotland': only the UK's figures are read.
    Before, both sheets were read and the metric added Scotland's quarter to the UK's (1,550 visits for 1,500)."""
    sheets = ie_sheets(visits_and_arrests=False)
    sheets["IW_01"] = illegal_working_sheet("IW_01", "Illegal working visits and arrests", UK_ROWS)
    sheets["IW_02"] = illegal_working_sheet("IW_02", "Illegal working visits and arrests: Scotland", SCOTLAND_ROWS)
    outcome = load_bad(settings, tmp_path, sheets)
    assert outcome.status == "loaded", outcome.error
    visits = metric(settings, "illegal_working_visits", "ie_transparency/2025-08-31/%")
    arrests = metric(settings, "illegal_working_arrests", "ie_transparency/2025-08-31/%")
    assert list(visits.values()) == [row[1] for row in UK_ROWS] and list(arrests.values()) == [row[2] for row in UK_ROWS]


def test_two_uk_sheets_matching_the_title_are_rejected_naming_both(settings, tmp_path, published):
    """Two sheets whose titles and columns both match the table, neither naming a part of the UK: which is the
    table is not guessed. Before, their rows were added quarter by quarter; now the release is rejected naming both."""
    sheets = ie_sheets(visits_and_arrests=False)
    sheets["IW_01"] = illegal_working_sheet("IW_01", "Illegal working visits and arrests", UK_ROWS)
    sheets["IW_02"] = illegal_working_sheet("IW_02", "Illegal working visits and arrests (revised)", UK_ROWS)
    outcome = load_bad(settings, tmp_path, sheets)
    assert outcome.status == "rejected", outcome.error
    assert "table illegal_working_activity (title with" in outcome.error and "2 sheets match it" in outcome.error
    assert "sheet 'IW_01'" in outcome.error and "sheet 'IW_02'" in outcome.error
    assert sorted(f[0] for f in failures(settings, BAD)) == ["IW_01", "IW_02"]
    assert snapshot(settings) == published


# --- ASY_02's Total is the sum of its age-of-case columns (audit 20, F5 T2) -----------------------------------------

ASY_02_HEADER = ["Quarter", "Total", "Less than 3 months", "3-6 months", "6-12 months", "12 months+ "]


def ukvi_sheets(rows: list[list]) -> dict[str, list[list]]:
    return {"Cover Sheet": [["Immigration and Protection"], ["Published: 29 February 2024"]],
            "ASY_02": transparency_sheet("ASY_02", "Age of Asylum Operations Initial Decision Work In Progress - "
                                                   "applications made from 1st Oct 2006", ASY_02_HEADER, rows, header_row=7)}


def test_real_asy_02_totals_are_the_sums_of_their_age_columns(realdata):
    """The cross-check the parser now makes holds on every row the UKVI publishes (Q3 2023 workbook)."""
    asy02 = sheet_table(realdata / UKVI, "ASY_02")
    assert len(asy02) == 28
    assert (asy02["Total"] == asy02[ASY_02_HEADER[2:]].sum(axis=1)).all()


def test_an_asy_02_total_that_is_not_the_sum_of_its_columns_is_rejected(settings, tmp_path):
    """Audit 20 T2: a new quarter whose Total (13,000) is not what its four age-of-case columns add up to (130,000)
    was published as 13,000. Now the release is rejected naming sheet, row, column 'Total' and both numbers; the good
    rows beside it (and a row with a part not available) pass the check."""
    rows = [["2023 Q2", 138134, 15140, 13966, 39512, 69516], ["2023 Q3", 131385, 21370, 15118, 34045, 60852],
            ["2023 Q4", 13000, 20000, 15000, 35000, 60000]]
    good = write_xlsx(tmp_path / "good" / "UKVI_IP_Q3_2023_Background_Published.xlsx",
                      ukvi_sheets([rows[0], rows[1][:2] + [":"] + rows[1][3:]]))
    assert load_one(settings, good).status == "loaded"
    published = snapshot(settings)
    bad = write_xlsx(tmp_path / "bad" / "UKVI_IP_Q4_2023_Background_Published.xlsx", ukvi_sheets(rows))
    outcome = load_one(settings, bad)
    assert outcome.status == "rejected", outcome.error
    assert "table ASY_02: 1 total(s) not the sum of their columns" in outcome.error
    assert failures(settings, bad.name) == [
        ("ASY_02", 10, "Total", "is not the sum of Less than 3 months, 3-6 months, 6-12 months and 12 months+ on its "
                                "row, which add up to 130,000", "13,000")]
    assert snapshot(settings) == published
