"""`pledges check`: a dry run of every source's discovery against the configured hosts, nothing published.

For each catalog source (or those given): the page its discovery reads first, every attachment listed there
and which match the entry's `attachment` pattern, the newest matching file and whether it is new to the
warehouse (its URL, or with `--download` its sha256, against meta.releases: the published file opened
read-only, never the writer lock). With `--download` the newest matching file is downloaded to a temporary
folder and parsed and validated exactly as a load would (the family's parser and schema, in a parse process
of its own under the same limits), then deleted: never archived, never published. The release gate, which
compares a release with the previous one inside a publish, is not run.

Pages are read with a scratch HTTP cache in the temporary folder, so nothing beside the warehouse changes.
A host that cannot be reached at all is tried once (its other sources say `not tried`), as in `pledges run`.
A source fails the check (exit 1) when its page cannot be read, no attachment matches its pattern (a file
renamed by its publisher), its newest file cannot be downloaded, or that file's layout or validation fails.
"""
from __future__ import annotations

import dataclasses
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from flows.catalog import Source, version_in_name
from flows.cli_output import print_table
from flows.config import Settings
from flows.errors import FetchError, HostUnreachable, ParserFault, SourceError
from flows.fetch import Attachment, discover, discovery_host, discovery_url, download, file_record, session
from flows.candidates import remote_sighting, select_sources
from flows.ingest import _publication_date_problem
from flows.parse_workers import PARSER_LIMITS, ParseAhead
from flows.records import Candidate, Known

COLUMNS = ["source", "page", "attachments found/matched", "newest file", "new?", "layout", "result"]
OK = "ok"
LISTED_MOST = 15      # attachment names listed under a failing source


@dataclass
class CheckRow:
    """What the check found for one source; `result` is `ok` or what failed."""
    source_id: str
    page_url: str                          # the address discovery reads first
    page: str = "read"                     # read | unreachable | not read | not tried
    found: list[str] | None = None         # every attachment listed; None when the page(s) could not be listed
    matched: list[str] = field(default_factory=list)    # those the catalog's pattern picks (as discovery takes them)
    pattern: str = ""
    newest: str | None = None
    newest_url: str | None = None
    published_on: str | None = None
    new: str = ""                          # yes | no | maybe (a known URL whose listing changed) | ? (warehouse not read)
    known_release: str | None = None       # the loaded release it is, when not new
    downloaded: bool = False
    sha256: str | None = None
    layout: str = "not checked"            # ok | changed | unreadable | not checked
    result: str = OK                       # ok | unreachable | page not read | no attachment matches | discovery failed
    #                                        | download failed | layout changed | unreadable | invalid
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result == OK

    def cells(self) -> dict:
        counts = f"{'?' if self.found is None else len(self.found)}/{len(self.matched)}"
        return dict(zip(COLUMNS, [self.source_id, self.page, counts, self.newest or "-", self.new or "-",
                                  self.layout, self.result]))

    def as_dict(self) -> dict:
        return {**dataclasses.asdict(self), "ok": self.ok}


# --- the check ------------------------------------------------------------------------------------------------

def check_sources(settings: Settings, source_ids: list[str] | None = None, download_files: bool = False,
                  http: requests.Session | None = None) -> list[CheckRow]:
    """One CheckRow per source (all of the catalog's when `source_ids` is empty: an unknown id is a KeyError)."""
    sources = select_sources(source_ids)
    known, warning = _known(settings)
    http = http or session()
    unreachable: dict[str, HostUnreachable] = {}
    with tempfile.TemporaryDirectory(prefix="pledges-check-") as folder:
        scratch = dataclasses.replace(settings, warehouse=Path(folder) / "check.duckdb")   # its own HTTP cache
        rows = []
        for source in sources:
            row, newest = _check_source(source, settings, scratch, known, unreachable, http)
            if download_files and newest is not None:
                _download_and_validate(row, source, newest, scratch, known, unreachable)
            if warning:
                row.notes.append(warning)
            rows.append(row)
    return rows


def _known(settings: Settings) -> tuple[Known | None, str | None]:
    """What the published warehouse holds (read-only); None with a warning when it cannot be read."""
    try:
        return Known.read(settings.warehouse), None
    except Exception as exc:       # busy, a stale write-ahead log, damaged: the check still runs, `new?` unknown
        return None, f"warehouse {settings.warehouse} not read ({type(exc).__name__}: {exc}): new? unknown"


def _check_source(source: Source, settings: Settings, scratch: Settings, known: Known | None,
                  unreachable: dict[str, HostUnreachable], http: requests.Session
                  ) -> tuple[CheckRow, Attachment | None]:
    """The page read, its attachments listed and matched, the newest matching file and whether it is new."""
    row = CheckRow(source.id, discovery_url(source, scratch), pattern=source.attachment.pattern)
    host = discovery_host(source, scratch)
    if host in unreachable:
        return _failed(row, "not tried", "unreachable", _not_tried(unreachable[host], source)), None
    try:
        attachments = discover(source, scratch, http)
    except HostUnreachable as exc:
        unreachable[exc.host] = exc
        return _failed(row, "unreachable", "unreachable",
                       str(HostUnreachable(exc.host, exc.reason, exc.url, source.id))), None
    except Exception as exc:          # a FetchError, or a page malformed in a way discovery did not foresee
        return _not_discovered(row, source, scratch, http, exc), None
    row.matched = [a.file_name for a in attachments]
    row.found = _listing(source, scratch, http) or list(row.matched)
    if not attachments:
        return _failed(row, "read", "no attachment matches",
                       f"{source.id}: no attachment on {row.page_url} matches the catalog's pattern"), None
    newest = max(attachments, key=_rank)
    row.newest, row.newest_url, row.published_on = newest.file_name, newest.url, newest.published_on.isoformat()
    row.new, row.known_release = _newness_by_url(newest, settings, known)
    return row, newest


def _not_tried(down: HostUnreachable, source: Source) -> str:
    """A source on a host this check already found unreachable: not tried again (as `pledges run` does)."""
    return f"not tried: {HostUnreachable(down.host, f'{down.reason}, seen earlier in this check', '', source.id)}"


def _failed(row: CheckRow, page: str, result: str, problem: str) -> CheckRow:
    row.page, row.result = page, result
    row.problems.append(problem)
    return row


def _not_discovered(row: CheckRow, source: Source, scratch: Settings, http: requests.Session,
                    exc: Exception) -> CheckRow:
    """Discovery failed: the page listed again without the pattern tells an unreadable page from one whose
    attachments no longer match (a renamed file) or are malformed."""
    message = str(exc) if isinstance(exc, FetchError) else (
        f"{source.id}: discovery failed reading {row.page_url}: {type(exc).__name__}: {exc}")
    row.found = _listing(source, scratch, http)
    if row.found is None:
        return _failed(row, "not read", "page not read", message)
    row.matched = [name for name in row.found if source.matches(name)]
    if not row.matched:
        return _failed(row, "read", "no attachment matches",
                       f"{source.id}: no attachment on {row.page_url} matches the catalog's pattern (renamed by "
                       "the publisher? a new layout?)")
    return _failed(row, "read", "discovery failed", message)


def _listing(source: Source, scratch: Settings, http: requests.Session) -> list[str] | None:
    """Every attachment discovery walks past (the same pages, a pattern that takes any name, no cap on files per
    page); None when they cannot be listed."""
    everything = dataclasses.replace(source, attachment=re.compile(r".*", re.DOTALL),
                                     options={**source.options, "max_files_per_page": 10**6})
    try:
        return [a.file_name for a in discover(everything, scratch, http)]
    except Exception:
        return None


def _rank(att: Attachment) -> tuple:
    """Newest first as a load ranks releases: publication date, `_vN` version, the page's update time."""
    updated = getattr(att, "page_updated_at", None)
    return att.published_on, version_in_name(att.file_name), updated.isoformat() if updated else ""


def _newness_by_url(att: Attachment, settings: Settings, known: Known | None) -> tuple[str, str | None]:
    """Whether a run would take the file as new, before downloading it: its URL unseen (`yes`), loaded with the
    same listing (`no`), or loaded but listed differently since (`maybe`: the file there may have changed)."""
    if known is None:
        return "?", None
    release = known.urls.get(att.url)
    if release is None:
        return "yes", None
    record = file_record(settings, att.url)
    if record is not None and record.get("fingerprint") == att.fingerprint:
        return "no", release
    return "maybe", release


# --- with --download: the newest matching file, parsed and validated as a load would -------------------------

def _download_and_validate(row: CheckRow, source: Source, att: Attachment, scratch: Settings, known: Known | None,
                           unreachable: dict[str, HostUnreachable]) -> None:
    """The file downloaded to the scratch folder (never archived), parsed, validated, then deleted."""
    host = urlsplit(att.url).netloc
    if host in unreachable:
        row.result = "unreachable"
        row.problems.append(_not_tried(unreachable[host], source))
        return
    try:
        got = download(att.url, scratch, scratch.archive_dir / "incoming")
    except HostUnreachable as exc:
        unreachable[exc.host] = exc
        row.result = "unreachable"
        row.problems.append(str(HostUnreachable(exc.host, exc.reason, exc.url, source.id)))
        return
    except FetchError as exc:
        row.result = "download failed"
        row.problems.append(f"{source.id}: {exc}")
        return
    row.downloaded, row.sha256 = True, got.sha256
    if known is not None:
        release = known.loaded.get((source.id, got.sha256))
        row.new, row.known_release = ("no", release) if release else ("yes", None)
    try:
        cand = Candidate(source, remote_sighting(source, att, got), got.path, got.sha256, got.bytes)
        _validate(row, cand, scratch)
    finally:
        got.path.unlink(missing_ok=True)


def _validate(row: CheckRow, cand: Candidate, settings: Settings) -> None:
    """Parse and validate as a load does (flows.ingest: the publication date checked, then the family's parser
    and schema in a parse process under PLEDGES_PARSE_MEMORY_MB / PLEDGES_PARSE_TIMEOUT)."""
    if (problem := _publication_date_problem(cand)) is not None:
        row.result = "invalid"
        row.problems.append(problem)
        return
    with ParseAhead(settings, []) as ahead:
        try:
            tables, notes = ahead.result_for(cand)()
        except ParserFault as exc:      # the parser raised on this file (not a rejection): said as such, the others checked
            row.layout, row.result = "not checked", "parser fault"
            row.problems.append(str(exc))
            return
        except SourceError as exc:
            row.layout = _layout_of(exc)
            row.result = {"changed": "layout changed", "unreadable": "unreadable"}.get(row.layout, "invalid")
            row.problems.append(str(exc))
            return
    row.layout = OK
    rows = sum(len(t.frame) for t in tables)
    row.notes += notes + [f"{len(tables)} table(s), {rows:,} rows valid: " + ", ".join(
        f"{t.name} (sheet {t.sheet!r})" for t in tables)]


def _layout_of(exc: SourceError) -> str:
    """`changed` when a table or a required column is not where the layout has it; `unreadable` when the file
    cannot be opened or parsed at all; `ok` when the layout matched and cells failed validation."""
    if exc.message == "table not found where expected" or \
            any(c.row is None and c.check == "required column missing" for c in exc.cases):
        return "changed"
    if any(what in exc.message for what in ("cannot be read as", "is damaged", PARSER_LIMITS, "not a spreadsheet",
                                            "the parser failed")):
        return "unreadable"
    return OK


# --- output ---------------------------------------------------------------------------------------------------

def print_rows(rows: list[CheckRow], settings: Settings, download_files: bool) -> None:
    """The table, then under it what each source found when it failed (or noted), then a summary line."""
    print(f"checked against GOV.UK {settings.govuk_base}, ONS {settings.ons_base}, DfE {settings.dfe_base}; "
          f"warehouse {settings.warehouse} read only; "
          + ("newest matching files downloaded to a temporary folder, validated, deleted" if download_files
             else "nothing downloaded (--download validates the newest files)"))
    print_table([r.cells() for r in rows], COLUMNS, width=80)
    for r in rows:
        lines = list(r.problems)
        if r.result in ("no attachment matches", "discovery failed") and r.found is not None:
            shown = r.found[:LISTED_MOST] + ([f"... and {len(r.found) - LISTED_MOST} more"]
                                             if len(r.found) > LISTED_MOST else [])
            lines.append("attachments found: " + (", ".join(shown) if shown else "none"))
            lines.append(f"pattern: {r.pattern}")
        lines += r.notes
        if lines:
            print(f"\n{r.source_id} ({r.page_url}):")
            for line in lines:
                print("  - " + line.replace("\n", "\n    "))
    failed = [r.source_id for r in rows if not r.ok]
    print(f"\nsummary: {len(rows)} source(s) checked, {len(rows) - len(failed)} ok"
          + (f", {len(failed)} failed: {', '.join(failed)}" if failed else ""))


def main(settings: Settings, source_ids: list[str] | None = None, download_files: bool = False,
         as_json: bool = False) -> int:
    """`pledges check`: prints the rows (a table, or JSON) and returns the exit code: 1 if any source failed."""
    rows = check_sources(settings, source_ids, download_files)
    if as_json:
        print(json.dumps([r.as_dict() for r in rows], indent=2, default=str))
    else:
        print_rows(rows, settings, download_files)
    return 0 if all(r.ok for r in rows) else 1
