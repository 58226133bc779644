"""Wrong dates are refused, never published: future publication dates, periods after the publication date,
month-first date text, same-day versions ranked by their `_vN` suffix, strict file names, files per page capped."""
from __future__ import annotations

import dataclasses
import logging
from datetime import date, datetime, timedelta

import duckdb
import pytest

from flows import cli, ingest
from flows.archive import read_sidecar
from flows.catalog import load_catalog, recognise
from flows.fetch import discover
from tests.conftest import SMALL_BOATS_PAGE
from tests.warehouse_reads import failures, load_one, query
from tests.sources.small_boats.builders import small_boats_file, small_boats_grids
from tests.workbooks import write_workbook
from warehouse import db

SMALL_BOATS = load_catalog()["small_boats"]


def sb_name(day: date, suffix: str = "") -> str:
    return f"{day.day:02d}_{day.strftime('%B')}_{day.year}_Small_boats_-_time_series{suffix}.ods"


# --- item 5: publication dates after tomorrow, periods after the publication date, files per page --------

def test_a_publication_date_after_tomorrow_is_rejected(settings, tmp_path):
    path = write_workbook(tmp_path / sb_name(date(2206, 1, 23)), small_boats_grids(start=date(2024, 1, 1), days=20))
    outcome = load_one(settings, path)
    assert outcome.status == "rejected"
    assert "small_boats" in outcome.error and path.name in outcome.error and "2206-01-23" in outcome.error
    assert "after tomorrow" in outcome.error
    assert query(settings, "SELECT status FROM meta.releases") == [("rejected",)]
    assert query(settings, "SELECT count(*) FROM marts.metric_observations") == [(0,)]


def test_a_release_dated_tomorrow_still_loads(settings, tmp_path):
    tomorrow = date.today() + timedelta(days=1)
    path = write_workbook(tmp_path / sb_name(tomorrow), small_boats_grids(start=tomorrow - timedelta(days=30), days=30))
    assert load_one(settings, path).status == "loaded"


def test_a_period_after_the_publication_date_is_rejected_with_its_cell(settings, tmp_path):
    grids = small_boats_grids(start=date(2024, 1, 1), days=20)
    grids["SB_01"].append([datetime(2099, 1, 1), 99_999, 2000, 0, None])     # sheet row 22
    path = write_workbook(tmp_path / sb_name(date(2024, 2, 2)), grids)
    outcome = load_one(settings, path)
    assert outcome.status == "rejected"
    assert failures(settings, path.name) == [
        ("SB_01", 22, "Date", "period starts after the publication date 2024-02-02", "2099-01-01")]
    assert query(settings, "SELECT count(*) FROM marts.metric_observations") == [(0,)]


def test_a_week_ending_after_publication_is_kept_while_it_started_before(settings, tmp_path):
    """A weekly row's period starts six days before its `Week ending`: a week still running is no error."""
    grids = small_boats_grids(start=date(2024, 1, 1), days=21)           # SB_02's last week ends Sunday 21 January
    grids["SB_01"] = grids["SB_01"][:-2]                                  # SB_01 runs to Friday 19 January
    path = write_workbook(tmp_path / sb_name(date(2024, 1, 19)), grids)
    assert load_one(settings, path).status == "loaded"
    assert query(settings, "SELECT max(week_ending) FROM raw.small_boats_weekly") == [(date(2024, 1, 21),)]


def attachments(count: int) -> list[dict]:
    first = date(2024, 1, 5)
    return [{"url": f"/media/{i:024x}/{sb_name(first + timedelta(weeks=i))}", "filename": sb_name(first + timedelta(weeks=i)),
             "title": f"release {i}", "content_type": "application/vnd.oasis.opendocument.spreadsheet"}
            for i in range(count)]


def test_files_taken_from_one_page_are_capped_with_a_warning(settings, mirror, caplog):
    mirror.page(SMALL_BOATS_PAGE, attachments(60))
    with caplog.at_level(logging.WARNING, logger="pledges"):
        found = discover(SMALL_BOATS, settings)
    assert len(found) == 20
    newest = date(2024, 1, 5) + timedelta(weeks=59)
    assert sorted(a.published_on for a in found) == [newest - timedelta(weeks=w) for w in range(19, -1, -1)]
    assert "40 skipped" in caplog.text and "small_boats" in caplog.text and "20 newest" in caplog.text


def test_the_cap_is_an_option_of_the_source(settings, mirror, caplog):
    mirror.page(SMALL_BOATS_PAGE, attachments(12))
    source = dataclasses.replace(SMALL_BOATS, options={**SMALL_BOATS.options, "max_files_per_page": 5})
    with caplog.at_level(logging.WARNING, logger="pledges"):
        assert len(discover(source, settings)) == 5
    assert "7 skipped" in caplog.text
    caplog.clear()
    mirror.page(SMALL_BOATS_PAGE, attachments(12))
    assert len(discover(SMALL_BOATS, settings)) == 12 and "skipped" not in caplog.text


# --- item 6: date text is read day first ----------------------------------------------------------------

def text_dates(grids: dict, fmt: str = "%d/%m/%Y") -> dict:
    for row in grids["SB_01"][1:]:
        row[0] = row[0].strftime(fmt)
    return grids


def test_date_text_is_read_day_first(settings, tmp_path):
    grids = text_dates(small_boats_grids(start=date(2024, 2, 1), days=12))    # '05/02/2024' is 5 February
    path = write_workbook(tmp_path / sb_name(date(2024, 3, 1)), grids)
    assert load_one(settings, path).status == "loaded"
    days = [d for (d,) in query(settings, "SELECT period_start FROM marts.metric_observations "
                                          "WHERE metric_id = 'small_boat_arrivals' ORDER BY 1")]
    assert days == [date(2024, 2, 1) + timedelta(days=i) for i in range(12)]


@pytest.mark.parametrize("text", ["02/23/2024", "31/02/2024", "5/2/24", "2024/05/02", "Feb 5th"])
def test_month_first_invalid_or_ambiguous_date_text_is_refused(settings, tmp_path, text):
    grids = small_boats_grids(start=date(2024, 1, 1), days=10)
    grids["SB_01"][4][0] = text                                             # sheet row 5
    path = write_workbook(tmp_path / sb_name(date(2024, 3, 1)), grids)
    assert load_one(settings, path).status == "rejected"
    [(sheet, row, column, check, value)] = failures(settings, path.name)
    assert (sheet, row, column, value) == ("SB_01", 5, "Date", text)
    assert "day first" in check


# --- item 7: same-day releases ranked by their _vN suffix ----------------------------------------------

def test_v2_stays_latest_when_the_original_is_loaded_after_it(settings, tmp_path):
    day = date(2024, 2, 9)
    (tmp_path / "v2").mkdir()
    v2 = write_workbook(tmp_path / "v2" / sb_name(day, "_v2"), small_boats_grids(start=date(2024, 1, 1), days=27, revised={3: 777}))
    original = small_boats_file(tmp_path / "v1", day, start=date(2024, 1, 1), days=27)
    assert load_one(settings, v2).status == "loaded"
    assert load_one(settings, original).status == "loaded"       # fetched later
    assert query(settings, "SELECT value FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals' "
                           "AND period_start = DATE '2024-01-04' AND is_latest") == [(777.0,)]
    assert query(settings, "SELECT value FROM marts.observations_as_of(DATE '2024-02-09') "
                           "WHERE metric_id = 'small_boat_arrivals' AND period_start = DATE '2024-01-04'") == [(777.0,)]
    assert query(settings, "SELECT file_name, version FROM meta.releases ORDER BY version") == \
        [(original.name, 1), (v2.name, 2)]


def test_same_day_same_version_ranks_by_the_pages_updated_time(settings, tmp_path):
    day = date(2024, 2, 9)
    first = small_boats_file(tmp_path / "a", day, start=date(2024, 1, 1), days=27, revised={3: 111})
    second = small_boats_file(tmp_path / "b", day, start=date(2024, 1, 1), days=27, revised={3: 222})
    with db.writer_lock(settings.warehouse, 5):
        [a], _ = ingest.local_candidates(settings, [first], ingest.Known())
        [b], _ = ingest.local_candidates(settings, [second], ingest.Known())
    # `a` was on the page as updated later, though fetched first: it is the newer one
    a = dataclasses.replace(a, sighting=dataclasses.replace(a.sighting, page_updated_at=datetime(2024, 2, 9, 16, 0)))
    b = dataclasses.replace(b, sighting=dataclasses.replace(b.sighting, page_updated_at=datetime(2024, 2, 9, 9, 30)))
    with db.writer_lock(settings.warehouse, 5):
        ingest.publish(settings, [a, b])
    assert query(settings, "SELECT value FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals' "
                           "AND period_start = DATE '2024-01-04' AND is_latest") == [(111.0,)]


def test_a_warehouse_without_the_version_column_still_opens_and_gains_it(settings, tmp_path):
    day = date(2024, 2, 9)
    v3 = tmp_path / "v3"
    v3.mkdir()
    v3 = write_workbook(v3 / sb_name(day, "_v3"), small_boats_grids(start=date(2024, 1, 1), days=27, revised={3: 333}))
    assert load_one(settings, v3).status == "loaded"
    con = duckdb.connect(str(settings.warehouse))            # as a warehouse written before the column existed
    con.execute("ALTER TABLE meta.releases DROP COLUMN version")
    con.execute("ALTER TABLE meta.releases DROP COLUMN page_updated_at")
    con.close()
    original = small_boats_file(tmp_path / "v1", day, start=date(2024, 1, 1), days=27)
    assert load_one(settings, original).status == "loaded"
    assert query(settings, "SELECT file_name, version FROM meta.releases ORDER BY version") == [(original.name, 1), (v3.name, 3)]
    assert query(settings, "SELECT value FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals' "
                           "AND period_start = DATE '2024-01-04' AND is_latest") == [(333.0,)]


# --- item 11: strict file names -------------------------------------------------------------------------

@pytest.mark.parametrize("name, reason", [
    ("06_Foo_2026_Small_boats_-_time_series.ods", "'Foo' is not a month"),
    ("06_Janvier_2026_Small_boats_-_time_series.ods", "'Janvier' is not a month"),
    ("31_February_2026_Small_boats_-_time_series.ods", "31 February 2026 is not a date"),
    ("00_March_2026_Small_boats_-_time_series.ods", "0 March 2026 is not a date"),
])
def test_a_name_with_an_unreadable_date_is_skipped_with_its_reason(settings, tmp_path, capsys, name, reason):
    folder = tmp_path / "drop"
    good = small_boats_file(folder, date(2024, 3, 1), start=date(2024, 2, 1), days=10)
    bad = write_workbook(folder / name, small_boats_grids(start=date(2024, 2, 1), days=10))
    code = cli.main(["load", "--warehouse", str(settings.warehouse), str(folder)])
    out = capsys.readouterr().out
    assert code == cli.EXIT_OK                            # the batch goes on: the good file is published
    assert "1 loaded, 1 skipped" in out and reason in out and bad.name in out
    assert query(settings, "SELECT file_name FROM meta.releases") == [(good.name,)]
    assert SMALL_BOATS.date_in_name(name) is None and reason in SMALL_BOATS.name_problem(name)


@pytest.mark.parametrize("name, published", [
    ("06_Feb_2026_Small_boats_-_time_series.ods", date(2026, 2, 6)),
    ("06_Sept_2025_Small_boats_-_time_series.ods", date(2025, 9, 6)),
    ("06_june_2025_Small_boats_-_time_series_v2.ods", date(2025, 6, 6)),
    ("returns-datasets-sept-2024.xlsx", date(2024, 9, 1)),
])
def test_english_month_names_and_their_abbreviations_are_read(name, published):
    source = recognise(name)
    assert source is not None and source.date_in_name(name) == published and source.name_problem(name) is None


@pytest.mark.parametrize("name", ["returns-datasets-septembre-2024.xlsx", "returns-datasets-junio-2024.xlsx",
                                  "returns-datasets-decem-2024.xlsx"])
def test_no_month_is_guessed_from_a_prefix(name):
    source = recognise(name)
    assert source is not None and source.date_in_name(name) is None and "is not a month" in source.name_problem(name)


def test_a_name_must_match_whole(settings, tmp_path, capsys):
    name = sb_name(date(2024, 3, 1))
    assert recognise(name) is SMALL_BOATS
    assert recognise(name + "\n") is None and recognise(name + "\n.ods") is None
    folder = tmp_path / "drop"
    folder.mkdir()
    write_workbook(folder / (name + "\n"), small_boats_grids(start=date(2024, 2, 1), days=10))
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(folder)]) == cli.EXIT_OK
    assert "1 skipped" in capsys.readouterr().out
    assert not settings.warehouse.exists() or query(settings, "SELECT count(*) FROM meta.releases") == [(0,)]


def test_a_download_records_the_pages_updated_time(settings, mirror, tmp_path):
    """Discovery carries GOV.UK's public_updated_at to meta.releases.page_updated_at (UTC), the same-day tie-breaker."""
    from tests.conftest import SMALL_BOATS_PAGE
    release = small_boats_file(tmp_path / "p", date(2024, 2, 9), start=date(2024, 1, 1), days=27)
    mirror.publish(SMALL_BOATS_PAGE, release.name, release.read_bytes(), public_updated_at="2024-02-09T16:00:00.000+01:00")
    [outcome] = ingest.run_sources(settings, ["small_boats"])
    assert outcome.status == "loaded", outcome.error
    assert query(settings, "SELECT page_updated_at FROM meta.releases") == [(datetime(2024, 2, 9, 15, 0),)]


# --- issue 16 item 5: the real names of the ONS, Home Office and MoJ files ------------------------------------

CATALOG = load_catalog()


@pytest.mark.parametrize("name, source_id, published", [
    # ONS names give the month of publication only: its last day, by estimate (the cover or page gives the day)
    ("ltimnov25.xlsx", "ons_ltim", date(2025, 11, 30)),                      # year ending June 2025, November 2025
    ("may2026publicationspreadsheet.xlsx", "ons_ltim", date(2026, 5, 31)),
    ("ltimmay25v5.0.xlsx", "ons_ltim", date(2025, 5, 31)),                   # a dotted version suffix
    ("asylum-claims-awaiting-decision-datasets-dec-2025.xlsx", "ho_asylum_awaiting_decision", date(2026, 2, 28)),
    ("asylum-applications-awaiting-decision-datasets-sep-24.xlsx", "ho_asylum_awaiting_decision", date(2024, 11, 30)),
    ("asylum-seekers-receipt-support-datasets-dec-2025.xlsx", "ho_asylum_support_national", date(2026, 2, 28)),
    ("asylum-seekers-receipt-support-datasets-sep-24.xlsx", "ho_asylum_support_national", date(2024, 11, 30)),
    ("support-local-authority-datasets-dec-2025.xlsx", "ho_asylum_support", date(2026, 2, 28)),
    ("returns-datasets-dec-2025.xlsx", "ho_returns", date(2026, 2, 28)),
    ("outcome-by-offence-csvs.zip", "moj_outcomes_by_offence", None),       # no date in the name: the page's
])
def test_real_published_names_are_recognised_with_their_dates(name, source_id, published):
    assert [i for i, s in CATALOG.items() if s.matches(name)] == [source_id]
    source = CATALOG[source_id]
    assert source.published_from_name(name) == published and source.name_problem(name) is None
    if published is not None:     # only a name with its day dates a file exactly; a month alone is an estimate
        assert source.name_date_basis(name) == "estimated"
    assert recognise(name) is source


@pytest.mark.parametrize("name", [
    "asylum-claims-datasets-dec-2025.xlsx",                   # asylum claims: no catalog entry reads them
    "asylum-claims-certified-section-94-datasets-dec-2022.xlsx",
    "Outcomes-by-offence-tool-2017-2024.xlsx",                # the MoJ data tool beside the zip, not the CSVs
    "applications-section-95-support-datasets-dec-2022.xlsx",
])
def test_files_beside_them_match_no_source(name):
    assert [i for i, s in CATALOG.items() if s.matches(name)] == []


def test_returns_data_sheets_are_found_in_both_published_names():
    from flows.parsing import sheet_key
    from flows.sources.home_office_detailed.parser import data_sheet_pattern
    pattern = data_sheet_pattern(CATALOG["ho_returns"].options["tables"][0]["ids"])
    assert pattern.match(sheet_key("Data - Ret_D01")) and pattern.match(sheet_key("Data_Ret_D01"))
    assert not pattern.match(sheet_key("Ret_D01")) and not pattern.match(sheet_key("Data_Ret_D02"))


def test_the_same_bytes_under_a_name_with_another_date_are_reported(settings, tmp_path, capsys):
    """The same file loaded first under a name a week late, then under its own: the second is `unchanged` (its bytes
    are loaded) but says which release holds them and that the two names disagree on the date (audit 13: it said
    `unchanged` and nothing more, so the wrong date stood unremarked)."""
    late = small_boats_file(tmp_path / "a", date(2025, 12, 12), start=date(2025, 11, 24), days=10)
    right = tmp_path / "b" / sb_name(date(2025, 12, 5))
    right.parent.mkdir()
    right.write_bytes(late.read_bytes())
    [first] = ingest.load_paths(settings, [late])
    assert first.status == "loaded", first.error
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(right)]) == 0
    out = capsys.readouterr().out
    assert "unchanged" in out and right.name in out
    assert (f"the same bytes as release {first.release_id}, loaded as published 2025-12-12; this file is dated "
            "2025-12-05 (date_basis file_name). The release keeps 2025-12-12: if this date is the right one, its "
            "figures were out earlier than recorded") in " ".join(out.split())
    # the same name again: nothing to say; nor under a name with no date (recognised by its content and dated by
    # estimate: no rival date, audit 14)
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(late)]) == 0
    assert "the same bytes" not in capsys.readouterr().out
    nameless = tmp_path / "c" / "small boats copy.ods"
    nameless.parent.mkdir()
    nameless.write_bytes(late.read_bytes())
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(nameless)]) == 0
    out = capsys.readouterr().out
    assert "unchanged" in out and "the same bytes" not in out


def test_a_loaded_file_under_a_new_name_is_recorded_unchanged_with_its_sighting(settings, tmp_path, capsys):
    """A byte-identical `_v2` re-upload loaded with `pledges load`: the CLI said `unchanged`, but meta.releases had no
    row for it and the archive kept no record of the name, while `pledges run` records both for the same re-upload
    (audit 16): `load` and `run` kept different histories. The same path loaded again adds nothing."""
    first = small_boats_file(tmp_path / "a", date(2025, 12, 12), start=date(2025, 11, 24), days=10)
    again = tmp_path / "b" / sb_name(date(2025, 12, 12), "_v2")
    again.parent.mkdir()
    again.write_bytes(first.read_bytes())
    [loaded] = ingest.load_paths(settings, [first])
    assert loaded.status == "loaded", loaded.error
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(again)]) == 0
    assert "unchanged" in capsys.readouterr().out
    rows = query(settings, "SELECT file_name, status, file_url FROM meta.releases ORDER BY status")
    assert rows == [(first.name, "loaded", str(first.resolve())), (again.name, "unchanged", str(again.resolve()))]
    sidecar = read_sidecar(next(settings.archive_dir.rglob(f"{loaded.release_id.split('/')[-1]}*.json")))
    assert {s["file_name"] for s in sidecar["sightings"]} == {first.name, again.name}
    # the same paths again: nothing new to record (and the no-op load says so without loading)
    for path in (first, again):
        [outcome] = ingest.load_paths(settings, [path])
        assert outcome.status == "unchanged"
    assert len(query(settings, "SELECT * FROM meta.releases")) == 2
