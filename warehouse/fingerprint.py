"""The build fingerprint: which register, catalog and derived-table SQL the published derived tables were built from.

Light on purpose (no pandas): a `pledges load` that changes nothing compares it without the build's modules
(flows/noop.py). warehouse/build.py records it in meta.build_info and builds in full when it differs.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import duckdb

from warehouse.register import REGISTER_FILE


class Definitions(Protocol):
    """What the fingerprint needs of warehouse.build.Definitions: the catalog's files."""
    files: tuple[Path, ...]

MARTS_DIR = Path(__file__).with_name("marts")


def files_fingerprint(catalog_files: Iterable[Path]) -> str:
    """A hash of everything the derived tables are built from besides the data: the pledge register, the
    catalog's files (metric definitions), the SQL files and column descriptions."""
    register = Path(os.environ.get("PLEDGES_REGISTER") or REGISTER_FILE)
    files = [register, *catalog_files, MARTS_DIR / "columns.toml", *sorted(MARTS_DIR.glob("*.sql"))]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def definitions_fingerprint(definitions: Definitions) -> str:
    """The fingerprint of these definitions (files_fingerprint of the catalog's files). A load with no new release
    still rebuilds the derived tables when it differs from the published one's (an edited register is applied)."""
    return files_fingerprint(definitions.files)


def published_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The definitions fingerprint the published derived tables were built with (None before it was recorded)."""
    if not con.execute("SELECT 1 FROM duckdb_tables() WHERE schema_name = 'meta' AND table_name = 'build_info' "
                       "AND database_name = current_database()").fetchall():
        return None
    row = con.execute("SELECT fingerprint FROM meta.build_info").fetchone()
    return row[0] if row else None
