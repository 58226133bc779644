"""Downloads streamed to a work folder and hashed as they arrive (bounded, retried, conditional), and the record
of what was downloaded from each URL (whether a file at a known URL changed)."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests

from flows.config import Settings
from flows.errors import FetchError
from flows.fetching.http import _open, _read_body, _with_retries, conditional_headers, session


@dataclass(frozen=True)
class Download:
    path: Path | None     # a temporary file the caller archives; None when the server said it is not modified
    sha256: str
    bytes: int
    fetched_at: datetime
    etag: str | None = None             # the validators the file came with: the next request is conditional
    last_modified: str | None = None
    not_modified: bool = False          # a conditional request answered 304: nothing downloaded


def download(url: str, settings: Settings, workdir: Path, validators: dict | None = None,
             http: requests.Session | None = None) -> Download:
    """Stream a file to `workdir`, hashing as it goes: bounded in size (as sent and decoded, PLEDGES_MAX_DOWNLOAD_BYTES)
    and in time (one deadline for the whole fetch, its retries included, PLEDGES_DOWNLOAD_DEADLINE); a body cut
    short is retried, then TransientFetchError.

    `validators` (`etag`, `last_modified` from the last download of this URL) make the request conditional: a 304
    gives a Download with `not_modified` set and no file."""
    http = http or session()
    workdir.mkdir(parents=True, exist_ok=True)
    headers = conditional_headers(validators)
    deadline = time.monotonic() + settings.download_deadline

    def attempt() -> Download:
        response = _open(http, url, settings, deadline, headers or None)
        try:
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
            if response.status_code == 304:
                if not headers:
                    raise FetchError(f"{url}: answered 304 Not Modified to a request that was not conditional")
                return Download(None, "", 0, datetime.now(), etag or validators.get("etag"),
                                modified or validators.get("last_modified"), not_modified=True)
            digest = hashlib.sha256()
            handle = tempfile.NamedTemporaryFile(dir=workdir, delete=False, suffix=".part")
            try:
                with handle:
                    def write(data: bytes) -> None:
                        digest.update(data)
                        handle.write(data)
                    size = _read_body(response, url, settings, deadline, settings.max_download_bytes, write,
                                      "a file (PLEDGES_MAX_DOWNLOAD_BYTES)")
            except BaseException:
                Path(handle.name).unlink(missing_ok=True)
                raise
            return Download(Path(handle.name), digest.hexdigest(), size, datetime.now(), etag, modified)
        finally:
            response.close()

    return _with_retries(url, settings, deadline, attempt)


# --- what was downloaded from each URL: whether a file at a known URL changed -------------------------------

def _file_record_path(settings: Settings, url: str) -> Path:
    return settings.archive_dir / "http-cache" / "files" / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")


def file_record(settings: Settings, url: str) -> dict | None:
    """What the last download of `url` gave: sha256, bytes, its ETag / Last-Modified, the attachment's fingerprint."""
    try:
        record = json.loads(_file_record_path(settings, url).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("url") == url and isinstance(record.get("sha256"), str) else None


def save_file_record(settings: Settings, url: str, got: Download, fingerprint: str | None) -> None:
    path = _file_record_path(settings, url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"url": url, "sha256": got.sha256, "bytes": got.bytes, "etag": got.etag,
                               "last_modified": got.last_modified, "fingerprint": fingerprint}))
    os.replace(tmp, path)
