"""Stages 3 and 4, load and publish: each release loaded into a building copy of the warehouse (or recorded as
rejected or held), the derived tables rebuilt, the copy swapped in. Also the entry points that drive every stage,
independent of Prefect: `run_sources`, `load_paths`, `rebuild`, `accept`.

The stages: discover, download and archive (flows.candidates, flows.archive); parse and validate (flows.validate,
in parse processes apart from the run: flows.parse_workers); load and publish (here). The records they pass on are in
flows.records. The orchestration is written once; the Prefect flows (flows.pipeline) pass task-wrapped versions of
the network steps so retries and logging come from Prefect.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from flows import gate
# names other code imports from flows.ingest stay importable here (the `noqa` lines re-export some)
from flows.archive import SidecarError, Sighting, clean_leftovers, read_sidecar, sha256_of
from flows.candidates import (Discover, Fetch, _local_files, archived_candidates, local_candidates,  # noqa: F401
                              remote_candidates, select_sources)
from flows.catalog import check_metric_sql, definitions, load_catalog
from flows.config import Settings
from flows.errors import FailureCase, ParserFault, SourceError
from flows.fetch import discover, download
from flows.local_files import same_bytes_note
from flows.parse_workers import PARSER_LIMITS, ParseAhead, _worker_start  # noqa: F401
from flows.records import Candidate, Known, Outcome, _label, _published_rows, _still_held
from flows.validate import LoadedTable, parse_and_validate
from warehouse import db, raw_store
from warehouse.build import build_marts, definitions_fingerprint, published_fingerprint

log = logging.getLogger("pledges")


# --- load into the building warehouse ---------------------------------------------------

def _insert(con: duckdb.DuckDBPyConnection, table: LoadedTable, release_id: str) -> int:
    """One release's rows of one table into raw (stored once per run of releases carrying them: warehouse/raw_store.py)."""
    return raw_store.insert(con, table.name, table.frame, release_id)


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
         cand.sha256, cand.bytes, cand.fetched_at, datetime.now() if status == "loaded" else None,
         rows if status == "loaded" else None, status, error, same_as, cand.version, cand.page_updated_at,
         accepted_at, held_reasons, cand.date_basis])
    # recorded now, in whatever status: no longer a file the parser failed on; nor is one of the source that this
    # release supersedes (as new or newer: a corrected `_v2` under another name; a run no longer fetches the old one)
    con.execute("DELETE FROM meta.parser_faults WHERE source_id = ? AND (file_name = ? OR published_on <= ?)",
                [cand.source.id, cand.file_name, cand.published_on])
    if cases:
        con.executemany("INSERT INTO meta.release_failures VALUES (?, ?, ?, ?, ?, ?)",
                        [[release_id, case.sheet, case.row, case.column, case.check, case.value] for case in cases])


def _note_parser_fault(con: duckdb.DuckDBPyConnection, cand: Candidate, release_id: str, fault: ParserFault) -> None:
    """The file's last attempt failed with a parser fault: kept in meta.parser_faults (published with this run's
    publish, even when nothing else loads) so `pledges status` shows it until the file is recorded; not in
    meta.releases, so the next run tries the file again."""
    con.execute("INSERT OR REPLACE INTO meta.parser_faults VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [cand.source.id, cand.file_name, release_id, cand.published_on, cand.sha256, cand.url, fault.reason,
                 datetime.now()])


def ingest(con: duckdb.DuckDBPyConnection, cand: Candidate, settings: Settings,
           parsed: Callable[[], tuple[list[LoadedTable], list[str]]] | None = None,
           accepted_at: datetime | None = None, published: bool = False) -> Outcome:
    """Load one release into the building warehouse, or record why it was rejected or held. Never raises for bad data.

    A valid release then goes through the release gate (flows/gate.py): if it fails, it is recorded as `held`
    with the reasons and nothing of it is inserted. A release already held is reported again, not parsed again,
    unless `accepted_at` is given (`pledges accept`): it is then loaded as if it had passed, the gate's reasons
    kept in `held_reasons`. `published` (a rebuild, for a release the published warehouse had loaded): loaded even
    if the gate would hold it now, as the published warehouse had it, the gate's reasons kept in `held_reasons`
    (accepted_at NULL: never reviewed). A loaded release supersedes the held releases of its source that rank
    before it; if a loaded release of its source ranks after it (an older release arriving after a newer one), that
    one is checked again against it (`_recheck_next`).

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
        return Outcome(cand.source.id, cand.file_name, "unchanged", original,
                       notes=same_bytes_note(cand.date_basis, cand.published_on, original))
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
    except ParserFault as exc:
        # the parser's bug, or something in the file it does not handle: which is not known, so no rejection is
        # recorded (the next load tries the file again), and the other files still load; the parse process's
        # traceback goes to the log (--debug shows it)
        log.debug("%s", exc.detail)
        _note_parser_fault(con, cand, release_id, exc)
        return Outcome(cand.source.id, cand.file_name, "failed", release_id, error=str(exc))
    around = gate.neighbours(con, cand)
    previous, reasons = gate.check(con, cand, tables, around)
    later = None
    if not reasons and accepted_at is None and not published and around.next is not None and not _accepted(con, around.next):
        # an older release arriving after a newer one: checked as a load in rank order would have checked the newer
        # one against it; a disagreement is held here, on the arrival, not published into the history with the newer
        # release blamed (unless the newer was accepted after review: then it is named for review again, below)
        if (reasons := gate.check_later(con, cand, tables, around.next)):
            later = around.next
    if reasons and accepted_at is None and not published:
        held = SourceError(cand.source.id, label, gate.summary(cand, previous, reasons, later), reasons)
        _record(con, cand, release_id, "held", 0, error=held.message, cases=reasons)
        return Outcome(cand.source.id, cand.file_name, "held", release_id, error=str(held), notes=notes)
    notes = notes + _same_date_notes(con, cand)
    rows = sum(_insert(con, table, release_id) for table in tables)
    for table in tables:
        for column, label, count in table.unknown_categories:
            con.execute("INSERT INTO meta.new_categories VALUES (?, ?, ?, ?, ?)", [release_id, table.name, column, label, count])
    _record(con, cand, release_id, "loaded", rows, accepted_at=accepted_at,
            held_reasons=_held_reasons(previous, reasons, accepted_at))
    for superseded in around.held_before:
        con.execute("UPDATE meta.releases SET status = 'superseded', error = error || ? WHERE release_id = ?",
                    [f" Superseded by {release_id}, a later release of the source that loaded: never published.", superseded])
    if accepted_at is not None:
        notes = notes + ([f"accepted after review over the release gate: {gate.accepted_note(previous, reasons)}"]
                         if reasons else ["accepted after review (the release gate now finds nothing to hold)"])
    elif reasons:
        notes = notes + [f"loaded as published (the published warehouse had it loaded); "
                         f"{gate.published_note(previous, reasons)}"]
    return Outcome(cand.source.id, cand.file_name, "loaded", release_id, rows, notes=notes + _recheck_next(con, cand, around.next))


def _same_date_notes(con: duckdb.DuckDBPyConnection, cand: Candidate) -> list[str]:
    """A note for each loaded release of the source with the same file name, publication date and version but other
    bytes: two different files both claim to be that release, and the one fetched later ranks after (its figures win
    "latest"), so the operator is told which is used, not left to find it. (Files of other names on one date are
    other releases: the Home Office's ad-hoc notes on one page.)"""
    others = con.execute("SELECT release_id, file_name FROM meta.releases WHERE source_id = ? AND status = 'loaded' "
                         "AND published_on = ? AND coalesce(version, 1) = ? AND sha256 <> ? "
                         "AND lower(file_name) = lower(?) ORDER BY fetched_at",
                         [cand.source.id, cand.published_on, cand.version, cand.sha256, cand.file_name]).fetchall()
    return [f"{other} ({name}) is another file claiming the same release ({cand.published_on.isoformat()}"
            f"{f', version {cand.version}' if cand.version > 1 else ''}), with other contents: both are kept, and the "
            f"one seen later (page time, then fetch time) gives the latest figures: check which is the publisher's"
            for other, name in others]


def _accepted(con: duckdb.DuckDBPyConnection, release_id: str) -> bool:
    """Whether a loaded release was accepted after review over the release gate's reasons."""
    return con.execute("SELECT accepted_at IS NOT NULL FROM meta.releases WHERE release_id = ?",
                       [release_id]).fetchone()[0]


def _held_reasons(previous: str | None, reasons: list[FailureCase], accepted_at: datetime | None) -> str | None:
    """meta.releases.held_reasons of a release loaded over the gate's reasons: accepted after review, or published
    without review (see gate.published_note); None when the gate finds nothing."""
    if not reasons:
        return None
    return gate.accepted_note(previous, reasons) if accepted_at is not None else gate.published_note(previous, reasons)


def _recheck_next(con: duckdb.DuckDBPyConnection, cand: Candidate, later: str | None) -> list[str]:
    """After `cand` loads: `later`, the loaded release of its source that ranks just after it (loaded before it, so
    never compared with it), checked again against it. It stays published; its `held_reasons` become what a
    rebuild, which loads in rank order, would record (what the gate now finds, or None), and a note says so."""
    if later is None or not gate.applies(cand.source):
        return []
    reasons = gate.recheck(con, cand.source, later, cand.release_id)
    [(accepted_at, was)] = con.execute("SELECT accepted_at, held_reasons FROM meta.releases WHERE release_id = ?",
                                       [later]).fetchall()
    now = _held_reasons(cand.release_id, reasons, accepted_at)
    if accepted_at is not None and now is not None and now != was:
        # accepted over other reasons (against another release): what the gate finds now was never reviewed, so the
        # release is named for review again (marts.releases accepted_at NULL), as a rebuild would record it
        accepted_at, now = None, _held_reasons(cand.release_id, reasons, None)
    con.execute("UPDATE meta.releases SET held_reasons = ?, accepted_at = ? WHERE release_id = ?",
                [now, accepted_at, later])
    if not reasons:
        return []
    return [f"{later}, loaded earlier, ranks after this release and was never compared with it: against it the "
            f"release gate would hold it; it stays published, with the reasons in marts.releases.held_reasons "
            f"(review it): {gate.accepted_note(None, reasons)}"]


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
            keep: dict[str, str] | None = None, accept: dict[str, datetime] | None = None,
            published: Iterable[str] = (), records: dict[str, tuple[str, str]] | None = None) -> list[Outcome]:
    """Load candidates into a copy of the warehouse (or a new one if `fresh`), rebuild the marts, swap it in.

    `keep` (release id -> file name): releases the copy must hold as loaded, or nothing is published
    (RebuildRefused). `accept` (release id -> when accepted): releases loaded even if the release gate
    would hold them (`pledges accept`, and a rebuild's accepted releases). `published` (release ids): releases
    the published warehouse had loaded, loaded by a rebuild even if the gate would hold them now, the gate's
    reasons recorded (`ingest`'s `published`). `records` (release id -> (status, file name)): held, superseded and
    rejected releases whose record (status, reasons, failing cells) the copy must keep, in whatever status they load
    again, or nothing is published (RebuildRefused). Call under the lock.
    """
    published = set(published)
    if not candidates and not fresh and not derived_tables_out_of_date(settings.warehouse):
        return []
    if not candidates and not fresh:
        log.warning("rebuilding the derived tables: the pledge register, catalog or derived-table SQL changed "
                    "since %s was published", settings.warehouse)
    # every metric's SQL against empty raw tables first: a catalog typo fails here, naming the metric, not inside
    # the publish where it would block every source (checked once per process: the catalog is loaded once)
    check_metric_sql()
    # oldest first, so a re-run of history settles `unchanged` against the first appearance
    candidates = sorted(candidates, key=lambda c: (c.published_on, c.fetched_at, c.url))
    with db.building(settings.warehouse, fresh=fresh) as con, ParseAhead(settings, _to_parse(con, candidates)) as ahead:
        outcomes = []
        for number, cand in enumerate(candidates, 1):
            log.info("[%d/%d] loading %s %s", number, len(candidates), cand.source.id, cand.file_name)
            outcomes.append(ingest(con, cand, settings, ahead.result_for(cand), (accept or {}).get(cand.release_id),
                                   published=cand.release_id in published))
        if keep:
            loaded = {r for (r,) in con.execute("SELECT release_id FROM meta.releases WHERE status = 'loaded'").fetchall()}
            if lost := [f"{r} ({keep[r]})" for r in keep if r not in loaded]:
                raise RebuildRefused(
                    f"nothing published: the rebuilt warehouse would hold {len(lost)} loaded release(s) fewer than the "
                    f"published one ({len(keep)}): {_listed(lost)}; the published warehouse is unchanged "
                    "(`pledges rebuild --force` publishes without them)", outcomes)
        if records:
            present = {r for (r,) in con.execute("SELECT release_id FROM meta.releases").fetchall()}
            if lost := [f"{r} ({status}: {name})" for r, (status, name) in records.items() if r not in present]:
                raise RebuildRefused(
                    f"nothing published: the rebuilt warehouse would lose the record of {len(lost)} held or rejected "
                    f"release(s), their reasons and failing cells: {_listed(lost)}; their archived file or sidecar is "
                    "missing. The published warehouse is unchanged. Restore them, or `pledges rebuild --force` "
                    "publishes without them", outcomes)
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


# --- the ways in: run, load, rebuild, accept ----------------------------------------------

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


def _published_releases(warehouse: Path) -> dict[str, tuple[str, str]]:
    """The published warehouse's loaded releases: release id -> (sha256, file name)."""
    rows = _published_rows(warehouse, "SELECT release_id, sha256, file_name FROM meta.releases WHERE status = 'loaded' "
                                      "ORDER BY release_id")
    return {release_id: (sha, file_name) for release_id, sha, file_name in rows}


def _published_records(warehouse: Path) -> dict[str, tuple[str, str]]:
    """The published warehouse's held, superseded and rejected releases: release id -> (status, file name)."""
    rows = _published_rows(warehouse, "SELECT release_id, status, file_name FROM meta.releases "
                                      "WHERE status IN ('held', 'superseded', 'rejected') ORDER BY release_id")
    return {release_id: (status, file_name) for release_id, status, file_name in rows}


def rebuild(settings: Settings, force: bool = False) -> list[Outcome]:
    """`pledges rebuild`: a new warehouse from the raw archive alone (no network), swapped in atomically.

    Nothing is published (RebuildRefused, the published file untouched) when there is no archive, when any
    archived file or sidecar fails its check, or when the new warehouse would hold fewer of the published
    warehouse's loaded releases or lose the record of a held or rejected one; `force` publishes what can be rebuilt
    regardless. A release the published warehouse
    had loaded is loaded again even where the release gate, run in publication order, would hold it (an older
    release loaded after it, a gate rule added since): published data is never lost to a rebuild, and the gate's
    reasons are recorded in its `held_reasons` (accepted releases keep their acceptance).
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
                                  accept=_accepted_releases(settings.warehouse), published=published,
                                  records=None if force else _published_records(settings.warehouse))


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
        # the provenance recorded when it was held (the sighting meta.releases keeps, e.g. page_updated_at)
        seen = Sighting(record["file_url"], file_name, record["title"], record["landing_page"], record["published_on"],
                        record["fetched_at"], record["page_updated_at"], record["date_basis"])
        cand = Candidate(source, seen, path, sha, record["bytes"])
        return publish(settings, [cand], accept={release_id: gate.now()})


def outcome_dicts(outcomes: list[Outcome]) -> list[dict]:
    return [asdict(o) for o in outcomes]
