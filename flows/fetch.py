"""Discovery through the GOV.UK Content API and bounded, retried, host-checked downloads."""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from flows.catalog import Source
from flows.config import Settings
from flows.errors import FetchError

RETRY_STATUSES = {429, 500, 502, 503, 504}
USER_AGENT = "uk-migration-pledge-tracker/0.1 (+https://github.com/)"


@dataclass(frozen=True)
class Attachment:
    """A file listed on a landing page, before download."""
    source_id: str
    url: str
    file_name: str
    title: str
    landing_page: str
    published_on: date


def _check_host(url: str, settings: Settings) -> None:
    host = urlsplit(url).hostname or ""
    if host not in settings.allowed_hosts:
        raise FetchError(f"refusing {url}: host {host!r} is not an official source "
                         f"(allowed: {', '.join(sorted(settings.allowed_hosts))})")


def _get(session: requests.Session, url: str, settings: Settings, stream: bool = False,
         headers: dict | None = None) -> requests.Response:
    """GET with the allow-list checked on every hop, retries with exponential backoff, and timeouts."""
    last_error = ""
    for attempt in range(settings.retries + 1):
        if attempt:
            time.sleep(settings.backoff * 2 ** (attempt - 1))
        target = url
        try:
            for _hop in range(6):
                _check_host(target, settings)
                response = session.get(target, stream=stream, allow_redirects=False, headers=headers,
                                       timeout=(settings.connect_timeout, settings.read_timeout))
                if response.is_redirect:
                    target = urljoin(target, response.headers["Location"])
                    response.close()
                    continue
                break
            else:
                raise FetchError(f"{url}: too many redirects")
        except (requests.ConnectionError, requests.Timeout) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
            continue
        if response.status_code in RETRY_STATUSES:
            last_error = f"HTTP {response.status_code}"
            response.close()
            continue
        if response.status_code == 304:
            return response
        if response.status_code >= 400:
            raise FetchError(f"{url}: HTTP {response.status_code} {response.reason}"
                             + (" (landing page moved or removed?)" if response.status_code in (404, 410) else ""))
        return response
    raise FetchError(f"{url}: gave up after {settings.retries + 1} attempts; last error {last_error}")


def session() -> requests.Session:
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    return s


def discover_govuk(source: Source, settings: Settings, http: requests.Session | None = None) -> list[Attachment]:
    """Attachments on the source's GOV.UK page whose file name matches the catalog entry."""
    http = http or session()
    api_url = settings.govuk_base.rstrip("/") + "/api/content" + source.landing_page
    response = _get(http, api_url, settings)
    try:
        page = response.json()
    except ValueError as exc:
        raise FetchError(f"{source.id}: {api_url} did not return JSON") from exc
    attachments = (page.get("details") or {}).get("attachments")
    if not isinstance(attachments, list):
        raise FetchError(f"{source.id}: {api_url} has no details.attachments (page layout changed?)")
    page_date = (page.get("public_updated_at") or page.get("first_published_at") or "")[:10]
    found = []
    for item in attachments:
        url = item.get("url") or ""
        file_name = item.get("filename") or os.path.basename(urlsplit(url).path)
        if not url or not source.matches(file_name):
            continue
        published = source.date_in_name(file_name) if source.date_from == "file_name" else None
        if published is None and page_date:
            published = date.fromisoformat(page_date)
        if published is None:
            raise FetchError(f"{source.id}: no publication date for {file_name} (not in its name, page has none)")
        found.append(Attachment(source.id, urljoin(api_url, url), file_name, item.get("title") or file_name,
                                settings.govuk_base.rstrip("/") + source.landing_page, published))
    if not found:
        names = ", ".join(a.get("filename") or a.get("url", "?") for a in attachments) or "none"
        raise FetchError(f"{source.id}: no attachment on {source.landing_page} matches {source.attachment.pattern!r} (found: {names})")
    return found


@dataclass(frozen=True)
class Download:
    path: Path            # a temporary file; the caller archives it
    sha256: str
    bytes: int
    fetched_at: datetime


def download(url: str, settings: Settings, workdir: Path, http: requests.Session | None = None) -> Download:
    """Stream a file to `workdir`, hashing as it goes; bounded in size; truncated bodies retried then refused."""
    http = http or session()
    workdir.mkdir(parents=True, exist_ok=True)
    last_error = ""
    for attempt in range(settings.retries + 1):
        if attempt:
            time.sleep(settings.backoff * 2 ** (attempt - 1))
        response = _get(http, url, settings, stream=True)
        expected = response.headers.get("Content-Length")
        if expected and int(expected) > settings.max_download_bytes:
            response.close()
            raise FetchError(f"{url}: {int(expected):,} bytes is over the {settings.max_download_bytes:,}-byte limit")
        digest = hashlib.sha256()
        size = 0
        handle = tempfile.NamedTemporaryFile(dir=workdir, delete=False, suffix=".part")
        try:
            with handle:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    size += len(chunk)
                    if size > settings.max_download_bytes:
                        raise FetchError(f"{url}: more than {settings.max_download_bytes:,} bytes; refused")
                    digest.update(chunk)
                    handle.write(chunk)
            if expected and size != int(expected):
                raise requests.exceptions.ChunkedEncodingError(f"got {size} of {expected} bytes")
            return Download(Path(handle.name), digest.hexdigest(), size, datetime.now())
        except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError, requests.Timeout) as exc:
            last_error = f"download cut short: {exc}"
            Path(handle.name).unlink(missing_ok=True)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        finally:
            response.close()
    raise FetchError(f"{url}: gave up after {settings.retries + 1} attempts; last error {last_error}")
