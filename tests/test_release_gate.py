"""The release gate (issue 12, item 8): a valid but implausible release is held, not published, until accepted.

Each case builds weekly small-boats releases in code: a good one, then one that is wrong in a way no cell check
sees (a value of 9 x 10^15, every settled day zeroed, the migrants and boats headers swapped, weekly totals that
are not the sum of the days, history cut to the last 10 days). The bad one is held with its reasons, the
published data stay as they were, the run exits 1; `pledges accept` publishes it as if it had passed.
"""
from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest

from flows import cli, gate, ingest, parse_workers
from flows.catalog import CatalogError, load_catalog
from flows.validate import LoadedTable
from tests.catalog_copy import catalog_copy
from tests.warehouse_reads import query
from tests.sources.small_boats.builders import small_boats_file, small_boats_grids
from tests.workbooks import write_workbook

START = date(2023, 7, 3)                  # a Monday: SB_02's weeks are whole from the first
GOOD, NEXT, LATER = date(2024, 2, 2), date(2024, 2, 9), date(2024, 2, 16)


def sb_name(day: date) -> str:
    return f"{day.day:02d}_{day.strftime('%B')}_{day.year}_Small_boats_-_time_series.ods"


def grids_to(published: date, **kwargs) -> dict:
    """SB_01 from START to the day before publication, SB_02 its weekly sums (tests.workbooks)."""
    return small_boats_grids(start=START, days=(published - START).days, **kwargs)


def release(folder: Path, published: date, grids: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_workbook(folder / sb_name(published), grids or grids_to(published))


def load(settings, *paths: Path) -> int:
    return cli.main(["load", "--warehouse", str(settings.warehouse), *map(str, paths)])


def published_values(settings) -> list[tuple]:
    return query(settings, "SELECT metric_id, period_start, value, release_id FROM marts.metric_observations "
                           "WHERE is_latest ORDER BY ALL")


def reasons(settings, release_id: str) -> list[tuple]:
    return query(settings, "SELECT sheet, row_number, column_name, check_name, value FROM meta.release_failures "
                           "WHERE release_id = ? ORDER BY rowid", [release_id])


def held_after_good(settings, tmp_path, bad_grids: dict, capsys) -> tuple[str, list[tuple], str]:
    """Load a good release, then `bad_grids` a week later: the bad one must be held, nothing of it published.
    Returns its release id, its reasons as recorded and what the run printed on stderr."""
    assert load(settings, release(tmp_path / "good", GOOD)) == 0
    before = published_values(settings)
    # the statuses as they were (their explanations add that a release was held: test_figures_not_loaded_...)
    pledges_before = query(settings, "SELECT * EXCLUDE (explanation) FROM marts.pledge_status ORDER BY ALL")
    capsys.readouterr()
    bad = release(tmp_path / "bad", NEXT, bad_grids)
    assert load(settings, bad) == 1                                   # the run exits non-zero
    err = capsys.readouterr().err
    [(release_id, status, error, loaded_at)] = query(
        settings, "SELECT release_id, status, error, loaded_at FROM marts.releases WHERE file_name = ?", [bad.name])
    assert status == "held" and loaded_at is None
    assert error.startswith("held by the release gate") and f"pledges accept {release_id}" in error
    assert published_values(settings) == before                       # the previous good data stay
    assert query(settings, "SELECT * EXCLUDE (explanation) FROM marts.pledge_status ORDER BY ALL") == pledges_before
    assert query(settings, "SELECT count(*) FROM raw.small_boats_daily WHERE release_id = ?", [release_id]) == [(0,)]
    return release_id, reasons(settings, release_id), err


def test_a_huge_value_is_held(settings, tmp_path, capsys):
    day = 180                                                          # 2023-12-30, sheet row 182
    release_id, found, err = held_after_good(settings, tmp_path, grids_to(NEXT, revised={day: 9 * 10**15}), capsys)
    # the summary and the example name the sheet and the column as published, and the metric it feeds (audit 13 and
    # 16: the metric id stood as the column, with no sheet)
    assert ("SB_01", None, "Migrants arrived", "release gate (bounds): 1 period(s) outside the plausible range 0 to 5,000 "
            "people per day (metric small_boat_arrivals)", None) in found
    assert ("SB_01", day + 2, "Migrants arrived",
            "2023-12-30: small_boat_arrivals 9,000,000,000,000,000 people is outside 0 to 5,000", None) in found
    assert any((s, c) == ("SB_01", "Boats arrived") and check.startswith("release gate (bounds)")
               and check.endswith("(metric small_boat_boats)") for s, _r, c, check, _v in found)
    assert any((s, c) == ("SB_02", "Migrants arrived") and check.startswith("release gate (bounds)")
               and check.endswith("(metric small_boat_arrivals_weekly)") for s, _r, c, check, _v in found)
    assert "held by the release gate" in err and "9,000,000,000,000,000 people is outside 0 to 5,000" in err


def test_zeroed_history_is_held(settings, tmp_path, capsys):
    release_id, found, _err = held_after_good(settings, tmp_path, grids_to(NEXT, arrivals=lambda i: 0), capsys)
    [summary] = [check for _s, _r, c, check, _v in found
                 if check.endswith("(metric small_boat_arrivals)") and "max_revised_share" in check]
    assert "settled periods (ending before 2023-11-03, 90 days before the previous release's last period) revised" in summary
    assert summary.startswith("release gate (max_revised_share): 122 of the 123 settled periods")   # day 0 was 0
    assert "(99.2%; at most 10% may be: max_revised_share)" in summary
    assert any(r == 3 and check.startswith("2023-07-04: small_boat_arrivals 37 in small_boats/2024-02-02/") and check.endswith(", now 0")
               for _s, r, _c, check, _v in found)


def test_swapped_migrants_and_boats_headers_are_held(settings, tmp_path, capsys):
    grids = grids_to(NEXT)
    header = grids["SB_01"][0]
    header[1], header[2] = header[2], header[1]                       # "Boats arrived" over the migrants
    release_id, found, _err = held_after_good(settings, tmp_path, grids, capsys)
    checks = {(check.rsplit("(metric ", 1)[1].rstrip(")"), check.split(":")[0]) for _s, r, c, check, _v in found
              if r is None and "(metric " in check}
    assert ("small_boat_arrivals", "release gate (at_least)") in checks      # fewer migrants than boats
    assert ("small_boat_boats", "release gate (bounds)") in checks           # 399 boats in a day
    assert ("small_boat_arrivals_weekly", "release gate (sum_of)") in checks  # SB_02 (not swapped) no longer adds up
    assert any(s == "SB_01" and r == 3 and check == "2023-07-04: small_boat_arrivals 1 people but 37 boats (small_boat_boats)"
               for s, r, _c, check, _v in found)


def test_weekly_totals_that_are_not_the_sum_of_the_days_are_held(settings, tmp_path, capsys):
    grids = grids_to(NEXT)
    row = grids["SB_02"][10]                                          # sheet row 11: week ending 2023-09-10
    assert row[0].date() == date(2023, 9, 10)
    row[1] += 100
    release_id, found, _err = held_after_good(settings, tmp_path, grids, capsys)
    assert [(s, r, c, check) for s, r, c, check, _v in found] == [
        ("SB_02", None, "Migrants arrived", "release gate (sum_of): 1 period(s) that differ from the sum of "
                                            "small_boat_arrivals over the same days by more than 0 "
                                            "(metric small_boat_arrivals_weekly)"),
        ("SB_02", 11, "Migrants arrived",
         f"2023-09-04 to 2023-09-10: small_boat_arrivals_weekly {row[1]:,} but small_boat_arrivals sums to {row[1] - 100:,} "
         "over these days")]


def test_history_cut_to_the_last_ten_days_is_held(settings, tmp_path, capsys):
    first = NEXT - timedelta(days=10)
    offset = (first - START).days                                     # the same values on the same days
    grids = small_boats_grids(start=first, days=10, arrivals=lambda i: ((i + offset) * 37) % 400)
    release_id, found, _err = held_after_good(settings, tmp_path, grids, capsys)
    [summary] = [check for _s, _r, c, check, _v in found if check.endswith("(metric small_boat_arrivals)") and "dropped" in check]
    assert summary.startswith("release gate (dropped): 211 of the 214 periods of the previous release "
                              "small_boats/2024-02-02/")
    assert "(98.6%; at most 1% may be: max_dropped_share); history shrank to 10 period(s) from 2024-01-30" in summary


def test_accept_publishes_a_held_release_exactly_as_if_it_had_passed(settings, tmp_path, capsys, monkeypatch):
    files = [release(tmp_path / "files", GOOD), release(tmp_path / "files", NEXT, grids_to(NEXT, arrivals=lambda i: 0))]
    assert load(settings, *files) == 1
    [held] = [r for (r,) in query(settings, "SELECT release_id FROM marts.releases WHERE status = 'held'")]
    capsys.readouterr()
    assert cli.main(["status", "--warehouse", str(settings.warehouse)]) == 0
    out = capsys.readouterr().out
    assert "held releases (the release gate" in out and held in out and "max_revised_share" in out

    assert cli.main(["accept", "--warehouse", str(settings.warehouse), held]) == 0
    out = capsys.readouterr().out
    assert f"loaded    small_boats    {files[1].name}" in out and "accepted after review over the release gate" in out
    [(status, accepted_at, held_reasons)] = query(
        settings, "SELECT status, accepted_at, held_reasons FROM marts.releases WHERE release_id = ?", [held])
    assert status == "loaded" and accepted_at is not None and "max_revised_share" in held_reasons
    assert query(settings, "SELECT count(*) FROM marts.release_failures") == [(0,)]

    # the same files with the gate off: the same warehouse
    monkeypatch.setattr(gate, "check", lambda con, cand, tables, around=None: (None, []))
    ungated = dataclasses.replace(settings, warehouse=tmp_path / "ungated" / "pledges.duckdb")
    assert load(ungated, *files) == 0
    for sql in ["SELECT * EXCLUDE (loaded_at, fetched_at, accepted_at, held_reasons) FROM marts.releases ORDER BY ALL",
                "SELECT * FROM marts.release_failures ORDER BY ALL",
                "SELECT * FROM raw.small_boats_daily ORDER BY ALL",
                "SELECT * FROM raw.small_boats_weekly ORDER BY ALL",
                "SELECT * FROM marts.metric_observations ORDER BY ALL",
                "SELECT * FROM marts.pledge_status ORDER BY ALL"]:
        mine, theirs = query(settings, sql), query(ungated, sql)
        assert len(mine) == len(theirs), sql
        for a, b in zip(mine, theirs):
            assert a == b, (sql, [(x, y) for x, y in zip(a, b) if x != y])
    monkeypatch.undo()

    # a rebuild keeps the acceptance (else it would refuse: one loaded release fewer)
    assert cli.main(["rebuild", "--warehouse", str(settings.warehouse)]) == 0
    assert query(settings, "SELECT status, accepted_at IS NOT NULL FROM marts.releases WHERE release_id = ?",
                 [held]) == [("loaded", True)]


def test_a_warehouse_from_before_the_gate_gains_its_columns(settings, tmp_path, capsys):
    assert load(settings, release(tmp_path / "good", GOOD)) == 0
    con = duckdb.connect(str(settings.warehouse))            # as a warehouse written before the release gate
    con.execute("ALTER TABLE meta.releases DROP COLUMN accepted_at")
    con.execute("ALTER TABLE meta.releases DROP COLUMN held_reasons")
    con.close()
    assert cli.main(["status", "--warehouse", str(settings.warehouse)]) == 0
    assert load(settings, release(tmp_path / "bad", NEXT, grids_to(NEXT, arrivals=lambda i: 0))) == 1
    [(held, status)] = query(settings, "SELECT release_id, status FROM meta.releases WHERE published_on = ?", [NEXT])
    assert status == "held"
    assert cli.main(["accept", "--warehouse", str(settings.warehouse), held]) == 0
    assert query(settings, "SELECT status, accepted_at IS NOT NULL, held_reasons LIKE '%max_revised_share%' "
                           "FROM marts.releases WHERE release_id = ?", [held]) == [("loaded", True, True)]


def test_accept_refuses_what_is_not_held(settings, tmp_path, capsys):
    good = release(tmp_path / "files", GOOD)
    assert load(settings, good) == 0
    [(loaded,)] = query(settings, "SELECT release_id FROM marts.releases")
    before = settings.warehouse.read_bytes()
    capsys.readouterr()
    assert cli.main(["accept", "--warehouse", str(settings.warehouse), loaded]) == 2
    assert f"release {loaded} is loaded, not held by the release gate" in capsys.readouterr().err
    assert cli.main(["accept", "--warehouse", str(settings.warehouse), "small_boats/2024-02-09/000000000000"]) == 2
    assert "no release 'small_boats/2024-02-09/000000000000'" in capsys.readouterr().err
    assert settings.warehouse.read_bytes() == before


def test_a_held_release_stays_held_until_a_later_release_supersedes_it(settings, tmp_path, capsys, monkeypatch):
    files = tmp_path / "files"
    release(files, GOOD)
    bad = release(files, NEXT, grids_to(NEXT, revised={5: 9 * 10**15}))
    assert load(settings, files) == 1
    [(held,)] = query(settings, "SELECT release_id FROM marts.releases WHERE status = 'held'")

    # the next run: reported again (exit 1), not parsed again
    real = ingest.parse_and_validate

    def parse(source, path, *args, **kwargs):
        assert path.name != bad.name and ingest.sha256_of(path) != ingest.sha256_of(bad), "a held release parsed again"
        return real(source, path, *args, **kwargs)
    monkeypatch.setattr(parse_workers, "parse_and_validate", parse)
    outcomes = ingest.load_paths(dataclasses.replace(settings, parse_workers=0), [files])
    [again] = [o for o in outcomes if o.name == bad.name]
    assert again.status == "held" and again.is_failure and "still held (from an earlier run)" in again.error
    assert "outside 0 to 5,000" in again.error

    # a later good release loads: the held one is superseded, no longer a failure, never published
    release(files, LATER)
    capsys.readouterr()
    assert load(settings, files) == 1                                 # held this run: reported once more...
    assert query(settings, "SELECT status FROM marts.releases WHERE release_id = ?", [held]) == [("superseded",)]
    assert load(settings, files) == 0                                 # ...then no longer a failure
    out = capsys.readouterr().out
    assert f"superseded small_boats    {bad.name}" in out
    assert cli.main(["status", "--warehouse", str(settings.warehouse)]) == 0
    out = capsys.readouterr().out
    assert "held, then superseded by a later release (never published):" in out and held in out
    assert "held releases (the release gate" not in out
    assert query(settings, "SELECT count(*) FROM raw.small_boats_daily WHERE release_id = ?", [held]) == [(0,)]


def test_poison_future_dated_and_header_swapped_files_among_good_ones(settings, tmp_path, capsys):
    """Issue 12's "done when": one folder; the good files publish, the three bad ones are rejected or held with
    their reasons, and the run exits non-zero."""
    folder = tmp_path / "files"
    good = [release(folder, day) for day in (GOOD, NEXT, LATER)]
    poison = folder / sb_name(date(2024, 2, 23))
    poison.write_bytes(b"PK\x03\x04 not really a spreadsheet " * 200)            # garbage with a valid release name
    future_day = date(date.today().year + 5, 1, 23)
    future = release(folder, future_day, grids_to(LATER, revised={3: 5}))         # a name dated years ahead
    swapped_day = date(2024, 3, 1)
    grids = grids_to(swapped_day)
    grids["SB_01"][0][1], grids["SB_01"][0][2] = grids["SB_01"][0][2], grids["SB_01"][0][1]
    swapped = release(folder, swapped_day, grids)
    capsys.readouterr()

    assert load(settings, folder) == 1
    out, err = capsys.readouterr()
    statuses = dict(query(settings, "SELECT file_name, status FROM marts.releases"))
    assert statuses == {**{g.name: "loaded" for g in good}, poison.name: "rejected", future.name: "rejected",
                        swapped.name: "held"}
    for path, status in [(poison, "rejected"), (future, "rejected"), (swapped, "held")]:
        assert f"{status:<9} small_boats    {path.name}" in out
    assert "is not a spreadsheet" in err or "cannot be read" in err
    assert f"publication date {future_day.isoformat()} is after tomorrow" in err
    assert "held by the release gate" in err and "release gate (at_least)" in err
    assert query(settings, "SELECT DISTINCT release_id FROM marts.observations_as_of(DATE '9999-12-31')") == \
        query(settings, "SELECT release_id FROM marts.releases WHERE file_name = ?", [good[-1].name])

    assert cli.main(["status", "--warehouse", str(settings.warehouse)]) == 0
    out = capsys.readouterr().out
    held_part = out.split("held releases")[1].split("rejected releases")[0]
    assert swapped.name in held_part and "release gate (at_least)" in held_part
    rejected_part = out.split("rejected releases:")[1]
    assert poison.name in rejected_part and future.name in rejected_part


def test_the_ten_real_weekly_releases_pass_and_a_truncated_next_one_is_held(settings, realdata, tmp_path):
    files = sorted((realdata / "small_boats").glob("*_Small_boats_-_time_series*.ods"))
    assert len(files) == 10
    outcomes = ingest.load_paths(settings, files)
    assert [o.status for o in outcomes] == ["loaded"] * 10, [o.error for o in outcomes if o.error]
    # the week after the last real file, keeping only its last 10 days (with their real values)
    rows = query(settings, "SELECT date, migrants_arrived FROM raw.small_boats_daily WHERE release_id = "
                           "(SELECT release_id FROM marts.releases WHERE file_name LIKE '23_January_2026%') "
                           "ORDER BY date DESC LIMIT 10")
    values = [n for _d, n in reversed(rows)]
    first = rows[-1][0]
    grids = small_boats_grids(start=first, days=10, arrivals=lambda i: values[i])
    truncated = write_workbook(tmp_path / sb_name(date(2026, 1, 30)), grids)
    [outcome] = ingest.load_paths(settings, [truncated])
    assert outcome.status == "held"
    assert "release gate (dropped): 2934 of the 2944 periods of the previous release small_boats/2026-01-23/" in outcome.error


def catalog_error(tmp_path, *edits: tuple[str, str]) -> str:
    """The CatalogError a copy of the catalog with `edits` (old text, new text) raises on load."""
    with pytest.raises(CatalogError) as raised:
        load_catalog(catalog_copy(tmp_path, *edits))
    return str(raised.value)


def test_gate_settings_are_checked_when_the_catalog_loads(tmp_path):
    message = catalog_error(tmp_path, ('gate = { bounds = [0, 100] }     # record day 36 boats', 'gate = { bounds = [100, 0], at_least = "no_such_metric" }'),
                            ("max_revised_share = 0.10", "max_revised_share = 10"))
    assert "[small_boats]" in message
    assert "gate: max_revised_share must be a share between 0 and 1, not 10" in message
    assert "metric small_boat_boats gate: bounds must be [min, max] with min <= max, not [100, 0]" in message
    assert "metric small_boat_boats gate: at_least names 'no_such_metric', not a metric of this source" in message
    # the newer keys too: max_newest_ratio a number above 1, may_be_absent true or false
    message = catalog_error(tmp_path / "newer", ('gate = { bounds = [0, 100] }     # record day 36 boats',
                                                 'gate = { max_newest_ratio = 1, may_be_absent = "yes" }'))
    assert "metric small_boat_boats gate: max_newest_ratio must be a number > 1, not 1" in message
    assert "metric small_boat_boats gate: may_be_absent must be true or false, not 'yes'" in message


def test_sum_of_counts_every_period_within_as_a_range_join_would():
    """sum_of takes the other series' periods starting on or after a period's start and ending on or before its end,
    whatever their length, even one that ends before it starts (a typo in a period expression): the days they
    cover must add up to the period's before the values are compared."""
    source = load_catalog()["small_boats"]
    daily, weekly = (next(m for m in source.metrics if m.id == metric_id)
                     for metric_id in ("small_boat_arrivals", "small_boat_arrivals_weekly"))
    # sheet row 3 (2024-01-02) ends before it starts (-1 day), row 4 covers 5 days (2024-01-03 to 07), overlapping
    # rows 5 and 6: 1 + (-1) + 5 + 1 + 1 = the week's 7 days, so the sums are compared
    starts = "CASE source_row WHEN 3 THEN date + INTERVAL 2 DAY ELSE date END"
    ends = "CASE source_row WHEN 4 THEN date + INTERVAL 4 DAY ELSE date END"
    cand = SimpleNamespace(source=dataclasses.replace(source, gate=None, metrics=[
        daily.model_copy(update={"period_start": starts, "period_end": ends, "gate": {}}),
        weekly.model_copy(update={"gate": {"sum_of": "small_boat_arrivals"}})]), release_id="small_boats/2024-01-12/x",
        published_on=date(2024, 1, 12))
    days = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05", "2024-01-06"]),
                         "migrants_arrived": pd.array([1, 2, 4, 8, 16], dtype="Int64")}, index=range(2, 7))
    weeks = pd.DataFrame({"week_ending": pd.to_datetime(["2024-01-07"]),
                          "migrants_arrived": pd.array([30], dtype="Int64")}, index=[2])
    tables = [LoadedTable("small_boats_daily", "SB_01", days), LoadedTable("small_boats_weekly", "SB_02", weeks)]
    previous, cases = gate.check(duckdb.connect(), cand, tables, gate.Neighbours(None, None, []))
    assert previous is None
    assert [(c.sheet, c.row, c.check) for c in cases] == [
        ("SB_02", None, "release gate (sum_of): 1 period(s) that differ from the sum of small_boat_arrivals over the same "
                        "days by more than 0 (metric small_boat_arrivals_weekly)"),
        ("SB_02", 2, "2024-01-01 to 2024-01-07: small_boat_arrivals_weekly 30 but small_boat_arrivals sums to 31 over "
                     "these days")]


# --- one settled figure revised massively (max_settled_revision) --------------------------------------------------

def test_one_settled_day_revised_massively_is_held(settings, tmp_path, capsys):
    """Revising one settled day out of ~120 stays under max_revised_share (10%); revised 296 -> 4,900 (x16.6, within
    the bounds) it is held all the same, naming the day, the old and the new value."""
    day = 8                                                            # 2023-07-11, sheet row 10: 296 people
    release_id, found, err = held_after_good(settings, tmp_path, grids_to(NEXT, revised={day: 4900}), capsys)
    summaries = [(c, check) for s, r, c, check, _v in found if r is None]
    assert [check.rsplit("(metric ", 1)[1] for _c, check in summaries] == [
        "small_boat_arrivals)", "small_boat_arrivals_weekly)"]   # nothing else
    assert summaries[0][1].startswith(
        "release gate (max_settled_revision): 1 settled period(s) (ending before 2023-11-03) revised since "
        "small_boats/2024-02-02/")
    assert summaries[0][1].endswith("by more than 50% and more than 100 people "
                                    "(max_settled_revision_pct, max_settled_revision_abs) (metric small_boat_arrivals)")
    [example] = [(s, r, check) for s, r, c, check, _v in found if s == "SB_01" and r is not None]
    assert example[:2] == ("SB_01", day + 2)
    assert example[2].startswith("2023-07-11: small_boat_arrivals 296 people in small_boats/2024-02-02/")
    assert example[2].endswith(", now 4,900 (+4,604, +1,555.4%)")
    assert "release gate (max_settled_revision)" in err and "now 4,900 (+4,604, +1,555.4%)" in err


def test_provisional_days_and_small_settled_revisions_still_pass(settings, tmp_path):
    """The rule holds a settled period only when it moves by more than 50% AND more than 100 people: recent
    (provisional) days may move as much as they like, a settled day by a few dozen people or a few per cent."""
    assert load(settings, release(tmp_path / "good", GOOD)) == 0
    days = (NEXT - START).days
    recent = {i: 3 * ((i * 37) % 400) + 200 for i in range(days - 14, days)}      # the last two weeks tripled
    settled = {16: 192 + 98,      # 192 -> 290: +51%, but 98 people (one settled week: max_revised_share allows it)
               19: 303 + 99,      # 303 -> 402: +33%, 99 people
               20: 340 + 160}     # 340 -> 500: 160 people, but +47%
    assert load(settings, release(tmp_path / "next", NEXT, grids_to(NEXT, revised={**recent, **settled}))) == 0
    assert query(settings, "SELECT status, held_reasons FROM marts.releases WHERE published_on = ?", [NEXT]) == \
        [("loaded", None)]


def test_max_settled_revision_settings_are_checked_when_the_catalog_loads(tmp_path):
    message = catalog_error(tmp_path, ("max_settled_revision_pct = 50", "max_settled_revision_pct = -5"),
                            ("max_settled_revision_abs = 100   #", 'max_settled_revision_abs = "lots"   #'))
    assert "gate: max_settled_revision_pct must be a number >= 0, not -5" in message
    assert "gate: max_settled_revision_abs must be a number >= 0, not 'lots'" in message


# --- releases arriving out of order ----------------------------------------------------------------------------

def test_an_older_release_arriving_after_a_newer_one_checks_the_newer_against_it(settings, tmp_path, capsys):
    """A newer release keeping only its last 20 days, loaded first, passes (nothing before it to compare with).
    When the older full release arrives, the newer is checked against it, as a load in rank order would have: the two
    disagree, and the arrival is held (its figures would enter every as-of answer unreviewed), the newer staying as
    it was, with nothing recorded against it. Before, the arrival was published and the newer one blamed: a wrong
    older file arriving late went into the history while the good release was named for review (audit 20 F7).
    Accepted after review, the arrival loads and the newer one is named for review, as a rebuild would record it."""
    newer = small_boats_grids(start=NEXT - timedelta(days=20), days=20,
                              arrivals=lambda i: ((i + (NEXT - START).days - 20) * 37) % 400)
    assert load(settings, release(tmp_path / "new", NEXT, newer)) == 0
    before = published_values(settings)
    capsys.readouterr()
    assert load(settings, release(tmp_path / "old", GOOD)) == 1       # held: the run exits 1
    err = capsys.readouterr().err
    [(newer_id, status, accepted_at, held_reasons)] = query(
        settings, "SELECT release_id, status, accepted_at, held_reasons FROM marts.releases WHERE published_on = ?",
        [NEXT])
    [(older_id, older_status, older_error)] = query(
        settings, "SELECT release_id, status, error FROM marts.releases WHERE published_on = ?", [GOOD])
    assert (status, accepted_at, held_reasons) == ("loaded", None, None)
    assert older_status == "held" and published_values(settings) == before
    assert older_error.startswith(f"held by the release gate: 3 check(s) failed against the later release {newer_id}, "
                                  "published before it arrived, which it ranks before")
    assert f"release gate (dropped): " in err and "it holds 20 period(s) from 2024-01-20" in err     # the later release
    assert "(metric small_boat_arrivals)" in err
    kept = query(settings, "SELECT row_number FROM marts.release_failures WHERE release_id = ?", [older_id])
    assert kept and all(row is None for (row,) in kept)                # no row numbers of the other file
    # accepted after review: published, and the newer one is named for review (text and JSON)
    from flows import cli
    assert cli.main(["accept", "--warehouse", str(settings.warehouse), older_id]) == 0
    [(held_reasons,)] = query(settings, "SELECT held_reasons FROM marts.releases WHERE release_id = ?", [newer_id])
    assert held_reasons.startswith(f"published without review, though the release gate would hold it against "
                                   f"{older_id}: release gate (dropped): ")
    capsys.readouterr()
    assert cli.main(["status", "--warehouse", str(settings.warehouse)]) == 0
    text = capsys.readouterr().out
    assert "published, but the release gate would hold them" in text and f"  {newer_id} (" in text
    assert cli.main(["status", "--warehouse", str(settings.warehouse), "--json"]) == 0
    import json
    assert [r["release_id"] for r in json.loads(capsys.readouterr().out)["unreviewed"]] == [newer_id]

    # a full newer release loaded before its older one: checked against it too, and passes (nothing recorded)
    other = dataclasses.replace(settings, warehouse=tmp_path / "other" / "pledges.duckdb")
    assert load(other, release(tmp_path / "full_new", NEXT)) == 0
    capsys.readouterr()
    assert load(other, release(tmp_path / "full_old", GOOD)) == 0
    assert "release gate" not in capsys.readouterr().out
    assert query(other, "SELECT count(*) FROM marts.releases WHERE status = 'loaded' AND held_reasons IS NULL") == [(2,)]


def test_a_late_older_release_is_told_which_release_the_periods_are_in(settings, tmp_path, capsys):
    """Audit 23 #3: an older release held against the later one (check_later) was told "file: 2023-07-03: ... in
    <this release> (0), missing here" and "of the previous release <this release> are missing": the examples' periods
    are the later release's, in its file, and the words read backwards. Now the examples begin "in the later
    release <id>:", the summaries say what this release has that the later one lacks, and a later run reporting the
    held release again (from meta.release_failures) says the same."""
    newer = small_boats_grids(start=NEXT - timedelta(days=20), days=20,
                              arrivals=lambda i: ((i + (NEXT - START).days - 20) * 37) % 400)
    assert load(settings, release(tmp_path / "new", NEXT, newer)) == 0
    [(newer_id,)] = query(settings, "SELECT release_id FROM marts.releases WHERE published_on = ?", [NEXT])
    older = release(tmp_path / "old", GOOD)
    for run in ("first", "again"):            # the second run reports it from meta, without parsing it again
        capsys.readouterr()
        assert load(settings, older) == 1
        err = capsys.readouterr().err
        [(older_id, status)] = query(settings, "SELECT release_id, status FROM marts.releases WHERE published_on = ?",
                                     [GOOD])
        assert status == "held", run
        lines = [line.strip()[2:] for line in err.splitlines() if line.strip().startswith("- ")]
        examples = [line for line in lines if "release gate (" not in line]
        assert examples and all(line.startswith(f"in the later release {newer_id}: ") for line in examples), (run, lines)
        assert any(re.fullmatch(rf"in the later release {re.escape(newer_id)}: 2023-07-04: small_boat_arrivals in this "
                                r"release \([\d,]+\), missing there", line) for line in examples), (run, examples)
        assert (f"release gate (dropped): 201 of the 214 periods of this release are missing in the later release "
                f"{newer_id} (93.9%") in err, run
        assert "it holds 20 period(s) from 2024-01-20 (metric small_boat_arrivals)" in err, run
        assert f"the previous release {older_id}" not in err and "missing here" not in err, run
    assert [c for c in reasons(settings, older_id) if c[3].startswith("2023")] == []       # no period stored as this file's


# --- checks every source gets (audit 13) --------------------------------------------------------------------------

def test_a_real_weekly_file_misdated_by_a_year_typo_is_held_as_stale(settings, realdata, tmp_path):
    """The real 12 December 2025 file saved as 12_November_2026_...: a date before tomorrow, so the future-date check
    passes it, but its figures end on 11 Dec 2025, eleven months before: held (stale), never published as figures of
    November 2026 (they would be missing from every as-of answer in between). The file under its own name loads."""
    import shutil
    real = realdata / "small_boats" / "12_December_2025_Small_boats_-_time_series.ods"
    if not real.is_file():
        pytest.skip(f"{real.name} is not among the real files")
    # an independent read of the last day the file has
    daily = pd.read_excel(real, sheet_name="SB_01", header=None, engine="calamine")
    dates = pd.to_datetime(daily[0], errors="coerce", format="mixed", dayfirst=True).dropna()
    last = dates.max().date()
    assert last == date(2025, 12, 11)
    misdated = tmp_path / "typo" / "12_November_2026_Small_boats_-_time_series.ods"
    misdated.parent.mkdir()
    shutil.copy(real, misdated)
    [outcome] = ingest.load_paths(settings, [misdated])
    assert outcome.status == "held", outcome.error
    assert (f"release gate (stale): its newest figures end {last.isoformat()}, {(date(2026, 11, 12) - last).days} days "
            "before the publication date it is given (2026-11-12)") in outcome.error
    assert query(settings, "SELECT count(*) FROM marts.metric_observations") == [(0,)]
    [outcome] = ingest.load_paths(settings, [real])
    assert outcome.status == "loaded", outcome.error


def test_a_period_after_publication_is_held_whatever_sql_computes_its_start():
    """A metric whose period_start is an SQL expression (a year and a quarter column, say) is beyond the loader's
    check of date columns: a 2099 row passed into the warehouse (audit 13). The gate computes every metric's periods
    as the warehouse will, and holds a period starting after the publication date, naming its sheet row."""
    source = load_catalog()["small_boats"]
    daily = next(m for m in source.metrics if m.id == "small_boat_arrivals")
    expression = "make_date(year(date), month(date), day(date))"
    cand = SimpleNamespace(source=dataclasses.replace(source, gate=None, metrics=[
        daily.model_copy(update={"period_start": expression, "period_end": expression, "gate": {}})]),
        release_id="small_boats/2024-01-12/x", published_on=date(2024, 1, 12), date_basis="file_name",
        file_name="12_January_2024_Small_boats_-_time_series.ods")
    days = pd.DataFrame({"date": pd.to_datetime(["2024-01-10", "2024-01-11", "2099-01-11"]),
                         "migrants_arrived": pd.array([5, 7, 99_999], dtype="Int64")}, index=[2, 3, 4])
    previous, cases = gate.check(duckdb.connect(), cand, [LoadedTable("small_boats_daily", "SB_01", days)],
                                 gate.Neighbours(None, None, []))
    assert [(c.sheet, c.row, c.check) for c in cases] == [
        ("SB_01", None, "release gate (after_publication): 1 period(s) starting after the release's publication date "
                        "(a typo in a year, or the file misdated?) (metric small_boat_arrivals)"),
        ("SB_01", 4, "2099-01-11: small_boat_arrivals 99,999 people, for a period not begun when the release was "
                     "published")]


def test_a_release_whose_daily_series_stops_before_the_previous_ones_is_held(settings, tmp_path):
    """The next week's file with its last two weeks of days cut (fewer than 1% of the periods since 2018, under
    max_dropped_share): its newest day moves back, which no weekly release does; held (audit 13: it passed)."""
    start = date(2018, 1, 1)
    days = (date(2025, 12, 4) - start).days + 1
    first = small_boats_file(tmp_path / "a", date(2025, 12, 5), start=start, days=days)
    assert [o.status for o in ingest.load_paths(settings, [first])] == ["loaded"]
    cut = small_boats_file(tmp_path / "b", date(2025, 12, 12), start=start, days=days - 14)
    [outcome] = ingest.load_paths(settings, [cut])
    assert outcome.status == "held", outcome.error
    assert ("sheet 'SB_01', column 'Migrants arrived': release gate (newest_moved_back): its newest period ends "
            "2025-11-20, before the previous release small_boats/2025-12-05/") in outcome.error
    # 14 of ~2,900 days: under the 1% the dropped share allows (the short prevented-migrants series trips it alone)
    assert not re.search(r"release gate \(dropped\)[^;]*\(metric small_boat_arrivals\)", outcome.error)
    # what marts.release_failures keeps: every reason with its sheet, a column only as published, never a metric id
    # (audit 16: summaries had no sheet and the metric id as column_name; examples of missing days no sheet)
    kept = query(settings, "SELECT sheet, row_number, column_name, check_name FROM marts.release_failures "
                           "WHERE release_id = ?", [outcome.release_id])
    metric_ids = {m.id for m in load_catalog()["small_boats"].metrics}
    assert kept and all(sheet in ("SB_01", "SB_02") for sheet, *_ in kept), kept
    assert not {column for _s, _r, column, _m in kept} & metric_ids
    assert ("SB_01", None, "Migrants arrived") in {(s, r, c) for s, r, c, m in kept if "newest_moved_back" in m}


def test_more_people_a_boat_than_any_day_has_seen_is_held(settings, tmp_path):
    """One day's 217 people re-published as 2,170 on its 3 boats, the weekly total raised to match (so sum_of passes
    and the day is within the 5,000 bound): 723 people a boat, where the real series' busiest day had 89. Held by
    at_most_per (150 a boat), naming the day's row (audit 13: it loaded as a revision)."""
    start = date(2025, 11, 3)
    grids = small_boats_grids(start, 14, arrivals=lambda i: 2170 if i == 5 else 100)
    row = next(r for r in grids["SB_01"][1:] if r[0] == pd.Timestamp(start + timedelta(days=5)))
    row[2] = 3
    path = write_workbook(tmp_path / sb_name(date(2025, 11, 17)), grids)
    [outcome] = ingest.load_paths(settings, [path])
    assert outcome.status == "held", outcome.error
    assert ("release gate (at_most_per): 1 period(s) with more than 150 people per one of small_boat_boats") in outcome.error
    assert ("sheet 'SB_01', row 7, column 'Migrants arrived': 2025-11-08: small_boat_arrivals 2,170 people on 3 boats "
            "(small_boat_boats): 723 per one") \
        in outcome.error


def test_a_settled_day_left_blank_in_a_new_release_is_held(settings, tmp_path, capsys):
    """A new release with one settled day blanked ('-'), everything else as before: it loaded, the weekly total was
    not compared (a day missing), the 1 dropped day was under max_dropped_share, and the old value stayed "latest"
    though the newest file no longer gave it (audit 16). A settled period missing inside the new release's own span
    is held, naming the day and its old value; recent provisional days may still be left blank."""
    day = 10                                                           # 2023-07-13, settled (more than 90 days back)
    grids = grids_to(NEXT)
    grids["SB_01"][day + 1][1] = "-"
    release_id, found, err = held_after_good(settings, tmp_path, grids, capsys)
    [(sheet, column, summary)] = [(s, c, check) for s, r, c, check, _v in found if r is None and "dropped_settled" in check]
    assert (sheet, column) == ("SB_01", "Migrants arrived")
    assert summary.startswith("release gate (dropped_settled): 1 settled period(s) (ending before 2023-11-03) that "
                              "small_boats/2024-02-02/")
    assert summary.endswith("had are missing inside this release's own span (from 2023-07-03): a figure blanked or a "
                            "row deleted (metric small_boat_arrivals)")
    assert any(check.startswith("2023-07-13: small_boat_arrivals in small_boats/2024-02-02/") and
               check.endswith(f"({(day * 37) % 400}), missing here") for _s, _r, _c, check, _v in found), found
    # the newest days blanked instead (not yet recorded, as the publisher writes '-'): loads
    recent = grids_to(NEXT)
    recent["SB_01"][-1][1] = "-"
    [outcome] = ingest.load_paths(settings, [release(tmp_path / "recent", NEXT, recent)])
    assert outcome.status == "loaded", outcome.error


def test_a_release_accepted_over_one_comparison_is_reviewed_again_when_another_is_found(settings, tmp_path, capsys):
    """A release accepted after review over the gate's reasons against GOOD; then GOOD's `_v2` re-upload loads,
    ranking between them, and the accepted release is checked again against it. Its held_reasons were replaced by
    the new reasons while accepted_at stayed set: never reviewed, they read as accepted after review, and it was not
    named among the releases to review (audit 17). It is named again, as published without review."""
    files = [release(tmp_path / "files", GOOD), release(tmp_path / "files", NEXT, grids_to(NEXT, arrivals=lambda i: 0))]
    assert load(settings, *files) == 1
    [held] = [r for (r,) in query(settings, "SELECT release_id FROM marts.releases WHERE status = 'held'")]
    assert cli.main(["accept", "--warehouse", str(settings.warehouse), held]) == 0
    v2 = tmp_path / "v2" / sb_name(GOOD).replace(".ods", "_v2.ods")
    v2.parent.mkdir()
    last = (GOOD - START).days - 1                                     # a corrected GOOD: its last day revised
    write_workbook(v2, grids_to(GOOD, revised={last: (last * 37) % 400 + 5}))
    capsys.readouterr()
    assert load(settings, v2) == 0
    [(accepted_at, reasons)] = query(settings, "SELECT accepted_at, held_reasons FROM marts.releases WHERE release_id = ?",
                                     [held])
    assert accepted_at is None and reasons.startswith("published without review, though the release gate would hold it")
    assert cli.main(["status", "--warehouse", str(settings.warehouse)]) == 0
    out = capsys.readouterr().out
    assert held in out[out.index("published, but the release gate would hold them"):]
    # and a rebuild records the same
    before = query(settings, "SELECT release_id, status, accepted_at IS NULL, held_reasons FROM marts.releases ORDER BY 1")
    assert cli.main(["rebuild", "--warehouse", str(settings.warehouse)]) == 0
    assert query(settings, "SELECT release_id, status, accepted_at IS NULL, held_reasons FROM marts.releases ORDER BY 1") \
        == before


# --- what the gate checks where it has nothing settled to compare with (audit 20) ------------------------------

def _returns_release(tmp_path, name: str, frames) -> Path:
    from tests.sources.home_office_detailed.test_home_office_sources import returns_file, returns_sheets
    return returns_file(tmp_path, name, returns_sheets(frames))


def _returns_published(settings, tmp_path) -> list[tuple]:
    """A warehouse with the small returns release of June 2024 (2024 Q1 and Q2) published; its latest values."""
    from tests.sources.home_office_detailed.test_home_office_sources import small_returns
    [outcome] = ingest.load_paths(settings, [_returns_release(tmp_path / "jun", "returns-datasets-jun-2024.xlsx",
                                                              small_returns())])
    assert outcome.status == "loaded", outcome.error
    return published_values(settings)


def test_a_metric_whose_rows_vanish_from_a_new_release_is_held(settings, tmp_path):
    """The next edition relabels a category ('Voluntary return' → 'Voluntary departures', as 'Small boat arrivals' might
    become 'Small boats'): returns_voluntary's filter finds no row, the new label is kept as a new category, and the
    release loaded with exit 0 while June's figures stayed "latest", the new quarter's voluntary returns nowhere (audit
    20). Held, naming the metric, the sheet and the previous release."""
    from tests.sources.home_office_detailed.test_home_office_sources import small_returns
    before = _returns_published(settings, tmp_path)
    frames = small_returns(("2024 Q1", "2024 Q2", "2024 Q3"))
    d01 = frames["Ret_D01"]
    d01.loc[d01["Return type group"] == "Voluntary return", "Return type group"] = "Voluntary departures"
    [outcome] = ingest.load_paths(settings, [_returns_release(tmp_path / "sep", "returns-datasets-sep-2024.xlsx", frames)])
    assert outcome.status == "held", outcome.error
    assert re.search(r"sheet 'Data - Ret_D01', column 'Number of returns': release gate \(metric_missing\): none of its "
                     r"periods is in this release, though the previous release ho_returns/2024-08-\d\d/\w+ had 2: its rows "
                     r"were not found \(a category relabelled, a column renamed\?\), and its figures would stay those of "
                     r"ho_returns/2024-08-\d\d/\w+, unseen \(metric returns_voluntary\)", outcome.error), outcome.error
    assert "metric returns_enforced" not in outcome.error           # the metrics still found pass
    assert published_values(settings) == before
    # the same edition with the label as before loads
    [outcome] = ingest.load_paths(settings, [_returns_release(tmp_path / "sep2", "returns-datasets-sep-2024.xlsx",
                                                              small_returns(("2024 Q1", "2024 Q2", "2024 Q3")))])
    assert outcome.status == "loaded", outcome.error


def test_a_new_quarter_a_thousand_times_the_last_is_held(settings, tmp_path):
    """The next edition's new quarter in the wrong unit (every count of 2024 Q3 x 1,000; or in thousands): the
    gate compared only the periods both releases hold, so the new quarter, the one every status reads, published
    (audit 20: 13,397,000 small boat arrivals in a quarter). A period after the previous release's newest, more than
    max_newest_ratio (100) times the period before it, either way, and by more than 100, is held, naming its row and
    both figures."""
    from tests.sources.home_office_detailed.test_home_office_sources import small_returns
    before = _returns_published(settings, tmp_path)
    frames = small_returns(("2024 Q1", "2024 Q2", "2024 Q3"))
    d01 = frames["Ret_D01"]
    q3 = d01["Quarter"] == "2024 Q3"
    d01.loc[q3, "Number of returns"] = d01.loc[q3, "Number of returns"] * 1000
    q2_enforced = float(d01.loc[(d01["Quarter"] == "2024 Q2") & (d01["Return type group"] == "Enforced return"),
                                "Number of returns"].sum())
    q3_enforced = float(d01.loc[q3 & (d01["Return type group"] == "Enforced return"), "Number of returns"].sum())
    [outcome] = ingest.load_paths(settings, [_returns_release(tmp_path / "sep", "returns-datasets-sep-2024.xlsx", frames)])
    assert outcome.status == "held", outcome.error
    assert re.search(r"release gate \(newest_jump\): 1 new period\(s\) \(after ho_returns/2024-08-\d\d/\w+'s newest\) "
                     r"more than 100 times, either way, the period before \(max_newest_ratio\): a unit slipped "
                     r"\(thousands\?\)", outcome.error), outcome.error
    first_q3_row = 2 + 1 + int(q3.idxmax())     # the header on row 2 (tests.sources builders), the frame from 0
    assert f"sheet 'Data - Ret_D01', row {first_q3_row}, column 'Number of returns': 2024-07-01 to 2024-09-30: " \
           f"returns_enforced {q3_enforced:,.0f} returns, against {q2_enforced:,.0f} for the period before it" \
        in outcome.error
    assert published_values(settings) == before
    # the same edition in the right unit loads
    [outcome] = ingest.load_paths(settings, [_returns_release(tmp_path / "sep2", "returns-datasets-sep-2024.xlsx",
                                                              small_returns(("2024 Q1", "2024 Q2", "2024 Q3")))])
    assert outcome.status == "loaded", outcome.error


@pytest.mark.parametrize("q2_row, q3_row", [(8, 136), (500, 40)], ids=["growth", "fall"])
def test_real_growth_and_real_falls_in_a_new_quarter_load(settings, tmp_path, q2_row, q3_row):
    """Series do move many times over between quarters: the real Irr_D01 small-boat quarters of 2018 run 7, 4, 17,
    271 (x16), and a pledge succeeding empties hotels from 1,500 to 120 (x 1/12.5). At max_newest_ratio 10, measured
    against the previous release's newest only, both were held (audit 21); at 100, against the period before, both
    load, and only a unit slip (x1,000) is held (the test above)."""
    from tests.sources.home_office_detailed.test_home_office_sources import small_returns

    def frames(quarters):
        made = small_returns(quarters)
        d01 = made["Ret_D01"]
        d01.loc[d01["Quarter"] == "2024 Q2", "Number of returns"] = q2_row
        d01.loc[d01["Quarter"] == "2024 Q3", "Number of returns"] = q3_row
        return made
    [first] = ingest.load_paths(settings, [_returns_release(tmp_path / "jun", "returns-datasets-jun-2024.xlsx",
                                                            frames(("2024 Q1", "2024 Q2")))])
    assert first.status == "loaded", first.error
    [outcome] = ingest.load_paths(settings, [_returns_release(tmp_path / "sep", "returns-datasets-sep-2024.xlsx",
                                                              frames(("2024 Q1", "2024 Q2", "2024 Q3")))])
    assert outcome.status == "loaded", outcome.error
    [(q2, q3)] = query(settings, "SELECT max(value) FILTER (WHERE period_start = DATE '2024-04-01'), "
                                 "max(value) FILTER (WHERE period_start = DATE '2024-07-01') "
                                 "FROM marts.metric_observations WHERE metric_id = 'returns_enforced' AND is_latest")
    assert (q2, q3) == (2 * q2_row, 2 * q3_row)          # two nationalities' enforced rows a quarter


def test_recent_days_blanked_inside_a_new_release_are_held(settings, tmp_path, capsys):
    """A weekly file with twenty recent days blanked ('-'), days the previous release gave: only settled days were
    checked, and 20 of ~200 days are under the dropped share, so it loaded; the old figures stayed "latest" and the
    status rested on days the newest file no longer gave (audit 20). Held, naming each day and its old figure. Days
    after the previous release's last are provisional and may still be blank (the test above)."""
    grids = grids_to(NEXT)
    blanked = [(GOOD - START).days - 25 + i for i in range(20)]         # 20 days of January 2024, within 90 days
    for i in blanked:
        grids["SB_01"][i + 1][1] = "-"
    release_id, found, err = held_after_good(settings, tmp_path, grids, capsys)
    [summary] = [check for _s, r, _c, check, _v in found if r is None and "dropped_recent" in check
                 and "small_boat_arrivals)" in check]
    first_day = START + timedelta(days=blanked[0])
    assert summary.startswith("release gate (dropped_recent): 20 recent period(s) that small_boats/2024-02-02/")
    assert "had are missing inside this release's own span (from 2023-07-03 to 2024-02-08): figures blanked or rows " \
           "deleted" in summary
    assert any(check.startswith(f"{first_day.isoformat()}: small_boat_arrivals in small_boats/2024-02-02/") and
               check.endswith(f"({(blanked[0] * 37) % 400}), missing here") for _s, _r, _c, check, _v in found), found
    assert "dropped_settled" not in err


def test_status_names_the_labels_the_newest_release_did_not_know(settings, tmp_path, capsys):
    """A label the parser did not know is kept and said by `pledges load` once; `pledges status`, what an operator
    reads after a scheduled run, never said it (audit 20), though a relabelled category means a metric counts none
    of its rows. It lists the newest release's unknown labels, with their table, column and rows (text and JSON)."""
    import json

    from tests.sources.home_office_detailed.test_home_office_sources import small_returns
    _returns_published(settings, tmp_path)
    frames = small_returns(("2024 Q1", "2024 Q2", "2024 Q3"))
    frames["Ret_D01"].loc[0, "Sex"] = "Not stated"
    [outcome] = ingest.load_paths(settings, [_returns_release(tmp_path / "sep", "returns-datasets-sep-2024.xlsx", frames)])
    assert outcome.status == "loaded", outcome.error
    capsys.readouterr()
    assert cli.main(["status", "--warehouse", str(settings.warehouse)]) == 0
    out = capsys.readouterr().out
    assert "labels the newest releases use that their parsers did not know" in out
    assert f"  {outcome.release_id}: table returns, column sex: 'Not stated' (1 rows)" in out
    assert cli.main(["status", "--json", "--warehouse", str(settings.warehouse)]) == 0
    assert json.loads(capsys.readouterr().out)["new_categories"] == [
        {"release_id": outcome.release_id, "table_name": "returns", "column_name": "sex", "label": "Not stated", "rows": 1}]
    # as of a day before that release, its labels are not the newest's
    assert cli.main(["status", "--json", "--as-of", "2024-09-01", "--warehouse", str(settings.warehouse)]) == 0
    assert json.loads(capsys.readouterr().out)["new_categories"] == []


@pytest.mark.parametrize("kind", ["rejected", "held"])
def test_figures_not_loaded_because_their_release_was_refused_say_so(settings, tmp_path, kind):
    """A weekly file loaded (6 Sep 2024, the pledge tracked from 5 Jul 2024), then the next one refused: rejected (a
    count written 'lots') or held (twenty recent days blanked). The pledge's explanation said its newer figures were
    "published, but not loaded here; get them from …", sending a reader to fetch what this warehouse had and refused
    (audit 19), then told readers of the report "(pledges status says why)", a command they cannot run (audit 21). It
    names the release that may hold them and why it is not used, in plain words; as of a day before that release, it
    says nothing of it."""
    good, following = date(2024, 9, 6), date(2024, 9, 13)
    assert load(settings, release(tmp_path / "good", good)) == 0
    grids = grids_to(following)
    if kind == "rejected":
        grids["SB_01"][5][1] = "lots"
    else:
        for i in range((good - START).days - 25, (good - START).days - 5):
            grids["SB_01"][i + 1][1] = "-"
    bad = release(tmp_path / "bad", following, grids)
    assert load(settings, bad) == 1
    [(status,)] = query(settings, "SELECT status FROM marts.releases WHERE file_name = ?", [bad.name])
    assert status == kind
    [(explanation,)] = query(settings, "SELECT explanation FROM marts.pledge_status WHERE pledge_id = 'small_boats'")
    # a reader (the report, feed and export carry it) is told the release came and why it is not used, in words
    # they can act on: no operator's command, no "get them from" for figures this warehouse has and refused
    refused = ("is held back for review: its figures failed this tracker's plausibility checks" if kind == "held"
               else "was refused: the file failed this tracker's checks of its layout and values")
    assert ("The series' figures after its last day (5 Sep 2024) were due by 13 Sep 2024 (Home Office): not loaded "
            f"here, so this status may be out of date: a release that may hold them, {bad.name}, published 13 Sep "
            f"2024, {refused}; the publisher's figures are at https://") in explanation
    assert "get them from" not in explanation and "pledges status" not in explanation
    [(before,)] = query(settings, "SELECT explanation FROM marts.pledge_status_as_of(DATE '2024-09-12') "
                                  "WHERE pledge_id = 'small_boats'")
    assert "a release that may hold them" not in before


def test_a_release_out_of_the_parsers_limits_is_not_said_to_have_failed_the_checks(settings, tmp_path, monkeypatch):
    """A release rejected because its parse process ran out of memory or time (parse_workers) was told to readers as
    "was refused: the file failed this tracker's checks of its layout and values" (audit 23 D2): nothing was checked,
    and the file may be sound. It says it could not be read within the tracker's limits."""
    import os
    import signal

    from flows import parse_workers
    good, following = date(2024, 9, 6), date(2024, 9, 13)
    assert load(settings, release(tmp_path / "good", good)) == 0
    bad = release(tmp_path / "bad", following)
    run_pid, real = os.getpid(), parse_workers.parse_and_validate

    def killed_in_its_process(source, path, name, *args, **kwargs):
        if os.getpid() != run_pid and "13_September_2024" in name:
            os.kill(os.getpid(), signal.SIGKILL)     # as the kernel's out-of-memory killer does
        return real(source, path, name, *args, **kwargs)

    monkeypatch.setattr(parse_workers, "parse_and_validate", killed_in_its_process)
    assert load(settings, bad) == 1
    [(status, error)] = query(settings, "SELECT status, error FROM marts.releases WHERE file_name = ?", [bad.name])
    assert status == "rejected" and "exceeded parser limits: memory" in error
    [(explanation,)] = query(settings, "SELECT explanation FROM marts.pledge_status WHERE pledge_id = 'small_boats'")
    assert (f"a release that may hold them, {bad.name}, published 13 Sep 2024, could not be read within this "
            "tracker's time and memory limits, so it is not used yet; the publisher's figures are at https://") \
        in explanation
    assert "failed this tracker's checks" not in explanation


def test_a_refused_release_too_early_to_hold_the_figures_awaited_is_not_named_as_theirs(settings, tmp_path):
    """The pledge is tracked from 5 Jul 2024; its first tracked figures were due by Aug 2024. A weekly file of 9 Feb
    2024 was rejected: it cannot hold them, yet the explanation said "A release of them, 09_February_2024…, was
    rejected" (audit 21 review). Only a release published after the figures awaited is named."""
    assert load(settings, release(tmp_path / "good", GOOD)) == 0
    grids = grids_to(NEXT)
    grids["SB_01"][5][1] = "lots"
    assert load(settings, release(tmp_path / "bad", NEXT, grids)) == 1
    [(explanation,)] = query(settings, "SELECT explanation FROM marts.pledge_status WHERE pledge_id = 'small_boats'")
    assert "Figures for the first tracked period were due by" in explanation
    assert "published, but not loaded here; get them from https://" in explanation
    assert "09_February_2024" not in explanation


def test_a_claims_figures_not_loaded_because_their_release_was_rejected_say_so(settings, tmp_path):
    """The same for a claim: the returns quarters to 31 Dec 2024 were due by 28 Feb 2025; a returns workbook of
    March 2025 came and was rejected (a count written '12a'). The claim's explanation names it beside "published, but
    not loaded here" (audit 19)."""
    from tests.sources.home_office_detailed.test_home_office_sources import small_returns
    _returns_published(settings, tmp_path)
    frames = small_returns(("2024 Q3", "2024 Q4"))
    frames["Ret_D01"] = frames["Ret_D01"].astype({"Number of returns": object})
    frames["Ret_D01"].loc[4, "Number of returns"] = "12a"
    bad = _returns_release(tmp_path / "mar", "returns-datasets-mar-2025.xlsx", frames)
    [outcome] = ingest.load_paths(settings, [bad])
    assert outcome.status == "rejected", outcome.error
    [(published_on,)] = query(settings, "SELECT published_on FROM marts.releases WHERE file_name = ?", [bad.name])
    [(explanation,)] = query(settings, "SELECT explanation FROM marts.claim_checks WHERE claim_id = 'returns_six_year_high'")
    # a local file named for its month is dated by estimate, and says so (staging.release_words)
    assert (f"not loaded here: a release that may hold them, {bad.name}, a local file dated {published_on.day} "
            f"{published_on:%b %Y} by estimate " in explanation)
    assert "), was refused: the file failed this tracker's checks of its layout and values; the publisher's figures " \
           "are at https://" in explanation
    assert "get them from" not in explanation and "pledges status" not in explanation


def test_two_different_files_claiming_one_release_are_named(settings, tmp_path):
    """Two files both named for the 2 Feb 2024 release, with different figures (one day revised): the second loaded
    with exit 0 and no word, its figures the latest by fetch time (audit 20 D1). It still loads (a correction may
    come under the same name), with a note naming the other file, so the operator can tell which is the publisher's."""
    first = release(tmp_path / "a", GOOD)
    [outcome] = ingest.load_paths(settings, [first])
    assert outcome.status == "loaded"
    last = (GOOD - START).days - 1
    (tmp_path / "b").mkdir()
    second = write_workbook(tmp_path / "b" / first.name, grids_to(GOOD, revised={last: (last * 37) % 400 + 5}))
    [again] = ingest.load_paths(settings, [second])
    assert again.status == "loaded", again.error
    assert [n for n in again.notes if "another file claiming the same release" in n] == [
        f"{outcome.release_id} ({first.name}) is another file claiming the same release (2024-02-02), with other "
        "contents: both are kept, and the one seen later (page time, then fetch time) gives the latest figures: check "
        "which is the publisher's"]
    # a different day's file says nothing of the kind
    [later] = ingest.load_paths(settings, [release(tmp_path / "c", NEXT)])
    assert not [n for n in later.notes if "another file claiming" in n]


# --- a new period that lost a whole breakdown (audit 23 #4) -------------------------------------------------------

IRR_TITLE = "Irregular migration to the UK by method of entry, nationality, region, sex and age"
METHODS = {"Inadequately documented air arrivals": 900, "Recorded detections at UK ports": 1_300,
           "Recorded detections in the UK": 2_100, "Small boat arrivals": 8_000}


def _irregular_frame(quarters: list[tuple[int, int]], methods_of=lambda quarter: METHODS) -> pd.DataFrame:
    """Irr_D01 as published: a row per quarter, method of entry, nationality, region, sex and age group."""
    from tests.sources.home_office_detailed.builders import quarter_label
    rows = []
    for year, q in quarters:
        for method, count in methods_of((year, q)).items():
            for nationality, region, share in [("Afghanistan", "Asia Central", 0.6), ("Albania", "Europe Other", 0.4)]:
                for sex, age, part in [("Male", "18 to 24", 0.7), ("Female", "25 to 39", 0.3)]:
                    rows.append([year, quarter_label(year, q), method, nationality, region, sex, age,
                                 round(count * share * part) + q])
    return pd.DataFrame(rows, columns=["Year", "Quarter", "Method of entry", "Nationality", "Region", "Sex", "Age Group",
                                       "Number of detections"])


def _irregular_release(folder: Path, month: str, frame: pd.DataFrame) -> Path:
    from tests.sources.home_office_detailed.builders import ho_dataset_sheets
    from tests.workbooks import write_xlsx
    return write_xlsx(folder / f"irregular-migration-to-the-uk-detailed-dataset-year-ending-{month}.xlsx",
                      ho_dataset_sheets({"Irr_D01": (IRR_TITLE, frame)}))


def test_a_new_quarter_holding_only_small_boats_is_held_not_published_as_all_methods(settings, tmp_path):
    """Audit 23 #4: a new quarter of Irr_D01 with rows for 'Small boat arrivals' only (the other methods of entry,
    present in every earlier quarter, not filled in) loaded silently, and irregular_detections (every method, a sum
    over the rows) was published for it as the small boats alone. Held (categories_missing), naming the metric, the
    quarter, the sheet and the methods missing; the same quarter with every method loads."""
    year_2023 = [(2023, q) for q in (1, 2, 3, 4)]
    [first] = ingest.load_paths(settings, [_irregular_release(tmp_path / "dec", "december-2023", _irregular_frame(year_2023))])
    assert first.status == "loaded", first.error
    before = published_values(settings)
    boats_only = _irregular_frame(year_2023 + [(2024, 1)], lambda quarter: (
        {"Small boat arrivals": METHODS["Small boat arrivals"]} if quarter == (2024, 1) else METHODS))
    [outcome] = ingest.load_paths(settings, [_irregular_release(tmp_path / "mar", "march-2024", boats_only)])
    assert outcome.status == "held", outcome.error
    assert published_values(settings) == before
    [summary] = [c for c in reasons(settings, outcome.release_id) if "categories_missing" in c[3]]
    assert summary[0] == "Data - Irr_D01" and summary[3].startswith("release gate (categories_missing): 1 new period(s)")
    assert summary[3].endswith("(metric irregular_detections)")
    [example] = [c for c in reasons(settings, outcome.release_id) if c[3].startswith("2024-01-01 to 2024-03-31: ")]
    small_boats_q1 = boats_only[boats_only["Quarter"] == "2024 Q1"]
    first_row = 2 + 1 + int(small_boats_q1.index.min())          # the header on row 2, the frame from 0
    assert example[:2] == ("Data - Irr_D01", first_row)
    assert example[3].startswith(f"2024-01-01 to 2024-03-31: irregular_detections "
                                 f"{small_boats_q1['Number of detections'].sum():,} detections, without Method of entry ")
    for method in METHODS:
        assert (f"'{method}'" in example[3]) == (method != "Small boat arrivals"), method
    # small boats alone lost nothing: small_boat_arrivals_quarterly is not named
    assert not [c for c in reasons(settings, outcome.release_id) if "small_boat_arrivals_quarterly" in c[3]]
    # the quarter with every method of entry loads
    [complete] = ingest.load_paths(settings, [_irregular_release(tmp_path / "mar2", "march-2024",
                                                                 _irregular_frame(year_2023 + [(2024, 1)]))])
    assert complete.status == "loaded", complete.error


def test_a_note_on_the_last_days_is_not_a_breakdown_lost(settings, tmp_path):
    """categories_missing reads only columns that break a period's rows down (two labels or more in the period
    before): a weekly file whose last four days before the previous release's newest carry a note ('Revised') and
    whose new days carry none loses no category (a day is one row)."""
    assert load(settings, release(tmp_path / "good", GOOD)) == 0
    grids = grids_to(NEXT)
    last = (GOOD - START).days - 1                       # the previous release's newest day, SB_01 row last + 1
    for i in range(last - 3, last + 1):
        grids["SB_01"][i + 1][4] = "Revised"
    assert load(settings, release(tmp_path / "next", NEXT, grids)) == 0
    assert query(settings, "SELECT count(*) FROM marts.releases WHERE status = 'loaded' AND held_reasons IS NULL") == [(2,)]


@pytest.mark.parametrize("cut", [1, 4, 8], ids=["2023Q3", "2022Q4", "2021Q4"])
def test_real_irregular_quarters_lose_no_breakdown(settings, realdata, tmp_path, cut):
    """categories_missing on the real Irr_D01 (Sep 2023): an earlier edition (the real rows, its last `cut` quarters
    left out, written back in the published layout) then the real workbook: the quarters it adds lose only what real
    data lose (a region absent one quarter, 'Not currently recorded' dropped in 2022 Q3: well under 10% of a
    quarter), so it loads with nothing held or noted."""
    real = realdata / "irregular" / "irregular-migration-to-the-UK-detailed-dataset-year-ending-september-2023.xlsx"
    if not real.is_file():
        pytest.skip(f"{real.name} is not among the real files")
    sheet = pd.read_excel(real, sheet_name="Data - Irr_D01", header=1, engine="calamine")
    sheet = sheet[sheet["Year"] != "End of table"]
    quarters = sorted(sheet["Quarter"].dropna().unique())
    earlier = sheet[sheet["Quarter"].isin(quarters[:-cut])]
    year, q = quarters[-cut - 1].split(" Q")            # the edition named by its last quarter ("june-2023")
    month = ["march", "june", "september", "december"][int(q) - 1]
    [first] = ingest.load_paths(settings, [_irregular_release(tmp_path / "earlier", f"{month}-{year}", earlier)])
    assert first.status == "loaded", first.error
    [outcome] = ingest.load_paths(settings, [real])
    assert outcome.status == "loaded", outcome.error
    assert query(settings, "SELECT count(*) FROM marts.releases WHERE status = 'loaded' AND held_reasons IS NULL") == [(2,)]
