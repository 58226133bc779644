"""Local files recognised by content when their name matches no pattern (issue 16 item 1), the real published
names (item 5), and files under a folder that are links or not regular files (issue 12 item 17)."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import zipfile
from datetime import date, datetime

import duckdb
import pytest

from flows import cli, ingest
from flows.catalog import load_catalog, recognise
from flows.ingest import load_paths
from flows.recognise import recognise_file
from tests.conftest import REALDATA
from tests.warehouse_reads import metric, query
from tests.sources.home_office_detailed.builders import ho_dataset_sheets
from tests.sources.small_boats.builders import small_boats_grids
from tests.workbooks import write_workbook, write_xlsx

CATALOG = load_catalog()
IRREGULAR = REALDATA / "irregular" / "irregular-migration-to-the-UK-detailed-dataset-year-ending-september-2023.xlsx"
DFE = REALDATA / "dfe"


def releases(settings) -> list[tuple]:
    return query(settings, "SELECT source_id, file_name, published_on, date_basis, status FROM marts.releases ORDER BY file_name")


# --- item 1: by content ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [IRREGULAR.stem + " (1).xlsx", "download.xlsx"])
def test_real_workbook_saved_with_a_browser_suffix_or_renamed_loads_by_content(realdata, settings, tmp_path, name):
    """Copied at test time (never into the repo): dated from its cover ("Published: 23 November 2023"), not its name."""
    if not IRREGULAR.is_file():
        pytest.skip(f"{IRREGULAR} not present")
    copy = tmp_path / "downloads" / name
    copy.parent.mkdir()
    shutil.copyfile(IRREGULAR, copy)
    assert recognise(name) is None                      # the name alone is not recognised
    [outcome] = load_paths(settings, [copy.parent])
    assert (outcome.source_id, outcome.status) == ("ho_irregular_migration", "loaded"), outcome.error
    assert "recognised by its content (sheets Data - Irr_D01), not its name" in outcome.notes[0]
    assert "dated 2023-11-23 from its content (date_basis content)" in outcome.notes[0]
    assert releases(settings) == [("ho_irregular_migration", name, date(2023, 11, 23), "content", "loaded")]
    assert outcome.release_id.startswith("ho_irregular_migration/2023-11-23/")
    # the same figures as the file loaded under its published name
    assert query(settings, "SELECT count(*) FROM raw.irregular_detections") == [(outcome.rows,)]


def test_renamed_small_boats_file_loads_by_content_dated_by_its_last_day(settings, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    path = write_workbook(folder / "small boats latest (2).ods", small_boats_grids(start=date(2026, 6, 1), days=92))
    [outcome] = load_paths(settings, [folder])
    assert (outcome.source_id, outcome.status) == ("small_boats", "loaded"), outcome.error
    last = date(2026, 8, 31)                              # 1 June + 91 days: data to August 2026
    # dated by estimate: the day after its last day, the earliest it could be out (as the real files are)
    assert releases(settings) == [("small_boats", path.name, date(2026, 9, 1), "estimated", "loaded")]
    assert max(start for start, _end in metric(settings, "small_boat_arrivals")) == last
    # `pledges rebuild` keeps the date and its basis (recorded in the archive's sidecar)
    ingest.rebuild(settings)
    assert releases(settings) == [("small_boats", path.name, date(2026, 9, 1), "estimated", "loaded")]


def test_the_real_dfe_extract_loads_from_its_folder(realdata, settings):
    """../shared/realdata/dfe: national-totals.csv (the API's own columns, National totals only) loads by content;
    the head sample (regional rows only) and the JSON summary are skipped, each with its reason."""
    if not (DFE / "national-totals.csv").is_file():
        pytest.skip(f"{DFE}/national-totals.csv not present")
    outcomes = {o.name.rsplit("/", 1)[-1]: o for o in load_paths(settings, [DFE])}
    assert outcomes["national-totals.csv"].status == "loaded", outcomes["national-totals.csv"].error
    assert outcomes["data-set-head.csv"].status == "skipped"
    assert "no National row with every filter at Total" in outcomes["data-set-head.csv"].error
    assert outcomes["summary.json"].status == "skipped" and "JSON" in outcomes["summary.json"].error
    assert "read only to date that CSV" in outcomes["summary.json"].error     # not a release, yet not unused
    # dated by the API's description of the data set saved beside it (read here independently), not the file's time
    summary = json.loads((DFE / "summary.json").read_text(encoding="utf-8"))
    published = date.fromisoformat(summary["latestVersion"]["published"][:10])
    assert summary["id"] == "1d419801-a90e-f970-9335-a13623faccbe" and summary["latestVersion"]["timePeriods"]["end"] == "2025/26"
    assert releases(settings) == [("dfe_apprenticeships", "national-totals.csv", published, "api", "loaded")]
    assert any("dated 2026-07-16 by summary.json beside it" in note for note in outcomes["national-totals.csv"].notes)

    # an independent read of the CSV: the newest year is part year (provisional), every earlier one final
    with open(DFE / "national-totals.csv", newline="", encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["geographic_level"] == "National"]
    starts = {int(r["time_period"][:4]): int(r["start_count"]) for r in rows}
    newest = max(starts)
    bounds = {y: (date(y, 8, 1), date(y + 1, 7, 31)) for y in starts}
    assert metric(settings, "apprenticeship_starts") == {bounds[y]: n for y, n in starts.items() if y != newest}
    assert metric(settings, "apprenticeship_starts_provisional") == {bounds[newest]: starts[newest]}
    assert starts[2024] == 353_500 and newest == 2025

    # the pledge and the claim on it have figures
    pledge = query(settings, "SELECT value, baseline_value, period_label FROM marts.pledge_status "
                             "WHERE pledge_id = 'apprenticeships_up'")
    assert pledge == [(starts[2024], starts[2023], "2024/25")]
    # the part-year 2025/26 in the file is named beside the status, never graded, and the figures awaited are the
    # final ones: "2025/26 ... published, but not loaded here" read as if no 2025/26 figure were loaded (audit 24 F5)
    [(explanation, basis)] = query(settings, "SELECT explanation, latest_days_basis FROM marts.pledge_status "
                                             "WHERE pledge_id = 'apprenticeships_up'")
    assert "The series' next final figures (2025/26) were due by 30 Nov 2026 (Department for Education)" in explanation
    [(source_title,)] = query(settings, "SELECT DISTINCT source_title FROM marts.metrics WHERE source_id = 'dfe_apprenticeships'")
    assert basis == (f"Provisional part-year figures only, for 2025/26: {starts[newest]:,} starts ({source_title}, "
                     f"published {published.day} {published:%b %Y}); they are not compared with full years"), basis
    assert explanation.endswith(basis + "."), explanation
    claim = query(settings, "SELECT verdict, official_value FROM marts.claim_checks WHERE claim_id = 'apprenticeships_cut'")
    assert claim[0][0] in ("consistent", "partly consistent", "understated", "overstated") and claim[0][1] is not None

    # the claim's row in pledge_status reads like a pledge's: the figure in its unit, against the base year by
    # name, the change in change_pct; what the claim is judged on (a percentage change here) in its own columns.
    # "Cut in the Conservatives' last four years" (2020/21 to 2023/24) is checked against the year before them
    # (2019/20, shown first) and against 2018/19, before the pandemic: a fall on one base only is partly consistent
    cut = query(settings, "SELECT period_label, value, unit, baseline_label, baseline_value, change, change_pct, "
                          "official_measure, measure_unit, status, explanation FROM marts.pledge_status "
                          "WHERE pledge_id = 'apprenticeships_cut'")
    now, before, pre_pandemic = starts[2023], starts[2019], starts[2018]
    pct, pct_pre = round(100 * (now - before) / before, 1), round(100 * (now - pre_pandemic) / pre_pandemic, 1)
    # the row holds the first measure's figures, and its label says there is another (audit 22: a dashboard showed a
    # claimed fall beside +5.3% as if 2019/20 were the only base)
    assert cut[0][:9] == ("2023/24", now, "starts", "2019/20 (the first of 2 measures; the explanation "
                          "gives each one's verdict)", before, now - before, pct, pct, "% change")
    assert (pct, pct_pre) == (5.3, -13.7)              # up over the four years, down from before the pandemic
    assert cut[0][9] == "partly consistent"
    # a direction the figures contradict is "not borne out", never "overstated" (the claim overstates nothing: starts
    # rose); a fact-checker's word for each measure, from the independent read above
    parts = query(settings, "SELECT part_verdicts FROM marts.claim_checks WHERE claim_id = 'apprenticeships_cut'")[0][0]
    assert [p["verdict"] for p in parts] == ["not borne out" if now > before else "consistent",
                                             "not borne out" if now > pre_pandemic else "consistent"]
    assert f"{now:,} against {before:,} for 2019/20 ({pct:+.1f}%)" in cut[0][10]
    assert f"{now:,} against {pre_pandemic:,} for 2018/19 ({pct_pre:+.1f}%)" in cut[0][10]
    assert cut[0][10].endswith("Partly consistent: borne out against 2018/19 (before the pandemic), not over the four "
                               "years (against 2019/20, the year before them).")
    # when the claim was made (14 Feb 2025), 2023/24's final figures had been out since Nov 2024 (catalog lag: 4
    # months after July), but the only release loaded here is dated later: figures not loaded, not "not published"
    made = query(settings, "SELECT said_on, when_made_verdict, when_made_explanation FROM marts.claim_checks "
                           "WHERE claim_id = 'apprenticeships_cut'")
    assert made[0][0] == date(2025, 2, 14) and published > made[0][0]
    assert made[0][1] == "not loaded here"
    assert made[0][2] == ("No release loaded here that was published by 14 Feb 2025 gives apprenticeship starts in England "
                          "for 1 Aug 2023 to 31 Jul 2024, though the official figures were due by 30 Nov 2024.")
    # the change the release made, as known that day: before it, the overdue figures were not loaded (not "not yet
    # published"), and the measure is a percentage change. Told as the first verdict on figures loaded here, not as
    # "not loaded here → partly consistent", which a feed reader dates as the day the verdict moved (audit 22); each
    # measure with its verdict, not the first alone: a rise shown as the evidence for a cut (audit 24 F1)
    change = query(settings, "SELECT changed_on, old_value, new_value, summary FROM marts.changes "
                             "WHERE kind = 'verdict' AND subject = 'apprenticeships_cut'")
    assert change == [(published, "not loaded here", cut[0][9],
                       f"Training and apprenticeships were cut: {cut[0][9]}, the first verdict on figures loaded here; "
                       f"earlier releases are not loaded here, so it may have held before. Over the four years (against "
                       f"2019/20, the year before them): {pct:+.1f}% for 2023/24, not borne out; against 2018/19 (before "
                       f"the pandemic): {pct_pre:+.1f}% for 2023/24, consistent.")]


def test_a_refused_dfe_release_is_named_only_when_it_may_hold_the_next_academic_year(realdata, settings, tmp_path):
    """The real DfE extract (16 Jul 2026, final figures to 2024/25) loaded; the next figures awaited are 2025/26's,
    whose year ends 31 Jul 2026. A refused release published 20 Jul 2026 cannot hold them, yet the explanation named it
    as "a release that may hold them" (audit 23 F2: the awaited end was the last loaded day); one published 1 Sep 2026
    may, and is named."""
    if not (DFE / "national-totals.csv").is_file():
        pytest.skip(f"{DFE}/national-totals.csv not present")
    load_paths(settings, [DFE])
    with open(DFE / "national-totals.csv", newline="") as f:
        text = f.read()

    def refused(version: str, day: datetime):
        path = tmp_path / version / f"dfe_apprenticeships_1d419801-a90e-f970-9335-a13623faccbe_v{version}.csv"
        path.parent.mkdir()
        lines = text.splitlines()
        header = lines[0].split(",")
        row = lines[1].split(",")
        row[header.index("start_count")] = "lots"          # a count no schema takes
        path.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n")
        os.utime(path, (day.timestamp(), day.timestamp()))
        [outcome] = load_paths(settings, [path])
        assert outcome.status == "rejected", outcome.error
        return path

    def explanation() -> str:
        return query(settings, "SELECT explanation FROM marts.pledge_status WHERE pledge_id = 'apprenticeships_up'")[0][0]

    early = refused("2.0.3", datetime(2026, 7, 20, 12, 0))
    assert early.name not in explanation()
    assert "published, but not loaded here, so this status may be out of date; get them from https://" in explanation()
    later = refused("2.0.4", datetime(2026, 9, 1, 12, 0))
    assert (f"not loaded here, so this status may be out of date: a release that may hold them, {later.name}, a local "
            "file dated 1 Sep 2026 by its modification time") in explanation()
    assert early.name not in explanation()


def test_a_dfe_csv_dated_only_by_its_file_time_never_counts_its_newest_year_final(settings, tmp_path):
    """A part-year release saved after 1 November: without the API's date, its newest year stays provisional."""
    header = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "apprenticeship_level", "age_youth_adult", "age_group", "funding_type", "provider_type",
              "start_count"]
    lines = [",".join(header)] + [f"{t},Academic year,National,E92000001,England,,,Total,Total,Total,Total,Total,{n}"
                                  for t, n in (("202324", 339580), ("202425", 301000))]
    path = tmp_path / "dfe_apprenticeships_1d419801-a90e-f970-9335-a13623faccbe_v1.0.0.csv"   # recognised by name
    path.write_text("\n".join(lines) + "\n")
    saved = datetime(2025, 12, 1, 12, 0).timestamp()        # after 1 November 2025, when 2024/25 would be final
    os.utime(path, (saved, saved))
    [outcome] = load_paths(settings, [path])
    assert outcome.status == "loaded", outcome.error
    assert releases(settings)[0][2:4] == (date(2025, 12, 1), "file_time")
    assert metric(settings, "apprenticeship_starts") == {(date(2023, 8, 1), date(2024, 7, 31)): 339580}
    assert metric(settings, "apprenticeship_starts_provisional") == {(date(2024, 8, 1), date(2025, 7, 31)): 301000}
    # its date is the file's time, not a publication date: never "published 1 Dec 2025" to readers (audit 27 F2), in
    # the change list, the report's "Data as of" or a card's source line
    from flows.report import write_report
    dated = "a local file dated 1 Dec 2025 by its modification time (its publication date is not in it)"
    [(summary,)] = query(settings, "SELECT summary FROM marts.changes WHERE kind = 'release'")
    assert summary.endswith(f"{path.name}, {dated}"), summary
    html = write_report(settings.warehouse, tmp_path / "report.html").read_text()
    as_of = html[html.index('id="data-as-of"'):].split("</p>")[0]
    assert "a local file dated <time" in as_of and "by its modification time" in as_of and "published" not in as_of, as_of
    assert "published 1 Dec 2025" not in html


def test_a_dfe_csv_is_dated_by_the_apis_description_beside_it_only_when_it_describes_this_file(settings, tmp_path):
    """A JSON beside the CSV dates it when it is the API's description of the catalog's data set ending on the CSV's
    newest year; another data set's, or one that ends on another year, leaves the file's time (and says nothing)."""
    header = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "apprenticeship_level", "age_youth_adult", "age_group", "funding_type", "provider_type",
              "start_count"]
    lines = [",".join(header)] + [f"{t},Academic year,National,E92000001,England,,,Total,Total,Total,Total,Total,{n}"
                                  for t, n in (("202324", 339580), ("202425", 353500), ("202526", 120000))]
    saved = datetime(2026, 12, 1, 12, 0).timestamp()

    def described(folder, dataset, end, published="2026-07-16T08:30:50.1706+00:00"):
        folder.mkdir()
        (folder / "extract.csv").write_text("\n".join(lines) + "\n")
        os.utime(folder / "extract.csv", (saved, saved))
        (folder / "summary.json").write_text(json.dumps({"id": dataset, "latestVersion": {
            "version": "2.0.2", "published": published, "timePeriods": {"start": "2023/24", "end": end}}}))
        return recognise_file(folder / "extract.csv", 1 << 30)

    ours = CATALOG["dfe_apprenticeships"].options["dataset_id"]
    found = described(tmp_path / "a", ours, "2025/26")
    assert (found.source.id, found.published_on, found.date_basis) == ("dfe_apprenticeships", date(2026, 7, 16), "api")
    assert found.dated_by.startswith("summary.json beside it: the API's description of data set " + ours)
    # another data set's; one ending on another year; a version published after the CSV was saved (not this file)
    for folder, dataset, end, published in (("b", "another-data-set", "2025/26", "2026-07-16"), ("c", ours, "2024/25", "2026-07-16"),
                                             ("d", ours, "2025/26", "2026-12-02T08:30:00+00:00")):
        found = described(tmp_path / folder, dataset, end, published)
        assert (found.published_on, found.date_basis, found.dated_by) == (date(2026, 12, 1), "file_time", None), folder
    # loaded: the date and its basis are the release's, and 2024/25 is final on 16 Jul 2026 (2025/26 is not)
    [outcome] = load_paths(settings, [tmp_path / "a" / "extract.csv"])
    assert outcome.status == "loaded", outcome.error
    assert releases(settings)[0][2:4] == (date(2026, 7, 16), "api")
    assert metric(settings, "apprenticeship_starts") == {(date(2023, 8, 1), date(2024, 7, 31)): 339580,
                                                         (date(2024, 8, 1), date(2025, 7, 31)): 353500}


@pytest.fixture(scope="module")
def realdata_load(tmp_path_factory):
    """`pledges load ../shared/realdata`, its exit code and output."""
    if not REALDATA.is_dir():
        pytest.skip(f"real published files not present at {REALDATA}")
    path = tmp_path_factory.mktemp("realdata") / "pledges.duckdb"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["load", "--warehouse", str(path), str(REALDATA)])
    return path, code, out.getvalue()


def test_loading_all_the_real_files_lists_every_skipped_file_with_a_reason(realdata_load):
    path, code, out = realdata_load
    assert code == cli.EXIT_OK, out
    files = sorted(p for p in REALDATA.rglob("*") if p.is_file())
    lines = out.splitlines()
    for file in files:
        line = next((x for x in lines if x.endswith(file.name) or f"{file.name}  (" in x), None)
        assert line is not None, f"{file} not listed"
        status = line.split()[0]
        assert status in ("loaded", "skipped"), line
        if status == "skipped":
            assert line.endswith(")") and f"{file.name}  (" in line and len(line.split(f"{file.name}  (", 1)[1]) > 10, line
    assert "loaded    dfe_apprenticeships national-totals.csv" in out
    con = duckdb.connect(str(path), read_only=True)
    value = con.execute("SELECT value FROM marts.pledge_status WHERE pledge_id = 'apprenticeships_up'").fetchone()
    con.close()
    assert value == (353_500,)


def test_a_workbook_of_no_known_layout_is_skipped_naming_its_sheets(settings, tmp_path, capsys):
    folder = tmp_path / "drop"
    folder.mkdir()
    write_workbook(folder / "tables.xlsx", {"Cover": [["Some other statistics"]], "Table_1": [["a", "b"], [1, 2]]})
    (folder / "figures.csv").write_text("region,count\nLondon,5\n")
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(folder)]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "tables.xlsx  (no known layout: sheets Cover, Table_1)" in out
    assert "figures.csv  (CSV columns region, count match no source)" in out


# --- item 5: the real published names -----------------------------------------------------------------------

@pytest.mark.parametrize("name, source_id, published", [
    # the month of publication only: its last day, by estimate (the cover or the ONS page gives the day)
    ("ltimnov25.xlsx", "ons_ltim", date(2025, 11, 30)),
    ("may2026publicationspreadsheet.xlsx", "ons_ltim", date(2026, 5, 31)),
    ("ltimmay25v5.0.xlsx", "ons_ltim", date(2025, 5, 31)),
    # the month the data run to plus the usual two months (a download takes the page's date)
    ("asylum-claims-awaiting-decision-datasets-dec-2025.xlsx", "ho_asylum_awaiting_decision", date(2026, 2, 28)),
    ("outcome-by-offence-csvs.zip", "moj_outcomes_by_offence", None),      # no date in the name: the page's
])
def test_real_published_names_are_recognised_by_their_source(name, source_id, published, tmp_path):
    source = recognise(name)
    assert source is not None and source.id == source_id
    assert source.published_from_name(name) == published and source.name_problem(name) is None
    path = tmp_path / name
    path.write_bytes(b"content is not read when the name is recognised")
    found = recognise_file(path, 1 << 20)
    assert (found.source.id, found.by) == (source_id, "name")
    if published is None:       # a download is dated by its page; a local copy by its file time, and says so
        assert source.date_from == "page" and found.date_basis == "file_time"
        assert found.published_on == date.fromtimestamp(path.stat().st_mtime)
    else:     # a name giving only a month (its data's, or its publication's) is an estimate (a download takes its page's date)
        assert (found.published_on, found.date_basis) == (published, "estimated")


def test_the_asylum_claims_dataset_is_not_in_the_catalog_and_is_skipped_with_a_reason(settings, tmp_path):
    """`asylum-claims-datasets-<mon>-<yyyy>.xlsx` (claims and decisions, Asy_D01/Asy_D02) is not the awaiting-decision
    dataset: neither its name nor its sheets make it one."""
    import pandas as pd
    name = "asylum-claims-datasets-dec-2025.xlsx"
    assert recognise(name) is None
    frame = pd.DataFrame({"Year": [2025], "Quarter": ["2025 Q4"], "Nationality": ["Iran"], "Claims": [10]})
    path = write_xlsx(tmp_path / "drop" / name, ho_dataset_sheets({"Asy_D01": ("Asylum claims", frame),
                                                                   "Asy_D02": ("Asylum outcomes", frame)}, style="2025"))
    [outcome] = load_paths(settings, [path.parent])
    assert outcome.status == "skipped"
    assert outcome.error == ("no known layout: sheets Cover_sheet, Contents, Asy_D01, Data_Asy_D01, Asy_D02, "
                             "Data_Asy_D02")


def test_the_moj_data_tool_beside_the_zip_is_not_taken_for_it(tmp_path):
    path = write_xlsx(tmp_path / "Outcomes-by-offence-tool-2017-2024.xlsx", {"Cover": [["Data tool"]], "Data": [["Year"], [2024]]})
    assert recognise(path.name) is None
    found = recognise_file(path, 1 << 24)
    assert found.source is None and found.reason == "no known layout: sheets Cover, Data"


def test_a_renamed_moj_zip_is_recognised_by_its_csv_header(tmp_path):
    path = tmp_path / "download (3).zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data/sentencing.csv", "Year,Sex,Age Group,Offence,Sentenced\n2024,01: Male,03: Adults,"
                                                "62.1 Assisting unlawful immigration,12\n")
    found = recognise_file(path, 1 << 24)
    assert (found.source.id, found.by, found.date_basis) == ("moj_outcomes_by_offence", "content", "file_time")
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("a.csv", "x,y\n1,2\n")
    assert recognise_file(other, 1 << 24).reason == "zip members a.csv: none has a source's CSV columns"


# --- issue 12 item 17: links and special files in a folder ------------------------------------------------------

RELEASE_NAME = "01_March_2024_Small_boats_-_time_series.ods"


def test_a_link_named_like_a_release_out_of_the_folder_is_not_followed(settings, tmp_path, capsys):
    outside = tmp_path.resolve() / "private" / "secret.txt"
    outside.parent.mkdir()
    outside.write_text("root:x:0:0:secret\n")
    folder = tmp_path.resolve() / "drop"
    folder.mkdir()
    (folder / RELEASE_NAME).symlink_to(outside)                      # as a link to /etc/passwd would be
    (folder / "passwd_13_March_2024_Small_boats_-_time_series.ods").symlink_to("/etc/passwd")
    (folder / "sub").symlink_to(outside.parent, target_is_directory=True)
    code = cli.main(["load", "--warehouse", str(settings.warehouse), str(folder)])
    out = capsys.readouterr().out
    assert code == cli.EXIT_OK
    assert f"{RELEASE_NAME}  (a symbolic link to {outside}, outside {folder}: links out of the folder given are not followed)" in out
    assert "/etc/passwd, outside" in out and f"a symbolic link to {outside.parent}, outside" in out
    assert "3 skipped" in out
    archived = [p for p in settings.archive_dir.rglob("*") if p.is_file()] if settings.archive_dir.exists() else []
    assert not any(b"root:x:0:0" in p.read_bytes() for p in archived)
    assert not settings.warehouse.exists() or query(settings, "SELECT count(*) FROM meta.releases") == [(0,)]
    # a link given by itself is followed only into its own folder
    [outcome] = load_paths(settings, [folder / RELEASE_NAME])
    assert outcome.status == "skipped" and "outside" in outcome.error


def test_a_link_inside_the_folder_is_skipped_and_its_target_read_once(settings, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    real = write_workbook(folder / RELEASE_NAME, small_boats_grids(start=date(2024, 2, 1), days=10))
    (folder / "08_March_2024_Small_boats_-_time_series.ods").symlink_to(real.name)
    os.mkfifo(folder / "15_March_2024_Small_boats_-_time_series.ods")   # would block a reader
    outcomes = {o.name.rsplit("/", 1)[-1]: o for o in load_paths(settings, [folder])}
    assert outcomes[RELEASE_NAME].status == "loaded"
    link = outcomes["08_March_2024_Small_boats_-_time_series.ods"]
    assert link.status == "skipped" and link.error.startswith(f"a symbolic link to {RELEASE_NAME} in the same folder: not followed")
    fifo = outcomes["15_March_2024_Small_boats_-_time_series.ods"]
    assert fifo.status == "skipped" and "not a regular file" in fifo.error
    assert query(settings, "SELECT file_name FROM meta.releases") == [(RELEASE_NAME,)]


# --- date_basis in a warehouse written before the column existed ---------------------------------------------------

def test_a_warehouse_without_date_basis_gains_it(settings, tmp_path):
    first = write_workbook(tmp_path.joinpath(RELEASE_NAME), small_boats_grids(start=date(2024, 2, 1), days=10))
    assert load_paths(settings, [first])[0].status == "loaded"
    con = duckdb.connect(str(settings.warehouse))
    con.execute("ALTER TABLE meta.releases DROP COLUMN date_basis")
    con.close()
    # an earlier copy of the series (to 5 Feb), dated by estimate the day after its last: it ranks before the first
    # release, which extends it (one whose days outran the first release's would be held against it: row 256)
    renamed = write_workbook(tmp_path / "latest.ods", small_boats_grids(start=date(2024, 2, 1), days=5))
    assert load_paths(settings, [renamed])[0].status == "loaded"
    assert query(settings, "SELECT file_name, published_on, date_basis FROM marts.releases ORDER BY published_on") == [
        ("latest.ods", date(2024, 2, 6), "estimated"), (RELEASE_NAME, date(2024, 3, 1), None)]
