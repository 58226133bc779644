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
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa

from flows.catalog import Source, load_catalog, recognise, version_in_name
from flows.config import Settings
from flows.errors import FailureCase, FetchError, SourceError
from flows.fetch import Attachment, Download, discover, discovery_host, download
from flows.parsers import PARSERS
from flows.parsers.common import TableNotFound, UnsafeFile, open_document, parse_date_text
from warehouse import db
from warehouse.build import build_marts

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
    status: str                     # loaded | unchanged | rejected | skipped | failed
    release_id: str | None = None
    rows: int = 0
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_failure(self) -> bool:
        return self.status in ("rejected", "failed")


@dataclass
class Known:
    """What the published warehouse already holds, read without taking its write lock."""
    loaded: dict[tuple[str, str], str] = field(default_factory=dict)   # (source, sha256) -> release_id
    urls: dict[str, str] = field(default_factory=dict)                 # loaded file_url -> release_id

    @classmethod
    def read(cls, warehouse: Path) -> "Known":
        con = db.connect_read_only(warehouse)
        if con is None:
            return cls()
        try:
            rows = con.execute("SELECT source_id, sha256, release_id, file_url, status FROM meta.releases "
                               "WHERE status IN ('loaded', 'unchanged')").fetchall()
        except duckdb.CatalogException:
            rows = []
        finally:
            con.close()
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
            page_updated_at: datetime | None = None) -> Path:
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
        frame[column] = values.where(~values.index.isin(texts.index), parsed.reindex(values.index))
    return cases, failed


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
                       published_on: date | None = None) -> tuple[list[LoadedTable], list[str]]:
    """Every table of the file, validated; all problems collected into one SourceError.

    Parsers receive the catalog entry's options plus `published_on` (some sources mark the
    newest periods provisional relative to the release date). Date text is read day first; with
    `published_on`, a period that starts after it is a failure.
    """
    def fail(message: str, cases: list[FailureCase] | None = None) -> SourceError:
        return SourceError(source.id, release, message, cases or [])

    try:
        book = open_document(path, source.format, settings.max_unzipped_bytes)
    except UnsafeFile as exc:
        raise fail(str(exc)) from None
    except Exception as exc:  # calamine's own errors for unreadable files
        raise fail(f"{path.name} cannot be read as {source.format}: {exc}") from None
    try:
        try:
            tables = PARSERS[source.parser](book, {**source.options, "published_on": published_on})
        except TableNotFound as exc:
            raise fail("table not found where expected", exc.cases) from None
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
            error: str | None = None, same_as: str | None = None) -> None:
    con.execute("DELETE FROM meta.releases WHERE release_id = ?", [release_id])
    con.execute("DELETE FROM meta.release_failures WHERE release_id = ?", [release_id])
    con.execute(
        "INSERT INTO meta.releases (release_id, source_id, title, landing_page, file_url, file_name, published_on, sha256, "
        "bytes, fetched_at, loaded_at, rows, status, error, same_as, version, page_updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [release_id, cand.source.id, cand.title, cand.landing_page, cand.url, cand.file_name, cand.published_on,
         cand.sha256, cand.bytes, cand.fetched_at, datetime.now().replace(microsecond=0) if status == "loaded" else None,
         rows if status == "loaded" else None, status, error, same_as, cand.version, cand.page_updated_at])


def ingest(con: duckdb.DuckDBPyConnection, cand: Candidate, settings: Settings,
           parsed: Callable[[], tuple[list[LoadedTable], list[str]]] | None = None) -> Outcome:
    """Load one release into the building warehouse, or record why it was rejected. Never raises for bad data.

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
    label = _label(cand)
    try:
        if (problem := _publication_date_problem(cand)) is not None:
            raise SourceError(cand.source.id, label, problem,
                              [FailureCase(None, None, None, "publication date after tomorrow", cand.published_on.isoformat())])
        tables, notes = parsed() if parsed is not None else parse_and_validate(cand.source, cand.path, label, settings,
                                                                              cand.published_on)
    except SourceError as exc:
        _record(con, cand, release_id, "rejected", 0, error=str(exc).split("\n")[0])
        if exc.cases:
            con.executemany("INSERT INTO meta.release_failures VALUES (?, ?, ?, ?, ?, ?)",
                            [[release_id, case.sheet, case.row, case.column, case.check, case.value] for case in exc.cases])
        return Outcome(cand.source.id, cand.file_name, "rejected", release_id, error=str(exc))
    rows = sum(_insert(con, table, release_id) for table in tables)
    for table in tables:
        for column, label, count in table.unknown_categories:
            con.execute("INSERT INTO meta.new_categories VALUES (?, ?, ?, ?, ?)", [release_id, table.name, column, label, count])
    _record(con, cand, release_id, "loaded", rows)
    return Outcome(cand.source.id, cand.file_name, "loaded", release_id, rows, notes=notes)


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
            keep: dict[str, str] | None = None) -> list[Outcome]:
    """Load candidates into a copy of the warehouse (or a new one if `fresh`), rebuild the marts, swap it in.

    `keep` (release id -> file name): releases the copy must hold as loaded, or nothing is published
    (RebuildRefused). Call under the lock.
    """
    if not candidates and not fresh:
        return []
    # oldest first, so a re-run of history settles `unchanged` against the first appearance
    candidates = sorted(candidates, key=lambda c: (c.published_on, c.fetched_at, c.url))
    with db.building(settings.warehouse, fresh=fresh) as con, ParseAhead(settings, _to_parse(con, candidates)) as ahead:
        outcomes = []
        for number, cand in enumerate(candidates, 1):
            log.info("[%d/%d] loading %s %s", number, len(candidates), cand.source.id, cand.file_name)
            outcomes.append(ingest(con, cand, settings, ahead.result_for(cand)))
        if keep:
            loaded = {r for (r,) in con.execute("SELECT release_id FROM meta.releases WHERE status = 'loaded'").fetchall()}
            if lost := [f"{r} ({keep[r]})" for r in keep if r not in loaded]:
                raise RebuildRefused(
                    f"nothing published: the rebuilt warehouse would hold {len(lost)} loaded release(s) fewer than the "
                    f"published one ({len(keep)}): {_listed(lost)}; the published warehouse is unchanged "
                    "(`pledges rebuild --force` publishes without them)", outcomes)
        log.info("rebuilding derived tables")
        build_marts(con)
    return outcomes


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


def _parse_ahead(source: Source, path: Path, label: str, settings: Settings, published_on: date) -> tuple:
    """parse_and_validate ahead of the release's turn (in a worker, or in the run while it waits), packed
    for `_unpack`: a SourceError travels as its fields, since it does not pickle."""
    try:
        return "ok", parse_and_validate(source, path, label, settings, published_on)
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


class ParseAhead:
    """Parse and validate releases in worker processes while this process inserts earlier ones.

    Parsing is pure Python and CPU-bound (calamine holds the GIL), so threads would not help; forked
    workers start in milliseconds with the parent's modules already imported. They only parse: all
    warehouse writes stay in this process, in release order. This process parses too: when it needs a
    release no worker has started, it takes it back and parses it itself, and while it waits for a
    worker it parses the last release no worker has started (so with `parse_workers` one less than
    the cores, every core is busy and none oversubscribed). With no workers, or one file, nothing
    is forked. A worker that dies (out of memory) is not fatal: the release is parsed again here.

    Files over LARGE_FILE_BYTES are parsed here, one at a time: a 16 MB returns workbook peaks at
    about 700 MB while parsed, so two at once in workers (plus its frames pickled back) could double
    the run's memory for little gain.
    """

    LARGE_FILE_BYTES = 8 * 2**20
    TAKE_BACK = True       # parse a release here when no worker has started it (tests turn it off)

    def __init__(self, settings: Settings, candidates: list[Candidate]):
        self.settings = settings
        self.candidates = [c for c in candidates if c.bytes <= self.LARGE_FILE_BYTES]
        self.workers = min(settings.parse_workers, len(self.candidates))
        self.pool = None
        self.futures: dict[int, object] = {}
        self.parsed_here: dict[int, tuple] = {}   # releases this process parsed ahead of their turn

    def __enter__(self) -> "ParseAhead":
        if self.workers >= 1 and len(self.candidates) > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_worker_start)
            for cand in self.candidates:
                self.futures[id(cand)] = self.pool.submit(_parse_ahead, cand.source, cand.path, _label(cand),
                                                          self.settings, cand.published_on)
        return self

    def result_for(self, cand: Candidate) -> Callable[[], tuple[list[LoadedTable], list[str]]] | None:
        """How `ingest` gets this release's tables: None = parse it now, here; else a call that returns them."""
        if id(cand) in self.parsed_here:
            packed = self.parsed_here.pop(id(cand))
            return lambda: _unpack(packed)
        future = self.futures.pop(id(cand), None)
        if future is None or (self.TAKE_BACK and future.cancel()):
            return None

        def result() -> tuple[list[LoadedTable], list[str]]:
            from concurrent.futures.process import BrokenProcessPool
            # while a worker is still on this one, parse the last release no worker has started
            while self.TAKE_BACK and not future.done() and self._parse_one_from_the_end():
                pass
            try:
                packed = future.result()
            except BrokenProcessPool:
                log.warning("a parse worker died; parsing %s in the main process", cand.file_name)
                return parse_and_validate(cand.source, cand.path, _label(cand), self.settings, cand.published_on)
            return _unpack(packed)
        return result

    def _parse_one_from_the_end(self) -> bool:
        for cand in reversed(self.candidates):
            future = self.futures.get(id(cand))
            if future is not None and future.cancel():
                del self.futures[id(cand)]
                self.parsed_here[id(cand)] = _parse_ahead(cand.source, cand.path, _label(cand), self.settings,
                                                          cand.published_on)
                return True
        return False

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


# --- the two ways in: discovery over HTTP, and local files --------------------------------

def _local_files(paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def local_candidates(settings: Settings, paths: Iterable[Path], known: Known) -> tuple[list[Candidate], list[Outcome]]:
    """Files recognised by name become candidates (archived); the rest are listed as skipped."""
    candidates, outcomes = [], []
    for path in _local_files(paths):
        if not path.exists():
            outcomes.append(Outcome("-", str(path), "failed", error=f"{path}: no such file or folder"))
            continue
        source = recognise(path.name)
        if source is None:
            outcomes.append(Outcome("-", str(path), "skipped", error="not a recognised published dataset"))
            continue
        if (problem := source.name_problem(path.name)) is not None:    # never a silent fallback to the file's mtime
            outcomes.append(Outcome(source.id, str(path), "skipped", error=problem))
            continue
        sha = sha256_of(path)
        if (source.id, sha) in known.loaded:
            outcomes.append(Outcome(source.id, path.name, "unchanged", known.loaded[(source.id, sha)]))
            continue
        published = source.published_from_name(path.name) or date.fromtimestamp(path.stat().st_mtime)
        fetched = datetime.now()
        url = str(path.resolve())
        archived = archive(settings, source, path, sha, path.stat().st_size, move=False, file_name=path.name, url=url, title=path.name,
                           landing_page=source.landing_page, published_on=published, fetched_at=fetched)
        candidates.append(Candidate(source, path.name, url, path.name, source.landing_page, published,
                                    archived, sha, path.stat().st_size, fetched))
    return candidates, outcomes


Discover = Callable[[Source, Settings], list[Attachment]]
Fetch = Callable[[str, Settings, Path], Download]


def remote_candidates(settings: Settings, sources: list[Source], known: Known,
                      discover: Discover = discover, fetch: Fetch = download) -> tuple[list[Candidate], list[Outcome]]:
    """Discover each source's attachments; download only URLs not already loaded. One source's failure spares the rest."""
    candidates, outcomes = [], []
    unreachable: dict[str, str] = {}   # host -> the error that showed it down: later sources there fail at once
    for source in sources:
        host = discovery_host(source, settings)
        if host in unreachable:
            outcomes.append(Outcome(source.id, source.landing_page, "failed",
                                    error=f"not tried: {host} was unreachable earlier in this run ({unreachable[host]})"))
            continue
        try:
            attachments = discover(source, settings)
        except FetchError as exc:
            outcomes.append(Outcome(source.id, source.landing_page, "failed", error=str(exc)))
            if "ConnectionError" in str(exc):
                unreachable[host] = str(exc).split(";")[0]
            continue
        for att in attachments:
            if att.url in known.urls:
                outcomes.append(Outcome(source.id, att.file_name, "unchanged", known.urls[att.url]))
                continue
            try:
                log.info("downloading %s", att.url)
                got = fetch(att.url, settings, settings.archive_dir / "incoming")
            except FetchError as exc:
                outcomes.append(Outcome(source.id, att.file_name, "failed", error=str(exc)))
                continue
            page_updated_at = getattr(att, "page_updated_at", None)   # where discovery gives it
            archived = archive(settings, source, got.path, got.sha256, got.bytes, move=True, file_name=att.file_name, url=att.url,
                               title=att.title, landing_page=att.landing_page, published_on=att.published_on,
                               fetched_at=got.fetched_at, page_updated_at=page_updated_at)
            candidates.append(Candidate(source, att.file_name, att.url, att.title, att.landing_page,
                                        att.published_on, archived, got.sha256, got.bytes, got.fetched_at, page_updated_at))
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
    """Discover, download, load and publish, holding the writer lock throughout."""
    sources = select_sources(source_ids)
    with db.writer_lock(settings.warehouse, settings.lock_timeout):
        known = Known.read(settings.warehouse)
        candidates, outcomes = remote_candidates(settings, sources, known, discover, fetch)
        return outcomes + publish_step(settings, candidates)


def load_paths(settings: Settings, paths: Iterable[Path]) -> list[Outcome]:
    """`pledges load`: local published files with the same validation and provenance as downloads."""
    with db.writer_lock(settings.warehouse, settings.lock_timeout):
        known = Known.read(settings.warehouse)
        candidates, outcomes = local_candidates(settings, paths, known)
        return outcomes + publish(settings, candidates)


def _published_releases(warehouse: Path) -> dict[str, tuple[str, str]]:
    """The published warehouse's loaded releases: release id -> (sha256, file name)."""
    con = db.connect_read_only(warehouse)
    if con is None:
        return {}
    try:
        rows = con.execute("SELECT release_id, sha256, file_name FROM meta.releases WHERE status = 'loaded' "
                           "ORDER BY release_id").fetchall()
    except duckdb.CatalogException:
        rows = []
    finally:
        con.close()
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
                          datetime.fromisoformat(seen["page_updated_at"]) if seen.get("page_updated_at") else None)
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
        for file_name, url, title, landing_page, published_on, fetched_at, page_updated_at in sightings:
            candidates.append(Candidate(source, file_name, url, title, landing_page, published_on, path, record["sha256"],
                                        record["bytes"], fetched_at, page_updated_at))
    return candidates, outcomes


def rebuild(settings: Settings, force: bool = False) -> list[Outcome]:
    """`pledges rebuild`: a new warehouse from the raw archive alone (no network), swapped in atomically.

    Nothing is published (RebuildRefused, the published file untouched) when there is no archive, when any
    archived file or sidecar fails its check, or when the new warehouse would hold fewer of the published
    warehouse's loaded releases; `force` publishes what can be rebuilt regardless.
    """
    with db.writer_lock(settings.warehouse, settings.lock_timeout):
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
                                  keep=None if force else {r: name for r, (_sha, name) in published.items()})


def outcome_dicts(outcomes: list[Outcome]) -> list[dict]:
    return [asdict(o) for o in outcomes]
