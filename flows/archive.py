"""Stage 1, discover, download and archive: the raw archive.

Every file the pipeline reads is kept here by content hash before it is parsed, with a sidecar recording each
`Sighting` of it (where and when it was seen: URL, names, dates). Every entry point makes a Sighting (a
download, a local file, a sidecar read back for a rebuild) and the archive keeps it; `rebuild` needs nothing else.
Also the run's start-up tidying (`clean_leftovers`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import stat
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flows.catalog import Source
from flows.config import Settings

log = logging.getLogger("pledges")


@dataclass(frozen=True)
class Sighting:
    """Where and when a published file was seen: one frozen record, made by every entry point and kept in the
    file's archive sidecar (one per URL the file was found at)."""
    url: str                                  # the download URL, or the absolute path of a local file
    file_name: str
    title: str
    landing_page: str
    published_on: date
    fetched_at: datetime
    page_updated_at: datetime | None = None   # when the landing page listing it was last updated, where known
    date_basis: str | None = None             # how published_on is known (flows.recognise.DATE_BASES)

    def record(self) -> dict:
        """As a sidecar keeps it: dates as ISO text; page_updated_at and date_basis only where known."""
        seen = {"url": self.url, "file_name": self.file_name, "title": self.title, "landing_page": self.landing_page,
                "published_on": self.published_on.isoformat(), "fetched_at": self.fetched_at.isoformat()}
        if self.page_updated_at is not None:
            seen["page_updated_at"] = self.page_updated_at.isoformat()
        if self.date_basis is not None:
            seen["date_basis"] = self.date_basis
        return seen

    @classmethod
    def from_record(cls, seen: dict) -> "Sighting":
        """A sighting read back from a sidecar (KeyError, TypeError, AttributeError or ValueError if malformed)."""
        file_name, url, title, landing_page = seen["file_name"], seen["url"], seen["title"], seen["landing_page"]
        published_on, fetched_at = date.fromisoformat(seen["published_on"]), datetime.fromisoformat(seen["fetched_at"])
        page_updated_at = datetime.fromisoformat(seen["page_updated_at"]) if seen.get("page_updated_at") else None
        return cls(url, file_name, title, landing_page, published_on, fetched_at, page_updated_at, seen.get("date_basis"))


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
            move: bool, sighting: Sighting) -> Path:
    """Keep the raw file by content hash, with a metadata sidecar (origin, URL, dates, licence, checksum, size).

    The sidecar carries a checksum of its own content, so `rebuild` refuses one edited by hand."""
    target = archive_path(settings, sha256, sighting.file_name)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
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
        log.warning("%s; this sighting of %s is not added to it", exc, sighting.file_name)
        return target
    seen_before = any(s.get("url") == sighting.url for s in record["sightings"])
    if not seen_before:
        record["sightings"].append(sighting.record())
    if not seen_before or "checksum" not in record:   # a sidecar from before checksums gains one when next touched
        _write_sidecar(sidecar, record)
    return target


def archive_path(settings: Settings, sha256: str, file_name: str) -> Path:
    """Where the archive keeps a file: by content hash, with the suffix of the name it was seen under."""
    return settings.archive_dir / sha256[:2] / f"{sha256}{Path(file_name).suffix.lower()}"


def archived_already(settings: Settings, sha256: str, sighting: Sighting) -> bool:
    """Whether `archive` would change nothing for this sighting: the file kept, its sidecar readable, signed and
    already listing the sighting's URL."""
    target = archive_path(settings, sha256, sighting.file_name)
    sidecar = target.with_name(f"{sha256}.meta.json")
    if not target.exists() or not sidecar.exists():
        return False
    try:
        record = read_sidecar(sidecar)
    except SidecarError:
        return False
    seen = record["sightings"]
    if "checksum" not in record or not all(isinstance(s, dict) for s in seen):
        return False
    return any(s.get("url") == sighting.url for s in seen)


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
