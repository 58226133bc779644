"""The files beside the warehouse and its path: a lock file that is a link, a stale write-ahead log, a
process holding the file read-write, a quote in the path. Real DuckDB files and real processes."""
from __future__ import annotations

import hashlib
import logging
import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows import cli
from tests.sources.small_boats.builders import small_boats_file

# Another process (a notebook) holding the published file read-write; with "write" it changes the file
# without a checkpoint, so its changes sit in `<warehouse>.wal`.
HOLDER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("SET checkpoint_threshold = '1GB'")
    if sys.argv[2] == "write":
        con.execute("CREATE TABLE main.notebook_scratch AS SELECT range AS i FROM range(1000)")
        con.execute("DELETE FROM meta.releases")
    print("ready", flush=True)
    time.sleep(60)
""")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(warehouse: Path, folder: Path, published: date, days: int) -> int:
    path = small_boats_file(folder, published, start=date(2024, 6, 1), days=days)
    return cli.main(["load", "--warehouse", str(warehouse), str(path)])


@pytest.fixture
def holder():
    """Start a read-write holder of a warehouse file; killed (SIGKILL) at the end if still running."""
    started: list[subprocess.Popen] = []

    def start(warehouse: Path, mode: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(warehouse), mode],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(proc)
        line = proc.stdout.readline()
        assert line.startswith("ready"), proc.stderr.read()
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def released(warehouse: Path) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return [r for (r,) in con.execute("SELECT release_id FROM meta.releases WHERE status = 'loaded' ORDER BY 1").fetchall()]
    finally:
        con.close()


# --- the lock file -----------------------------------------------------------------------------

def test_lock_file_that_is_a_symlink_is_refused_and_its_target_untouched(settings, tmp_path, capsys):
    warehouse = settings.warehouse
    warehouse.parent.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious content\n")
    lock = warehouse.with_name(warehouse.name + ".lock")
    lock.symlink_to(victim)
    assert load(warehouse, tmp_path / "a", date(2024, 7, 5), 30) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert f"refusing the lock file {lock}: it is a symbolic link" in err
    assert victim.read_text() == "precious content\n"
    assert not warehouse.exists()
    # a dangling link must not create its target either
    lock.unlink()
    lock.symlink_to(tmp_path / "created-by-the-run")
    assert load(warehouse, tmp_path / "a", date(2024, 7, 5), 30) == cli.EXIT_FAILED
    assert "symbolic link" in capsys.readouterr().err
    assert not (tmp_path / "created-by-the-run").exists() and not warehouse.exists()


def test_lock_file_that_is_a_hard_link_is_refused(settings, tmp_path, capsys):
    warehouse = settings.warehouse
    warehouse.parent.mkdir(parents=True)
    victim = warehouse.parent / "victim.txt"
    victim.write_text("precious content\n")
    os.link(victim, warehouse.with_name(warehouse.name + ".lock"))
    assert load(warehouse, tmp_path / "a", date(2024, 7, 5), 30) == cli.EXIT_FAILED
    assert "a hard link" in capsys.readouterr().err
    assert victim.read_text() == "precious content\n"


def test_lock_file_holds_only_the_pid_of_the_last_run(settings, tmp_path):
    warehouse = settings.warehouse
    warehouse.parent.mkdir(parents=True)
    lock = warehouse.with_name(warehouse.name + ".lock")
    lock.write_text("1234567890 left by an older run\n")
    assert load(warehouse, tmp_path / "a", date(2024, 7, 5), 30) == cli.EXIT_OK
    assert lock.read_text() == str(os.getpid()) and not lock.is_symlink()


# --- a stale write-ahead log -----------------------------------------------------------------------

def test_stale_wal_is_set_aside_and_readers_work_after_the_next_publish(settings, tmp_path, holder, caplog, capsys):
    warehouse = settings.warehouse
    assert load(warehouse, tmp_path / "a", date(2024, 7, 5), 30) == cli.EXIT_OK
    first = released(warehouse)
    # a notebook opened the file read-write, changed it and was killed before closing it
    notebook = holder(warehouse, "write")
    notebook.send_signal(signal.SIGKILL)
    notebook.wait(timeout=10)
    wal = warehouse.with_name(warehouse.name + ".wal")
    assert wal.exists() and wal.stat().st_size > 0

    caplog.set_level(logging.WARNING, logger="pledges")
    assert load(warehouse, tmp_path / "b", date(2024, 7, 12), 37) == cli.EXIT_OK
    # readers work (they failed with "WAL checkpoint iteration does not match"); the notebook's
    # unpublished changes were not applied (its DELETE, its table)
    assert len(released(warehouse)) == 2 and set(first) < set(released(warehouse))
    aside = list(warehouse.parent.glob(warehouse.name + ".wal.stale-*"))
    assert len(aside) == 1 and not wal.exists()
    assert f"set aside a stale write-ahead log {wal} as {aside[0]}" in caplog.text
    assert "the published file opens without it" in caplog.text
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'notebook_scratch'").fetchone() == (0,)
    con.close()
    capsys.readouterr()
    assert cli.main(["status", "--warehouse", str(warehouse)]) == cli.EXIT_OK
    assert cli.main(["sql", "--warehouse", str(warehouse), "SELECT count(*) FROM marts.releases"]) == cli.EXIT_OK
    # and so does the next run
    assert load(warehouse, tmp_path / "c", date(2024, 7, 19), 44) == cli.EXIT_OK
    assert len(released(warehouse)) == 3


def test_wal_of_a_live_read_write_holder_stops_the_run_and_is_left_alone(settings, tmp_path, holder, capsys):
    warehouse = settings.warehouse
    assert load(warehouse, tmp_path / "a", date(2024, 7, 5), 30) == cli.EXIT_OK
    before = sha256(warehouse)
    notebook = holder(warehouse, "write")
    wal = warehouse.with_name(warehouse.name + ".wal")
    wal_before = sha256(wal)
    assert load(warehouse, tmp_path / "b", date(2024, 7, 12), 37) == cli.EXIT_BUSY
    assert f"is open read-write in another process (pid {notebook.pid})" in capsys.readouterr().err
    assert sha256(warehouse) == before and sha256(wal) == wal_before
    assert not list(warehouse.parent.glob("*.stale-*"))


# --- readers while another process holds the file read-write --------------------------------------

def test_readers_say_busy_while_another_process_holds_the_file_read_write(settings, tmp_path, holder, capsys):
    warehouse = settings.warehouse
    assert load(warehouse, tmp_path / "a", date(2024, 7, 5), 30) == cli.EXIT_OK
    notebook = holder(warehouse, "open")
    capsys.readouterr()
    for command in (["status"], ["status", "--json"], ["sql", "SELECT 1"], ["report", "--out", str(tmp_path / "r.html")],
                    ["docs"]):
        assert cli.main([command[0], "--warehouse", str(warehouse), *command[1:]]) == cli.EXIT_BUSY, command
        err = capsys.readouterr().err
        assert f"{warehouse} is open read-write in another process (pid {notebook.pid})" in err, command
        assert "IO Error" not in err
    assert not (tmp_path / "r.html").exists()


# --- a quote in the warehouse path -------------------------------------------------------------

def test_warehouse_path_with_a_quote_works_for_load_status_and_sql(tmp_path, capsys):
    warehouse = tmp_path / "it's ours" / "o'brien.duckdb"
    assert load(warehouse, tmp_path / "a", date(2024, 7, 5), 30) == cli.EXIT_OK
    assert load(warehouse, tmp_path / "b", date(2024, 7, 12), 37) == cli.EXIT_OK
    capsys.readouterr()
    assert cli.main(["status", "--warehouse", str(warehouse)]) == cli.EXIT_OK
    assert f"warehouse {warehouse}" in capsys.readouterr().out
    assert cli.main(["sql", "--warehouse", str(warehouse), "SELECT count(*) AS releases FROM marts.releases"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "releases" in out and "(1 row)" in out
    assert cli.main(["docs", "--warehouse", str(warehouse)]) == cli.EXIT_OK
    assert len(released(warehouse)) == 2
