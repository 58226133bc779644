"""Discovery of ONS dataset editions (`ons_dataset`): `<page>/data` lists editions; `<edition>/data` its downloads."""
from __future__ import annotations

import re

import requests

from flows.catalog import Source
from flows.config import Settings
from flows.errors import FetchError
from flows.fetching.http import _json, session
from flows.fetching.pages import Attachment, _date, _list, _object, _text
from flows.periods import MONTHS


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
