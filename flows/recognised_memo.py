"""What the last full `pledges load` made of each file it could recognise only by its content, kept so that a load
that changes nothing (flows/noop.py) can say the same without reading those files with pandas.

Recognition by content (flows/recognise.py) opens spreadsheets and reads CSV headers; a folder of published files
often holds other things too (a README, saved pages, derived CSVs), which a full load reads every time to say
"skipped: no source matches". The memo, `<archive>/recognised-by-content.json`, records for each such file (by
its absolute path and sha256) the source it was recognised as, or the reason it was skipped. It is trusted only
while everything recognition depends on is unchanged: the recognising code and the catalog (a hash of their files)
and the unzipped-size limit; otherwise it is ignored and the next full load writes it again. It is a cache:
deleting it costs one full load's reading, nothing else. Written by the load that holds the writer lock, atomically.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from flows.archive import sha256_of
from flows.catalog import SOURCES_DIR, load_catalog
from flows.config import Settings
from flows.local_files import Recognition

log = logging.getLogger("pledges")

FLOWS_DIR = Path(__file__).resolve().parent
MEMO_NAME = "recognised-by-content.json"


def recognition_fingerprint(settings: Settings) -> str:
    """A hash of what recognition by content depends on besides the file: its code (flows/recognise.py, the
    parsing helpers, each family's recogniser hooks), the catalog, and the unzipped-size limit."""
    files = [FLOWS_DIR / "recognise.py", FLOWS_DIR / "local_files.py", FLOWS_DIR / "catalog.py",
             *sorted((FLOWS_DIR / "parsing").glob("*.py")), *sorted(SOURCES_DIR.glob("*/*.py")),
             *sorted(SOURCES_DIR.glob("*/*.toml"))]
    digest = hashlib.sha256(str(settings.max_unzipped_bytes).encode())
    for path in files:
        digest.update(str(path.relative_to(FLOWS_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class RecognisedMemo:
    """The memo of one warehouse: `recall` a file's recognition, `note` one made now, `save` under the lock. Read,
    and its fingerprint computed, only when a file needs it: a load of files named by their patterns never does."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = settings.archive_dir / MEMO_NAME
        self._entries: dict[str, dict] | None = None
        self.noted = False

    @property
    def entries(self) -> dict[str, dict]:
        if self._entries is None:
            self.fingerprint = recognition_fingerprint(self.settings)
            self._entries = {}
            try:
                stored = json.loads(self.path.read_text())
                if stored.get("fingerprint") == self.fingerprint:
                    self._entries = dict(stored["files"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                pass                   # none yet, or unreadable: recognised by content again
        return self._entries

    @staticmethod
    def _key(path: Path, sha: str) -> str:
        return f"{path.resolve()}\0{sha}"

    def recall(self, path: Path) -> Recognition | None:
        """The recognition noted for this file (same path, same bytes), or None."""
        if not self.entries:
            return None
        entry = self.entries.get(self._key(path, sha256_of(path)))
        if entry is None:
            return None
        source = load_catalog().get(entry["source"]) if entry["source"] else None
        if entry["source"] and source is None:
            return None
        return Recognition(source, by="memo", reason=entry["reason"])

    def note(self, path: Path, found: Recognition) -> None:
        """A recognition by content made now (kept as its source and skip reason: what a no-op load reports)."""
        try:
            key = self._key(path, sha256_of(path))
        except OSError:
            return
        self.entries[key] = {"source": found.source.id if found.source else None, "reason": found.reason}
        self.noted = True

    def save(self) -> None:
        """Written atomically when this load noted anything, keeping only files that still exist (the memo does not
        grow with files gone)."""
        if not self.noted:
            return
        kept = {key: entry for key, entry in self.entries.items() if Path(key.split("\0")[0]).is_file()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(self.path.name + ".tmp")
            partial.write_text(json.dumps({"fingerprint": self.fingerprint, "files": kept}, indent=0, sort_keys=True))
            os.replace(partial, self.path)
        except OSError as exc:        # a cache: the next no-op load reads those files again, nothing is lost
            log.debug("could not write %s: %s", self.path, exc)
