"""`pledges load`'s files: the paths given walked as the load walks them, and each file recognised by its name.

Light on purpose (no pandas, no parsers): a load that changes nothing (flows/noop.py) answers from here and the
published warehouse alone. Recognition by content, which reads the file, is flows/recognise.py's.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flows.archive import Sighting, sha256_of
from flows.catalog import Source, recognise as recognise_name
from flows.records import Known, Outcome

# how a release's publication date is known (meta.releases.date_basis); `estimated` (the month the data run to plus
# the source's usual lag) and `file_time` are not the publisher's date
DATE_BASES = ("file_name", "content", "estimated", "file_time", "page", "api")


@dataclass(frozen=True)
class Recognition:
    """What a local file is: its source and publication date with how it is known, or why it is skipped."""
    source: Source | None
    published_on: date | None = None
    date_basis: str | None = None      # file_name | content | estimated | file_time | api (the API's record beside it)
    by: str = "name"                    # name | content
    reason: str | None = None           # set when the file is skipped
    evidence: str | None = None         # by content: what matched (sheets, header row, CSV columns)
    dated_by: str | None = None         # date_basis api for a local file: the publisher's record beside it, in words

    @property
    def skipped(self) -> bool:
        return self.reason is not None


def _file_time(path: Path) -> date:
    return date.fromtimestamp(path.stat().st_mtime)


def recognise_by_name(path: Path) -> Recognition | None:
    """The file's source and date from its name (the catalog's attachment patterns; the name's date, else the
    file's time), or why it is skipped without being read; None when only its content can tell (flows.recognise)."""
    source = recognise_name(path.name)
    if source is not None:
        if (problem := source.name_problem(path.name)) is not None:   # never a silent fallback to the file's time
            return Recognition(source, reason=problem)
        published = source.published_from_name(path.name)
        if published is not None:
            return Recognition(source, published, source.name_date_basis(path.name))
        return Recognition(source, _file_time(path), "file_time")
    if not path.name.isprintable():
        return Recognition(None, reason=f"its name {path.name!r} has unprintable characters: not read")
    return None


# --- the files under the paths given -------------------------------------------------------

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


# --- what the load makes of each file before archiving it -----------------------------------

def decide_local(path: Path, problem: str | None, known: Known,
                 recognise: Callable[[Path], Recognition | None]) -> Outcome | tuple[Recognition, str] | None:
    """What `pledges load` makes of one entry of _local_entries: the Outcome of a file skipped, missing or already
    loaded from this path (`known`: the loaded releases by source and sha256, and the file URLs, local paths
    included, the warehouse has recorded), else the file's recognition and sha256 (it becomes a candidate: a new file, or
    loaded bytes under a path not seen before, which the load records as `unchanged` with its sighting, as a run
    does for a re-upload under a new URL); None when `recognise` cannot tell what the file is (recognise_by_name:
    only its content can)."""
    if problem is not None:
        return Outcome("-", str(path), "skipped", error=problem)
    if not path.exists():
        return Outcome("-", str(path), "failed", error=f"{path}: no such file or folder")
    found = recognise(path)
    if found is None:
        return None
    if found.skipped:
        return Outcome(found.source.id if found.source else "-", str(path), "skipped", error=found.reason)
    sha = sha256_of(path)
    if (found.source.id, sha) in known.loaded and local_sighting_url(path) in known.urls:
        release_id = known.loaded[(found.source.id, sha)]
        return Outcome(found.source.id, path.name, "unchanged", release_id,
                       notes=same_bytes_note(found.date_basis, found.published_on, release_id))
    return found, sha


def same_bytes_note(date_basis: str | None, published_on: date | None, release_id: str) -> list[str]:
    """A note when the same bytes, already loaded, come under a name (or cover) giving another date: the release keeps
    the date it loaded with, and the operator is told, since one of the two dates is wrong (audit 13: the 5 Dec file
    loaded first as `12_December_...` kept 12 Dec, and the real name was reported `unchanged` without a word)."""
    loaded_on = release_id.split("/")[1] if release_id.count("/") >= 2 else None
    # only a date the file states itself (its name, its cover): a modification time or an estimate is no rival date
    if date_basis not in ("file_name", "content", "api"):
        return []
    if published_on is None or loaded_on is None or published_on.isoformat() == loaded_on:
        return []
    return [f"the same bytes as release {release_id}, loaded as published {loaded_on}; this file is dated "
            f"{published_on.isoformat()} (date_basis {date_basis}). The release keeps {loaded_on}: if this "
            f"date is the right one, its figures were out {'earlier' if published_on.isoformat() < loaded_on else 'later'}"
            f" than recorded, and as-of answers between the two dates are off"]


def local_sighting_url(path: Path) -> str:
    """A local file's URL in the archive and meta.releases: its absolute path."""
    return str(path.resolve())


def local_sighting(path: Path, found: Recognition) -> Sighting:
    """The sighting of a local file the archive keeps: its absolute path as its URL, seen now."""
    return Sighting(local_sighting_url(path), path.name, path.name, found.source.page_url, found.published_on,
                    datetime.now(), date_basis=found.date_basis)
