"""Atomic publish: readers in other processes are never blocked and never see a half-built state."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import date

import duckdb
import pytest

from flows import ingest
from flows.ingest import load_paths
from tests.sources.small_boats.builders import small_boats_file

READER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    first = con.execute("SELECT count(*), sum(value) FROM marts.metric_observations").fetchall()
    print("open", first, flush=True)
    deadline = time.time() + float(sys.argv[2])
    while time.time() < deadline:
        again = con.execute("SELECT count(*), sum(value) FROM marts.metric_observations").fetchall()
        assert again == first, (again, first)   # the reader's view never changes under it
        time.sleep(0.05)
    print("consistent", first, flush=True)
""")


def test_reader_holding_the_file_does_not_block_a_run(settings, tmp_path):
    load_paths(settings, [small_boats_file(tmp_path / "a", date(2024, 2, 2), start=date(2024, 1, 1), days=20)])
    reader = subprocess.Popen([sys.executable, "-c", READER, str(settings.warehouse), "4"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert reader.stdout.readline().startswith("open")
    outcomes = load_paths(settings, [small_boats_file(tmp_path / "b", date(2024, 2, 9), start=date(2024, 1, 1), days=27)])
    assert [o.status for o in outcomes] == ["loaded"]
    out, err = reader.communicate(timeout=30)
    assert reader.returncode == 0, err
    assert out.startswith("consistent")
    # a new reader sees the new state
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    assert con.execute("SELECT count(DISTINCT release_id) FROM marts.metric_observations").fetchall() == [(2,)]
    con.close()


def test_failure_mid_publish_leaves_the_previous_file(settings, tmp_path, monkeypatch):
    load_paths(settings, [small_boats_file(tmp_path / "a", date(2024, 2, 2), start=date(2024, 1, 1), days=20)])
    before = settings.warehouse.read_bytes()

    def broken_build(con, definitions):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ingest, "build_marts", broken_build)
    with pytest.raises(OSError, match="No space left"):
        load_paths(settings, [small_boats_file(tmp_path / "b", date(2024, 2, 9), start=date(2024, 1, 1), days=27)])
    assert settings.warehouse.read_bytes() == before
    assert not settings.warehouse.with_name(settings.warehouse.name + ".building").exists()


KILLED_WRITER = textwrap.dedent("""
    import sys, time, dataclasses
    from pathlib import Path
    from flows import ingest
    from flows.config import Settings
    def slow_build(con, definitions):
        print("building", flush=True)
        time.sleep(60)
    ingest.build_marts = slow_build
    settings = dataclasses.replace(Settings(), warehouse=Path(sys.argv[1]))
    ingest.load_paths(settings, [Path(sys.argv[2])])
""")


def test_sigkill_mid_publish_leaves_the_previous_file(settings, tmp_path):
    load_paths(settings, [small_boats_file(tmp_path / "a", date(2024, 2, 2), start=date(2024, 1, 1), days=20)])
    before = settings.warehouse.read_bytes()
    newer = small_boats_file(tmp_path / "b", date(2024, 2, 9), start=date(2024, 1, 1), days=27)
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(settings.warehouse), str(newer)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "building"
    writer.kill()
    writer.wait(timeout=10)
    assert settings.warehouse.read_bytes() == before
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM meta.releases").fetchall() == [(1,)]
    con.close()
    # the next run recovers: the lock died with the process and the half-built copy is replaced
    assert [o.status for o in load_paths(settings, [newer])] == ["loaded"]


def test_second_writer_waits_then_gives_up_clearly(settings, tmp_path):
    from flows.errors import WarehouseBusy
    from warehouse import db
    import dataclasses
    quick = dataclasses.replace(settings, lock_timeout=0.5)
    with db.writer_lock(settings.warehouse, 1):
        t0 = time.monotonic()
        with pytest.raises(WarehouseBusy, match="another run is writing"):
            load_paths(quick, [small_boats_file(tmp_path / "a", date(2024, 2, 2), start=date(2024, 1, 1), days=5)])
        assert time.monotonic() - t0 >= 0.5


def test_raw_table_gains_a_column_added_to_its_schema(settings, tmp_path):
    """A release whose schema carries a column earlier releases lacked still loads; old rows read NULL."""
    from tests.sources.small_boats.builders import small_boats_grids
    from tests.workbooks import write_workbook
    grids = small_boats_grids(start=date(2024, 1, 1), days=20)
    for row in grids["SB_01"]:
        row.pop()                    # an early release without the optional Notes column
    early = write_workbook(tmp_path / "02_February_2024_Small_boats_-_time_series.ods", grids)
    load_paths(settings, [early])
    later = small_boats_file(tmp_path / "b", date(2024, 2, 9), start=date(2024, 1, 1), days=27, revised={2: 5})
    assert [o.status for o in load_paths(settings, [later])] == ["loaded"]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    notes = con.execute("SELECT r.published_on, count(d.notes) FROM raw.small_boats_daily d JOIN meta.releases r USING (release_id) "
                        "GROUP BY 1 ORDER BY 1").fetchall()
    con.close()
    assert notes == [(date(2024, 2, 2), 0), (date(2024, 2, 9), 1)]
