"""Home Office detailed datasets (parser ho_detailed): returns, irregular migration, asylum awaiting a decision,
asylum support. Real files where we have them, derived real values written back into the published layout,
and bad input for the layout family."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from flows.ingest import load_paths, run_sources
from tests.conftest import REALDATA
from tests.warehouse_reads import failures, load_one, metric, own_settings, query, snapshot
from tests.sources.home_office_detailed.builders import SECTION_4_LEGACY, asylum_support_frames, data_sheet_name, ho_dataset_sheets, published_returns, quarter_label
from tests.workbooks import cover_published, write_xlsx

IRREGULAR = "irregular-migration-to-the-UK-detailed-dataset-year-ending-september-2023.xlsx"

RET_D01_TITLE = "Returns by nationality, return type, age, sex and destination"


def by_year(values: dict[tuple[date, date], float]) -> dict[int, float]:
    out: dict[int, float] = {}
    for (start, _end), value in values.items():
        out[start.year] = out.get(start.year, 0) + value
    return out


# --- real-data tier: the official irregular migration workbook ------------------------------------

def test_real_irregular_migration_workbook_loads_with_the_sheet_totals(realdata, settings):
    path = realdata / "irregular" / IRREGULAR
    [outcome] = load_paths(settings, [path])
    assert outcome.status == "loaded", outcome.error
    assert outcome.source_id == "ho_irregular_migration" and outcome.notes == []
    # an independent read of the flat sheet: header on row 2, the closing row dropped
    sheet = pd.read_excel(path, sheet_name="Data - Irr_D01", header=1, engine="calamine")
    sheet = sheet[sheet["Year"] != "End of table"]
    assert sheet.loc[sheet["Quarter"] == "2023 Q3", "Number of detections"].sum() == 14980      # the pivot's Grand Total
    boats = sheet[sheet["Method of entry"] == "Small boat arrivals"].groupby("Quarter")["Number of detections"].sum()
    everything = sheet.groupby("Quarter")["Number of detections"].sum()

    def label(period):
        return f"{period[0].year} Q{(period[0].month - 1) // 3 + 1}"
    got_boats = {label(p): v for p, v in metric(settings, "small_boat_arrivals_quarterly").items()}
    got_all = {label(p): v for p, v in metric(settings, "irregular_detections").items()}
    assert got_boats == boats.astype(float).to_dict() and got_boats["2023 Q3"] == 13397
    assert got_all == everything.astype(float).to_dict()
    assert (date(2023, 7, 1), date(2023, 9, 30)) in metric(settings, "small_boat_arrivals_quarterly")
    # every row kept, with the published breakdowns, and no category outside the known sets
    assert query(settings, "SELECT count(*), count(DISTINCT nationality) FROM raw.irregular_detections") == \
        [(len(sheet), sheet["Nationality"].nunique())]
    assert query(settings, "SELECT count(*) FROM meta.new_categories") == [(0,)]
    # the name says only "year ending september 2023": the cover's "Published:" date dates it (read here with
    # openpyxl), not the estimate of two months later
    published = cover_published(REALDATA / "irregular" / IRREGULAR)
    assert published == date(2023, 11, 23)
    assert query(settings, "SELECT published_on, date_basis FROM meta.releases") == [(published, "content")]


# --- derived real values in the published layout: returns, both sheet-name styles ------------------

RETURNS_DERIVED = {
    "Ret_D01": (RET_D01_TITLE, "Ret_D01_returns.csv.gz"),
    "Ret_D02": ("Returns by return type and destination", "returns_by_destination.csv"),
    "Ret_D03": ("Returns of foreign national offenders by nationality", "returns_offenders_by_nationality.csv"),
    "Ret_D04": ("Returns of foreign national offenders by destination", "returns_offenders_by_destination.csv"),
}


@pytest.fixture(scope="module")
def derived_returns() -> dict[str, pd.DataFrame]:
    folder = REALDATA / "returns_derived"
    if not folder.is_dir():
        pytest.skip(f"real values not present at {folder} (the ../shared/realdata tier runs in CI)")
    return {table_id: pd.read_csv(folder / file_name) for table_id, (_title, file_name) in RETURNS_DERIVED.items()}


@pytest.fixture(scope="module")
def returns_releases(derived_returns, tmp_path_factory):
    """Two releases written in code: 2018 in the `Data - Ret_D0n` style (a year with both spellings of
    'Non-detained enforced removals' and 'Home Country'), 2023 in the 2025 `Data_Ret_D0n` style."""
    folder = tmp_path_factory.mktemp("returns")
    files = {}
    for year, style, name in [(2018, "2024", "returns-datasets-dec-2018.xlsx"), (2023, "2025", "returns-datasets-mar-2025.xlsx")]:
        tables = {t: (RETURNS_DERIVED[t][0], published_returns(frame[frame["Year"] == year]))
                  for t, frame in derived_returns.items()}
        files[year] = write_xlsx(folder / "files" / name, ho_dataset_sheets(tables, style=style))
    settings = own_settings(folder)
    outcomes = load_paths(settings, list(files.values()))
    return settings, files, outcomes


def test_derived_returns_load_in_both_sheet_name_styles(returns_releases, derived_returns):
    settings, files, outcomes = returns_releases
    assert [(o.status, o.notes) for o in outcomes] == [("loaded", []), ("loaded", [])], [o.error for o in outcomes]
    sheets = query(settings, "SELECT DISTINCT r.file_name FROM raw.returns JOIN meta.releases r USING (release_id) ORDER BY 1")
    assert [s[0] for s in sheets] == sorted(p.name for p in files.values())
    ret = derived_returns["Ret_D01"]
    fno = derived_returns["Ret_D03"]
    for year, release in [(2018, "ho_returns/2019-02-28/%"), (2023, "ho_returns/2025-05-31/%")]:
        rows = ret[ret["Year"] == year].groupby("Return type group")["Number of returns"].sum()
        enforced = by_year(metric(settings, "returns_enforced", release))[year]
        voluntary = by_year(metric(settings, "returns_voluntary", release))[year]
        assert enforced == rows["Enforced return"]
        assert voluntary == rows["Voluntary return"]
        assert by_year(metric(settings, "returns_port", release))[year] == rows["Refused entry at port and subsequently departed"]
        assert by_year(metric(settings, "returns_total", release))[year] == enforced + voluntary
        assert by_year(metric(settings, "fno_returns", release))[year] == fno.loc[fno["Year"] == year, fno.columns[-1]].sum()
        quarters = metric(settings, "returns_total", release)
        assert sorted(quarters) == [(date(year, 3 * q - 2, 1), (pd.Timestamp(year, 3 * q, 1) + pd.offsets.MonthEnd(0)).date())
                                    for q in range(1, 5)]
    assert by_year(metric(settings, "returns_enforced"))[2023] == 6393      # the official 2023 figure


def test_spelling_variants_are_normalised_once_and_not_reported(returns_releases):
    settings, _files, _outcomes = returns_releases
    types = {r[0] for r in query(settings, "SELECT DISTINCT return_type FROM raw.returns")}
    assert "Non-detained enforced removals" in types and "Non-detained Enforced removals" not in types
    groups = {r[0] for r in query(settings, "SELECT DISTINCT return_destination_group FROM raw.returns")}
    assert groups == {"Home country", "EU Member State", "Other country"}
    assert query(settings, "SELECT count(*) FROM meta.new_categories") == [(0,)]
    # breakdowns are kept in the raw tables, one raw row per published row
    assert query(settings, "SELECT count(*) FROM raw.returns_by_destination WHERE return_destination IS NULL") == [(0,)]


# --- derived real values: asylum awaiting a decision (Asy_D03) and asylum support (Asy_D11) -------------

@pytest.fixture(scope="module")
def asylum_derived() -> Path:
    folder = REALDATA / "asylum_derived"
    if not folder.is_dir():
        pytest.skip(f"real values not present at {folder} (the ../shared/realdata tier runs in CI)")
    return folder


def test_asylum_awaiting_decision_people_and_cases_never_mixed(asylum_derived, tmp_path):
    csv = pd.read_csv(asylum_derived / "awaiting_decision.csv")
    csv = csv[csv["Date"] >= "2023-06-30"]              # both spellings of 'Pending initial decision' occur here
    assert set(csv["Application stage"]) >= {"Pending initial decision", "Pending Initial decision"}
    people = csv.assign(Date=pd.to_datetime(csv["Date"]))
    people_file = write_xlsx(tmp_path / "asylum-applications-awaiting-decision-datasets-sep-24.xlsx", ho_dataset_sheets(
        {"Asy_D03": ("Asylum applications awaiting a decision", people)}, style="2024"))
    # a later release counting claims (cases), with Year and Quarter instead of a date
    cases = csv[csv["Applicant type"] == "Main applicant"].copy()
    stamp = pd.to_datetime(cases["Date"])
    cases.insert(0, "Year", stamp.dt.year)
    cases.insert(1, "Quarter", [quarter_label(d.year, d.quarter) for d in stamp])
    cases = cases.drop(columns="Date").rename(columns={"Applications": "Claims"})
    cases_file = write_xlsx(tmp_path / "asylum-claims-awaiting-decision-datasets-mar-2025.xlsx", ho_dataset_sheets(
        {"Asy_D03": ("Asylum claims awaiting a decision", cases)}, style="2025"))
    settings = own_settings(tmp_path)
    outcomes = load_paths(settings, [people_file, cases_file])
    assert [(o.status, o.notes) for o in outcomes] == [("loaded", []), ("loaded", [])], [o.error for o in outcomes]

    pending = csv[csv["Application stage"].str.casefold() == "pending initial decision"]
    expected = pending.groupby("Date")["Applications"].sum()
    got = metric(settings, "asylum_awaiting_initial_decision")
    assert {end.isoformat(): v for (_s, end), v in got.items()} == expected.astype(float).to_dict()
    assert (date(2024, 7, 1), date(2024, 9, 30)) in got                    # the stock at 30 Sep: quarter bounds
    expected_cases = pending[pending["Applicant type"] == "Main applicant"].groupby("Date")["Applications"].sum()
    got_cases = metric(settings, "asylum_awaiting_initial_decision_cases")
    assert {end.isoformat(): v for (_s, end), v in got_cases.items()} == expected_cases.astype(float).to_dict()
    # never mixed: each release feeds one of the two metrics only
    assert query(settings, "SELECT metric_id, count(DISTINCT release_id), min(unit) FROM marts.metric_observations "
                           "WHERE metric_id LIKE 'asylum_awaiting%' GROUP BY 1 ORDER BY 1") == \
        [("asylum_awaiting_initial_decision", 1, "people"), ("asylum_awaiting_initial_decision_cases", 1, "cases")]
    assert query(settings, "SELECT DISTINCT as_at FROM raw.asylum_awaiting_decision WHERE quarter = '2024 Q3'") == [(date(2024, 9, 30),)]
    assert query(settings, "SELECT count(*) FROM meta.new_categories") == [(0,)]


def test_asylum_support_hotels_and_total(asylum_derived, tmp_path):
    csv = pd.read_csv(asylum_derived / "local_authority_support.csv")
    csv = csv[csv["Date"] >= "2022-12-31"]              # 'Subsistence only' spelled so on 2022-12-31
    published = csv.drop(columns="Date").assign(Quarter=[quarter_label(y, q) for y, q in zip(csv["Year"], csv["Quarter"])])
    path = write_xlsx(tmp_path / "support-local-authority-datasets-sep-24.xlsx", ho_dataset_sheets(
        {"Asy_D11": ("Asylum seekers in receipt of support by local authority", published)}, style="2025"))
    settings = own_settings(tmp_path)
    [outcome] = load_paths(settings, [path])
    assert (outcome.status, outcome.notes) == ("loaded", []), outcome.error
    hotels = csv[csv["Accommodation Type"] == "Contingency Accommodation - Hotel"].groupby("Date")["People"].sum()
    got = {end.isoformat(): v for (_s, end), v in metric(settings, "asylum_hotel_population").items()}
    assert got == hotels.astype(float).to_dict() and got["2023-12-31"] == 45768
    total = {end.isoformat(): v for (_s, end), v in metric(settings, "asylum_supported_population").items()}
    assert total == csv.groupby("Date")["People"].sum().astype(float).to_dict()
    assert query(settings, "SELECT DISTINCT accommodation_type FROM raw.asylum_support WHERE accommodation_type ILIKE 'subsistence%'") == \
        [("Subsistence Only",)]
    assert query(settings, "SELECT count(*) FROM meta.new_categories") == [(0,)]


# --- bad input for the detailed-dataset layout (small workbooks built in code) ---------------------------

GROUPS = [("Enforced return", "Enforced removals from detention"), ("Voluntary return", "Assisted returns"),
          ("Refused entry at port and subsequently departed", "Departed from UK Ports")]


def small_returns(quarters=("2024 Q1", "2024 Q2")) -> dict[str, pd.DataFrame]:
    """Ret_D01..Ret_D04 with a few rows per quarter; counts 10, 11, 12, ... in sheet order."""
    d01, d02, d03, d04 = [], [], [], []
    n = 10
    for quarter in quarters:
        year = int(quarter[:4])
        for nationality, region in [("Albania", "Europe Other"), ("India", "Asia South")]:
            for group, rtype in GROUPS:
                d01.append([year, quarter, nationality, region, group, rtype, "18 to 29", "Male", "Home country", n])
                n += 1
            d03.append([year, quarter, nationality, region, "Home country", 3])
        for group, rtype in GROUPS:
            d02.append([year, quarter, group, rtype, "Albania", "Europe Other", 5])
        d04.append([year, quarter, "Albania", "Europe Other", 6])
    return {
        "Ret_D01": pd.DataFrame(d01, columns=["Year", "Quarter", "Nationality", "Region", "Return type group", "Return type",
                                              "Age", "Sex", "Return destination group", "Number of returns"]),
        "Ret_D02": pd.DataFrame(d02, columns=["Year", "Quarter", "Return type group", "Return type", "Return destination",
                                              "Return destination region", "Number of returns"]),
        "Ret_D03": pd.DataFrame(d03, columns=["Year", "Quarter", "Nationality", "Region", "Return destination group",
                                              "Number of returns"]),
        "Ret_D04": pd.DataFrame(d04, columns=["Year", "Quarter", "Return destination", "Return destination region",
                                              "Number of returns"]),
    }


def returns_sheets(frames: dict[str, pd.DataFrame], **kwargs) -> dict[str, list[list]]:
    return ho_dataset_sheets({t: (t, f) for t, f in frames.items()}, **kwargs)


def returns_file(folder: Path, name: str, sheets: dict[str, list[list]]) -> Path:
    return write_xlsx(folder / name, sheets)


BAD = "returns-datasets-sep-2024.xlsx"


@pytest.fixture
def published(settings, tmp_path):
    """A warehouse with one good small returns release (jun-2024) published."""
    good = returns_file(tmp_path / "good", "returns-datasets-jun-2024.xlsx", returns_sheets(small_returns()))
    [outcome] = load_paths(settings, [good])
    assert outcome.status == "loaded", outcome.error
    return snapshot(settings)


def load_bad(settings, tmp_path, sheets):
    return load_one(settings, returns_file(tmp_path / "bad", BAD, sheets))


def test_good_small_release_values(settings, published):
    d01 = small_returns()["Ret_D01"]
    enforced = d01[d01["Return type group"] == "Enforced return"].groupby("Quarter")["Number of returns"].sum()
    assert list(metric(settings, "returns_enforced").values()) == enforced.astype(float).tolist()


def test_header_a_row_lower_still_loads(settings, tmp_path, published):
    frames = small_returns(("2024 Q3",))
    outcome = load_bad(settings, tmp_path, returns_sheets(frames, header_row=3))
    assert outcome.status == "loaded", outcome.error
    d01 = frames["Ret_D01"]
    assert metric(settings, "returns_total", "ho_returns/2024-11-30/%") == {
        (date(2024, 7, 1), date(2024, 9, 30)): float(d01.loc[d01["Return type group"] != GROUPS[2][0], "Number of returns"].sum())}
    # source rows point at the sheet: the first data row is now row 4
    assert query(settings, "SELECT min(source_row) FROM raw.returns WHERE release_id LIKE 'ho_returns/2024-11-30/%'") == [(4,)]


def test_sheet_renamed_so_the_table_id_is_gone_is_a_clear_error(settings, tmp_path, published):
    sheets = returns_sheets(small_returns())
    sheets["Data - Returns"] = sheets.pop("Data - Ret_D01")
    outcome = load_bad(settings, tmp_path, sheets)
    assert outcome.status == "rejected"
    assert "ho_returns release 2024-11-30 (returns-datasets-sep-2024.xlsx): table not found" in outcome.error
    assert "table Ret_D01: no data sheet named 'Data - Ret_D01' / 'Data_Ret_D01'" in outcome.error
    assert "Data - Returns" in outcome.error                         # the sheets that are there
    assert failures(settings, BAD)[0][0] == "Data - Ret_D01"
    assert snapshot(settings) == published


def test_missing_end_of_table_is_a_clear_error(settings, tmp_path, published):
    outcome = load_bad(settings, tmp_path, returns_sheets(small_returns(), end_marker=False))
    assert outcome.status == "rejected"
    assert "sheet 'Data - Ret_D01'" in outcome.error and "no closing row reading 'End of table'" in outcome.error
    assert {f[0] for f in failures(settings, BAD)} == {"Data - Ret_D01", "Data - Ret_D02", "Data - Ret_D03", "Data - Ret_D04"}
    assert snapshot(settings) == published


def test_count_written_as_text_with_a_thousands_separator_parses(settings, tmp_path):
    # on an empty warehouse: 1,234 beside June's tens would be held as a new quarter over ten times the last (newest_jump)
    frames = small_returns(("2024 Q3",))
    frames["Ret_D01"] = frames["Ret_D01"].astype({"Number of returns": object})
    frames["Ret_D01"].loc[0, "Number of returns"] = "1,234"          # Enforced return, Albania
    frames["Ret_D01"].loc[1, "Number of returns"] = " 56 "
    outcome = load_bad(settings, tmp_path, returns_sheets(frames))
    assert outcome.status == "loaded", outcome.error
    assert metric(settings, "returns_enforced", "ho_returns/2024-11-30/%") == {(date(2024, 7, 1), date(2024, 9, 30)): 1234.0 + 13}
    assert metric(settings, "returns_voluntary", "ho_returns/2024-11-30/%") == {(date(2024, 7, 1), date(2024, 9, 30)): 56.0 + 14}


def test_count_that_is_not_a_number_is_rejected_naming_sheet_row_and_column(settings, tmp_path, published):
    frames = small_returns(("2024 Q3",))
    frames["Ret_D01"] = frames["Ret_D01"].astype({"Number of returns": object})
    frames["Ret_D01"].loc[4, "Number of returns"] = "12a"            # sheet row 3 + 4 = 7
    frames["Ret_D03"].loc[1, "Quarter"] = "2024 Q5"                  # not a quarter: sheet row 4
    outcome = load_bad(settings, tmp_path, returns_sheets(frames))
    assert outcome.status == "rejected"
    assert "sheet 'Data - Ret_D01', row 7, column 'Number of returns': not a valid Int64 value (value '12a')" in outcome.error
    assert "sheet 'Data - Ret_D03', row 4, column 'Quarter'" in outcome.error and "'2024 Q5'" in outcome.error
    got = failures(settings, BAD)
    assert ("Data - Ret_D01", 7, "Number of returns") in [f[:3] for f in got]
    assert ("Data - Ret_D03", 4, "Quarter") in [f[:3] for f in got]
    assert query(settings, "SELECT status FROM meta.releases WHERE file_name = ?", [BAD]) == [("rejected",)]
    assert snapshot(settings) == published


def test_new_category_is_kept_and_reported(settings, tmp_path, published):
    frames = small_returns(("2024 Q3",))
    d01 = frames["Ret_D01"]
    d01.loc[0, "Return type"] = "Enforced removals  under  the new scheme"     # new, with stray spacing
    d01.loc[1, "Return type"] = "ASSISTED  returns"                             # known, other case and spacing
    d01.loc[2, "Sex"] = "Not stated"
    outcome = load_bad(settings, tmp_path, returns_sheets(frames))
    assert outcome.status == "loaded", outcome.error
    assert any("new category 'Enforced removals under the new scheme' (1 rows), kept" in n for n in outcome.notes)
    new = query(settings, "SELECT table_name, column_name, label, rows FROM meta.new_categories ORDER BY label")
    assert new == [("returns", "return_type", "Enforced removals under the new scheme", 1), ("returns", "sex", "Not stated", 1)]
    kept = query(settings, "SELECT return_type, returns FROM raw.returns WHERE release_id LIKE 'ho_returns/2024-11-30/%' "
                           "AND source_row IN (3, 4) ORDER BY source_row")
    assert kept == [("Enforced removals under the new scheme", 10), ("Assisted returns", 11)]
    assert by_year(metric(settings, "returns_total", "ho_returns/2024-11-30/%"))[2024] == \
        float(d01.loc[d01["Return type group"] != GROUPS[2][0], "Number of returns"].sum())


def test_missing_required_table_is_named_and_unknown_files_are_skipped(settings, tmp_path, published):
    sheets = returns_sheets(small_returns())
    del sheets["Data - Ret_D03"], sheets["Ret_D03"]
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "returns-summary-dec-2023-tables.ods").write_bytes(b"not loaded: a summary table, not a dataset")
    write_xlsx(tmp_path / "bad" / BAD, sheets)
    outcomes = {o.name.rsplit("/", 1)[-1]: o for o in load_paths(settings, [tmp_path / "bad"])}
    assert outcomes["returns-summary-dec-2023-tables.ods"].status == "skipped"
    assert outcomes[BAD].status == "rejected" and "table Ret_D03: no data sheet" in outcomes[BAD].error
    assert snapshot(settings) == published


def test_returns_release_discovered_on_the_statistics_page(settings, mirror, tmp_path):
    """End to end over HTTP: the data tables page lists many datasets; only the returns file is taken."""
    page = "/government/statistical-data-sets/immigration-system-statistics-data-tables"
    path = returns_file(tmp_path, "returns-datasets-jun-2024.xlsx", returns_sheets(small_returns()))
    url = mirror.publish(page, path.name, path.read_bytes(), public_updated_at="2024-08-22T09:30:00.000+01:00")
    mirror.pages[page]["details"]["attachments"].insert(0, {"url": url.replace(path.name, "asylum-applications-datasets-jun-2024.xlsx"),
                                                            "filename": "asylum-applications-datasets-jun-2024.xlsx"})
    [outcome] = run_sources(settings, ["ho_returns"])
    assert outcome.status == "loaded", outcome.error
    # downloaded: the release date is the page's, not the month in the name (jun-2024)
    assert query(settings, "SELECT file_url, published_on FROM meta.releases") == [(url, date(2024, 8, 22))]
    assert sum(metric(settings, "returns_port").values()) == float(sum(range(10, 22)[2::3]))


def test_a_download_the_page_does_not_date_is_dated_by_estimate_and_says_so(settings, mirror, tmp_path):
    """Neither the attachment nor the page carries a date: the name's month (jun-2024) plus the usual two months,
    to the end of August 2024, recorded as an estimate (date_basis estimated), not as the page's date."""
    page = "/government/statistical-data-sets/immigration-system-statistics-data-tables"
    path = returns_file(tmp_path, "returns-datasets-jun-2024.xlsx", returns_sheets(small_returns()))
    mirror.publish(page, path.name, path.read_bytes(), public_updated_at=None)
    [outcome] = run_sources(settings, ["ho_returns"])
    assert outcome.status == "loaded", outcome.error
    assert query(settings, "SELECT published_on, date_basis FROM meta.releases") == [(date(2024, 8, 31), "estimated")]


def test_stock_date_that_is_not_a_quarter_end_is_rejected(settings, tmp_path):
    frame = pd.DataFrame({"Date": [pd.Timestamp("2024-09-30"), pd.Timestamp("2024-09-15")], "Nationality": ["Iran", "Iraq"],
                          "Region": ["Middle East", "Middle East"], "Applicant type": ["Main applicant", "Dependant"],
                          "Application stage": ["Pending initial decision"] * 2, "Duration": ["6 months or less"] * 2,
                          "Applications": [5, 6]})
    sheets = ho_dataset_sheets({"Asy_D03": ("Asylum applications awaiting a decision", frame)}, header_row=4)
    [outcome] = load_paths(settings, [write_xlsx(tmp_path / "asylum-claims-awaiting-decision-datasets-sep-2024.xlsx", sheets)])
    assert outcome.status == "rejected"
    assert "sheet 'Data - Asy_D03', row 6, column 'Date': is the last day of a quarter (value '2024-09-15" in outcome.error


def test_data_sheet_names_in_both_styles_and_never_the_pivot():
    from flows.sources.home_office_detailed.parser import data_sheet_pattern
    from flows.parsing import sheet_key
    pattern = data_sheet_pattern(["Irr_D01", "IER_D01"])
    for name in ["Data - Irr_D01", "Data_IER_D01", "data -  irr_d01 ", "Data-IER_D01", data_sheet_name("Irr_D01", "2025")]:
        assert pattern.match(sheet_key(name)), name
    for name in ["Irr_D01", "Data - Irr_D010", "Data - Irr_D02", "IER_D01 pivot"]:
        assert not pattern.match(sheet_key(name)), name


def test_every_stock_table_names_its_quarter_end_check():
    # pandera drops a check's `name` after the first model using it is converted; the error text must survive
    from schemas.home_office_detailed import AsylumAwaitingDecision, AsylumSupport, Stock
    for model in (Stock, AsylumAwaitingDecision, AsylumSupport, AsylumAwaitingDecision):
        assert [c.error for c in model.to_schema().columns["as_at"].checks] == ["is the last day of a quarter"]


# --- asylum support: the national dataset (Asy_D09) beside the local-authority one (Asy_D11) -------------

# A contingency-hotel stock at each date: the end of June 2024 (the pledge's baseline) and September 2024 from
# Asy_D11's real values (../shared/realdata/asylum_derived), two later quarter ends made up for the test (no real
# file here reaches them), and a 2017 date with the legacy section 4 rows.
SUPPORT_HOTELS = {date(2017, 12, 31): 1_204, date(2024, 6, 30): 29_585, date(2024, 9, 30): 35_651,
                  date(2024, 12, 31): 38_054, date(2025, 12, 31): 30_657}
D09_NAME = "asylum-seekers-receipt-support-datasets-dec-2025.xlsx"
D09_TITLE = "Asylum seekers in receipt of support by nationality, support type and accommodation type"
D11_NAME = "support-local-authority-datasets-dec-2025.xlsx"
D11_TITLE = "Asylum seekers in receipt of support by local authority"


def support_files(folder: Path, hotels=SUPPORT_HOTELS) -> tuple[Path, Path]:
    d09, d11 = asylum_support_frames(hotels)
    return (write_xlsx(folder / D09_NAME, ho_dataset_sheets({"Asy_D09": (D09_TITLE, d09)}, style="2025")),
            write_xlsx(folder / D11_NAME, ho_dataset_sheets({"Asy_D11": (D11_TITLE, d11)}, style="2025")))


def test_national_hotel_stock_equals_the_local_authority_hotel_rows_at_each_quarter_end(tmp_path):
    """Asy_D09 and Asy_D11 built from the same cells, in the 2025-26 headers (`Date (as at…)` with text dates,
    `UK Region / Nation`, the legacy 'N/A - Section 4 (pre-2018)' rows): both load, and the national hotel stock
    equals the sum of the local authorities' hotel rows at every quarter end."""
    settings = own_settings(tmp_path)
    outcomes = load_paths(settings, list(support_files(tmp_path / "files")))
    assert sorted((o.source_id, o.status, tuple(o.notes)) for o in outcomes) == [
        ("ho_asylum_support", "loaded", ()), ("ho_asylum_support_national", "loaded", ())], [o.error for o in outcomes]
    national = {end: v for (_s, end), v in metric(settings, "asylum_hotel_population_national").items()}
    by_authority = {end: v for (_s, end), v in metric(settings, "asylum_hotel_population").items()}
    assert national == by_authority == {day: float(n) for day, n in SUPPORT_HOTELS.items()}
    assert (national[date(2024, 12, 31)], national[date(2025, 12, 31)]) == (38_054, 30_657)
    # every supported person, not only hotels: the same total at each date in both datasets
    totals = "SELECT as_at, sum(people) FROM raw.{} GROUP BY 1 ORDER BY 1"
    assert query(settings, totals.format("asylum_support_national")) == query(settings, totals.format("asylum_support"))
    # the published columns land in their own: the UK's region is not the nationality's, the legacy rows kept
    assert query(settings, "SELECT DISTINCT uk_region FROM raw.asylum_support ORDER BY 1") == \
        [("London",), (SECTION_4_LEGACY,), ("North West",), ("Scotland",)]
    assert query(settings, "SELECT DISTINCT region, uk_region FROM raw.asylum_support_national WHERE nationality = 'Iran' "
                           "AND uk_region = 'London'") == [("Middle East", "London")]
    assert query(settings, "SELECT as_at, people FROM raw.asylum_support WHERE local_authority = ?", [SECTION_4_LEGACY]) == \
        [(date(2017, 12, 31), 321)]
    assert query(settings, "SELECT count(*) FROM meta.new_categories") == [(0,)]


def older_d09(layout: str) -> pd.DataFrame:
    """Asy_D09 as older editions may lay it out: `Date | Support Type | Accommodation Type | People` with date
    cells, or `Year | Quarter | ...` without a date."""
    d09, _d11 = asylum_support_frames(OLDER_HOTELS, date_text=False)
    national = d09.groupby([d09.columns[0], "Support Type", "Accommodation Type"], as_index=False)["People"].sum()
    national = national.rename(columns={d09.columns[0]: "Date"})
    if layout == "year and quarter":
        stamp = pd.to_datetime(national.pop("Date"))
        national.insert(0, "Year", stamp.dt.year)
        national.insert(1, "Quarter", [quarter_label(d.year, d.quarter) for d in stamp])
    return national


OLDER_HOTELS = {day: n for day, n in SUPPORT_HOTELS.items() if day <= date(2024, 9, 30)}     # the sep-24 edition


@pytest.mark.parametrize("layout", ["date", "year and quarter"])
def test_an_older_national_support_sheet_loads(tmp_path, layout):
    path = write_xlsx(tmp_path / "asylum-seekers-receipt-support-datasets-sep-24.xlsx", ho_dataset_sheets(
        {"Asy_D09": (D09_TITLE, older_d09(layout))}, style="2024"))               # `Data - Asy_D09`
    settings = own_settings(tmp_path)
    [outcome] = load_paths(settings, [path])
    assert (outcome.source_id, outcome.status, outcome.notes) == ("ho_asylum_support_national", "loaded", []), outcome.error
    got = {end: v for (_s, end), v in metric(settings, "asylum_hotel_population_national").items()}
    assert got == {day: float(n) for day, n in OLDER_HOTELS.items()} and got[date(2024, 9, 30)] == 35_651
    # no "Published:" line on its cover: the end of the month two months after September 2024, by estimate
    assert query(settings, "SELECT published_on, date_basis FROM meta.releases") == [(date(2024, 11, 30), "estimated")]


def test_the_asylum_hotels_pledge_reads_the_national_figure(tmp_path):
    """asylum_hotels measures Asy_D09's national hotel stock; Asy_D11's sum over local authorities is its related
    measure. Loaded alone, the national file gives the pledge its latest value, 30,657 at 31 December 2025."""
    from warehouse.register import load_register
    hotels = next(e for e in load_register() if e.id == "asylum_hotels")
    assert hotels.metric == "asylum_hotel_population_national" and hotels.related_metrics == ["asylum_hotel_population"]
    settings = own_settings(tmp_path)
    national, _by_authority = support_files(tmp_path / "files")
    assert load_one(settings, national).status == "loaded"
    [(metric_id, value, baseline, status)] = query(settings, "SELECT metric_id, value, baseline_value, status FROM marts.pledge_status "
                                                             "WHERE pledge_id = 'asylum_hotels'")
    # above the straight line from 29,585 (end of June 2024) to zero on 8 July 2029
    assert (metric_id, value, status) == ("asylum_hotel_population_national", 30_657, "off track") and baseline < 29_585
    # a stock is named by the date of its level, never by a quarter (which would read as the quarter's total)
    [(period, base, explanation)] = query(settings, "SELECT period_label, baseline_label, explanation FROM marts.pledge_status "
                                                    "WHERE pledge_id = 'asylum_hotels'")
    assert (period, base) == ("end of Dec 2025", "the line from the level at the end of Jun 2024 to 0 on 8 Jul 2029")
    assert (f"at the end of Dec 2025: 30,657 against {baseline:,.0f} on the line from the level at the end of Jun 2024 "
            "to 0 on 8 Jul 2029") in explanation


def test_the_local_authority_sheet_in_its_2025_26_header_loads(tmp_path):
    """`Date (as at…)` with text dates and `UK Region / Nation` (before: rejected, 'none of the columns 'Date' or
    'As at date' or 'As at' or 'Quarter' in the header row'; the region column would have been a new column)."""
    _national, by_authority = support_files(tmp_path / "files")
    settings = own_settings(tmp_path)
    outcome = load_one(settings, by_authority)
    assert (outcome.status, outcome.notes) == ("loaded", []), outcome.error
    assert query(settings, "SELECT as_at, uk_region, lad_code, people FROM raw.asylum_support WHERE local_authority = "
                           "'Glasgow City' AND accommodation_type = 'Contingency Accommodation - Hotel' AND quarter = '2025 Q4'") == \
        [(date(2025, 12, 31), "Scotland", "S12000049", 30_657 - 15_328 - 9_197)]


def test_a_release_of_an_unconfirmed_layout_confirms_it_and_is_named(tmp_path):
    """The catalog marks Asy_D09 unconfirmed (built from a description). Once a file of it loads cleanly,
    marts.metrics says its layout is confirmed and names the release; sources not loaded stay as the catalog says."""
    from flows.catalog import load_catalog
    catalog = load_catalog()
    assert catalog["ho_asylum_support_national"].layout_confirmed is False and catalog["ho_returns"].layout_confirmed is False
    settings = own_settings(tmp_path)
    national, _by_authority = support_files(tmp_path / "files")
    outcome = load_one(settings, national)
    assert outcome.status == "loaded"
    rows = dict((m, (c, by)) for m, c, by in query(
        settings, "SELECT metric_id, layout_confirmed, layout_confirmed_by FROM marts.metrics "
                  "WHERE metric_id IN ('asylum_hotel_population_national', 'returns_enforced', 'small_boat_arrivals')"))
    assert rows == {"asylum_hotel_population_national": (True, outcome.release_id),
                    "returns_enforced": (False, None),          # unconfirmed, nothing of it loaded
                    "small_boat_arrivals": (True, None)}        # confirmed by the catalog


def test_a_repeated_irregular_migration_row_is_rejected_not_summed(settings, tmp_path):
    """One small-boat row of Irr_D01 repeated verbatim loaded, and the quarter's small-boat arrivals were summed with
    it twice (audit 16: 2023 Q2 read 8,122 for 7,640). The published tables hold one row per quarter and breakdown:
    a repeat is rejected, naming the sheet and both rows; the quarter a genuine row adds to stays as it was."""
    columns = ["Year", "Quarter", "Method of entry", "Nationality", "Region", "Sex", "Age Group", "Number of detections"]
    rows = [[2023, "2023 Q2", "Small boat arrivals", "Albania", "Europe Other", "Male", "18 to 24", 482],
            [2023, "2023 Q2", "Small boat arrivals", "Iran", "Middle East", "Male", "25 to 39", 300],
            [2023, "2023 Q2", "Recorded detections in the UK", "Iran", "Middle East", "Male", "25 to 39", 40]]
    name = "irregular-migration-to-the-UK-detailed-dataset-year-ending-june-2023.xlsx"
    good = write_xlsx(tmp_path / "good" / name, ho_dataset_sheets(
        {"Irr_D01": ("Detected irregular migration to the UK", pd.DataFrame(rows, columns=columns))}))
    [loaded] = load_paths(settings, [good])
    assert loaded.status == "loaded", loaded.error
    assert metric(settings, "small_boat_arrivals_quarterly") == {(date(2023, 4, 1), date(2023, 6, 30)): 782}
    repeated = write_xlsx(tmp_path / "bad" / name.replace("june", "september"), ho_dataset_sheets(
        {"Irr_D01": ("Detected irregular migration to the UK", pd.DataFrame(rows + [rows[0]], columns=columns))}))
    [outcome] = load_paths(settings, [repeated])
    assert outcome.status == "rejected", outcome.error
    found = failures(settings, repeated.name)
    assert [(sheet, row, check) for sheet, row, _c, check, _v in found] == [
        ("Data - Irr_D01", 6, "repeats row 3 in every column: its figures would be counted twice")], found
    assert metric(settings, "small_boat_arrivals_quarterly") == {(date(2023, 4, 1), date(2023, 6, 30)): 782}
    # an edition adding a breakdown column (by location of detection): rows alike but for it are rows of their own,
    # loaded and summed (audit 17: a key on the known columns alone refused the whole edition)
    located = pd.DataFrame([rows[0] + ["Kent coast"], rows[0][:-1] + [200, "At sea"], *[r + [None] for r in rows[1:]]],
                           columns=columns + ["Location of detection"])
    newer = write_xlsx(tmp_path / "located" / name.replace("june", "december"), ho_dataset_sheets(
        {"Irr_D01": ("Detected irregular migration to the UK", located)}))
    [outcome] = load_paths(settings, [newer])
    assert outcome.status == "loaded", outcome.error
    assert any("Location of detection" in note for note in outcome.notes), outcome.notes
    assert metric(settings, "small_boat_arrivals_quarterly") == {(date(2023, 4, 1), date(2023, 6, 30)): 982}


IRR_COLUMNS = ["Year", "Quarter", "Method of entry", "Nationality", "Region", "Sex", "Age Group", "Number of detections"]
IRR_ROWS = [[2023, "2023 Q2", "Small boat arrivals", "Albania", "Europe Other", "Male", "18 to 24", 482],
            [2023, "2023 Q2", "Small boat arrivals", "Iran", "Middle East", "Male", "25 to 39", 300],
            [2023, "2023 Q2", "Recorded detections in the UK", "Iran", "Middle East", "Male", "25 to 39", 40]]
IRR_NAME = "irregular-migration-to-the-UK-detailed-dataset-year-ending-june-2023.xlsx"


def irregular_workbook(folder: Path, rows: list[list], name: str = IRR_NAME) -> Path:
    return write_xlsx(folder / name, ho_dataset_sheets(
        {"Irr_D01": ("Detected irregular migration to the UK", pd.DataFrame(rows, columns=IRR_COLUMNS))}))


def test_a_total_row_in_irregular_migration_is_rejected_not_summed(settings, tmp_path):
    """Audit 20 F2: a publisher's subtotal row per method of entry (Nationality, Region, Sex and Age Group reading
    'Total' or 'All ...') loaded beside the rows it adds up, and the quarter's small-boat arrivals were summed twice
    (782 -> 1,564). Now the release is rejected naming the sheet, row, column and the label; nothing is published."""
    subtotal = [2023, "2023 Q2", "Small boat arrivals", "All nationalities", "Total", "All", "Total", 782]
    path = irregular_workbook(tmp_path, IRR_ROWS + [subtotal])
    [outcome] = load_paths(settings, [path])
    assert outcome.status == "rejected", outcome.error
    assert "1 total row(s) among the data rows" in outcome.error
    assert [(sheet, row, column, value) for sheet, row, column, _check, value in failures(settings, path.name)] == [
        ("Data - Irr_D01", 6, "Nationality", "All nationalities"), ("Data - Irr_D01", 6, "Region", "Total"),
        ("Data - Irr_D01", 6, "Sex", "All"), ("Data - Irr_D01", 6, "Age Group", "Total")]
    assert metric(settings, "small_boat_arrivals_quarterly") == {}


def test_only_whole_total_labels_are_totals_not_members_that_contain_the_words():
    from flows.sources.home_office_detailed.labels import is_total_label
    totals = ["Total", "total ", "All", "All nationalities", "Grand Total", "Sub-total", "Total (all methods)",
              "All methods of entry", "All age groups"]
    members = ["Marshall Islands", "Other and unknown", "All other nationalities", "Small boat arrivals", "Unknown",
               "Not currently recorded", "Australia", "Tallinn", None, 12]
    assert [v for v in totals if not is_total_label(v)] == []
    assert [v for v in members if is_total_label(v)] == []


def test_an_irregular_migration_year_that_is_not_its_quarters_is_rejected(settings, tmp_path):
    """Audit 20 D3: a row reading Year 2024 beside Quarter '2023 Q4' loaded, dated by the quarter alone. Year and
    Quarter disagreeing is a calendar/financial-year slip or a row from another quarter: rejected naming the row and
    both cells; the rows that agree load."""
    q4 = [[2023, "2023 Q4", "Small boat arrivals", "Iran", "Middle East", "Male", "25 to 39", 300],
          [2024, "2023 Q4", "Small boat arrivals", "Albania", "Europe Other", "Male", "18 to 24", 482]]
    path = irregular_workbook(tmp_path, IRR_ROWS + q4, IRR_NAME.replace("june", "december"))
    [outcome] = load_paths(settings, [path])
    assert outcome.status == "rejected", outcome.error
    check = "is not the year of the row's Quarter '2023 Q4'"
    assert "1 row(s) whose Year and Quarter disagree" in outcome.error
    assert f"sheet 'Data - Irr_D01', row 7, column 'Year': {check} (value '2024')" in outcome.error
    assert failures(settings, path.name) == [("Data - Irr_D01", 7, "Year", check, "2024")]
    assert metric(settings, "small_boat_arrivals_quarterly") == {}
