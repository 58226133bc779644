"""A `pledges load` that would change nothing, answered without the pipeline (issue 13, item 5).

When every file given is already decided (the same bytes loaded before, or their release held by the release gate,
or the file skipped or missing), `ingest.load_paths` publishes nothing new: it reports each file `unchanged` (or
still held) and rebuilds nothing. `noop_load` works that out from the files' names and hashes and the published
warehouse, under the writer lock as the load does, and returns the same outcomes, importing neither pandas nor
pandera nor the parsers. Whenever it cannot be certain it returns None, and the load runs in full:

- a file no catalog pattern names (only its content can tell what it is: the families' recognisers parse), unless
  the last full load recognised it, same path and bytes, and left it skipped or found it loaded
  (flows/recognised_memo.py);
- a file whose release is new, or was rejected (a rejected release is parsed and validated again);
- a held release whose file the archive has not kept under that path (the load would add the sighting), or
  derived tables that a publish would build in full;
- a register, catalog or derived-table SQL that differs from the published build's (the load rebuilds);
- nothing published yet, or anything unexpected (the full load meets it and reports it as it always has).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import duckdb

from flows.archive import archived_already, clean_leftovers
from flows.catalog import catalog_files, load_catalog
from flows.config import Settings
from flows.errors import WarehouseBusy
from flows.local_files import Recognition, _local_entries, decide_local, local_sighting, recognise_by_name
from flows.recognised_memo import RecognisedMemo
from flows.records import Candidate, Known, Outcome, _still_held
from warehouse import db
from warehouse.fingerprint import files_fingerprint, published_fingerprint

log = logging.getLogger("pledges")


def noop_load(settings: Settings, paths: Iterable[Path]) -> list[Outcome] | None:
    """The outcomes `ingest.load_paths(settings, paths)` would report, when it would certainly change nothing
    (the files already decided, the derived tables up to date); None when the full load must run."""
    if not settings.warehouse.is_file():
        return None
    try:
        with db.writer_lock(settings.warehouse, settings.lock_timeout):   # as the load: one writer, leftovers gone
            clean_leftovers(settings)
            con = db.connect_read_only(settings.warehouse)
            if con is None:
                return None
            try:
                return _decided(settings, con, Known.read(settings.warehouse, con), paths)
            finally:
                con.close()
    except WarehouseBusy:       # the full load would wait as long, then say the same
        raise
    except Exception as exc:    # the full load meets it too, and reports it as it always has
        log.debug("a load that changes nothing could not be told (%s: %s): loading in full", type(exc).__name__, exc)
        return None


def _decided(settings: Settings, con: duckdb.DuckDBPyConnection, known: Known,
             paths: Iterable[Path]) -> list[Outcome] | None:
    """Each file's outcome as flows.candidates.local_candidates gives it, then those of held releases as the
    publish gives them (in its order); None as soon as one file needs the full load."""
    load_catalog()                    # a catalog that fails its checks: the full load says why
    if published_fingerprint(con) != files_fingerprint(catalog_files()):
        return None                   # the load would rebuild the derived tables (warehouse/build.py)
    outcomes: list[Outcome] = []
    held: list[tuple[Candidate, Outcome]] = []
    memo = RecognisedMemo(settings)
    for path, problem in _local_entries(paths):
        decided = decide_local(path, problem, known, lambda p: recognise_by_name(p) or memo.recall(p))
        if decided is None:
            return None               # recognised by content only, and not as the last load did: the load reads it
        if isinstance(decided, Outcome):
            outcomes.append(decided)
            continue
        if decided[0].by == "memo":
            return None               # recognised by content, not loaded: the load dates and parses it
        if (again := _held_again(settings, con, path, *decided)) is None:
            return None               # a new or rejected release: the load parses it
        held.append(again)
    if held and _needs_full_build(con):
        return None                   # the publish the held files bring would build the derived tables in full
    held.sort(key=lambda h: (h[0].published_on, h[0].fetched_at, h[0].url))    # ingest.publish's order
    return outcomes + [outcome for _cand, outcome in held]


def _held_again(settings: Settings, con: duckdb.DuckDBPyConnection, path: Path, found: Recognition,
                sha: str) -> tuple[Candidate, Outcome] | None:
    """A file recognised by name and not loaded, whose release the gate held (or held, then superseded) in an earlier
    run: the candidate the load makes of it and the outcome flows.ingest reports again; None if its release is not
    such a release (new, or rejected: the load parses it) or the archive has not kept it under this path yet (the
    load would add the sighting)."""
    sighting = local_sighting(path, found)
    if not archived_already(settings, sha, sighting):
        return None
    cand = Candidate(found.source, sighting, path, sha, path.stat().st_size)
    outcome = _still_held(con, cand)
    return None if outcome is None else (cand, outcome)


def _needs_full_build(con: duckdb.DuckDBPyConnection) -> bool:
    from warehouse import history
    return history.needs_full_build(con)
