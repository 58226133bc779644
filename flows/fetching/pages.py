"""What discovery finds (Attachment) and the strict readers of publishers' JSON pages: a field of the wrong
shape fails the source with a FetchError naming the page and the field."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flows.catalog import Source
from flows.errors import FetchError


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
    # how published_on is known, where discovery knows better than its source's usual way (flows.recognise)
    date_basis: str | None = None


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
