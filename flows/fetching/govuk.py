"""Discovery through the GOV.UK Content API: `govuk_page`, `govuk_collection`, `govuk_html` (attachments of a page
or of a collection's documents) and `govuk_html_page` (the page is itself the one file)."""
from __future__ import annotations

import logging
import os
from urllib.parse import urljoin, urlsplit

import requests

from flows.catalog import Source
from flows.config import Settings
from flows.errors import FetchError
from flows.fetching.http import _json, session
from flows.fetching.pages import Attachment, _date, _kind, _list, _object, _page_time, _text

# Files taken from one page at most (the newest), unless a source's options set `max_files_per_page`: a page
# that suddenly lists dozens of matching attachments is more likely a fault than dozens of new releases.
MAX_FILES_PER_PAGE = 20

log = logging.getLogger("pledges")


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
        published = (source.published_from_name(file_name)     # a name giving the day it was published
                     if source.date_from == "file_name" and source.name_gives_day(file_name) else None)
        published = published or _date(item.get("published_at"), "published_at", where, source) or page_date
        basis = None
        if published is None and (published := source.published_from_name(file_name)) is not None:
            basis = source.name_date_basis(file_name)     # neither the attachment nor the page dates it: the name does
        if published is None:
            raise FetchError(f"{source.id}: no publication date for {file_name} on {page_url} (not in its name, page has none)")
        fingerprint = f"file_size={item.get('file_size')!r};page_updated={updated!r}"
        found.append(Attachment(source.id, full_url, file_name, _text(item, "title", where, source) or file_name,
                                settings.govuk_base.rstrip("/") + page_path, published, fingerprint,
                                page_updated_at=_page_time(page.get("public_updated_at")), date_basis=basis))
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
