"""A saved copy of GOV.UK's "Small boat arrivals: last 7 days" page recognised by content, whatever its name:
its title and a daily table with Date and Migrants arrived columns; dated by the page's own updated date
(the govuk:public-updated-at meta tag or its 'Updated 21 August 2026' line)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flows.catalog import Source
from flows.sources.small_boats_page.parser import _header, html_tables, page_html

_TITLE = re.compile(r"small\s+boat\s+arrivals:?\s+last\s+7\s+days|small\s+boats\s*[-\u2013\u2014]\s*last\s+7\s+days",
                    re.IGNORECASE)


def by_html(source: Source, path: Path, head: str) -> tuple[str, date | None] | None:
    """(what matched, the page's date) for this page; None for any other HTML page."""
    if not _TITLE.search(head):
        return None
    html, updated = page_html(path)
    if not any(_header(table) is not None for table in html_tables(html)):
        return None
    return "the page title 'Small boat arrivals: last 7 days' and its daily table (Date, Migrants arrived)", updated
