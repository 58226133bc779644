"""Stage 1, discover, download and archive: the three ways a published file becomes a `Candidate` release.

- `remote_candidates` (`pledges run`, the Prefect flows): each source's page or API discovered, new files downloaded;
- `local_candidates` (`pledges load`): files given on the command line, recognised by name or else by content;
- `archived_candidates` (`pledges rebuild`): every sighting the raw archive's sidecars recorded.

Each way in records a `Sighting` (flows.archive) of every file it keeps, and archives the file with it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from flows.archive import SidecarError, Sighting, archive, read_sidecar, sha256_of
from flows.catalog import Source, load_catalog
from flows.config import Settings
from flows.errors import FetchError, HostUnreachable
from flows.fetch import (Attachment, Download, discover, discovery_host, discovery_url, download, file_record,
                         save_file_record)
from flows.local_files import (Recognition, _local_entries, _local_files, decide_local, local_sighting,  # noqa: F401
                               recognise_by_name)      # (_local_files: re-exported)
from flows.recognise import dated_by_content, recognise_file, remote_date_basis, sighting_date_basis
from flows.recognised_memo import RecognisedMemo
from flows.records import Candidate, Known, Outcome

log = logging.getLogger("pledges")


def select_sources(ids: Iterable[str] | None) -> list[Source]:
    catalog = load_catalog()
    ids = list(ids or [])
    unknown = [i for i in ids if i not in catalog]
    if unknown:
        raise KeyError(f"unknown source id(s) {', '.join(unknown)}; known: {', '.join(catalog)}")
    return [catalog[i] for i in ids] if ids else list(catalog.values())


# --- local files (`pledges load`) ---------------------------------------------------------

def local_candidates(settings: Settings, paths: Iterable[Path], known: Known) -> tuple[list[Candidate], list[Outcome]]:
    """Files recognised by name, else by content (flows.recognise), become candidates (archived); the rest are
    listed as skipped, each with its reason."""
    candidates, outcomes = [], []
    memo = RecognisedMemo(settings)

    def recognise(path: Path) -> Recognition:
        if (by_name := recognise_by_name(path)) is not None:
            return by_name
        found = recognise_file(path, settings.max_unzipped_bytes)
        memo.note(path, found)                # by content: kept for a load that changes nothing (flows/noop.py)
        return found

    for path, problem in _local_entries(paths):
        decided = decide_local(path, problem, known, recognise)
        if isinstance(decided, Outcome):
            outcomes.append(decided)
            continue
        found, sha = decided
        note = None
        if found.by == "name" and found.date_basis in ("estimated", "file_time"):   # the name does not date it
            found = dated_by_content(path, found, settings.max_unzipped_bytes)
        source, published = found.source, found.published_on
        if found.by == "content":     # said beside the release: a name alone would not have loaded it
            note = (f"recognised by its content ({found.evidence}), not its name; dated {published.isoformat()} "
                    + ("from its content (date_basis content)" if found.date_basis == "content" else
                       "by estimate from the last period of its data or its title's reference period and the "
                       "source's usual lag (date_basis estimated)" if found.date_basis == "estimated" else
                       f"by {found.dated_by} (date_basis api)" if found.date_basis == "api" else
                       "by the file's modification time: no date in its name or content (date_basis file_time)"))
        if note:
            log.info("%s: %s", path, note)
        sighting = local_sighting(path, found)
        size = path.stat().st_size
        archived = archive(settings, source, path, sha, size, move=False, sighting=sighting)
        candidates.append(Candidate(source, sighting, archived, sha, size, note=note))
    memo.save()
    return candidates, outcomes


# --- discovery over HTTP (`pledges run`) ----------------------------------------------------

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
    for source in sources:
        attachments = _attachments(settings, source, discover, unreachable)
        if isinstance(attachments, Outcome):
            outcomes.append(attachments)
            continue
        for att in attachments:
            got = _downloaded(settings, source, att, known, fetch, unreachable)
            (candidates if isinstance(got, Candidate) else outcomes).append(got)
    return candidates, outcomes


def _not_tried(source: Source, name: str, down: HostUnreachable) -> Outcome:
    """A file or page on a host already found unreachable in this run: failed without being tried."""
    seen = HostUnreachable(down.host, f"{down.reason}, seen earlier in this run", "", source.id)
    return Outcome(source.id, name, "failed", error=f"not tried: {seen}")


def _unreachable(source: Source, name: str, exc: HostUnreachable, unreachable: dict[str, HostUnreachable]) -> Outcome:
    """The first failure to reach a host: remembered for the rest of the run, and this source's failure."""
    unreachable[exc.host] = exc
    return Outcome(source.id, name, "failed", error=str(HostUnreachable(exc.host, exc.reason, exc.url, source.id)))


def _attachments(settings: Settings, source: Source, discover: Discover,
                 unreachable: dict[str, HostUnreachable]) -> list[Attachment] | Outcome:
    """The source's attachments as discovery lists them, or the Outcome saying why discovery failed."""
    host = discovery_host(source, settings)
    if host in unreachable:
        return _not_tried(source, source.landing_page, unreachable[host])
    try:
        return discover(source, settings)
    except HostUnreachable as exc:
        return _unreachable(source, source.landing_page, exc, unreachable)
    except FetchError as exc:
        return Outcome(source.id, source.landing_page, "failed", error=str(exc))
    except Exception as exc:     # a page malformed in a way discovery did not foresee: this source's failure only
        return Outcome(source.id, source.landing_page, "failed",
                       error=f"{source.id}: discovery failed reading {discovery_url(source, settings)}: "
                             f"{type(exc).__name__}: {exc}")


def remote_sighting(source: Source, att: Attachment, got: Download) -> Sighting:
    """Where and when a downloaded attachment was seen (the page's updated time where discovery gives it)."""
    return Sighting(att.url, att.file_name, att.title, att.landing_page, att.published_on, got.fetched_at,
                    getattr(att, "page_updated_at", None),
                    getattr(att, "date_basis", None) or remote_date_basis(source, att.file_name))


def _downloaded(settings: Settings, source: Source, att: Attachment, known: Known, fetch: Fetch,
                unreachable: dict[str, HostUnreachable]) -> Candidate | Outcome:
    """One attachment downloaded (conditionally, if its URL is loaded already) and archived as a candidate; or the
    Outcome saying it is unchanged or why it could not be downloaded."""
    validators = None
    if att.url in known.urls:
        record = file_record(settings, att.url)
        current = known.loaded.get((source.id, record["sha256"])) if record else None
        if current is not None and not (record.get("etag") or record.get("last_modified")) \
                and record.get("fingerprint") is not None and record.get("fingerprint") == att.fingerprint:
            return Outcome(source.id, att.file_name, "unchanged", current)
        if current is not None:
            validators = {"etag": record.get("etag"), "last_modified": record.get("last_modified")}
    att_host = urlsplit(att.url).netloc
    if att_host in unreachable:
        return _not_tried(source, att.file_name, unreachable[att_host])
    try:
        log.info("downloading %s", att.url)
        got = fetch(att.url, settings, settings.archive_dir / "incoming", validators)
    except HostUnreachable as exc:
        return _unreachable(source, att.file_name, exc, unreachable)
    except FetchError as exc:
        return Outcome(source.id, att.file_name, "failed", error=str(exc))
    if got.not_modified:
        return Outcome(source.id, att.file_name, "unchanged", known.loaded[(source.id, record["sha256"])])
    save_file_record(settings, att.url, got, att.fingerprint)
    sighting = remote_sighting(source, att, got)
    archived = archive(settings, source, got.path, got.sha256, got.bytes, move=True, sighting=sighting)
    return Candidate(source, sighting, archived, got.sha256, got.bytes)


# --- the raw archive (`pledges rebuild`) ----------------------------------------------------

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
            sightings = [Sighting.from_record(seen) for seen in record["sightings"]]
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
        for seen in sightings:
            basis = seen.date_basis or sighting_date_basis(source, seen.file_name, seen.url)
            candidates.append(Candidate(source, replace(seen, date_basis=basis), path, record["sha256"], record["bytes"]))
    return candidates, outcomes
