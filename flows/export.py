"""Open exports: every public `marts` table and view as Parquet or CSV files plus a Frictionless Data Package.

`export(warehouse, out, fmt)` writes `<out>/<table>.<fmt>` for each table and view of the `marts` schema (the
as-of table functions are not tables: they are left out) and `<out>/datapackage.json` (Data Package v2): one
tabular resource per file with its Table Schema (field names, types mapped from DuckDB's, each column's
description from the database's COMMENT ON COLUMN, the primary key where the table has one: PRIMARY_KEYS), the
table's description, size and sha256; at package level
the licence (Open Government Licence v3.0) and every catalog source (title, publisher, page).

Files are written by DuckDB's COPY from a read-only connection into a temporary folder beside `out`, which then
takes the place of `out` in one step (on Linux an atomic exchange of the two folders; elsewhere two renames), so
a dashboard reading the export never sees half of it. List and struct columns are JSON text in both formats
(Table Schema types `array` and `object`), so one schema describes both and spreadsheet and file-upload tools
read them as text.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from flows import readmodel
from warehouse import db
from warehouse.errors import NothingPublished

FORMATS = {
    "parquet": {"mediatype": "application/vnd.apache.parquet", "copy": "(FORMAT parquet)"},
    "csv": {"mediatype": "text/csv", "copy": "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"')"},
}
DESCRIPTOR = "datapackage.json"
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
LICENCE = {"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0",
           "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}
PACKAGE_NAME = "uk-migration-pledge-tracker"
PACKAGE_TITLE = "UK migration pledge tracker: public tables"
PACKAGE_DESCRIPTION = (
    "The public tables of the UK migration pledge tracker: official UK immigration statistics (Home Office, ONS, "
    "DfE, MoJ), every published version kept, and what they show pledge by pledge and claim by claim. Exported "
    "from the DuckDB warehouse's marts schema; list and struct columns are JSON text.")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"     # CSV text of TIMESTAMP columns (local times without a zone)

# Each table's primary key in its Table Schema: a key whose uniqueness every build checks before it publishes (a
# [[unique]] data test without `where` in warehouse/marts/tests.toml) and whose columns are never NULL (ids, dates
# and period types the SQL always sets). marts.changes has none (its unique key holds release_id, NULL for a status
# set by hand from evidence), nor marts.release_failures (two failing cells may read alike).
PRIMARY_KEYS = {
    "metrics": ["metric_id"],
    "pledges": ["pledge_id"],
    "pledge_status": ["pledge_id"],
    "claim_checks": ["claim_id"],
    "releases": ["release_id"],
    "metric_observations": ["metric_id", "period_type", "period_start", "period_end", "release_id"],
    "pledge_progress": ["pledge_id", "view", "as_of", "period_start", "period_end"],
}

_INTEGER = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "UHUGEINT"}
_NUMBER = {"FLOAT", "DOUBLE", "REAL"}
_DATETIME = {"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATETIME"}


class ExportRefused(ValueError):
    """The output folder is something other than an empty folder or an earlier export: nothing was written."""


def field_type(duckdb_type: str) -> tuple[str, str]:
    """The Table Schema type of a DuckDB column type, and how its values are written: 'native', 'json' (list,
    struct, map: JSON text), 'timestamp', 'timestamptz' (ISO 8601 text in CSV) or 'text' (cast to VARCHAR)."""
    t = duckdb_type.strip().upper()
    if re.search(r"\[\d*\]$", t):
        return "array", "json"
    if t.startswith(("STRUCT(", "MAP(")):
        return "object", "json"
    if t.startswith("UNION("):
        return "string", "json"
    if t in _INTEGER:
        return "integer", "native"
    if t in _NUMBER or t.startswith("DECIMAL"):
        return "number", "native"
    if t == "BOOLEAN":
        return "boolean", "native"
    if t == "DATE":
        return "date", "native"
    if t in _DATETIME:
        return "datetime", "timestamp"
    if t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return "datetime", "timestamptz"
    if t == "TIME":
        return "time", "native"
    if t.startswith(("VARCHAR", "ENUM(")):
        return "string", "native"
    return "string", "text"     # UUID, INTERVAL, BLOB, BIT and the like: their text form


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select(schema: str, table: str, columns: list[tuple[str, str, str | None]], fmt: str) -> str:
    """The SELECT that COPY writes: list/struct columns as JSON text; in CSV, timestamps as ISO 8601 text."""
    items = []
    for name, duckdb_type, _comment in columns:
        _ftype, how = field_type(duckdb_type)
        col = _ident(name)
        if how == "json":
            items.append(f"CAST(to_json({col}) AS VARCHAR) AS {col}")
        elif how == "text":
            items.append(f"CAST({col} AS VARCHAR) AS {col}")
        elif how == "timestamp" and fmt == "csv":
            items.append(f"strftime(CAST({col} AS TIMESTAMP), '{DATETIME_FORMAT}') AS {col}")
        elif how == "timestamptz" and fmt == "csv":
            items.append(f"strftime(timezone('UTC', {col}), '{DATETIME_FORMAT}Z') AS {col}")
        else:
            items.append(col)
    return f"SELECT {', '.join(items)} FROM {_ident(schema)}.{_ident(table)}"


def _field(name: str, duckdb_type: str, comment: str | None, fmt: str) -> dict:
    ftype, how = field_type(duckdb_type)
    field = {"name": name, "type": ftype}
    if how == "timestamp" and fmt == "csv":
        field["format"] = DATETIME_FORMAT
    elif how == "timestamptz" and fmt == "csv":
        field["format"] = DATETIME_FORMAT + "Z"
    description = comment or ""
    if how == "json":
        description += (" " if description else "") + f"(JSON text; in the warehouse: {duckdb_type})"
    elif how == "text":
        description += (" " if description else "") + f"(text form of DuckDB {duckdb_type})"
    if description:
        field["description"] = description
    field["duckdbType"] = duckdb_type
    return field


def _file_digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
        os.fsync(f.fileno())
    return path.stat().st_size, h.hexdigest()


def _sources(con) -> list[dict]:
    return [{k: v for k, v in {"title": title, "path": url, "publisher": publisher}.items() if v}
            for title, publisher, url in readmodel.catalog_sources(con)]


def write_files(con, folder: Path, fmt: str) -> dict:
    """Every marts table and view as `<folder>/<name>.<fmt>`, and the Data Package descriptor for them."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of: {', '.join(FORMATS)})")
    resources = []
    for name, kind, comment in readmodel.marts_relations(con):
        columns = [(column, duckdb_type, text) for _table, column, duckdb_type, text in readmodel.marts_columns(con, name)]
        path = folder / f"{name}.{fmt}"
        con.execute(f"COPY ({_select('marts', name, columns, fmt)}) TO {db.sql_string(path)} {FORMATS[fmt]['copy']}")
        size, sha256 = _file_digest(path)
        resource = {
            "name": name,
            "type": "table",
            "path": path.name,
            "format": fmt,
            "mediatype": FORMATS[fmt]["mediatype"],
            "title": f"marts.{name}",
            "description": comment or f"marts.{name} ({kind})",
            "bytes": size,
            "hash": f"sha256:{sha256}",
            "schema": {"fields": [_field(c, t, d, fmt) for c, t, d in columns]},
        }
        key = PRIMARY_KEYS.get(name)
        if key and set(key) <= {c for c, _t, _d in columns}:
            resource["schema"]["primaryKey"] = list(key)
        if fmt == "csv":
            resource["encoding"] = "utf-8"
            resource["dialect"] = {"header": True, "delimiter": ",", "quoteChar": '"'}
        resources.append(resource)
    return {
        "$schema": PROFILE,
        "name": PACKAGE_NAME,
        "title": PACKAGE_TITLE,
        "description": PACKAGE_DESCRIPTION,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": [dict(LICENCE)],
        "sources": _sources(con),
        "resources": resources,
    }


def _check_target(out: Path) -> None:
    """`out` may be replaced only if it does not exist, is an empty folder or holds an earlier export and
    nothing else (the files its datapackage.json lists): never someone's other files."""
    if out.is_symlink():
        raise ExportRefused(f"{out} is a symbolic link; give the folder itself")
    if not out.exists():
        return
    if not out.is_dir():
        raise ExportRefused(f"{out} exists and is not a folder")
    entries = {p.name for p in out.iterdir()}
    if not entries:
        return
    if DESCRIPTOR not in entries:
        raise ExportRefused(f"{out} is not empty and holds no earlier export ({DESCRIPTOR}); "
                            f"give a new or empty folder (the export replaces the whole folder)")
    try:
        listed = {r.get("path") for r in json.loads((out / DESCRIPTOR).read_text()).get("resources", [])}
    except (ValueError, AttributeError, OSError) as exc:
        raise ExportRefused(f"{out / DESCRIPTOR} is not an export's descriptor ({exc})") from None
    others = sorted(entries - listed - {DESCRIPTOR})
    if others:
        shown = ", ".join(others[:5]) + (" ..." if len(others) > 5 else "")
        raise ExportRefused(f"{out} holds files that are not part of the earlier export ({shown}); "
                            f"move them or give another folder (the export replaces the whole folder)")


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (Linux renameat2 RENAME_EXCHANGE); False where that is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)     # the C library the interpreter is linked with
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):     # EINVAL, ENOSYS, EOPNOTSUPP: this file system or kernel cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(a))


def _swap_into_place(tmp: Path, out: Path) -> None:
    if not out.exists():
        os.rename(tmp, out)
        return
    if _exchange(tmp, out):          # `out` is now the new export, `tmp` the old one
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.rename(out, old)              # a reader finds no folder for an instant, never a half-written one
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)          # the earlier export back in place
        raise
    shutil.rmtree(old, ignore_errors=True)


def export(warehouse: Path, out: Path, fmt: str = "parquet") -> dict:
    """Write the export of the published `warehouse` to the folder `out`, replacing an earlier export there
    in one step. Returns the Data Package descriptor written."""
    warehouse, out = Path(warehouse), Path(out)
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of: {', '.join(FORMATS)})")
    _check_target(out)
    con = db.connect_read_only(warehouse)
    if con is None:
        raise NothingPublished(warehouse)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.exporting-", dir=out.parent))
    try:
        try:
            package = write_files(con, tmp, fmt)
        finally:
            con.close()
        descriptor = tmp / DESCRIPTOR
        descriptor.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _file_digest(descriptor)     # fsync
        os.chmod(tmp, 0o755)         # mkdtemp makes it private; the export is for other programs to read
        db.fsync(tmp)
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    db.fsync(out.parent)
    return package



def export_after_publish(settings) -> Path | None:
    """The run flow's step after each publish: export to settings.export_path in settings.export_format when
    PLEDGES_EXPORT_DIR is set (a relative path is taken from the warehouse's folder); else nothing."""
    out = settings.export_path
    if out is None or not Path(settings.warehouse).exists():
        return None
    export(settings.warehouse, out, settings.export_format)
    return out
