"""Discovery through the GOV.UK Content API and bounded, retried, host-checked downloads."""
from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import socket
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from flows.catalog import Source
from flows.periods import MONTHS
from flows.config import Settings, url_origin
from flows.errors import FetchError, HostUnreachable, TransientFetchError

RETRY_STATUSES = {429, 500, 502, 503, 504}
# Files taken from one page at most (the newest), unless a source's options set `max_files_per_page`: a page
# that suddenly lists dozens of matching attachments is more likely a fault than dozens of new releases.
MAX_FILES_PER_PAGE = 20
USER_AGENT = "uk-migration-pledge-tracker/0.1 (+https://github.com/)"
CHUNK = 64 * 1024    # bytes read (and decoded) at a time

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
    # what the publisher's API says of the file (size, page or edition update time, version): when the server gives
    # no ETag / Last-Modified, a file at a known URL is downloaded again only when this changes
    fingerprint: str | None = None
    # the landing page's updated time (GOV.UK public_updated_at), UTC: breaks ties between same-day releases
    page_updated_at: datetime | None = None


def conditional_headers(validators: dict | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from what a server said of a URL last time (ETag, Last-Modified)."""
    headers = {}
    if validators and validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators and validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    return headers


def _page_time(text: object) -> datetime | None:
    """A page's ISO 8601 updated time as naive UTC (meta.releases.page_updated_at); None if absent or unreadable
    (the page's date itself is checked strictly by _date)."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _check_host(url: str, settings: Settings) -> None:
    """Refuse a URL whose scheme, host and port are not an allowed origin: official hosts over https on port 443
    only; a configured base URL (a test mirror) on its own scheme, host and port only."""
    origin = url_origin(url)
    if origin is None:
        raise FetchError(f"refusing {url!r}: not an http(s) address with a host")
    scheme, host, port = origin
    if origin in settings.allowed_origins:
        return
    if host not in settings.allowed_hosts:
        raise FetchError(f"refusing {url}: host {host!r} is not an official source "
                         f"(allowed: {', '.join(sorted(settings.allowed_hosts))})")
    allowed = sorted(f"{s}://{h}:{p}" for s, h, p in settings.allowed_origins if h == host)
    raise FetchError(f"refusing {url}: {scheme}://{host}:{port} is not an allowed scheme and port for {host} "
                     f"(allowed: {', '.join(allowed)}; official hosts are fetched over https on port 443 only)")


class _Retry(Exception):
    """One attempt failed in a way that may heal (timeout, reset, 5xx, body cut short): try again after a backoff."""


# OS errors that mean there is no way to the host at all (no network, no route)
_NO_ROUTE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN}


def unreachable_reason(exc: BaseException) -> str | None:
    """Why a failed connection shows the host cannot be reached at all (its name does not resolve, the connection
    was refused, no route), read from the exception chain's types and errno; None for a transient fault (a timeout,
    a reset)."""
    seen: set[int] = set()
    stack: list = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, socket.gaierror):
            return f"its name does not resolve: {e.strerror or e}"
        if isinstance(e, ConnectionRefusedError):
            return "connection refused"
        if isinstance(e, OSError) and e.errno in _NO_ROUTE:
            return f"no route to it: {e.strerror or e}"
        stack += [e.__cause__, e.__context__, getattr(e, "reason", None)]
        stack += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
    return None


def _deadline_error(url: str, settings: Settings) -> FetchError:
    return FetchError(f"{url}: not fetched within the {settings.download_deadline:g} s deadline "
                      "(PLEDGES_DOWNLOAD_DEADLINE); refused")


def _open(http: requests.Session, url: str, settings: Settings, deadline: float,
          headers: dict | None = None) -> requests.Response:
    """One attempt: a streamed GET, every redirect hop's origin checked before it is requested; no time past the
    deadline. Returns a 2xx or 304 response. Raises HostUnreachable, _Retry (transient) or FetchError."""
    target = url
    for _hop in range(6):
        _check_host(target, settings)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _deadline_error(url, settings)
        try:
            response = http.get(target, stream=True, allow_redirects=False, headers=headers,
                                timeout=(min(settings.connect_timeout, remaining), min(settings.read_timeout, remaining)))
        except (requests.ConnectionError, requests.Timeout) as exc:
            reason = unreachable_reason(exc)
            if reason is not None:
                raise HostUnreachable(urlsplit(target).netloc, reason, url) from None
            raise _Retry(f"{type(exc).__name__}: {exc}") from None
        except requests.RequestException as exc:        # an address requests cannot use
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
        if response.is_redirect:
            target = urljoin(target, response.headers["Location"])
            response.close()
            continue
        break
    else:
        raise FetchError(f"{url}: too many redirects")
    if response.status_code in RETRY_STATUSES:
        response.close()
        raise _Retry(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        response.close()
        raise FetchError(f"{url}: HTTP {response.status_code} {response.reason}"
                         + (" (landing page moved or removed?)" if response.status_code in (404, 410) else ""))
    return response


def _with_retries(url: str, settings: Settings, deadline: float, attempt):
    """`attempt()` until it returns, with exponential backoff after each transient failure (_Retry), within
    `settings.retries` and the deadline; then TransientFetchError (Prefect's task retries may try again later)."""
    last_error, tries = "", 0
    for number in range(settings.retries + 1):
        if number:
            delay = settings.backoff * 2 ** (number - 1)
            if time.monotonic() + delay >= deadline:
                break
            time.sleep(delay)
        tries += 1
        try:
            return attempt()
        except _Retry as exc:
            last_error = str(exc)
    within = "" if tries == settings.retries + 1 else f" (the {settings.download_deadline:g} s deadline left no time for more)"
    raise TransientFetchError(f"{url}: gave up after {tries} attempts{within}; last error {last_error}")


def _read_body(response: requests.Response, url: str, settings: Settings, deadline: float, limit: int,
               write, what: str) -> int:
    """Read a streamed body in chunks into `write`; returns the decoded size.

    Bounded three ways: the bytes as sent and the bytes once decoded (gzip/deflate are decoded here, the
    output of each step capped, so a compression bomb never expands in memory) are each counted against
    `limit`, and the deadline is checked after every read (a server dripping bytes is cut off). A body
    shorter than its Content-Length, or a compressed stream cut short, is a transient fault (_Retry)."""
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding in ("identity", ""):
        decoder = None
    elif encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj()
    else:
        raise FetchError(f"{url}: Content-Encoding {encoding!r} is not supported")
    try:
        expected = int(response.headers.get("Content-Length") or -1)
    except ValueError:
        expected = -1
    if expected > limit:
        raise FetchError(f"{url}: {expected:,} bytes is over the {limit:,}-byte limit for {what}")
    sent = size = 0
    while True:
        if time.monotonic() > deadline:
            raise _deadline_error(url, settings)
        try:
            chunk = response.raw.read1(CHUNK, decode_content=False)   # what has arrived, up to CHUNK
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
            raise _Retry(f"download cut short: {type(exc).__name__}: {exc}") from None
        if not chunk:
            break
        sent += len(chunk)
        if sent > limit:
            raise FetchError(f"{url}: more than {limit:,} bytes (the limit for {what}); refused")
        if decoder is None:
            size += len(chunk)
            write(chunk)
            continue
        while chunk:
            try:
                out = decoder.decompress(chunk, CHUNK)
            except zlib.error as exc:
                raise FetchError(f"{url}: the {encoding}-compressed body is corrupt ({exc})") from None
            size += len(out)
            if size > limit:
                raise FetchError(f"{url}: more than {limit:,} bytes once decompressed ({encoding}; the limit for "
                                 f"{what}); refused")
            write(out)
            chunk = decoder.unconsumed_tail
    if expected >= 0 and sent != expected:
        raise _Retry(f"download cut short: got {sent} of {expected} bytes")
    if decoder is not None and not decoder.eof:
        raise _Retry(f"download cut short: the {encoding} stream ends early")
    return size


def session() -> requests.Session:
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    s.headers["Accept-Encoding"] = "gzip, deflate"    # the encodings _read_body decodes (never br or zstd)
    return s


def _json(http: requests.Session, url: str, settings: Settings, source: Source) -> dict:
    """A JSON object, fetched conditionally: the last ETag / Last-Modified are sent, and a 304 reuses the
    copy kept in `<archive>/http-cache/` (pages are re-read every scheduled run, mostly unchanged). Bounded in
    size (PLEDGES_MAX_JSON_BYTES, as sent and decoded) and time (PLEDGES_DOWNLOAD_DEADLINE)."""
    cache = settings.archive_dir / "http-cache" / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")
    try:
        cached = json.loads(cache.read_text()) if cache.exists() else None
    except (OSError, ValueError):
        cached = None
    if not (isinstance(cached, dict) and isinstance(cached.get("body"), dict)):
        cached = None
    headers = conditional_headers(cached)
    deadline = time.monotonic() + settings.download_deadline

    def attempt() -> tuple[int, dict, bytes]:
        response = _open(http, url, settings, deadline, headers or None)
        try:
            if response.status_code == 304:
                return 304, {}, b""
            parts: list[bytes] = []
            _read_body(response, url, settings, deadline, settings.max_json_bytes, parts.append,
                       "a JSON page (PLEDGES_MAX_JSON_BYTES)")
            return response.status_code, dict(response.headers), b"".join(parts)
        finally:
            response.close()

    status, response_headers, raw = _with_retries(url, settings, deadline, attempt)
    if status == 304:
        if cached:
            return cached["body"]
        raise FetchError(f"{source.id}: {url} answered 304 Not Modified to a request that was not conditional")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise FetchError(f"{source.id}: {url} did not return JSON") from exc
    if not isinstance(body, dict):
        raise FetchError(f"{source.id}: {url} returned a JSON {type(body).__name__}, not an object (page layout changed?)")
    validators = {"etag": response_headers.get("ETag"), "last_modified": response_headers.get("Last-Modified")}
    if any(validators.values()):
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"url": url, **validators, "body": body}))
        os.replace(tmp, cache)
    return body


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")


def _date(value: object, what: str, where: str, source: Source) -> date | None:
    """The date of an ISO 8601 date or date-time field of a page (None when absent). Anything else (`yesterday`,
    `26-02-2026`, a number) fails the source, naming the field and the page."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise FetchError(f"{source.id}: {where}: {what} {value!r} is not an ISO 8601 date (page layout changed?)")


def _object(value: object, what: str, where: str, source: Source) -> dict:
    """A JSON object a page must have here; anything else fails the source, naming what and where."""
    if not isinstance(value, dict):
        raise FetchError(f"{source.id}: {where}: {what} is {_kind(value)}, not an object (page layout changed?)")
    return value


def _list(value: object, what: str, where: str, source: Source, hint: str = "page layout changed?") -> list:
    if not isinstance(value, list):
        raise FetchError(f"{source.id}: {where} has no {what} list ({what} is {_kind(value)}; {hint})")
    return value


def _text(item: dict, key: str, where: str, source: Source) -> str:
    """A text field of an object ('' when absent); a number or an object there fails the source."""
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FetchError(f"{source.id}: {where}: {key} {value!r} is {_kind(value)}, not text (page layout changed?)")
    return value


def _kind(value: object) -> str:
    return "missing" if value is None else {dict: "an object", list: "a list", str: "text", bool: "a boolean",
                                            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _govuk_attachments(source: Source, settings: Settings, http: requests.Session, page_path: str,
                       page: dict, html_only: bool = False) -> list[Attachment]:
    """Matching attachments of one GOV.UK page (HTML attachments become their own content API JSON).

    A malformed field (an attachment that is not an object, a URL that is not text, a date that is not ISO 8601,
    a matching file name whose date cannot be read) fails the source with a FetchError naming the page and field."""
    api_base = settings.govuk_base.rstrip("/") + "/api/content"
    page_url = api_base + page_path
    details = page.get("details")
    attachments = details.get("attachments") if isinstance(details, dict) else None
    if not isinstance(attachments, list):
        raise FetchError(f"{source.id}: {page_url} has no details.attachments (page layout changed?)")
    updated = page.get("public_updated_at") or page.get("first_published_at")
    page_date = _date(updated, "public_updated_at", page_url, source)
    found = []
    for index, item in enumerate(attachments):
        where = f"{page_url} details.attachments[{index}]"
        item = _object(item, "the attachment", where, source)
        url = _text(item, "url", where, source)
        is_html = _text(item, "attachment_type", where, source) == "html" or \
            _text(item, "content_type", where, source).startswith("text/html")
        if html_only != is_html:
            continue
        if is_html:   # an HTML publication: its content (prose and tables under details.body) comes from the content API
            path = urlsplit(url).path
            slug = path.rstrip("/").rsplit("/", 1)[-1]
            file_name = slug + ".json"
            url = api_base + path if slug else ""
        else:
            file_name = _text(item, "filename", where, source) or os.path.basename(urlsplit(url).path)
        # govuk_html takes every HTML attachment of the page (a note's slug is its title: the name pattern only
        # recognises local files); other discoveries the attachments whose file name matches the pattern
        if not url or not ((html_only and is_html) or source.matches(file_name)):
            continue
        full_url = urljoin(page_url, url)
        if source.date_from == "file_name" and (problem := source.name_problem(file_name)) is not None:
            raise FetchError(f"{source.id}: {file_name} ({full_url}) on {page_url}: {problem}")
        published = source.published_from_name(file_name) if source.date_from == "file_name" else None
        published = (published or _date(item.get("published_at"), "published_at", where, source) or page_date
                     or source.published_from_name(file_name))
        if published is None:
            raise FetchError(f"{source.id}: no publication date for {file_name} on {page_url} (not in its name, page has none)")
        fingerprint = f"file_size={item.get('file_size')!r};page_updated={updated!r}"
        found.append(Attachment(source.id, full_url, file_name, _text(item, "title", where, source) or file_name,
                                settings.govuk_base.rstrip("/") + page_path, published, fingerprint,
                                page_updated_at=_page_time(page.get("public_updated_at"))))
    return _newest(source, found, page_url)


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
    (every HTML attachment of the page, whatever its slug, read through the Content API).
    """
    http = http or session()
    api_base = settings.govuk_base.rstrip("/") + "/api/content"
    page_url = api_base + source.landing_page
    page = _json(http, page_url, settings, source)
    if source.discovery == "govuk_collection":
        links = page.get("links")
        documents = _list(links.get("documents") if isinstance(links, dict) else None, "links.documents", page_url,
                          source, "not a collection?")
        for index, doc in enumerate(documents):
            where = f"{page_url} links.documents[{index}]"
            _object(doc, "the document", where, source)
            _date(doc.get("public_updated_at"), "public_updated_at", where, source)
            _text(doc, "base_path", where, source), _text(doc, "api_url", where, source)
        newest = sorted(documents, key=lambda d: d.get("public_updated_at") or "", reverse=True)
        found: list[Attachment] = []
        for doc in newest[: int(source.options.get("max_documents", 4))]:
            path = doc.get("base_path") or urlsplit(doc.get("api_url") or "").path.removeprefix("/api/content")
            found += _govuk_attachments(source, settings, http, path, _json(http, api_base + path, settings, source))
    else:
        found = _govuk_attachments(source, settings, http, source.landing_page, page,
                                   html_only=source.discovery == "govuk_html")
    if not found and source.discovery == "govuk_html":
        raise FetchError(f"{source.id}: no HTML attachment on {source.landing_page}")
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
    page_url = base + source.landing_page + "/data"
    page = _json(http, page_url, settings, source)
    editions = _list(page.get("datasets"), "datasets", page_url, source)
    for index, edition in enumerate(editions):
        _text(_object(edition, "the edition", f"{page_url} datasets[{index}]", source), "uri",
              f"{page_url} datasets[{index}]", source)
    # newest first, by the month the edition's name ends with (`.../yearendingjune2025`): the list's own
    # order is not documented; editions without such a name keep their place after the dated ones
    editions = sorted(editions, key=lambda e: _edition_month(e.get("uri") or "") or (0, 0), reverse=True)
    found = []
    for edition in editions[: int(source.options.get("max_editions", 4))]:
        uri = edition.get("uri") or ""
        detail_url = base + uri + "/data"
        detail = _json(http, detail_url, settings, source)
        description = _object(detail.get("description") or {}, "description", detail_url, source)
        released = description.get("releaseDate")
        published = _date(released, "description.releaseDate", detail_url, source)
        versions = detail.get("versions") if isinstance(detail.get("versions"), list) else []
        last_update = versions[-1].get("updateDate") if versions and isinstance(versions[-1], dict) else None
        for index, download in enumerate(_list(detail.get("downloads") or [], "downloads", detail_url, source)):
            where = f"{detail_url} downloads[{index}]"
            file_name = _text(_object(download, "the download", where, source), "file", where, source)
            if not source.matches(file_name):
                continue
            if published is None:
                raise FetchError(f"{source.id}: edition {uri} has no description.releaseDate")
            fingerprint = (f"size={download.get('size')!r};released={released!r};versions={len(versions)};"
                           f"updated={last_update!r}")
            found.append(Attachment(source.id, f"{base}/file?uri={uri}/{file_name}", file_name,
                                    _text(description, "title", detail_url, source) or file_name, base + uri, published,
                                    fingerprint))
    if not found:
        raise FetchError(f"{source.id}: no ONS edition of {source.landing_page} has a download matching {source.attachment.pattern!r}")
    return found


def discover_dfe(source: Source, settings: Settings, http: requests.Session | None = None) -> list[Attachment]:
    """Explore education statistics API: each published version of a data set, as its CSV."""
    http = http or session()
    base = settings.dfe_base.rstrip("/")
    dataset = source.options["dataset_id"]
    listing_url = f"{base}/data-sets/{dataset}/versions?page=1&pageSize=20"
    listing = _json(http, listing_url, settings, source)
    versions = _list(listing.get("results"), "results", listing_url, source)
    found = []
    for index, version in enumerate(versions[: int(source.options.get("max_versions", 3))]):
        where = f"{listing_url} results[{index}]"
        _object(version, "the version", where, source)
        number, published = version.get("version"), _date(version.get("published"), "published", where, source)
        if not number or published is None:
            continue
        if not isinstance(number, (str, int)) or isinstance(number, bool) or not re.fullmatch(r"[0-9A-Za-z.\-]+", str(number)):
            raise FetchError(f"{source.id}: {where}: version {number!r} is not a version number")
        file_name = f"{source.options.get('file_stem', 'dfe')}_{dataset}_v{number}.csv"
        found.append(Attachment(source.id, f"{base}/data-sets/{dataset}/csv?dataSetVersion={number}", file_name,
                                f"{source.title} v{number}", f"{base}/data-sets/{dataset}", published,
                                f"version={number!r};published={version.get('published')!r}"))
    if not found:
        raise FetchError(f"{source.id}: data set {dataset} lists no published versions")
    return found


def discover_govuk_html_page(source: Source, settings: Settings, http: requests.Session | None = None) -> list[Attachment]:
    """`govuk_html_page`: the landing page is itself one HTML publication (GOV.UK's "Small boat arrivals: last 7
    days"), not a page listing files. Its Content API JSON (details.body, public_updated_at) is the one file; each
    version of it is a release, dated by its public_updated_at. The file is named after the page's slug
    (`<slug>.json`), which the catalog's attachment pattern must match."""
    http = http or session()
    page_url = settings.govuk_base.rstrip("/") + "/api/content" + source.landing_page
    page = _json(http, page_url, settings, source)
    details = _object(page.get("details"), "details", page_url, source)
    body = details.get("body")
    if not isinstance(body, (str, list)):
        raise FetchError(f"{source.id}: {page_url} has no details.body (details.body is {_kind(body)}; "
                         "not an HTML publication page?)")
    published = _date(page.get("public_updated_at") or page.get("updated_at") or page.get("first_published_at"),
                      "public_updated_at", page_url, source)
    if published is None:
        raise FetchError(f"{source.id}: {page_url} has no public_updated_at: the page's version cannot be dated")
    file_name = source.landing_page.rstrip("/").rsplit("/", 1)[-1] + ".json"
    if not source.matches(file_name):
        raise FetchError(f"{source.id}: the page's name {file_name} does not match {source.attachment.pattern!r}")
    fingerprint = f"public_updated_at={page.get('public_updated_at')!r};updated_at={page.get('updated_at')!r}"
    return [Attachment(source.id, page_url, file_name, _text(page, "title", page_url, source) or file_name,
                       settings.govuk_base.rstrip("/") + source.landing_page, published, fingerprint,
                       page_updated_at=_page_time(page.get("public_updated_at") or page.get("updated_at")))]


DISCOVERERS = {"govuk_page": discover_govuk, "govuk_collection": discover_govuk, "govuk_html": discover_govuk,
               "ons_dataset": discover_ons, "dfe_api": discover_dfe}
DISCOVERERS["govuk_html_page"] = discover_govuk_html_page


def discovery_url(source: Source, settings: Settings) -> str:
    """The address a source's discovery reads first (for messages)."""
    if source.discovery == "ons_dataset":
        return settings.ons_base.rstrip("/") + source.landing_page + "/data"
    if source.discovery == "dfe_api":
        return f"{settings.dfe_base.rstrip('/')}/data-sets/{source.options.get('dataset_id')}/versions"
    return settings.govuk_base.rstrip("/") + "/api/content" + source.landing_page


def discovery_host(source: Source, settings: Settings) -> str:
    """The host (with its port, if any) a source's discovery talks to first."""
    base = {"ons_dataset": settings.ons_base, "dfe_api": settings.dfe_base}.get(source.discovery, settings.govuk_base)
    return urlsplit(base).netloc or base


def discover(source: Source, settings: Settings, http: requests.Session | None = None) -> list[Attachment]:
    """The source's current files, found the way its catalog entry says (`discovery`)."""
    try:
        finder = DISCOVERERS[source.discovery]
    except KeyError:
        raise FetchError(f"{source.id}: unknown discovery {source.discovery!r}; known: {', '.join(DISCOVERERS)}") from None
    try:
        return finder(source, settings, http)
    except HostUnreachable as exc:
        raise HostUnreachable(exc.host, exc.reason, exc.url, source.id) from None


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
