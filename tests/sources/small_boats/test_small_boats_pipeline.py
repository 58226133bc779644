"""The walking skeleton end to end: a GOV.UK-shaped mirror over HTTP -> a published DuckDB warehouse."""
from __future__ import annotations

from datetime import date

import duckdb

from flows import cli
from flows.ingest import run_sources
from tests.conftest import SMALL_BOATS_PAGE
from tests.warehouse_reads import query
from tests.sources.small_boats.builders import small_boats_file
from tests.workbooks import write_workbook


def publish_release(mirror, tmp_path, published: date, **kwargs):
    path = small_boats_file(tmp_path / "files", published, **kwargs)
    return mirror.publish(SMALL_BOATS_PAGE, path.name, path.read_bytes())


def test_run_discovers_downloads_and_publishes(settings, mirror, tmp_path):
    url = publish_release(mirror, tmp_path, date(2024, 2, 2), start=date(2023, 12, 25), days=35)
    outcomes = run_sources(settings, ["small_boats"])
    assert [o.status for o in outcomes] == ["loaded"]
    release = query(settings, "SELECT release_id, file_url, status, rows, published_on, bytes, sha256 FROM meta.releases")
    assert len(release) == 1 and release[0][1] == url and release[0][2] == "loaded"
    assert release[0][4] == date(2024, 2, 2)
    # the raw file is archived by content hash with a metadata sidecar
    sha = release[0][6]
    archived = settings.archive_dir / sha[:2] / f"{sha}.ods"
    assert archived.stat().st_size == release[0][5]
    assert '"url": "' + url in archived.with_name(f"{sha}.meta.json").read_text()
    # day values match the sheet we published; uncontrolled landings '-' before 2023 never became zero
    expected = sum((i * 37) % 400 for i in range(7, 35))  # 2024-01-01 .. 2024-01-28
    got = query(settings, "SELECT sum(value), count(*) FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals' "
                          "AND is_latest AND period_start BETWEEN DATE '2024-01-01' AND DATE '2024-01-28'")
    assert got == [(expected, 28)]
    weeks = query(settings, "SELECT period_start, period_end FROM marts.metric_observations "
                            "WHERE metric_id = 'small_boat_arrivals_weekly' ORDER BY period_end LIMIT 1")
    assert weeks == [(date(2023, 12, 25), date(2023, 12, 31))]
    assert query(settings, "SELECT count(*) FROM marts.metric_observations WHERE metric_id = 'small_boat_prevented_migrants'") == [(0,)]


def test_second_run_downloads_nothing_and_changes_nothing(settings, mirror, tmp_path):
    publish_release(mirror, tmp_path, date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    run_sources(settings, ["small_boats"])
    before = settings.warehouse.stat().st_mtime_ns
    downloads = sum(1 for h in mirror.hits if h.startswith("/media/"))
    outcomes = run_sources(settings, ["small_boats"])
    assert [o.status for o in outcomes] == ["unchanged"]
    assert sum(1 for h in mirror.hits if h.startswith("/media/")) == downloads
    assert settings.warehouse.stat().st_mtime_ns == before   # nothing republished


def test_new_release_revises_values_and_keeps_the_old_vintage(settings, mirror, tmp_path):
    publish_release(mirror, tmp_path, date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    run_sources(settings, ["small_boats"])
    publish_release(mirror, tmp_path, date(2024, 2, 9), start=date(2024, 1, 1), days=27, revised={3: 999})
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["loaded"]
    rows = query(settings, "SELECT published_on, value, is_latest FROM marts.metric_observations "
                           "WHERE metric_id = 'small_boat_arrivals' AND period_start = DATE '2024-01-04' ORDER BY published_on")
    assert rows == [(date(2024, 2, 2), float((3 * 37) % 400), False), (date(2024, 2, 9), 999.0, True)]


def test_cli_run_without_prefect_and_status(settings, mirror, tmp_path, capsys):
    publish_release(mirror, tmp_path, date(2024, 2, 2), start=date(2024, 1, 1), days=10)
    code = cli.main(["run", "--no-prefect", "--source", "small_boats", "--warehouse", str(settings.warehouse),
                     "--govuk-base", mirror.base])
    assert code == 0
    assert "loaded" in capsys.readouterr().out
    assert cli.main(["status", "--warehouse", str(settings.warehouse)]) == 0
    out = capsys.readouterr().out
    assert "small_boats" in out and "2024-02-02" in out


def test_unknown_source_is_a_usage_error(settings, capsys):
    assert cli.main(["run", "--no-prefect", "--warehouse", str(settings.warehouse), "--source", "nope"]) == cli.EXIT_USAGE
    assert "unknown source id" in capsys.readouterr().err


def test_load_recognises_files_and_skips_others(settings, tmp_path, capsys):
    folder = tmp_path / "drop"
    small_boats_file(folder / "nested", date(2024, 3, 1), start=date(2024, 2, 1), days=10)
    (folder / "README.md").write_text("not data")
    write_workbook(folder / "derived.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(folder)]) == 0
    out = capsys.readouterr().out
    assert "1 loaded, 2 skipped" in out
    url = query(settings, "SELECT file_url FROM meta.releases")[0][0]
    assert url.endswith("nested/01_March_2024_Small_boats_-_time_series.ods")
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(folder)]) == 0
    assert "1 unchanged" in capsys.readouterr().out


def test_older_release_loaded_after_newer_keeps_is_latest(settings, tmp_path):
    newer = small_boats_file(tmp_path / "n", date(2024, 3, 8), start=date(2024, 2, 1), days=30, revised={0: 500})
    older = small_boats_file(tmp_path / "o", date(2024, 3, 1), start=date(2024, 2, 1), days=25)
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(newer)]) == 0
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(older)]) == 0
    latest = query(settings, "SELECT value, published_on FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals' "
                             "AND period_start = DATE '2024-02-01' AND is_latest")
    assert latest == [(500.0, date(2024, 3, 8))]
    assert query(settings, "SELECT count(*) FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals' "
                           "AND period_start = DATE '2024-02-01'") == [(2,)]


def test_warehouse_readable_by_duckdb_1_4_storage(settings, tmp_path):
    small_boats_file(tmp_path / "f", date(2024, 3, 1), start=date(2024, 2, 1), days=5)
    cli.main(["load", "--warehouse", str(settings.warehouse), str(tmp_path / "f")])
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{settings.warehouse}' AS w (READ_ONLY)")
    version = con.execute("SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'w'").fetchall()
    con.close()
    assert version and version[0][0] is not None and version[0][0].startswith("v1.4")


def test_as_of_answers_follow_revisions(settings, tmp_path):
    older = small_boats_file(tmp_path / "o", date(2024, 9, 6), start=date(2023, 7, 1), days=430)
    newer = small_boats_file(tmp_path / "n", date(2024, 9, 13), start=date(2023, 7, 1), days=437, revised={370: 2000})
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(newer), str(older)]) == 0
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    day = con.execute("SELECT (SELECT value FROM marts.observations_as_of(DATE '2024-09-10') WHERE metric_id = 'small_boat_arrivals' "
                      "AND period_start = DATE '2024-07-05'), (SELECT value FROM marts.metric_observations WHERE is_latest "
                      "AND metric_id = 'small_boat_arrivals' AND period_start = DATE '2024-07-05')").fetchone()
    then, now = con.execute("SELECT (SELECT value FROM marts.pledge_status_as_of(DATE '2024-09-10') WHERE pledge_id = 'small_boats'), "
                            "(SELECT value FROM marts.pledge_status WHERE pledge_id = 'small_boats')").fetchone()
    con.close()
    assert day == ((370 * 37) % 400, 2000)
    # in the first year the status rests on the days since 5 July 2024 (every 12-month window reaches back before
    # it): the newer vintage differs by the revision of 5 July 2024 and the seven days it adds (4 to 10 September)
    assert now - then == 2000 - (370 * 37) % 400 + sum((i * 37) % 400 for i in range(430, 437))


def test_landing_pages_are_fetched_conditionally(settings, mirror, tmp_path):
    publish_release(mirror, tmp_path, date(2024, 2, 2), start=date(2024, 1, 1), days=10)
    run_sources(settings, ["small_boats"])
    assert mirror.not_modified == []
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["unchanged"]
    assert mirror.not_modified == ["/api/content" + SMALL_BOATS_PAGE]     # 304: the kept copy was used
    publish_release(mirror, tmp_path, date(2024, 2, 9), start=date(2024, 1, 1), days=17)
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["loaded"]   # a changed page is read again
