"""Warehouse file handling: one writer at a time, readers never blocked, atomic publish.

A run never writes the published file in place. Under an exclusive lock it copies the
published file to `<name>.building`, writes there, checkpoints, fsyncs and swaps it in
with os.replace. A dashboard holding the old file open read-only keeps its (old,
consistent) inode; a crash at any point leaves the published file untouched.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from flows.errors import WarehouseBusy

HERE = Path(__file__).parent
# DuckDB 1.4+ readers (Evidence, BI drivers) must be able to open the file.
STORAGE_VERSION = "v1.4.0"


def _attach(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    if read_only:
        con.execute(f"ATTACH '{path}' AS wh (READ_ONLY)")
    else:
        con.execute(f"ATTACH '{path}' AS wh (STORAGE_VERSION '{STORAGE_VERSION}')")
    con.execute("USE wh")
    return con


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection | None:
    """The published warehouse for reading, or None if nothing is published yet."""
    if not path.exists():
        return None
    return _attach(path, read_only=True)


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute((HERE / "meta.sql").read_text())


# File descriptors of writer locks held by this process; a forked worker closes its copies so
# that it can never keep the lock alive after the run that took it.
_held_locks: set[int] = set()


def forget_inherited_locks() -> None:
    """In a forked child: close the inherited writer-lock descriptors (the parent's lock is unaffected)."""
    for fd in list(_held_locks):
        try:
            os.close(fd)
        except OSError:
            pass
    _held_locks.clear()


@contextmanager
def writer_lock(path: Path, timeout: float) -> Iterator[None]:
    """Exclusive lock for the whole run; a second run waits up to `timeout` seconds, then gives up clearly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = handle.read().strip() if handle.seek(0) == 0 else ""
                    raise WarehouseBusy(f"another run is writing {path} (lock {lock_path}, held by pid {holder or '?'}); "
                                        f"waited {timeout:.0f} s") from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        _held_locks.add(handle.fileno())
        try:
            yield
        finally:
            _held_locks.discard(handle.fileno())
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def building(path: Path, fresh: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable copy of the published warehouse (an empty one if `fresh`), inside one transaction;
    committed and swapped in only if the block succeeds.

    Call under `writer_lock`.
    """
    staging_path = path.with_name(path.name + ".building")
    for leftover in (staging_path, staging_path.with_name(staging_path.name + ".wal")):
        leftover.unlink(missing_ok=True)   # a crashed run's half-built copy
    if path.exists() and not fresh:
        shutil.copyfile(path, staging_path)
    con = _attach(staging_path)
    try:
        ensure_meta(con)
        # The copy is private until swapped in, so it needs no write-ahead log: everything is one
        # transaction (an error anywhere discards the copy), and its commit checkpoints straight into
        # the file instead of writing the data to the WAL first and the file again after.
        con.execute("SET checkpoint_threshold = '1KB'")
        con.execute("BEGIN")
        yield con
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        staging_path.unlink(missing_ok=True)
        raise
    con.close()
    _fsync(staging_path)
    os.replace(staging_path, path)
    _fsync(path.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
