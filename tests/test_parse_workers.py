"""Releases parsed in forked parse processes that live for the load: same warehouse with or without parsing ahead,\na process that dies takes only its release with it, no orphans, no stuck lock."""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from flows import ingest, parse_workers
from flows.ingest import load_paths
from tests.warehouse_reads import query
from tests.sources.small_boats.builders import small_boats_file, small_boats_grids
from tests.workbooks import write_workbook
from warehouse import db

TABLES = ["SELECT * EXCLUDE (loaded_at, fetched_at) FROM meta.releases ORDER BY release_id",
          "SELECT * FROM meta.release_failures ORDER BY ALL",
          "SELECT * FROM raw.small_boats_daily ORDER BY ALL",
          "SELECT * FROM raw.small_boats_weekly ORDER BY ALL",
          "SELECT * FROM marts.metric_observations ORDER BY ALL"]


def releases(folder: Path) -> list[Path]:
    """Three good weekly releases and one with a cell that fails validation."""
    files = [small_boats_file(folder, date(2024, 3, d), start=date(2024, 1, 1), days=40 + d, arrivals=lambda i, d=d: (i * d) % 300)
             for d in (1, 8, 15)]
    grids = small_boats_grids(start=date(2024, 1, 1), days=60)
    grids["SB_01"][5][1] = "12a"        # sheet row 6 (the header is row 1)
    files.append(write_workbook(folder / "22_March_2024_Small_boats_-_time_series.ods", grids))
    return files


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_give_the_same_warehouse_as_parsing_inline(settings, tmp_path):
    files = releases(tmp_path / "files")
    inline = dataclasses.replace(settings, warehouse=tmp_path / "inline" / "pledges.duckdb", parse_workers=0)
    ahead = dataclasses.replace(settings, warehouse=tmp_path / "ahead" / "pledges.duckdb", parse_workers=2)
    outcomes_inline = load_paths(inline, files)
    outcomes_ahead = load_paths(ahead, files)
    assert [(o.status, o.release_id, o.rows, o.error) for o in outcomes_ahead] == \
           [(o.status, o.release_id, o.rows, o.error) for o in outcomes_inline]
    assert [o.status for o in outcomes_ahead].count("rejected") == 1
    rejected = next(o for o in outcomes_ahead if o.status == "rejected")
    assert "sheet 'SB_01', row 6, column 'Migrants arrived'" in rejected.error and "'12a'" in rejected.error
    for sql in TABLES:
        assert query(ahead, sql) == query(inline, sql), sql
    assert children_of(os.getpid()) == []   # the pool is gone when the load returns


def test_a_parse_process_that_dies_rejects_its_release_and_the_run_goes_on(settings, tmp_path, monkeypatch, caplog):
    files = releases(tmp_path / "files")
    run_pid = os.getpid()
    real = ingest.parse_and_validate

    def killed_in_its_process(source, path, release, *args, **kwargs):
        if os.getpid() != run_pid and "01_March_2024" in release:
            os.kill(os.getpid(), signal.SIGKILL)    # as the kernel's out-of-memory killer does
        return real(source, path, release, *args, **kwargs)

    monkeypatch.setattr(parse_workers, "parse_and_validate", killed_in_its_process)
    ahead = dataclasses.replace(settings, parse_workers=1)
    outcomes = load_paths(ahead, files)
    assert [o.status for o in outcomes] == ["rejected", "loaded", "loaded", "rejected"]
    assert "01_March_2024_Small_boats_-_time_series.ods: exceeded parser limits: memory: the parse process was " \
           "killed (SIGKILL)" in outcomes[0].error          # never parsed again in the run, which would have died too
    assert query(ahead, "SELECT count(DISTINCT release_id) FROM raw.small_boats_daily") == [(2,)]
    assert query(ahead, "SELECT check_name FROM meta.release_failures WHERE release_id = ?", [outcomes[0].release_id])[0][0] \
        .startswith("exceeded parser limits: memory")


def parsed_where(tmp_path: Path, monkeypatch) -> Path:
    """Record which process parses each release (a file appended to from any process)."""
    where = tmp_path / "parsed-in.txt"
    real = ingest.parse_and_validate

    def note_process(source, path, release, *args, **kwargs):
        with open(where, "a") as handle:
            handle.write(f"{release.split(' ')[1]} {os.getpid()}\n")
        return real(source, path, release, *args, **kwargs)

    monkeypatch.setattr(parse_workers, "parse_and_validate", note_process)
    return where


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_every_release_is_parsed_once_and_never_in_the_run_itself(settings, tmp_path, monkeypatch, workers):
    files = releases(tmp_path / "files")
    where = parsed_where(tmp_path, monkeypatch)
    outcomes = load_paths(dataclasses.replace(settings, parse_workers=workers), files)
    assert [o.status for o in outcomes] == ["loaded", "loaded", "loaded", "rejected"]
    parsed = [line.split() for line in where.read_text().splitlines()]
    assert sorted(name for name, _ in parsed) == sorted(f"({f.name})" for f in files)   # each parsed once
    assert all(int(pid) != os.getpid() for _, pid in parsed)                            # never in the run
    assert len({pid for _, pid in parsed}) <= workers + 1     # parse processes take one release after another
    assert children_of(os.getpid()) == []


KILLED_RUN = textwrap.dedent("""
    import sys, time
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing
    from pathlib import Path
    from flows.parse_workers import _worker_start
    from warehouse import db
    with db.writer_lock(Path(sys.argv[1]), timeout=5):
        pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start)
        busy = [pool.submit(time.sleep, 60) for _ in range(2)]
        time.sleep(1)
        print("ready", flush=True)
        time.sleep(60)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and /proc are Linux-only")
def test_a_killed_run_leaves_no_worker_holding_the_lock(tmp_path):
    warehouse = tmp_path / "wh" / "pledges.duckdb"
    run = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(warehouse)], stdout=subprocess.PIPE, text=True,
                           cwd=Path(__file__).parents[1])
    assert run.stdout.readline().strip() == "ready"
    workers = children_of(run.pid)
    assert len(workers) >= 2
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(w) for w in workers), "parse workers outlived the run"
    started = time.monotonic()
    with db.writer_lock(warehouse, timeout=5):
        pass
    assert time.monotonic() - started < 1, "the lock was still held after the run was killed"


def test_large_files_are_not_parsed_ahead(settings, tmp_path, monkeypatch):
    files = releases(tmp_path / "files")
    sizes = sorted(f.stat().st_size for f in files)
    threshold = sizes[1]                     # the two larger files count as large here
    monkeypatch.setattr(ingest.ParseAhead, "LARGE_FILE_BYTES", threshold)
    started_ahead: list[str] = []
    real_enter = ingest.ParseAhead.__enter__

    def enter(self):
        result = real_enter(self)
        started_ahead.extend(child.cand.file_name for child in self.running.values())
        return result

    monkeypatch.setattr(ingest.ParseAhead, "__enter__", enter)
    where = parsed_where(tmp_path, monkeypatch)
    outcomes = load_paths(dataclasses.replace(settings, parse_workers=4), files)
    assert [o.status for o in outcomes] == ["loaded", "loaded", "loaded", "rejected"]
    by_name = {f.name: f.stat().st_size for f in files}
    assert sorted(started_ahead) == sorted(name for name, size in by_name.items() if size <= threshold)
    parsed = dict(line.split() for line in where.read_text().splitlines())
    assert sorted(parsed) == sorted(f"({name})" for name in by_name)         # the large ones too, at their turn
    assert all(int(pid) != os.getpid() for pid in parsed.values())


def test_each_file_gets_the_whole_time_limit_in_a_process_that_parsed_others(settings, tmp_path, monkeypatch):
    """One parse process takes the releases one after another: its time limit is set again for each file, so three
    files of 1.2 s each pass a 2 s limit, and a fourth that hangs is rejected alone."""
    files = releases(tmp_path / "files")[:3] + [small_boats_file(tmp_path / "files", date(2024, 3, 29), start=date(2024, 1, 1), days=70)]
    where = parsed_where(tmp_path, monkeypatch)
    noted = parse_workers.parse_and_validate

    def slow(source, path, release, *args, **kwargs):
        time.sleep(30 if "29_March_2024" in release else 1.2)
        return noted(source, path, release, *args, **kwargs)

    monkeypatch.setattr(parse_workers, "parse_and_validate", slow)
    outcomes = load_paths(dataclasses.replace(settings, parse_workers=0, parse_timeout=2), files)
    assert [o.status for o in outcomes] == ["loaded", "loaded", "loaded", "rejected"]
    assert "exceeded parser limits: time: parsing took longer than 2 s" in outcomes[3].error
    assert len({pid for _, pid in (line.split() for line in where.read_text().splitlines())}) == 1   # the 4th: never
    assert children_of(os.getpid()) == []
