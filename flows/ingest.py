"""Ingestion, independent of Prefect: recognise, archive, parse, validate, load, publish.

The orchestration is written once (`run_sources`, `load_paths`); the Prefect flows pass
task-wrapped versions of the network steps so retries and logging come from Prefect.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import numpy as np
import pandas as pd
import pandera.pandas as pa
from python_calamine import CalamineError

from flows import gate
from flows.catalog import Source, definitions, load_catalog, version_in_name
from flows.config import Settings
from flows.errors import FailureCase, FetchError, HostUnreachable, SourceError
from flows.fetch import (Attachment, Download, discover, discovery_host, discovery_url, download, file_record,
                         save_file_record)
from flows.parsing import (SPREADSHEET_KINDS, TableNotFound, UnsafeFile, open_document, parse_date_text,
                           spreadsheet_kind)
from flows.recognise import recognise_file, remote_date_basis, sighting_date_basis, with_date_basis
from warehouse import db
from warehouse.build import build_marts, definitions_fingerprint, published_fingerprint

log = logging.getLogger("pledges")


@dataclass
class Candidate:
    """A published file, archived and hashed, ready to be loaded as a release."""
    source: Source
    file_name: str
    url: str
    title: str
    landing_page: str
    published_on: date
    path: Path
    sha256: str
    bytes: int
    fetched_at: datetime
    page_updated_at: datetime | None = None   # when the landing page listing it was last updated, where known
    date_basis: str | None = None             # how published_on is known (flows.recognise.DATE_BASES)
    note: str | None = None                   # a local file: how it was recognised and dated, when not by its name

    def __post_init__(self) -> None:
        # the parser sees it too (DfE: the newest year counts final only on a publisher's date)
        self.source = with_date_basis(self.source, self.date_basis)

    @property
    def release_id(self) -> str:
        return f"{self.source.id}/{self.published_on.isoformat()}/{self.sha256[:12]}"

    @property
    def version(self) -> int:
        """The `_vN` suffix of the file name (1 without one): ranks releases of a source published the same day."""
        return version_in_name(self.file_name)


@dataclass
class Outcome:
    source_id: str
    name: str                       # file name, or the landing page for discovery failures
    status: str                     # loaded | unchanged | rejected | held | superseded | skipped | failed
    release_id: str | None = None
    rows: int = 0
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_failure(self) -> bool:
        return self.status in ("rejected", "held", "failed")


@dataclass
class Known:
    """What the published warehouse already holds, read without taking its write lock."""
    loaded: dict[tuple[str, str], str] = field(default_factory=dict)   # (source, sha256) -> release_id
    urls: dict[str, str] = field(default_factory=dict)                 # loaded file_url -> release_id

    @classmethod
    def read(cls, warehouse: Path) -> "Known":
        rows = _published_rows(warehouse, "SELECT source_id, sha256, release_id, file_url, status FROM meta.releases "
                                          "WHERE status IN ('loaded', 'unchanged')")
        known = cls()
        for source_id, sha, release_id, url, status in rows:
            if status == "loaded":
                known.loaded[(source_id, sha)] = release_id
            known.urls[url] = release_id
        return known


# --- archive ---------------------------------------------------------------------------

class SidecarError(Exception):
    """An archive sidecar that cannot be trusted: unreadable, or edited since the pipeline wrote it."""


def sidecar_checksum(record: dict) -> str:
    """The checksum a sidecar carries over the rest of its content (keys sorted, no whitespace)."""
    body = json.dumps({k: v for k, v in record.items() if k != "checksum"}, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


def read_sidecar(path: Path) -> dict:
    """A sidecar's record, checked against the checksum written with it (SidecarError names the file if it fails).

    Sidecars written before checksums existed have none and are read as they are.
    """
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SidecarError(f"{path}: not a readable archive sidecar ({exc})") from None
    if not isinstance(record, dict) or not isinstance(record.get("sightings"), list) or \
            not all(isinstance(record.get(k), t) for k, t in (("sha256", str), ("file", str), ("source_id", str), ("bytes", int))):
        raise SidecarError(f"{path}: not an archive sidecar (sha256, file, source_id, bytes and sightings expected)")
    if Path(record["file"]).name != record["file"] or record["file"] in ("", ".", ".."):
        raise SidecarError(f"{path}: its file {record['file']!r} is not a file name beside it")
    if "checksum" in record and record["checksum"] != sidecar_checksum(record):
        raise SidecarError(f"{path}: edited since the pipeline wrote it (its content no longer matches its checksum); "
                           "restore it (or the whole archive) from a backup")
    return record


def _write_sidecar(path: Path, record: dict) -> None:
    record = {**{k: v for k, v in record.items() if k != "checksum"}, "checksum": sidecar_checksum(record)}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2))
    os.replace(tmp, path)


def archive(settings: Settings, source: Source, file_path: Path, sha256: str, size: int, *,
            move: bool, file_name: str, url: str, title: str, landing_page: str, published_on: date, fetched_at: datetime,
            page_updated_at: datetime | None = None, date_basis: str | None = None) -> Path:
    """Keep the raw file by content hash, with a metadata sidecar (origin, URL, dates, licence, checksum, size).

    The sidecar carries a checksum of its own content, so `rebuild` refuses one edited by hand."""
    folder = settings.archive_dir / sha256[:2]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha256}{Path(file_name).suffix.lower()}"
    if not target.exists():
        tmp = target.with_name(target.name + ".tmp")
        if move:
            shutil.move(file_path, tmp)
        else:
            shutil.copyfile(file_path, tmp)
        os.replace(tmp, target)
    elif move:
        Path(file_path).unlink(missing_ok=True)
    sidecar = folder / f"{sha256}.meta.json"   # beside the file; never clashes with a raw .json
    try:
        record = read_sidecar(sidecar) if sidecar.exists() else {
            "sha256": sha256, "bytes": size, "file": target.name, "source_id": source.id,
            "publisher": source.publisher, "licence": source.licence, "sightings": []}
    except SidecarError as exc:
        # never re-sign an edited sidecar (that would bless the edit): left as found, `rebuild` refuses it
        log.warning("%s; this sighting of %s is not added to it", exc, file_name)
        return target
    sighting = {"url": url, "file_name": file_name,
                "title": title, "landing_page": landing_page, "published_on": published_on.isoformat(),
                "fetched_at": fetched_at.isoformat()}
    if page_updated_at is not None:
        sighting["page_updated_at"] = page_updated_at.isoformat()
    if date_basis is not None:
        sighting["date_basis"] = date_basis
    seen_before = any(s.get("url") == url for s in record["sightings"])
    if not seen_before:
        record["sightings"].append(sighting)
    if not seen_before or "checksum" not in record:   # a sidecar from before checksums gains one when next touched
        _write_sidecar(sidecar, record)
    return target


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def clean_leftovers(settings: Settings) -> list[Path]:
    """Under the writer lock, at the start of a run: remove what interrupted runs left behind, with a log line.

    `<warehouse>.building` (and its `.wal`) is written only by the lock's holder, so one found now is a dead run's
    half-built copy. Partial downloads (`raw/incoming/*.part`) and archive copies being written (`raw/<ab>/*.tmp`)
    are written without the lock, possibly by a run still downloading: they go only when untouched for longer than
    any download may take (the download deadline, or the read timeout, plus a minute)."""
    removed: list[Path] = []
    building = settings.warehouse.with_name(settings.warehouse.name + ".building")
    candidates = [(p, 0.0) for p in (building, building.with_name(building.name + ".wal"))]
    quiet = max(getattr(settings, "download_deadline", 0) or 0, settings.read_timeout) + 60
    archive_dir = settings.archive_dir
    if archive_dir.is_dir():
        candidates += [(p, quiet) for p in (archive_dir / "incoming").glob("*.part")]
        candidates += [(p, quiet) for p in archive_dir.glob("??/*.tmp")]
    now = time.time()
    for path, age in candidates:
        try:
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < age:
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not remove %s, left by an interrupted run: %s", path, exc)
            continue
        removed.append(path)
    if removed:
        log.warning("removed %d file(s) left by interrupted runs: %s", len(removed), ", ".join(str(p) for p in removed))
    return removed


# --- parse and validate ----------------------------------------------------------------

@dataclass
class LoadedTable:
    name: str
    sheet: str
    frame: pd.DataFrame
    unknown_categories: list[tuple[str, str, int]] = field(default_factory=list)


def _cases_from_schema_errors(err: pa.errors.SchemaErrors, sheet: str, labels: dict[str, str]) -> list[FailureCase]:
    cases: list[FailureCase] = []
    coerce_failed: set[tuple[str, object]] = set()
    frame = err.failure_cases
    for rec in frame.to_dict("records"):
        if str(rec["check"]).startswith("coerce_dtype"):
            coerce_failed.add((rec["column"], rec["index"]))
    for rec in frame.to_dict("records"):
        check, column, index, value = str(rec["check"]), rec["column"], rec["index"], rec["failure_case"]
        if rec["schema_context"] == "DataFrameSchema" and check == "column_in_dataframe":
            cases.append(FailureCase(sheet, None, labels.get(str(value), str(value)), "required column missing"))
            continue
        if check.startswith("dtype(") and (column, index) in coerce_failed:
            continue   # the coercion failure already names this cell
        if index is None or (isinstance(index, float) and pd.isna(index)):
            if isinstance(value, str) and value.startswith("TypeError"):
                continue   # a side effect of a cell that failed to convert
            if check.startswith("coerce_dtype") and (value is None or (isinstance(value, float) and pd.isna(value))):
                # Pandera could not say which cells: never `value 'nan'`, which reads as a cell holding nan
                dtype = check.split("(")[1].rstrip(")").strip(chr(39))
                cases.append(FailureCase(sheet, None, labels.get(str(column), str(column)),
                                         f"some cells cannot be read as {dtype} (Pandera did not name them)"))
                continue
            cases.append(FailureCase(sheet, None, labels.get(str(column), str(column)), check, str(value)))
            continue
        if check.startswith("coerce_dtype"):
            check = f"not a valid {check.split('(')[1].rstrip(')').strip(chr(39))} value"
        elif check == "field_uniqueness":
            check = "duplicate value"
        cases.append(FailureCase(sheet, int(index), labels.get(str(column), str(column)), check,
                                 None if value is None else str(value)))
    cases.sort(key=lambda c: (c.row is not None, c.row or 0))
    return cases


DATE_TEXT_CHECK = ("not a date as UK publishers write one: day first (DD/MM/YYYY, 5 February 2026) or YYYY-MM-DD; "
                   "month-first, two-digit-year or invalid dates are refused, never guessed")


def _read_date_text(table, model) -> tuple[list[FailureCase], set[tuple[int, str]]]:
    """Date columns of the schema: text cells read day first (parse_date_text), in place, before validation (whose
    own coercion would read '05/02/2026' month first). Text that is no such date fails with its cell named; the
    cell is left empty so validation does not report it twice. Returns the cases and their (row, column label)."""
    cases: list[FailureCase] = []
    failed: set[tuple[int, str]] = set()
    frame = table.frame
    for column, spec in model.to_schema().columns.items():
        if column not in frame.columns or not str(spec.dtype).startswith("datetime64") or \
                not (frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column].dtype)):
            continue
        values = frame[column].astype(object)
        texts = values[values.map(lambda v: isinstance(v, str))]
        if texts.empty:
            continue
        parsed = texts.map(parse_date_text)
        label = table.labels.get(column, column)
        for row, text in texts[parsed.isna()].items():
            cases.append(FailureCase(table.sheet, int(row), label, DATE_TEXT_CHECK, text))
            failed.add((int(row), label))
        beyond = parsed.map(lambda v: v is not None and not _storable_date(v))
        for row, text in texts[beyond].items():
            cases.append(FailureCase(table.sheet, int(row), label, DATE_RANGE_CHECK, text))
            failed.add((int(row), label))
        parsed = parsed.where(~beyond, None)
        frame[column] = values.where(~values.index.isin(texts.index), parsed.reindex(values.index))
    return cases, failed


DATE_RANGE_CHECK = "not a valid date: outside the years 1677 to 2262 that the warehouse stores"
_FIRST_DATE, _LAST_DATE = datetime(1677, 9, 22), datetime(2262, 4, 11)    # pandas' nanosecond timestamps, a day in
_INT64_LIMIT = 2.0 ** 63
_FLOAT_TYPES = (float, np.float64, np.float32, np.float16)
_INT_TYPES = (int, np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8)
_DATE_TYPES = (pd.Timestamp, datetime, date)


def _storable_date(value) -> bool:
    return _FIRST_DATE <= datetime(value.year, value.month, value.day) <= _LAST_DATE


def _cell_text(value) -> str:
    """A number or date as the spreadsheet shows it: 20000000000000000000, 12.5, 2300-01-01."""
    if isinstance(value, _DATE_TYPES):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if isinstance(value, _FLOAT_TYPES) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _excel_serial(value) -> str:
    days = float(value)
    if np.isfinite(days) and 1 <= days <= 2958465:
        return f" (as an Excel serial date it would be {(datetime(1899, 12, 30) + timedelta(days=int(days))).date()})"
    return ""


def _bad_cell(value, kind: str, dtype: str) -> str | None:
    """Why validation's coercion would fail (or garble) this cell, in words; None if it is fine or missing.

    Without this, Pandera names such cells as `value 'nan'` with no row (text or a fraction in a whole-number
    column), wraps 2e19 to -9223372036854775808, reads a number in a date column as nanoseconds after 1970
    and a date after 2262 as missing."""
    if value is None or value is pd.NA or value is pd.NaT or isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, _FLOAT_TYPES) and np.isnan(value):
        return None
    if kind == "date":
        if isinstance(value, _DATE_TYPES):
            return None if _storable_date(value) else DATE_RANGE_CHECK
        if isinstance(value, _FLOAT_TYPES + _INT_TYPES):
            return f"not a valid date: a number where a date is expected{_excel_serial(value)}"
        return None
    invalid = f"not a valid {dtype} value"
    if isinstance(value, str):
        if any(ch.isdigit() and not ch.isascii() for ch in value):
            return f"{invalid}: digits other than 0-9"
        return invalid if kind == "int" else None     # text that is a number is read by Pandera for decimals
    if kind != "int":
        return None
    if isinstance(value, _DATE_TYPES):
        return f"{invalid}: a date where a whole number is expected"
    if isinstance(value, _FLOAT_TYPES + _INT_TYPES):
        if isinstance(value, _FLOAT_TYPES) and not np.isfinite(value):
            return f"{invalid}: not a finite number"
        if isinstance(value, _FLOAT_TYPES) and not float(value).is_integer():
            return f"{invalid}: not a whole number"
        if not -_INT64_LIMIT <= float(value) < _INT64_LIMIT:
            return f"{invalid}: beyond the range of a whole-number column (about 9.2 x 10^18)"
    return None


def _check_cells(table, model) -> tuple[list[FailureCase], set[tuple[int, str]]]:
    """Whole-number, decimal and date columns of the schema: cells validation would misreport are failed here with
    their sheet, row, column and the cell as published (`_bad_cell`), and left empty so validation does not report
    them again. Work per distinct value. Returns the cases and their (row, column label)."""
    cases: list[FailureCase] = []
    failed: set[tuple[int, str]] = set()
    frame = table.frame
    for column, spec in model.to_schema().columns.items():
        dtype = str(spec.dtype)
        kind = ("int" if dtype.lower().startswith(("int", "uint")) else "float" if dtype.lower().startswith("float")
                else "date" if dtype.startswith("datetime64") else None)
        if kind is None or column not in frame.columns:
            continue
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            # calamine's dates arrive as datetime64[us]: years past 2262 fit there, not in the warehouse's [ns]
            if kind != "date" or str(series.dtype) == "datetime64[ns]" or \
                    not ((series < pd.Timestamp(_FIRST_DATE)) | (series > pd.Timestamp(_LAST_DATE))).any():
                continue
        elif pd.api.types.is_bool_dtype(series.dtype) or (kind != "date" and pd.api.types.is_integer_dtype(series.dtype)):
            continue
        if kind == "float" and pd.api.types.is_float_dtype(series.dtype):
            continue
        values = series.astype(object)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        reasons = [_bad_cell(u, kind, dtype) for u in uniques]
        if not any(reasons):
            continue
        label = table.labels.get(column, column)
        bad = np.array([r is not None for r in reasons] + [False])[codes]
        for position in np.flatnonzero(bad):
            row, value = values.index[position], values.iloc[position]
            cases.append(FailureCase(table.sheet, int(row), label, reasons[codes[position]], _cell_text(value)))
            failed.add((int(row), label))
        frame[column] = values.where(~bad, None)
    return cases, failed


def _kind_of(path: Path) -> str | None:
    try:
        return spreadsheet_kind(path)
    except (UnsafeFile, OSError):
        return None


# A metric's period_start in the catalog that names a column of its table, maybe less whole days
# (`date`, `period_start`, `week_ending - INTERVAL 6 DAY`): the periods whose start the loader can check.
_PERIOD_START = re.compile(r"\s*([a-z_][a-z0-9_]*)\s*(?:-\s*INTERVAL\s*'?(\d+)'?\s*DAYS?)?\s*", re.IGNORECASE)


def _periods_after_publication(source: Source, table: LoadedTable, labels: dict[str, str],
                               published_on: date) -> list[FailureCase]:
    """Rows whose period starts after the release's publication date (a typo like 2099, or a file misdated)."""
    starts: dict[str, int] = {}
    for metric in source.metrics:
        m = _PERIOD_START.fullmatch(metric.period_start)
        if metric.table == table.name and m:
            starts.setdefault(m.group(1), int(m.group(2) or 0))
    starts.setdefault("period_start", 0)
    cases = []
    limit = pd.Timestamp(published_on)
    for column, days in starts.items():
        if column not in table.frame.columns or not pd.api.types.is_datetime64_any_dtype(table.frame[column]):
            continue
        values = table.frame[column]
        late = (values - pd.Timedelta(days=days)) > limit
        for row, value in values[late].items():
            cases.append(FailureCase(table.sheet, int(row), labels.get(column, column),
                                     f"period starts after the publication date {published_on.isoformat()}",
                                     value.date().isoformat()))
    return cases


def parse_and_validate(source: Source, path: Path, release: str, settings: Settings,
                       published_on: date | None = None, file_name: str | None = None) -> tuple[list[LoadedTable], list[str]]:
    """Every table of the file, validated; all problems collected into one SourceError.

    Parsers receive the catalog entry's options plus `published_on` (some sources mark the
    newest periods provisional relative to the release date). Date text is read day first; with
    `published_on`, a period that starts after it is a failure. Messages name the file as `file_name`
    (the published name; the archived copy at `path` is named by its hash).
    """
    name = file_name or path.name

    def fail(message: str, cases: list[FailureCase] | None = None) -> SourceError:
        return SourceError(source.id, release, message, cases or [])

    try:
        book = open_document(path, source.format, settings.max_unzipped_bytes, name)
    except UnsafeFile as exc:
        raise fail(str(exc)) from None
    except MemoryError:
        raise
    except Exception as exc:  # calamine's own errors for unreadable files
        what = SPREADSHEET_KINDS.get(_kind_of(path), source.format)
        raise fail(f"{name} cannot be read as {what}: {exc}") from None
    try:
        try:
            tables = source.parse(book, {**source.options, "published_on": published_on})
        except TableNotFound as exc:
            raise fail("table not found where expected", exc.cases) from None
        except CalamineError as exc:     # a sheet's XML damaged past the zip's checksums
            what = SPREADSHEET_KINDS.get(getattr(book, "kind", None), source.format)
            raise fail(f"{name} ({what}) is damaged: a sheet cannot be read: {type(exc).__name__}: {exc}") from None
        models = source.tables
        loaded, cases, notes = [], [], []
        for table in tables:
            model = models[table.name]
            if table.frame.empty:
                cases.append(FailureCase(table.sheet, None, None, f"table {table.name} has no data rows"))
                continue
            expected = set(model.to_schema().columns)
            extra = [table.labels.get(c, c) for c in table.frame.columns if c not in expected]
            if extra:
                notes.append(f"sheet {table.sheet!r}: new column(s) not loaded: {', '.join(extra)}")
            date_cases, date_cells = _read_date_text(table, model)
            cell_cases, cells = _check_cells(table, model)
            date_cases, date_cells = date_cases + cell_cases, date_cells | cells
            cases.extend(date_cases)
            try:
                frame = model.validate(table.frame, lazy=True)
            except pa.errors.SchemaErrors as exc:
                cases.extend(c for c in _cases_from_schema_errors(exc, table.sheet, table.labels)
                             if (c.row, c.column) not in date_cells)
                continue
            if date_cases:
                continue
            if published_on is not None:
                late = _periods_after_publication(source, LoadedTable(table.name, table.sheet, frame), table.labels, published_on)
                if late:
                    cases.extend(late)
                    continue
            loaded.append(LoadedTable(table.name, table.sheet, frame, table.unknown_categories))
            for column, label, rows in table.unknown_categories:
                notes.append(f"sheet {table.sheet!r} column {table.labels.get(column, column)!r}: new category {label!r} ({rows} rows), kept")
        if cases:
            raise fail(f"{len(cases)} validation failure(s)", cases)
        return loaded, notes
    finally:
        if hasattr(book, "close"):
            book.close()


# --- load into the building warehouse ---------------------------------------------------

def _insert(con: duckdb.DuckDBPyConnection, table: LoadedTable, release_id: str) -> int:
    frame = table.frame.reset_index(names="source_row")
    frame.insert(0, "release_id", release_id)
    casts = ", ".join(f'CAST("{c}" AS DATE) AS "{c}"' for c in frame.columns
                      if pd.api.types.is_datetime64_any_dtype(frame[c]))
    # `frame` is read by DuckDB's replacement scan (the local variable of that name): cheaper than
    # registering and unregistering a view for every table
    select = f"SELECT * REPLACE ({casts}) FROM frame" if casts else "SELECT * FROM frame"
    existing = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND "
                                          "table_name = ? AND database_name = current_database()", [table.name]).fetchall()}
    if not existing:
        con.execute(f"CREATE TABLE raw.{table.name} AS {select}")
        return len(frame)
    # a schema that gained a column since the table was created: add it (older releases read NULL)
    if missing := [c for c in frame.columns if c not in existing]:
        types = {row[0]: row[1] for row in con.execute(f"DESCRIBE {select}").fetchall()}
        for column in missing:
            con.execute(f'ALTER TABLE raw.{table.name} ADD COLUMN "{column}" {types[column]}')
    con.execute(f"INSERT INTO raw.{table.name} BY NAME {select}")
    return len(frame)


def _record(con: duckdb.DuckDBPyConnection, cand: Candidate, release_id: str, status: str, rows: int,
            error: str | None = None, same_as: str | None = None, cases: list[FailureCase] | None = None,
            accepted_at: datetime | None = None, held_reasons: str | None = None) -> None:
    con.execute("DELETE FROM meta.releases WHERE release_id = ?", [release_id])
    con.execute("DELETE FROM meta.release_failures WHERE release_id = ?", [release_id])
    con.execute(
        "INSERT INTO meta.releases (release_id, source_id, title, landing_page, file_url, file_name, published_on, sha256, "
        "bytes, fetched_at, loaded_at, rows, status, error, same_as, version, page_updated_at, accepted_at, held_reasons, "
        "date_basis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [release_id, cand.source.id, cand.title, cand.landing_page, cand.url, cand.file_name, cand.published_on,
         cand.sha256, cand.bytes, cand.fetched_at, datetime.now().replace(microsecond=0) if status == "loaded" else None,
         rows if status == "loaded" else None, status, error, same_as, cand.version, cand.page_updated_at,
         accepted_at, held_reasons, cand.date_basis])
    if cases:
        con.executemany("INSERT INTO meta.release_failures VALUES (?, ?, ?, ?, ?, ?)",
                        [[release_id, case.sheet, case.row, case.column, case.check, case.value] for case in cases])


def ingest(con: duckdb.DuckDBPyConnection, cand: Candidate, settings: Settings,
           parsed: Callable[[], tuple[list[LoadedTable], list[str]]] | None = None,
           accepted_at: datetime | None = None) -> Outcome:
    """Load one release into the building warehouse, or record why it was rejected or held. Never raises for bad data.

    A valid release then goes through the release gate (flows/gate.py): if it fails, it is recorded as `held`
    with the reasons and nothing of it is inserted. A release already held is reported again, not parsed again,
    unless `accepted_at` is given (`pledges accept`): it is then loaded as if it had passed, the gate's reasons
    kept in `held_reasons`. A loaded release supersedes the held releases of its source that rank before it.

    Runs inside the building copy's one transaction: any other error aborts the whole publish, so nothing
    half-loaded is kept.

    `parsed` gives the release's validated tables when they were parsed ahead of its turn (see
    `ParseAhead`); by default the file is parsed now.
    """
    release_id = cand.release_id
    same = con.execute("SELECT release_id, file_url FROM meta.releases WHERE source_id = ? AND sha256 = ? "
                       "AND status = 'loaded'", [cand.source.id, cand.sha256]).fetchall()
    if same:
        original, url = same[0]
        if url != cand.url and not con.execute("SELECT 1 FROM meta.releases WHERE file_url = ?", [cand.url]).fetchall():
            dup_id = f"{release_id}@{hashlib.sha256(cand.url.encode()).hexdigest()[:6]}"
            _record(con, cand, dup_id, "unchanged", 0, same_as=original)
        return Outcome(cand.source.id, cand.file_name, "unchanged", original)
    if accepted_at is None and (still := _still_held(con, cand)) is not None:
        return still
    label = _label(cand)
    try:
        if (problem := _publication_date_problem(cand)) is not None:
            raise SourceError(cand.source.id, label, problem,
                              [FailureCase(None, None, None, "publication date after tomorrow", cand.published_on.isoformat())])
        tables, notes = parsed() if parsed is not None else parse_and_validate(cand.source, cand.path, label, settings,
                                                                              cand.published_on)
    except SourceError as exc:
        _record(con, cand, release_id, "rejected", 0, error=str(exc).split("\n")[0], cases=exc.cases)
        return Outcome(cand.source.id, cand.file_name, "rejected", release_id, error=str(exc))
    previous, reasons = gate.check(con, cand, tables)
    if reasons and accepted_at is None:
        held = SourceError(cand.source.id, label, gate.summary(cand, previous, reasons), reasons)
        _record(con, cand, release_id, "held", 0, error=held.message, cases=reasons)
        return Outcome(cand.source.id, cand.file_name, "held", release_id, error=str(held), notes=notes)
    rows = sum(_insert(con, table, release_id) for table in tables)
    for table in tables:
        for column, label, count in table.unknown_categories:
            con.execute("INSERT INTO meta.new_categories VALUES (?, ?, ?, ?, ?)", [release_id, table.name, column, label, count])
    _record(con, cand, release_id, "loaded", rows, accepted_at=accepted_at,
            held_reasons=gate.accepted_note(previous, reasons) if accepted_at is not None and reasons else None)
    for superseded in gate.held_before(con, cand):
        con.execute("UPDATE meta.releases SET status = 'superseded', error = error || ? WHERE release_id = ?",
                    [f" Superseded by {release_id}, a later release of the source that loaded: never published.", superseded])
    if accepted_at is not None:
        notes = notes + ([f"accepted after review over the release gate: {gate.accepted_note(previous, reasons)}"]
                         if reasons else ["accepted after review (the release gate now finds nothing to hold)"])
    return Outcome(cand.source.id, cand.file_name, "loaded", release_id, rows, notes=notes)


def _still_held(con: duckdb.DuckDBPyConnection, cand: Candidate) -> Outcome | None:
    """A release the gate held (or held, then superseded) in an earlier run: reported again, not parsed again."""
    found = con.execute("SELECT status, error FROM meta.releases WHERE release_id = ? AND status IN ('held', 'superseded')",
                        [cand.release_id]).fetchall()
    if not found:
        return None
    status, error = found[0]
    cases = [FailureCase(*row) for row in con.execute(
        "SELECT sheet, row_number, column_name, check_name, value FROM meta.release_failures WHERE release_id = ? "
        "ORDER BY rowid", [cand.release_id]).fetchall()]
    what = "still held (from an earlier run)" if status == "held" else "held, then superseded (never published)"
    detail = SourceError(cand.source.id, _label(cand), f"{what}: {error}", cases)
    return Outcome(cand.source.id, cand.file_name, status, cand.release_id, error=str(detail))


def _publication_date_problem(cand: Candidate) -> str | None:
    """A publication date after tomorrow (a year typo such as 2206 would stay the latest release for ever)."""
    tomorrow = date.today() + timedelta(days=1)     # a day's grace: the publisher's clock may be ahead of ours
    if cand.published_on <= tomorrow:
        return None
    return (f"{cand.source.id}: {cand.file_name}: publication date {cand.published_on.isoformat()} is after tomorrow "
            f"({tomorrow.isoformat()}); a typo in the file name or on the page? Not loaded")


class RebuildRefused(Exception):
    """`pledges rebuild` would lose releases, or the archive fails its checks: nothing was published."""

    def __init__(self, message: str, outcomes: list[Outcome] | None = None):
        super().__init__(message)
        self.outcomes = outcomes or []


def publish(settings: Settings, candidates: list[Candidate], fresh: bool = False,
            keep: dict[str, str] | None = None, accept: dict[str, datetime] | None = None) -> list[Outcome]:
    """Load candidates into a copy of the warehouse (or a new one if `fresh`), rebuild the marts, swap it in.

    `keep` (release id -> file name): releases the copy must hold as loaded, or nothing is published
    (RebuildRefused). `accept` (release id -> when accepted): releases loaded even if the release gate
    would hold them (`pledges accept`, and a rebuild's accepted releases). Call under the lock.
    """
    if not candidates and not fresh and not derived_tables_out_of_date(settings.warehouse):
        return []
    if not candidates and not fresh:
        log.warning("rebuilding the derived tables: the pledge register, catalog or derived-table SQL changed "
                    "since %s was published", settings.warehouse)
    # oldest first, so a re-run of history settles `unchanged` against the first appearance
    candidates = sorted(candidates, key=lambda c: (c.published_on, c.fetched_at, c.url))
    with db.building(settings.warehouse, fresh=fresh) as con, ParseAhead(settings, _to_parse(con, candidates)) as ahead:
        outcomes = []
        for number, cand in enumerate(candidates, 1):
            log.info("[%d/%d] loading %s %s", number, len(candidates), cand.source.id, cand.file_name)
            outcomes.append(ingest(con, cand, settings, ahead.result_for(cand), (accept or {}).get(cand.release_id)))
        if keep:
            loaded = {r for (r,) in con.execute("SELECT release_id FROM meta.releases WHERE status = 'loaded'").fetchall()}
            if lost := [f"{r} ({keep[r]})" for r in keep if r not in loaded]:
                raise RebuildRefused(
                    f"nothing published: the rebuilt warehouse would hold {len(lost)} loaded release(s) fewer than the "
                    f"published one ({len(keep)}): {_listed(lost)}; the published warehouse is unchanged "
                    "(`pledges rebuild --force` publishes without them)", outcomes)
        log.info("rebuilding derived tables")
        build_marts(con, definitions())
    return outcomes


def derived_tables_out_of_date(warehouse: Path) -> bool:
    """True when the published derived tables were built from another register, catalog or SQL than today's."""
    con = db.connect_read_only(warehouse)
    if con is None:
        return False
    try:
        return published_fingerprint(con) != definitions_fingerprint(definitions())
    finally:
        con.close()


def _listed(items: list[str], most: int = 10) -> str:
    return ", ".join(items[:most]) + (f" and {len(items) - most} more" if len(items) > most else "")


def _to_parse(con: duckdb.DuckDBPyConnection, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates `ingest` will parse: not already loaded, and the first of any with the same content."""
    loaded = set(con.execute("SELECT source_id, sha256 FROM meta.releases WHERE status = 'loaded'").fetchall())
    chosen = []
    for cand in candidates:
        key = (cand.source.id, cand.sha256)
        if key not in loaded and _publication_date_problem(cand) is None:
            loaded.add(key)
            chosen.append(cand)
    return chosen


def _label(cand: Candidate) -> str:
    return f"{cand.published_on.isoformat()} ({cand.file_name})"


def _parse_ahead(source: Source, path: Path, label: str, settings: Settings, published_on: date,
                 file_name: str | None = None) -> tuple:
    """parse_and_validate, packed for `_unpack` (in a parse process, see ParseAhead): a SourceError travels as its
    fields, since it does not pickle."""
    try:
        return "ok", parse_and_validate(source, path, label, settings, published_on, file_name)
    except SourceError as exc:
        return "rejected", (exc.source, exc.release, exc.message, exc.cases)


def _unpack(packed: tuple) -> tuple[list[LoadedTable], list[str]]:
    status, value = packed
    if status == "rejected":
        raise SourceError(*value)
    return value


def _worker_start() -> None:
    """A forked parse worker: dies with the run that started it, and never holds the warehouse's writer lock."""
    db.forget_inherited_locks()
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG: no orphans if the run is killed
    except (OSError, AttributeError):
        pass


PARSER_LIMITS = "exceeded parser limits"


def _limit_this_process(settings: Settings) -> None:
    """In a parse process: its address space capped at its size now (what it inherited from the run) plus
    `parse_memory_mb`; no core dumps; SIGALRM after `parse_timeout` seconds. SIGALRM's default action ends the
    process in the kernel, so it works inside calamine's native code too (which never returns to Python)."""
    import resource
    import signal

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))      # an aborted parse of gigabytes must not dump them to disk
    if settings.parse_memory_mb > 0:
        try:
            size = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            size = None                                   # not Linux: the time limit still applies
        if size is not None:
            _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = size + settings.parse_memory_mb * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    if settings.parse_timeout > 0:
        signal.setitimer(signal.ITIMER_REAL, settings.parse_timeout)


def _parse_child(conn, source: Source, path: Path, label: str, settings: Settings, published_on: date,
                 file_name: str) -> None:
    """A parse process's life: limits set, the file parsed, the packed result sent back to the run."""
    import signal
    import traceback

    _worker_start()
    os.environ["RUST_BACKTRACE"] = "0"     # calamine's failed allocation: one line on stderr, not a backtrace
    _limit_this_process(settings)
    try:
        packed = _parse_ahead(source, path, label, settings, published_on, file_name)
    except MemoryError:
        packed = ("limit", "memory")
    except Exception:                       # a parser bug or a layout nobody foresaw: this file's failure only
        packed = ("crashed", traceback.format_exc(limit=-8))
    signal.setitimer(signal.ITIMER_REAL, 0)   # parsed: waiting for the run to take the result is not parse time
    try:
        conn.send(packed)
    except MemoryError:
        packed = None
        conn.send(("limit", "memory"))      # its frames did not fit in memory a second time, pickled
    conn.close()


@dataclass
class _Child:
    cand: Candidate
    process: object          # multiprocessing.Process
    conn: object             # the receiving end of its pipe
    started: float           # time.monotonic()


class ParseAhead:
    """Every release is parsed and validated in a process of its own, under memory and time limits, never in
    the run itself: a file that makes the parser abort, or grow without bound (a cell repeated 16,000,000
    times), ends that process, and the release is rejected (`exceeded parser limits: memory` / `time`, or the
    parser's crash) while the run carries on with the others. A release is never parsed a second time.

    Up to `parse_workers` releases are parsed ahead of their turn while this process inserts earlier ones
    (parsing is CPU-bound and calamine holds the GIL, so threads would not help; forked processes start in
    milliseconds with the parent's modules already imported). When this process needs a release nobody has
    started, it starts it at once and, while it waits, keeps one more release parsing than `parse_workers`
    (its own core's share). With `parse_workers` 0 each release is parsed in its own process at its turn.
    All warehouse writes stay in this process, in release order.

    Files over LARGE_FILE_BYTES are not parsed ahead but at their turn: a 16 MB returns workbook peaks at about
    700 MB while parsed, so two at once (plus frames pickled back) could double the run's memory for little gain.

    Limits (Settings): `parse_memory_mb` of address space beyond what the process inherits from the run
    (RLIMIT_AS), `parse_timeout` seconds of wall-clock time (SIGALRM in the process, and this process kills it
    GRACE seconds later if it is still silent); 0 turns a limit off.
    """

    LARGE_FILE_BYTES = 8 * 2**20
    GRACE = 30.0

    def __init__(self, settings: Settings, candidates: list[Candidate]):
        self.settings = settings
        self.queue = [c for c in candidates if c.bytes <= self.LARGE_FILE_BYTES]   # to parse ahead, in order
        self.workers = max(settings.parse_workers, 0)
        self.running: dict[int, _Child] = {}
        self.results: dict[int, tuple] = {}

    def __enter__(self) -> "ParseAhead":
        self._fill(self.workers)
        return self

    def result_for(self, cand: Candidate) -> Callable[[], tuple[list[LoadedTable], list[str]]]:
        """How `ingest` gets this release's tables (or its SourceError): parsed in a process of its own, if it
        was not already parsed ahead. The parse starts when `ingest` asks for it."""
        return lambda: _unpack(self._wait_for(cand))

    def _wait_for(self, cand: Candidate) -> tuple:
        key = id(cand)
        if key not in self.results and key not in self.running:
            self.queue = [c for c in self.queue if c is not cand]
            self._start(cand)
        while key not in self.results:
            self._fill(self.workers + 1)      # this process only waits: its core parses one more
            self._collect()
        return self.results.pop(key)

    def _fill(self, slots: int) -> None:
        while self.queue and len(self.running) < slots:
            self._start(self.queue.pop(0))

    def _start(self, cand: Candidate) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(target=_parse_child, name=f"parse {cand.file_name}", daemon=True,
                                  args=(sending, cand.source, cand.path, _label(cand), self.settings, cand.published_on,
                                        cand.file_name))
        process.start()
        sending.close()
        self.running[id(cand)] = _Child(cand, process, receiving, time.monotonic())

    def _deadline(self, child: _Child) -> float:
        return child.started + self.settings.parse_timeout + self.GRACE if self.settings.parse_timeout > 0 else float("inf")

    def _collect(self) -> None:
        """Wait (up to a few seconds) for any parse process to send its result or die; take what is ready."""
        from multiprocessing.connection import wait

        if not self.running:
            return
        first_deadline = min(self._deadline(c) for c in self.running.values())
        ready = wait([c.conn for c in self.running.values()], timeout=max(0.0, min(first_deadline - time.monotonic(), 5.0)))
        for child in list(self.running.values()):
            if child.conn in ready:
                self._finish(child)
            elif time.monotonic() > self._deadline(child):
                child.process.kill()     # silent past its time limit and the grace: SIGALRM did not end it
                self._finish(child, timed_out=True)

    def _finish(self, child: _Child, timed_out: bool = False) -> None:
        del self.running[id(child.cand)]
        packed = None
        if not timed_out:
            try:
                packed = child.conn.recv()
            except Exception:            # EOFError: it died before sending; or a result cut short
                packed = None
        child.conn.close()
        child.process.join(10)
        if child.process.is_alive():
            child.process.kill()
            child.process.join()
        code = child.process.exitcode
        if packed is None or packed[0] in ("limit", "crashed"):
            packed = self._died(child.cand, code, packed, timed_out)
        self.results[id(child.cand)] = packed

    def _died(self, cand: Candidate, code: int | None, packed: tuple | None, timed_out: bool) -> tuple:
        """A parse process that ended without tables or a rejection: the release is rejected, saying why."""
        import signal

        settings, name = self.settings, cand.file_name
        signal_name = signal.Signals(-code).name if code is not None and code < 0 and -code in signal.Signals._value2member_map_ else None
        memory = f"more than the {settings.parse_memory_mb:,} MB allowed (PLEDGES_PARSE_MEMORY_MB)"
        if timed_out or signal_name == "SIGALRM":
            check = f"{PARSER_LIMITS}: time: parsing took longer than {settings.parse_timeout:g} s (PLEDGES_PARSE_TIMEOUT)"
        elif packed is not None and packed[0] == "limit":
            check = f"{PARSER_LIMITS}: memory: parsing needed {memory}"
        elif signal_name == "SIGABRT":
            check = f"{PARSER_LIMITS}: memory: the parser aborted (SIGABRT), as calamine does when it needs {memory}"
        elif signal_name == "SIGKILL":
            check = (f"{PARSER_LIMITS}: memory: the parse process was killed (SIGKILL), as the system's out-of-memory "
                     f"killer does (limit: {memory.removeprefix('more than ')})")
        elif packed is not None and packed[0] == "crashed":
            last = packed[1].strip().splitlines()[-1] if packed[1].strip() else "?"
            log.error("parsing %s failed:\n%s", name, packed[1])
            check = f"the parser failed on this file: {last}"
        else:
            check = f"the parse process died ({signal_name or f'exit code {code}'}) without a result"
        log.warning("%s %s: %s; rejected, the run goes on", cand.source.id, name, check)
        return "rejected", (cand.source.id, _label(cand), f"{name}: {check}; not loaded",
                            [FailureCase(None, None, None, check, name)])

    def __exit__(self, *exc) -> None:
        for child in list(self.running.values()):     # parses nobody will ask for now (the publish failed)
            child.process.kill()
            child.process.join()
            child.conn.close()
        self.running.clear()
        self.results.clear()


# --- the two ways in: discovery over HTTP, and local files --------------------------------

def _inside(target: str, folder: str) -> bool:
    return target == folder or target.startswith(folder.rstrip(os.sep) + os.sep)


def _link_problem(path: Path, folder: Path) -> str:
    """Why a symbolic link met in `folder` is not followed (none is: see _local_entries)."""
    target = os.path.realpath(path)
    if not os.path.exists(target):
        return f"a symbolic link to {os.readlink(path)!r}, which does not exist: not followed"
    if not _inside(target, os.path.realpath(folder)):
        return f"a symbolic link to {target}, outside {folder}: links out of the folder given are not followed"
    return (f"a symbolic link to {os.path.relpath(target, os.path.realpath(folder))} in the same folder: not followed "
            "(the file it points to is read under its own name)")


def _local_entries(paths: Iterable[Path]) -> Iterable[tuple[Path, str | None]]:
    """Every file under the paths given, with why it is not read (None: read it).

    Folders are walked without following symbolic links: a link met inside a folder is skipped with its reason,
    wherever it points (one out of the folder could make the archive copy /etc/passwd; one inside it points at a
    file the walk reads anyway), and so is anything that is not a regular file (a FIFO would block the read). A path
    given itself is taken as given when it is a folder (even through a link: the user named it); a file given that
    is a link is read only if it points into its own folder. A path that does not exist is yielded as it is
    (local_candidates reports it)."""
    for path in paths:
        if path.is_symlink() and not path.is_dir():
            inside = path.exists() and _inside(os.path.realpath(path), os.path.realpath(path.parent))
            yield path, None if inside else _link_problem(path, path.parent)
            continue
        if not path.is_dir():
            yield path, None
            continue
        found: list[tuple[Path, str | None]] = []
        for folder, dirs, files in os.walk(path, followlinks=False):
            for name in sorted(dirs):
                if os.path.islink(os.path.join(folder, name)):
                    found.append((Path(folder, name), _link_problem(Path(folder, name), path)))
            for name in files:
                entry = Path(folder, name)
                info = entry.lstat()
                if stat.S_ISLNK(info.st_mode):
                    found.append((entry, _link_problem(entry, path)))
                elif not stat.S_ISREG(info.st_mode):
                    found.append((entry, "not a regular file (a FIFO, socket or device): not read"))
                else:
                    found.append((entry, None))
        yield from sorted(found, key=lambda item: item[0])


def _local_files(paths: Iterable[Path]) -> Iterable[Path]:
    """The files `pledges load` reads under these paths (links and special files left out: see _local_entries)."""
    return (path for path, problem in _local_entries(paths) if problem is None)


def local_candidates(settings: Settings, paths: Iterable[Path], known: Known) -> tuple[list[Candidate], list[Outcome]]:
    """Files recognised by name, else by content (flows.recognise), become candidates (archived); the rest are
    listed as skipped, each with its reason."""
    candidates, outcomes = [], []
    for path, problem in _local_entries(paths):
        if problem is not None:
            outcomes.append(Outcome("-", str(path), "skipped", error=problem))
            continue
        if not path.exists():
            outcomes.append(Outcome("-", str(path), "failed", error=f"{path}: no such file or folder"))
            continue
        found = recognise_file(path, settings.max_unzipped_bytes)
        if found.skipped:
            outcomes.append(Outcome(found.source.id if found.source else "-", str(path), "skipped", error=found.reason))
            continue
        source = found.source
        sha = sha256_of(path)
        if (source.id, sha) in known.loaded:
            outcomes.append(Outcome(source.id, path.name, "unchanged", known.loaded[(source.id, sha)]))
            continue
        published = found.published_on
        fetched = datetime.now()
        url = str(path.resolve())
        note = None
        if found.by == "content":     # said beside the release: a name alone would not have loaded it
            note = (f"recognised by its content ({found.evidence}), not its name; dated {published.isoformat()} "
                    + ("from its content (date_basis content)" if found.date_basis == "content" else
                       "by the file's modification time: no date in its name or content (date_basis file_time)"))
            log.info("%s: %s", path, note)
        archived = archive(settings, source, path, sha, path.stat().st_size, move=False, file_name=path.name, url=url, title=path.name,
                           landing_page=source.landing_page, published_on=published, fetched_at=fetched,
                           date_basis=found.date_basis)
        candidates.append(Candidate(source, path.name, url, path.name, source.landing_page, published,
                                    archived, sha, path.stat().st_size, fetched, date_basis=found.date_basis, note=note))
    return candidates, outcomes


Discover = Callable[[Source, Settings], list[Attachment]]
Fetch = Callable[[str, Settings, Path, dict | None], Download]   # url, settings, folder, validators


def remote_candidates(settings: Settings, sources: list[Source], known: Known,
                      discover: Discover = discover, fetch: Fetch = download) -> tuple[list[Candidate], list[Outcome]]:
    """Discover each source's attachments; download new URLs, and known URLs whose file may have changed. One
    source's failure (a fetch error, a malformed page) spares the rest.

    A file at a URL already loaded is asked for again only conditionally (its ETag / Last-Modified: a 304 is
    `unchanged`, nothing downloaded); when the server gave no validators, it is downloaded again only when what the
    API says of it (size, update time, version: `Attachment.fingerprint`) changed. A changed file at a known URL
    (ONS `/file?uri=` links keep theirs) is downloaded and loaded as a new release.

    A host that cannot be reached at all (HostUnreachable) is tried once: the run's other sources and files on it
    fail at once with the same message."""
    candidates, outcomes = [], []
    unreachable: dict[str, HostUnreachable] = {}   # host[:port] -> the error that showed it down

    def not_tried(source: Source, name: str, host: str) -> Outcome:
        down = unreachable[host]
        seen = HostUnreachable(down.host, f"{down.reason}, seen earlier in this run", "", source.id)
        return Outcome(source.id, name, "failed", error=f"not tried: {seen}")

    for source in sources:
        host = discovery_host(source, settings)
        if host in unreachable:
            outcomes.append(not_tried(source, source.landing_page, host))
            continue
        try:
            attachments = discover(source, settings)
        except HostUnreachable as exc:
            unreachable[exc.host] = exc
            outcomes.append(Outcome(source.id, source.landing_page, "failed",
                                    error=str(HostUnreachable(exc.host, exc.reason, exc.url, source.id))))
            continue
        except FetchError as exc:
            outcomes.append(Outcome(source.id, source.landing_page, "failed", error=str(exc)))
            continue
        except Exception as exc:     # a page malformed in a way discovery did not foresee: this source's failure only
            outcomes.append(Outcome(source.id, source.landing_page, "failed",
                                    error=f"{source.id}: discovery failed reading {discovery_url(source, settings)}: "
                                          f"{type(exc).__name__}: {exc}"))
            continue
        for att in attachments:
            validators = None
            if att.url in known.urls:
                record = file_record(settings, att.url)
                current = known.loaded.get((source.id, record["sha256"])) if record else None
                if current is not None and not (record.get("etag") or record.get("last_modified")) \
                        and record.get("fingerprint") is not None and record.get("fingerprint") == att.fingerprint:
                    outcomes.append(Outcome(source.id, att.file_name, "unchanged", current))
                    continue
                if current is not None:
                    validators = {"etag": record.get("etag"), "last_modified": record.get("last_modified")}
            att_host = urlsplit(att.url).netloc
            if att_host in unreachable:
                outcomes.append(not_tried(source, att.file_name, att_host))
                continue
            try:
                log.info("downloading %s", att.url)
                got = fetch(att.url, settings, settings.archive_dir / "incoming", validators)
            except HostUnreachable as exc:
                unreachable[exc.host] = exc
                outcomes.append(Outcome(source.id, att.file_name, "failed",
                                        error=str(HostUnreachable(exc.host, exc.reason, exc.url, source.id))))
                continue
            except FetchError as exc:
                outcomes.append(Outcome(source.id, att.file_name, "failed", error=str(exc)))
                continue
            if got.not_modified:
                outcomes.append(Outcome(source.id, att.file_name, "unchanged", known.loaded[(source.id, record["sha256"])]))
                continue
            save_file_record(settings, att.url, got, att.fingerprint)
            page_updated_at = getattr(att, "page_updated_at", None)   # where discovery gives it
            archived = archive(settings, source, got.path, got.sha256, got.bytes, move=True, file_name=att.file_name, url=att.url,
                               title=att.title, landing_page=att.landing_page, published_on=att.published_on,
                               fetched_at=got.fetched_at, page_updated_at=page_updated_at,
                               date_basis=remote_date_basis(source, att.file_name))
            candidates.append(Candidate(source, att.file_name, att.url, att.title, att.landing_page,
                                        att.published_on, archived, got.sha256, got.bytes, got.fetched_at, page_updated_at,
                                        date_basis=remote_date_basis(source, att.file_name)))
    return candidates, outcomes


def select_sources(ids: Iterable[str] | None) -> list[Source]:
    catalog = load_catalog()
    ids = list(ids or [])
    unknown = [i for i in ids if i not in catalog]
    if unknown:
        raise KeyError(f"unknown source id(s) {', '.join(unknown)}; known: {', '.join(catalog)}")
    return [catalog[i] for i in ids] if ids else list(catalog.values())


def run_sources(settings: Settings, source_ids: Iterable[str] | None = None,
                discover: Discover = discover, fetch: Fetch = download,
                publish_step: Callable[[Settings, list[Candidate]], list[Outcome]] = publish) -> list[Outcome]:
    """Discover and download (without the writer lock: a slow server never holds up another run), then load and
    publish under the writer lock."""
    sources = select_sources(source_ids)
    with db.writer_lock(settings.warehouse, settings.lock_timeout):   # briefly: a stale WAL set aside, what is published read
        clean_leftovers(settings)
        known = Known.read(settings.warehouse)
    candidates, outcomes = remote_candidates(settings, sources, known, discover, fetch)
    with db.writer_lock(settings.warehouse, settings.lock_timeout):
        return outcomes + publish_step(settings, candidates)


def load_paths(settings: Settings, paths: Iterable[Path]) -> list[Outcome]:
    """`pledges load`: local published files with the same validation and provenance as downloads."""
    with db.writer_lock(settings.warehouse, settings.lock_timeout):
        clean_leftovers(settings)
        known = Known.read(settings.warehouse)
        candidates, outcomes = local_candidates(settings, paths, known)
        published = publish(settings, candidates)
        notes = {(c.source.id, c.file_name): c.note for c in candidates if c.note}
        for outcome in published:       # how a file was recognised and dated, when not by its name
            if (note := notes.get((outcome.source_id, outcome.name))) is not None:
                outcome.notes.insert(0, note)
        return outcomes + published


def _published_rows(warehouse: Path, sql: str) -> list[tuple]:
    """Rows of a query on the published warehouse's bookkeeping; none when nothing (or no meta) is published."""
    con = db.connect_read_only(warehouse)
    if con is None:
        return []
    try:
        return con.execute(sql).fetchall()
    except duckdb.CatalogException:
        return []
    finally:
        con.close()


def _published_releases(warehouse: Path) -> dict[str, tuple[str, str]]:
    """The published warehouse's loaded releases: release id -> (sha256, file name)."""
    rows = _published_rows(warehouse, "SELECT release_id, sha256, file_name FROM meta.releases WHERE status = 'loaded' "
                                      "ORDER BY release_id")
    return {release_id: (sha, file_name) for release_id, sha, file_name in rows}


def archived_candidates(settings: Settings, published: dict[str, tuple[str, str]] | None = None
                        ) -> tuple[list[Candidate], list[Outcome]]:
    """Every sighting recorded in the raw archive's sidecars, as candidates; sidecars and files are checked first
    (a `failed` outcome names the file and the published releases it holds)."""
    catalog = load_catalog()
    candidates, outcomes = [], []

    def releases_of(sha: str | None) -> str:
        ids = [r for r, (s, _name) in (published or {}).items() if s == sha]
        return f" (release {', '.join(ids)})" if ids else ""

    for sidecar in sorted(settings.archive_dir.glob("*/*.meta.json")):
        try:
            record = read_sidecar(sidecar)
            sightings = [(seen["file_name"], seen["url"], seen["title"], seen["landing_page"],
                          date.fromisoformat(seen["published_on"]), datetime.fromisoformat(seen["fetched_at"]),
                          datetime.fromisoformat(seen["page_updated_at"]) if seen.get("page_updated_at") else None,
                          seen.get("date_basis"))
                         for seen in record["sightings"]]
        except SidecarError as exc:
            outcomes.append(Outcome("-", sidecar.name, "failed",
                                    error=f"{exc}{releases_of(sidecar.name.removesuffix('.meta.json'))}"))
            continue
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            outcomes.append(Outcome("-", sidecar.name, "failed", error=f"{sidecar}: a sighting cannot be read ({exc!r})"
                                                                        f"{releases_of(record['sha256'])}"))
            continue
        path = sidecar.with_name(record["file"])
        source = catalog.get(record["source_id"])
        if source is None:
            outcomes.append(Outcome(record["source_id"], path.name, "skipped", error="source no longer in the catalog"))
            continue
        if not path.exists():
            outcomes.append(Outcome(source.id, path.name, "failed",
                                    error=f"{path}: archived file missing{releases_of(record['sha256'])}"))
            continue
        if sha256_of(path) != record["sha256"]:
            outcomes.append(Outcome(source.id, path.name, "failed",
                                    error=f"{path}: archived file altered (sha256 mismatch){releases_of(record['sha256'])}"))
            continue
        for file_name, url, title, landing_page, published_on, fetched_at, page_updated_at, basis in sightings:
            candidates.append(Candidate(source, file_name, url, title, landing_page, published_on, path, record["sha256"],
                                        record["bytes"], fetched_at, page_updated_at,
                                        date_basis=basis or sighting_date_basis(source, file_name, url)))
    return candidates, outcomes


def rebuild(settings: Settings, force: bool = False) -> list[Outcome]:
    """`pledges rebuild`: a new warehouse from the raw archive alone (no network), swapped in atomically.

    Nothing is published (RebuildRefused, the published file untouched) when there is no archive, when any
    archived file or sidecar fails its check, or when the new warehouse would hold fewer of the published
    warehouse's loaded releases; `force` publishes what can be rebuilt regardless.
    """
    with db.writer_lock(settings.warehouse, settings.lock_timeout):
        clean_leftovers(settings)
        published = _published_releases(settings.warehouse)
        if not force and not settings.archive_dir.is_dir():
            held = [f"{r} ({name})" for r, (_sha, name) in published.items()]
            raise RebuildRefused(f"nothing published: no raw archive at {settings.archive_dir}"
                                 + (f"; the published warehouse keeps its {len(held)} loaded release(s): {_listed(held)}"
                                    if held else "")
                                 + " (`pledges rebuild --force` publishes an empty warehouse)")
        candidates, outcomes = archived_candidates(settings, published)
        if not force and (broken := [o for o in outcomes if o.status == "failed"]):
            raise RebuildRefused(f"nothing published: {len(broken)} archived file(s) or sidecar(s) failed their check "
                                 "(listed above); the published warehouse is unchanged. Restore them, or "
                                 "`pledges rebuild --force` publishes without them", outcomes)
        return outcomes + publish(settings, candidates, fresh=True,
                                  keep=None if force else {r: name for r, (_sha, name) in published.items()},
                                  accept=_accepted_releases(settings.warehouse))


def _accepted_releases(warehouse: Path) -> dict[str, datetime]:
    """Releases the release gate held that were accepted (`pledges accept`): a rebuild loads them again as accepted."""
    con = db.connect_read_only(warehouse)
    if con is None:
        return {}
    try:
        rows = con.execute("SELECT release_id, accepted_at FROM meta.releases WHERE status = 'loaded' "
                           "AND accepted_at IS NOT NULL").fetchall()
    except (duckdb.CatalogException, duckdb.BinderException):    # a warehouse from before the release gate
        rows = []
    finally:
        con.close()
    return dict(rows)


class NotHeld(KeyError):
    """`pledges accept` was given a release that is not held (unknown, or loaded, rejected, unchanged): usage error."""


def accept(settings: Settings, release_id: str) -> list[Outcome]:
    """`pledges accept RELEASE_ID`: publish a release the release gate held, after review.

    The file comes from the raw archive (its sha256 checked) with the provenance recorded when it was held, and
    is loaded exactly as if it had passed the gate (validation still applies); `accepted_at` and `held_reasons`
    record the decision, and a rebuild loads it again as accepted. A `superseded` release can be accepted too
    (it becomes an earlier vintage). NotHeld if the release is not held.
    """
    with db.writer_lock(settings.warehouse, settings.lock_timeout):
        con = db.connect_read_only(settings.warehouse)
        if con is None:
            raise NotHeld(f"{settings.warehouse}: nothing published yet, so no release is held")
        try:
            result = con.execute("SELECT * FROM meta.releases WHERE release_id = ?", [release_id])
            rows = [dict(zip([d[0] for d in result.description], row)) for row in result.fetchall()]
            held = [r for (r,) in con.execute("SELECT release_id FROM meta.releases WHERE status = 'held' "
                                              "ORDER BY release_id").fetchall()]
        finally:
            con.close()
        if not rows:
            raise NotHeld(f"no release {release_id!r} in {settings.warehouse}; held releases: {_listed(held) or 'none'}")
        [record] = rows
        source_id, status, file_name, sha = record["source_id"], record["status"], record["file_name"], record["sha256"]
        if status not in ("held", "superseded"):
            raise NotHeld(f"release {release_id} is {status}, not held by the release gate; only a held (or superseded) "
                          f"release can be accepted. Held releases: {_listed(held) or 'none'}")
        source = load_catalog().get(source_id)
        if source is None:
            return [Outcome(source_id, file_name, "failed", release_id, error=f"source {source_id} is no longer in the catalog")]
        path = settings.archive_dir / sha[:2] / f"{sha}{Path(file_name).suffix.lower()}"
        try:    # the sidecar names the archived file
            path = path.with_name(read_sidecar(path.with_name(f"{sha}.meta.json"))["file"])
        except SidecarError:
            pass
        if not path.is_file() or sha256_of(path) != sha:
            problem = "missing" if not path.is_file() else "altered (sha256 mismatch)"
            return [Outcome(source_id, file_name, "failed", release_id,
                            error=f"{path}: archived file {problem}; release {release_id} cannot be accepted from it")]
        # the provenance recorded when it was held (every Candidate field meta.releases keeps, e.g. page_updated_at)
        extra = {k: record[k] for k in Candidate.__dataclass_fields__ if k in record and k not in ("source", "bytes")}
        cand = Candidate(source=source, url=record["file_url"], path=path, bytes=record["bytes"],
                         **{**extra, "file_name": file_name, "sha256": sha})
        return publish(settings, [cand], accept={release_id: gate.now()})


def outcome_dicts(outcomes: list[Outcome]) -> list[dict]:
    return [asdict(o) for o in outcomes]
