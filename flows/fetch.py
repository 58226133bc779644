"""Discovery through the GOV.UK Content API and bounded, retried, host-checked downloads."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from flows.catalog import MONTHS, Source
from flows.config import Settings
from flows.errors import FetchError

RETRY_STATUSES = {429, 500, 502, 503, 504}
# Files taken from one page at most (the newest), unless a source's options set `max_files_per_page`: a page
# that suddenly lists dozens of matching attachments is more likely a fault than dozens of new releases.
MAX_FILES_PER_PAGE = 20
USER_AGENT = "uk-migration-pledge-tracker/0.1 (+https://github.com/)"

log = logging.getLogger("pledges")


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


def _json(http: requests.Session, url: str, settings: Settings, source: Source) -> dict:
    """A JSON page, fetched conditionally: the last ETag / Last-Modified are sent, and a 304 reuses the
    copy kept in `<archive>/http-cache/` (pages are re-read every scheduled run, mostly unchanged)."""
    cache = settings.archive_dir / "http-cache" / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")
    cached = json.loads(cache.read_text()) if cache.exists() else None
    headers = {}
    if cached and cached.get("etag"):
        headers["If-None-Match"] = cached["etag"]
    if cached and cached.get("last_modified"):
        headers["If-Modified-Since"] = cached["last_modified"]
    response = _get(http, url, settings, headers=headers or None)
    if response.status_code == 304 and cached:
        return cached["body"]
    try:
        body = response.json()
    except ValueError as exc:
        raise FetchError(f"{source.id}: {url} did not return JSON") from exc
    validators = {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}
    if any(validators.values()):
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps({"url": url, **validators, "body": body}))
        os.replace(tmp, cache)
    return body


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def _govuk_attachments(source: Source, settings: Settings, http: requests.Session, page_path: str,
                       page: dict, html_only: bool = False) -> list[Attachment]:
    """Matching attachments of one GOV.UK page (HTML attachments become their own content API JSON)."""
    api_base = settings.govuk_base.rstrip("/") + "/api/content"
    attachments = (page.get("details") or {}).get("attachments")
    if not isinstance(attachments, list):
        raise FetchError(f"{source.id}: {api_base}{page_path} has no details.attachments (page layout changed?)")
    page_date = _date(page.get("public_updated_at") or page.get("first_published_at"))
    found = []
    for item in attachments:
        url = item.get("url") or ""
        is_html = item.get("attachment_type") == "html" or (item.get("content_type") or "").startswith("text/html")
        if html_only != is_html:
            continue
        if is_html:   # an HTML publication: its content (tables under details.body) comes from the content API
            path = urlsplit(url).path
            file_name = path.rstrip("/").rsplit("/", 1)[-1] + ".json"
            url = api_base + path
        else:
            file_name = item.get("filename") or os.path.basename(urlsplit(url).path)
        if not url or not source.matches(file_name):
            continue
        published = source.published_from_name(file_name) if source.date_from == "file_name" else None
        published = published or _date(item.get("published_at")) or page_date or source.published_from_name(file_name)
        if published is None:
            raise FetchError(f"{source.id}: no publication date for {file_name} (not in its name, page has none)")
        found.append(Attachment(source.id, urljoin(api_base + page_path, url), file_name, item.get("title") or file_name,
                                settings.govuk_base.rstrip("/") + page_path, published))
    return _newest(source, found, api_base + page_path)


def _newest(source: Source, found: list[Attachment], page: str) -> list[Attachment]:
    """At most the source's `max_files_per_page` (default MAX_FILES_PER_PAGE) of a page's files, the newest by
    publication date (page order among equals), with a warning naming how many were skipped."""
    cap = int(source.options.get("max_files_per_page", MAX_FILES_PER_PAGE))
    if len(found) <= cap:
        return found
    taken = {id(a) for a in sorted(found, key=lambda a: a.published_on, reverse=True)[:cap]}
    log.warning("%s: %d files on %s match; the %d newest taken, %d skipped (catalog option max_files_per_page)",
                source.id, len(found), page, cap, len(found) - cap)
    return [a for a in found if id(a) in taken]


def discover_govuk(source: Source, settings: Settings, http: requests.Session | None = None) -> list[Attachment]:
    """Attachments on the source's GOV.UK page (Content API) whose file name matches the catalog entry.

    `discovery` in the catalog: `govuk_page` (attachments of the page), `govuk_collection`
    (attachments of the collection's newest documents, `max_documents` of them), `govuk_html`
    (HTML attachments, read through the Content API).
    """
    http = http or session()
    api_base = settings.govuk_base.rstrip("/") + "/api/content"
    page = _json(http, api_base + source.landing_page, settings, source)
    if source.discovery == "govuk_collection":
        documents = (page.get("links") or {}).get("documents")
        if not isinstance(documents, list):
            raise FetchError(f"{source.id}: {api_base}{source.landing_page} has no links.documents (not a collection?)")
        newest = sorted(documents, key=lambda d: d.get("public_updated_at") or "", reverse=True)
        found: list[Attachment] = []
        for doc in newest[: int(source.options.get("max_documents", 4))]:
            path = doc.get("base_path") or urlsplit(doc.get("api_url") or "").path.removeprefix("/api/content")
            found += _govuk_attachments(source, settings, http, path, _json(http, api_base + path, settings, source))
    else:
        found = _govuk_attachments(source, settings, http, source.landing_page, page,
                                   html_only=source.discovery == "govuk_html")
    if not found:
        raise FetchError(f"{source.id}: nothing on {source.landing_page} matches {source.attachment.pattern!r}")
    return found


_EDITION_MONTH = re.compile(r"(january|february|march|april|may|june|july|august|september|october|november|december)"
                            r"[-_]?(\d{4})/?$", re.IGNORECASE)


def _edition_month(uri: str) -> tuple[int, int] | None:
    """(year, month) an ONS edition URI ends with: `.../yearendingdecember2025` -> (2025, 12)."""
    m = _EDITION_MONTH.search(uri)
    return (int(m.group(2)), MONTHS[m.group(1).casefold()]) if m else None


def discover_ons(source: Source, settings: Settings, http: requests.Session | None = None) -> list[Attachment]:
    """ONS dataset editions: `<page>/data` lists editions; `<edition>/data` lists its downloads."""
    http = http or session()
    base = settings.ons_base.rstrip("/")
    page = _json(http, base + source.landing_page + "/data", settings, source)
    editions = page.get("datasets")
    if not isinstance(editions, list):
        raise FetchError(f"{source.id}: {base}{source.landing_page}/data has no datasets list (page layout changed?)")
    # newest first, by the month the edition's name ends with (`.../yearendingjune2025`): the list's own
    # order is not documented; editions without such a name keep their place after the dated ones
    editions = sorted(editions, key=lambda e: _edition_month(e.get("uri") or "") or (0, 0), reverse=True)
    found = []
    for edition in editions[: int(source.options.get("max_editions", 4))]:
        uri = edition.get("uri") or ""
        detail = _json(http, base + uri + "/data", settings, source)
        published = _date((detail.get("description") or {}).get("releaseDate"))
        for download in detail.get("downloads") or []:
            file_name = download.get("file") or ""
            if not source.matches(file_name):
                continue
            if published is None:
                raise FetchError(f"{source.id}: edition {uri} has no description.releaseDate")
            found.append(Attachment(source.id, f"{base}/file?uri={uri}/{file_name}", file_name,
                                    (detail.get("description") or {}).get("title") or file_name, base + uri, published))
    if not found:
        raise FetchError(f"{source.id}: no ONS edition of {source.landing_page} has a download matching {source.attachment.pattern!r}")
    return found


def discover_dfe(source: Source, settings: Settings, http: requests.Session | None = None) -> list[Attachment]:
    """Explore education statistics API: each published version of a data set, as its CSV."""
    http = http or session()
    base = settings.dfe_base.rstrip("/")
    dataset = source.options["dataset_id"]
    listing = _json(http, f"{base}/data-sets/{dataset}/versions?page=1&pageSize=20", settings, source)
    versions = listing.get("results")
    if not isinstance(versions, list):
        raise FetchError(f"{source.id}: {base}/data-sets/{dataset}/versions has no results list")
    found = []
    for version in versions[: int(source.options.get("max_versions", 3))]:
        number, published = version.get("version"), _date(version.get("published"))
        if not number or published is None:
            continue
        file_name = f"{source.options.get('file_stem', 'dfe')}_{dataset}_v{number}.csv"
        found.append(Attachment(source.id, f"{base}/data-sets/{dataset}/csv?dataSetVersion={number}", file_name,
                                f"{source.title} v{number}", f"{base}/data-sets/{dataset}", published))
    if not found:
        raise FetchError(f"{source.id}: data set {dataset} lists no published versions")
    return found


DISCOVERERS = {"govuk_page": discover_govuk, "govuk_collection": discover_govuk, "govuk_html": discover_govuk,
               "ons_dataset": discover_ons, "dfe_api": discover_dfe}


def discovery_host(source: Source, settings: Settings) -> str:
    """The host a source's discovery talks to first."""
    base = {"ons_dataset": settings.ons_base, "dfe_api": settings.dfe_base}.get(source.discovery, settings.govuk_base)
    return urlsplit(base).hostname or base


def discover(source: Source, settings: Settings, http: requests.Session | None = None) -> list[Attachment]:
    """The source's current files, found the way its catalog entry says (`discovery`)."""
    try:
        finder = DISCOVERERS[source.discovery]
    except KeyError:
        raise FetchError(f"{source.id}: unknown discovery {source.discovery!r}; known: {', '.join(DISCOVERERS)}") from None
    return finder(source, settings, http)


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
