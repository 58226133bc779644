"""Vintages stored as changes, derived tables built incrementally (issue 13): a warehouse built publish by publish
equals one rebuilt from the archive, table for table, and every as-of answer is the one the full copies give."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from flows import ingest
from flows.ingest import load_paths
from tests.warehouse_reads import own_settings, query
from tests.sources.small_boats.builders import small_boats_grids
from tests.workbooks import write_workbook

START = date(2023, 7, 1)
INTERNAL = ["staging.metric_releases", "staging.observation_ends", "staging.progress_vintages",
            "staging.claim_check_vintages", "staging.built_releases"]


def sb_file(folder: Path, published: date, days: int, revised: dict[int, int] | None = None, suffix: str = "",
            skip: int = 0) -> Path:
    """A weekly release: SB_01 from START (less `skip` first days) for `days` days, `revised` by day index."""
    folder = folder / f"{published}{suffix}"
    folder.mkdir(parents=True, exist_ok=True)
    grids = small_boats_grids(start=START + timedelta(days=skip), days=days - skip,
                              revised={i - skip: v for i, v in (revised or {}).items()},
                              arrivals=lambda i: ((i + skip) * 37) % 400)
    name = f"{published.day:02d}_{published.strftime('%B')}_{published.year}_Small_boats_-_time_series{suffix}.ods"
    return write_workbook(folder / name, grids)


def synthetic_history(folder: Path) -> list[list[Path]]:
    """Loads, one publish each: revisions, an older release after a newer one, a `_v2` after its original and
    another before it, a day dropped by one release and published again (unchanged) by a later one."""
    sep, oct_ = (lambda d: date(2024, 9, d)), (lambda d: date(2024, 10, d))
    return [
        [sb_file(folder, sep(6), 430), sb_file(folder, sep(13), 437, {370: 2000, 430: 5})],
        [sb_file(folder, sep(27), 451, {370: 2100, 440: 7, 431: 3})],
        [sb_file(folder, sep(20), 444, {370: 1999, 435: 3})],                               # older, loaded later
        [sb_file(folder, sep(27), 451, {370: 2100, 440: 8, 445: 9}, suffix="_v2")],         # re-upload, same day
        [sb_file(folder, oct_(4), 458, {370: 2000, 440: 8, 450: 1}, skip=1)],              # 1 Jul 2023 dropped
        [sb_file(folder, oct_(11), 465, {370: 2000, 452: 4}, suffix="_v2")],
        [sb_file(folder, oct_(11), 465, {370: 2000, 452: 5})],                              # original after its _v2
        [sb_file(folder, oct_(18), 472, {370: 2000, 460: 6})],                              # 1 Jul 2023 back
    ]


def marts_tables(warehouse: Path) -> dict[str, list[tuple]]:
    """Every marts table and view, ordered, and the internal tables the incremental build keeps."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' AND database_name = current_database() "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts' "
            "AND database_name = current_database() ORDER BY 1").fetchall()]
        out = {}
        for name in names:
            exclude = " EXCLUDE (loaded_at)" if name == "releases" else ""     # the rebuild loads them again
            out[f"marts.{name}"] = con.execute(f"SELECT *{exclude} FROM marts.{name} ORDER BY ALL").fetchall()
        for name in INTERNAL:
            out[name] = con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def assert_equal_to_rebuild(settings) -> dict[str, list[tuple]]:
    incremental = marts_tables(settings.warehouse)
    outcomes = ingest.rebuild(settings)
    assert not [o for o in outcomes if o.status == "failed"], outcomes
    rebuilt = marts_tables(settings.warehouse)
    assert list(incremental) == list(rebuilt)
    for name, rows in incremental.items():
        assert rows == rebuilt[name], f"{name} differs from a full rebuild"
    return rebuilt


def full_copy_as_of(settings, day: date) -> list[tuple]:
    """observations_as_of as it was computed before vintages were stored as changes: every release's values
    (staging.metric_values, from the raw tables), each period from the newest release published by the date."""
    return query(settings, """
        SELECT v.metric_id, v.period_type, v.period_start, v.period_end, v.value, v.unit, v.release_id, r.published_on
        FROM staging.metric_values v JOIN staging.release_order r USING (release_id)
        WHERE r.published_on <= ?
        QUALIFY row_number() OVER (PARTITION BY v.metric_id, v.period_type, v.period_start, v.period_end
                                   ORDER BY r.release_rank DESC) = 1
        ORDER BY ALL""", [day])


def assert_vintages_are_the_full_copies(settings) -> None:
    """marts.metric_vintages(m) gives back every release's values, as staging.metric_values reads them from raw."""
    for (metric_id,) in query(settings, "SELECT DISTINCT metric_id FROM staging.metric_values ORDER BY 1"):
        assert query(settings, "SELECT * FROM marts.metric_vintages(?) ORDER BY ALL", [metric_id]) == query(
            settings, "SELECT v.*, r.published_on FROM staging.metric_values v JOIN meta.releases r USING (release_id) "
                      "WHERE v.metric_id = ? ORDER BY ALL", [metric_id]), metric_id


def as_of(settings, day: date) -> list[tuple]:
    return query(settings, "SELECT * FROM marts.observations_as_of(?) ORDER BY ALL", [day])


def test_incremental_builds_equal_a_full_rebuild_and_the_full_copies(tmp_path):
    settings = own_settings(tmp_path)
    for step in synthetic_history(tmp_path / "files"):
        outcomes = load_paths(settings, step)
        assert [o.status for o in outcomes] == ["loaded"] * len(step), [o.error for o in outcomes]
    published = sorted({d for (d,) in query(settings, "SELECT published_on FROM meta.releases")})
    days = sorted({d + timedelta(days=k) for d in published for k in (-1, 0, 1)})
    for day in days:
        assert as_of(settings, day) == full_copy_as_of(settings, day), day
    # stored as changes: each value once, again only where revised (or published again after a gap)
    stored = query(settings, "SELECT count(*) FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals'")[0][0]
    copies = query(settings, "SELECT count(*) FROM staging.metric_values WHERE metric_id = 'small_boat_arrivals'")[0][0]
    assert stored < 473 + 30 and copies > 9 * 430
    # the day dropped by 4 Oct and published again on 18 Oct: as of 10 Oct it is still the 27 Sep _v2 figure
    day = query(settings, "SELECT value, release_id FROM marts.observations_as_of(DATE '2024-10-10') "
                          "WHERE metric_id = 'small_boat_arrivals' AND period_start = DATE '2023-07-01'")
    assert day == [(0.0, query(settings, "SELECT release_id FROM meta.releases WHERE file_name LIKE '27_Sep%_v2.ods'")[0][0])]
    assert_vintages_are_the_full_copies(settings)
    rebuilt = assert_equal_to_rebuild(settings)
    for day in days:
        assert as_of(settings, day) == full_copy_as_of(settings, day), day
    assert rebuilt["marts.pledge_progress"] and rebuilt["marts.changes"]


def test_a_release_that_republishes_its_predecessor_adds_only_what_changed(tmp_path):
    settings = own_settings(tmp_path)
    load_paths(settings, [sb_file(tmp_path / "f", date(2024, 9, 6), 430)])
    before = query(settings, "SELECT metric_id, count(*) FROM marts.metric_observations GROUP BY 1 ORDER BY 1")
    load_paths(settings, [sb_file(tmp_path / "f", date(2024, 9, 13), 437, {400: 1})])
    rows = query(settings, "SELECT published_on, count(*), count(*) FILTER (WHERE superseded_on IS NOT NULL) "
                           "FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals' GROUP BY 1 ORDER BY 1")
    # 7 new days and the revised one; the revised value of 6 Sep superseded on 13 Sep
    assert rows == [(date(2024, 9, 6), 430, 1), (date(2024, 9, 13), 8, 0)]
    assert query(settings, "SELECT superseded_on, is_latest FROM marts.metric_observations WHERE metric_id = "
                           "'small_boat_arrivals' AND period_start = DATE '2024-08-04' ORDER BY published_on") == \
        [(date(2024, 9, 13), False), (None, True)]
    assert dict(before)["small_boat_arrivals"] == 430


def test_incremental_equals_rebuild_on_the_real_files(realdata, tmp_path):
    settings = dataclasses.replace(own_settings(tmp_path), parse_workers=0)
    from flows.catalog import recognise
    boats = sorted((realdata / "small_boats").glob("*.ods"), key=lambda p: recognise(p.name).date_in_name(p.name))
    others = [p for p in realdata.iterdir() if p.is_dir() and p.name != "small_boats"]
    # weekly files mostly in order, two of them late (out of order), the other sources in between
    for step in [boats[:4], others, boats[5:8], [boats[4]], boats[9:], [boats[8]]]:
        outcomes = load_paths(settings, step)
        assert not [o for o in outcomes if o.status in ("rejected", "failed", "held")], outcomes
    published = sorted({d for (d,) in query(settings, "SELECT published_on FROM meta.releases WHERE status = 'loaded'")})
    for day in [published[0] - timedelta(days=1), *published, date(2025, 2, 14)]:
        assert as_of(settings, day) == full_copy_as_of(settings, day), day
    assert_vintages_are_the_full_copies(settings)
    assert_equal_to_rebuild(settings)


def test_rebuild_writes_a_compact_file(tmp_path):
    settings = own_settings(tmp_path)
    for step in synthetic_history(tmp_path / "files")[:3]:
        load_paths(settings, step)
    ingest.rebuild(settings)
    [(free, total)] = query(settings, "SELECT free_blocks, total_blocks FROM pragma_database_size()")
    assert free == 0 and total > 0


def test_a_failing_data_test_publishes_nothing(tmp_path, monkeypatch):
    from warehouse import datatests

    settings = own_settings(tmp_path)
    load_paths(settings, [sb_file(tmp_path / "f", date(2024, 9, 6), 430)])
    before = settings.warehouse.read_bytes()
    failing = tmp_path / "tests.toml"
    failing.write_text(datatests.TESTS_FILE.read_text() + '\n[[accepted_values]]\ntable = "marts.releases"\n'
                       'column = "status"\nvalues = ["rejected"]\n')
    monkeypatch.setattr(datatests, "TESTS_FILE", failing)
    with pytest.raises(datatests.DataTestFailed, match="accepted values of marts.releases.status: loaded"):
        load_paths(settings, [sb_file(tmp_path / "f", date(2024, 9, 13), 437)])
    assert settings.warehouse.read_bytes() == before
    assert not settings.warehouse.with_name(settings.warehouse.name + ".building").exists()


def test_data_tests_find_duplicate_keys_unknown_statuses_and_missing_metrics(tmp_path):
    from warehouse import datatests

    settings = own_settings(tmp_path)
    load_paths(settings, [sb_file(tmp_path / "f", date(2024, 9, 6), 430)])
    con = duckdb.connect(str(settings.warehouse))
    try:
        datatests.run(con)      # the published warehouse passes
        con.execute("INSERT INTO marts.pledge_status SELECT * FROM marts.pledge_status LIMIT 1")
        con.execute("UPDATE marts.pledge_progress SET status = 'fine'")
        con.execute("DELETE FROM marts.metrics WHERE metric_id = 'small_boat_arrivals'")
        with pytest.raises(datatests.DataTestFailed) as failed:
            datatests.run(con)
    finally:
        con.close()
    text = str(failed.value)
    assert "unique marts.pledge_status (pledge_id)" in text and "accepted values of marts.pledge_progress.status: fine" in text
    assert "every metric the register names is in marts.metrics" in text and "small_boat_arrivals" in text
