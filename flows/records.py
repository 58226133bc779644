"""The records every ingestion stage passes on: `Candidate` (a published file, archived and hashed, ready to load
as a release), `Outcome` (what became of a file or a source) and `Known` (what the published warehouse already
holds). Not a stage itself: discover/download/archive (flows.candidates) makes Candidates, parse and validate
(flows.validate, flows.parse_workers) reads them, load and publish (flows.ingest) records them as releases.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from flows.archive import Sighting
from flows.catalog import Source, version_in_name
from flows.errors import FailureCase, SourceError
from warehouse import db


def with_date_basis(source: Source, basis: str | None) -> Source:
    """The source with `date_basis` among its parser options (DfE counts the newest year final only on a
    publisher's date, never on a file's modification time)."""
    if basis is None or source.options.get("date_basis") == basis:
        return source
    return dataclasses.replace(source, options={**source.options, "date_basis": basis})


@dataclass
class Candidate:
    """A published file, archived and hashed, ready to be loaded as a release: where and when it was seen (its
    Sighting, whose fields it answers for) and the archived copy."""
    source: Source
    sighting: Sighting
    path: Path
    sha256: str
    bytes: int
    note: str | None = None                   # a local file: how it was recognised and dated, when not by its name

    def __post_init__(self) -> None:
        # the parser sees it too (DfE: the newest year counts final only on a publisher's date)
        self.source = with_date_basis(self.source, self.sighting.date_basis)

    url = property(lambda self: self.sighting.url)
    file_name = property(lambda self: self.sighting.file_name)
    title = property(lambda self: self.sighting.title)
    landing_page = property(lambda self: self.sighting.landing_page)
    published_on = property(lambda self: self.sighting.published_on)
    fetched_at = property(lambda self: self.sighting.fetched_at)
    page_updated_at = property(lambda self: self.sighting.page_updated_at)
    date_basis = property(lambda self: self.sighting.date_basis)

    @property
    def release_id(self) -> str:
        return f"{self.source.id}/{self.published_on.isoformat()}/{self.sha256[:12]}"

    @property
    def version(self) -> int:
        """The `_vN` suffix of the file name (1 without one): ranks releases of a source published the same day."""
        return version_in_name(self.file_name)


def _label(cand: Candidate) -> str:
    """How messages name a release: its publication date and file name."""
    return f"{cand.published_on.isoformat()} ({cand.file_name})"


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


@dataclass
class Known:
    """What the published warehouse already holds, read without taking its write lock."""
    loaded: dict[tuple[str, str], str] = field(default_factory=dict)   # (source, sha256) -> release_id
    urls: dict[str, str] = field(default_factory=dict)                 # loaded file_url -> release_id

    SQL = ("SELECT source_id, sha256, release_id, file_url, status FROM meta.releases "
           "WHERE status IN ('loaded', 'unchanged')")

    @classmethod
    def read(cls, warehouse: Path, con: duckdb.DuckDBPyConnection | None = None) -> "Known":
        """From the published warehouse, or from `con` when it is already open on it."""
        rows = con.execute(cls.SQL).fetchall() if con is not None else _published_rows(warehouse, cls.SQL)
        known = cls()
        for source_id, sha, release_id, url, status in rows:
            if status == "loaded":
                known.loaded[(source_id, sha)] = release_id
            known.urls[url] = release_id
        return known


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
