"""Warehouse file handling: one writer at a time, readers never blocked, atomic publish.

A run never writes the published file in place. Under an exclusive lock it copies the
published file to `<name>.building`, writes there, checkpoints, fsyncs and swaps it in
with os.replace. A dashboard holding the old file open read-only keeps its (old,
consistent) inode; a crash at any point leaves the published file untouched.
"""
from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import shutil
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.errors import WarehouseBusy

HERE = Path(__file__).parent
# DuckDB 1.4+ readers (Evidence, BI drivers) must be able to open the file.
STORAGE_VERSION = "v1.4.0"

log = logging.getLogger("pledges")


class WarehouseFileError(Exception):
    """A file beside the warehouse (lock, write-ahead log) is not what it must be; nothing was changed."""


class QueryRefused(ValueError):
    """`pledges sql` was given something other than exactly one read statement."""


def sql_string(value: object) -> str:
    """`value` as an SQL string literal (a quote in a path must not end the literal)."""
    return "'" + str(value).replace("'", "''") + "'"


def _attach(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    try:
        if read_only:
            con.execute(f"ATTACH {sql_string(path)} AS wh (READ_ONLY)")
        else:
            con.execute(f"ATTACH {sql_string(path)} AS wh (STORAGE_VERSION {sql_string(STORAGE_VERSION)})")
        con.execute("USE wh")
    except BaseException:
        con.close()
        raise
    return con


def _lock_conflict(exc: BaseException) -> str | None:
    """DuckDB's 'another process holds this file read-write' error, as the holder's description; else None."""
    text = str(exc)
    if not isinstance(exc, duckdb.IOException) or "Could not set lock on file" not in text:
        return None
    found = re.search(r"\(PID (\d+)\)", text)
    return f"pid {found.group(1)}" if found else "another process"


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _open_published(path: Path, opener) -> duckdb.DuckDBPyConnection:
    """`opener(path)` with DuckDB's errors about the published file turned into clear ones."""
    try:
        return opener(path)
    except duckdb.Error as exc:
        holder = _lock_conflict(exc)
        if holder:
            raise WarehouseBusy(f"{path} is open read-write in another process ({holder}); try again once it has "
                                f"closed it (dashboards and notebooks must open the file with read_only=True)") from None
        if "WAL" in str(exc) and _wal(path).exists():
            raise WarehouseFileError(f"{path} cannot be read because of a stale write-ahead log {_wal(path)} (left by a "
                                     f"process that had the file open read-write and did not close it); the next "
                                     f"`pledges load` or `pledges run` sets it aside ({exc})") from None
        raise


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection | None:
    """The published warehouse for reading, or None if nothing is published yet."""
    if not path.exists():
        return None
    return _open_published(path, lambda p: _attach(p, read_only=True))


# `pledges sql`: the file itself opened read-only, no file system or network access, no extension
# installed or loaded, and settings that the query cannot change.
QUERY_ONLY_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


def connect_query_only(path: Path) -> duckdb.DuckDBPyConnection | None:
    """The published warehouse for arbitrary read queries, or None if nothing is published yet.

    Unlike connect_read_only, the database instance is the file itself in read-only mode (no in-memory
    catalog to switch to, nothing to attach), with external access disabled and the configuration locked.
    """
    if not path.exists():
        return None
    return _open_published(path, lambda p: duckdb.connect(str(p), read_only=True, config=dict(QUERY_ONLY_CONFIG)))


_READ_PRAGMAS = {"table_info", "show", "show_tables", "show_tables_expanded", "show_databases", "database_list",
                 "database_size", "storage_info", "metadata_info", "version", "platform", "functions", "collations"}


def _strip_leading_comments(text: str) -> str:
    while True:
        text = text.lstrip()
        if text.startswith("--"):
            text = text.partition("\n")[2]
        elif text.startswith("/*"):
            text = text.partition("*/")[2]
        else:
            return text


def read_statement(query: str) -> duckdb.Statement:
    """The one read statement in `query` (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN of
    one of those, or an informational PRAGMA such as table_info); QueryRefused for anything else."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.ParserException as exc:
        raise QueryRefused(str(exc)) from None
    if not statements:
        raise QueryRefused("no SQL statement given (e.g. pledges sql \"SELECT * FROM marts.pledge_status\")")
    if len(statements) > 1:
        raise QueryRefused(f"{len(statements)} statements given; pledges sql runs exactly one read-only statement")
    statement = statements[0]
    kind = statement.type
    text = _strip_leading_comments(statement.query)
    if kind == duckdb.StatementType.EXPLAIN:
        inner = re.sub(r"(?is)^EXPLAIN\s+(ANALY[SZ]E\s+)?(\([^)]*\)\s*)?", "", text, count=1)
        if inner != text:
            try:
                inner_statements = duckdb.extract_statements(inner)
            except duckdb.ParserException:
                inner_statements = []
            if len(inner_statements) == 1 and inner_statements[0].type == duckdb.StatementType.SELECT:
                return statement
    elif kind == duckdb.StatementType.SELECT:
        return statement
    elif kind == duckdb.StatementType.PRAGMA:
        name = re.match(r"(?is)PRAGMA\s+(\w+)", text)
        if name and name.group(1).lower() in _READ_PRAGMAS:
            return statement
    what = str(kind).rsplit(".", 1)[-1]
    raise QueryRefused(f"refused {what}: pledges sql is read-only and runs one SELECT, WITH, DESCRIBE, "
                       f"SHOW, SUMMARIZE, EXPLAIN or PRAGMA table_info-like statement")


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


def _open_lock_file(lock_path: Path) -> int:
    """The lock file, opened without following a symbolic link and only if it is a regular file of its own
    (no other name for it); never truncated here."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            try:
                target = repr(os.readlink(lock_path))
            except OSError:
                target = "?"
            raise WarehouseFileError(f"refusing the lock file {lock_path}: it is a symbolic link (to {target}); "
                                     f"remove it and run again") from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        what = "not a regular file" if not stat.S_ISREG(info.st_mode) else f"a hard link ({info.st_nlink} names)"
        raise WarehouseFileError(f"refusing the lock file {lock_path}: it is {what}; remove it and run again")
    return fd


@contextmanager
def writer_lock(path: Path, timeout: float) -> Iterator[None]:
    """Exclusive lock for the whole run; a second run waits up to `timeout` seconds, then gives up clearly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    fd = _open_lock_file(lock_path)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                    raise WarehouseBusy(f"another run is writing {path} (lock {lock_path}, held by pid {holder or '?'}); "
                                        f"waited {timeout:.0f} s") from None
                time.sleep(0.2)
        # Ours now, and checked to be a regular file with no other name: record our pid in it.
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        _held_locks.add(fd)
        try:
            set_aside_stale_wal(path)
            yield
        finally:
            _held_locks.discard(fd)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def set_aside_stale_wal(path: Path) -> Path | None:
    """Under the writer lock: move a write-ahead log left beside the published file out of the way.

    Runs never open the published file read-write, so a `<warehouse>.wal` was left by another process
    that did (a notebook killed before it closed the file). Its changes were never published by a run and
    are not applied; left in place beside a newly swapped-in file it would break every reader ("WAL
    checkpoint iteration does not match"). If that process is still alive it owns the log: WarehouseBusy,
    nothing touched. Otherwise the log is renamed `<warehouse>.wal.stale-<UTC time>` (kept for inspection),
    with a warning naming it and saying whether the published file opens without it.
    """
    wal = _wal(path)
    if not os.path.lexists(wal):
        return None
    if path.exists():
        try:
            _attach(path, read_only=True).close()
        except duckdb.Error as exc:
            holder = _lock_conflict(exc)
            if holder:
                raise WarehouseBusy(f"{path} is open read-write in another process ({holder}) which has written "
                                    f"{wal}; close it and run again (nothing was changed)") from None
    aside = wal.with_name(f"{wal.name}.stale-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    os.replace(wal, aside)
    state = "nothing is published yet"
    if path.exists():
        try:
            _attach(path, read_only=True).close()
            state = "the published file opens without it"
        except duckdb.Error as exc:   # left for the run to report; `pledges rebuild` still recreates the file
            state = f"the published file does not open even without it ({exc}); `pledges rebuild` recreates it"
    log.warning("set aside a stale write-ahead log %s as %s: left by a process that had the warehouse open "
                "read-write and did not close it; its changes were never published and are not applied; %s",
                wal, aside, state)
    return aside


@contextmanager
def building(path: Path, fresh: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable copy of the published warehouse (an empty one if `fresh`), inside one transaction;
    committed and swapped in only if the block succeeds.

    Call under `writer_lock`.
    """
    staging_path = path.with_name(path.name + ".building")
    _discard(staging_path)   # a crashed run's half-built copy
    con = None
    try:
        if path.exists() and not fresh:
            shutil.copyfile(path, staging_path)
        con = _attach(staging_path)
        ensure_meta(con)
        # The copy is private until swapped in, so it needs no write-ahead log: everything is one
        # transaction (an error anywhere discards the copy), and its commit checkpoints straight into
        # the file instead of writing the data to the WAL first and the file again after.
        con.execute("SET checkpoint_threshold = '1KB'")
        con.execute("BEGIN")
        yield con
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        con.close()
        con = None
        set_aside_stale_wal(path)   # a write-ahead log of the old file must not end up beside the new one
        fsync(staging_path)
    except BaseException as exc:
        if con is not None:
            con.close()
        _discard(staging_path)
        if isinstance(exc, (OSError, duckdb.Error)):   # a full disk, a failed write: the operator is told what is safe
            exc.add_note(f"Nothing was published: {path} is unchanged, and the half-built copy beside it was removed.")
        raise
    os.replace(staging_path, path)
    fsync(path.parent)


def _discard(staging_path: Path) -> None:
    """A building copy and its write-ahead log, gone (a failed or crashed publish leaves nothing behind)."""
    for leftover in (staging_path, staging_path.with_name(staging_path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def fsync(path: Path) -> None:
    """Flush a file or a folder (a rename is durable once its folder is flushed)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
