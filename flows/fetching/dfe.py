"""Discovery through the Explore education statistics API (`dfe_api`): each published version of a data set."""
from __future__ import annotations

import re

import requests

from flows.catalog import Source
from flows.config import Settings
from flows.errors import FetchError
from flows.fetching.http import _json, session
from flows.fetching.pages import Attachment, _date, _list, _object


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
                                f"{source.title} v{number}", source.page_url, published,   # the page for people, not the API's
                                f"version={number!r};published={version.get('published')!r}"))
    if not found:
        raise FetchError(f"{source.id}: data set {dataset} lists no published versions")
    return found
