"""Test helpers around the warehouse: loading one file, and reading it the way a dashboard does
(read-only, one query at a time)."""
from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import duckdb

from flows.config import Settings


def query(settings: Settings, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def snapshot(settings: Settings) -> list[tuple]:
    """Everything published, to compare before and after a fault."""
    return query(settings, "SELECT * FROM marts.metric_observations ORDER BY ALL")


def failures(settings: Settings, file_name: str) -> list[tuple]:
    """Why a file was rejected: (sheet, row, column, check, value), by row."""
    return query(settings, "SELECT sheet, row_number, column_name, check_name, value FROM marts.release_failures "
                           "WHERE file_name = ? ORDER BY row_number", [file_name])


def load_one(settings: Settings, path: Path, content: bytes | None = None):
    """Load one file (written first from `content`, if given) and return its outcome."""
    from flows.ingest import load_paths

    if content is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    [outcome] = load_paths(settings, [path])
    return outcome


def metric(settings: Settings, metric_id: str, release_like: str = "%") -> dict[tuple[date, date], float]:
    # every value each matching release published (marts.metric_observations stores only changes)
    rows = query(settings, "SELECT period_start, period_end, value FROM marts.metric_vintages(?) "
                           "WHERE release_id LIKE ? ORDER BY period_start, published_on, release_id", [metric_id, release_like])
    return {(s, e): v for s, e, v in rows}


def own_settings(folder: Path) -> Settings:
    return dataclasses.replace(Settings(), warehouse=folder / "wh" / "pledges.duckdb", lock_timeout=5)
