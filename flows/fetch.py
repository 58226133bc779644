"""Discovery through the publishers' APIs and bounded, retried, host-checked downloads.

This module picks a source's discoverer (DISCOVERERS, by the catalog's `discovery`) and keeps every fetching name
importable from `flows.fetch`; the work is split by responsibility under flows/fetching/: HTTP with bounds, a
deadline, retries and the host allow-list (http.py); what discovery finds and the strict readers of publishers'
JSON (pages.py); discovery per publisher (govuk.py, ons.py, dfe.py); downloads and file records (files.py)."""
from __future__ import annotations

from urllib.parse import urlsplit

import requests

from flows.catalog import Source
from flows.config import Settings
from flows.errors import FetchError, HostUnreachable
from flows.fetching.dfe import discover_dfe
from flows.fetching.files import Download, _file_record_path, download, file_record, save_file_record  # noqa: F401
from flows.fetching.govuk import (MAX_FILES_PER_PAGE, _govuk_attachments, _newest, discover_govuk,  # noqa: F401
                                  discover_govuk_html_page, log)
from flows.fetching.http import (CHUNK, RETRY_STATUSES, USER_AGENT, _NO_ROUTE, _check_host, _deadline_error,  # noqa: F401
                                 _json, _open, _read_body, _Retry, _with_retries, conditional_headers, session,
                                 unreachable_reason)
from flows.fetching.ons import _EDITION_MONTH, _edition_month, discover_ons  # noqa: F401
from flows.fetching.pages import _ISO_DATE, Attachment, _date, _kind, _list, _object, _page_time, _text  # noqa: F401


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
