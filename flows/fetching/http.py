"""Bounded, retried, host-checked HTTP: every request's origin (redirects included) checked against the allowed
hosts, one deadline per fetch (its retries included), bodies capped in size as sent and once decoded."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import socket
import time
import zlib
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from flows.catalog import Source
from flows.config import Settings, url_origin
from flows.errors import FetchError, HostUnreachable, TransientFetchError

RETRY_STATUSES = {429, 500, 502, 503, 504}
USER_AGENT = "uk-migration-pledge-tracker/0.1 (+https://github.com/)"
CHUNK = 64 * 1024    # bytes read (and decoded) at a time


def conditional_headers(validators: dict | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from what a server said of a URL last time (ETag, Last-Modified)."""
    headers = {}
    if validators and validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators and validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    return headers


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
