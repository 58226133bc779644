"""The date a Home Office ad-hoc note gives itself, for a note loaded from disk (flows.recognise.dated_by_content).

A note's name gives its cut-off date ("...-5-july-2024-to-31-january-2025"), the day its figures run to: never
the day it was published, and the same for every revision of the note. The note itself says when it was
published:

- its Content API JSON, by `public_updated_at` (the time of its last major change: a revised note's, not the first
  version's) and `details.public_timestamp` (the publication page's public time when this version went out, the
  date a download of the note is dated by: flows/fetching/govuk.py takes the page's `public_updated_at`); the later
  of the two. Never `first_published_at`: a revised note keeps its first version's, so a reader on a day between
  the two would be given figures not yet published;
- a page saved from a browser, by its `govuk:public-updated-at` meta tag, else the "Updated 31 March 2025" or
  "Published 10 February 2025" line of its header (before the note's body: a date in the body is not the page's).

None when it says nothing readable: the note is then dated by estimate from its cut-off (flows.catalog
`published_from_name`, date_from reference_period).
"""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from flows.catalog import Source
from flows.parsing import day_of_page_time

_META = re.compile(r"""<meta\s+[^>]*?name=["']govuk:public-updated-at["'][^>]*?content=["']([^"']+)["']"""
                   r"""|<meta\s+[^>]*?content=["']([^"']+)["'][^>]*?name=["']govuk:public-updated-at["']""",
                   re.IGNORECASE)
_LINE = re.compile(r"\b(?:Updated|Published)(?:\s+on)?\s*:?\s*(\d{1,2}\s+[A-Za-z]+\s+\d{4})\b")
_BODY = re.compile(r"""class=["'][^"']*\bgovspeak\b""", re.IGNORECASE)


def page_date(source: Source, path: Path) -> date | None:
    """When this version of the note was published, as the file says (see the module doc); None if it does not."""
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            return None            # the parse rejects it, saying why
        if not isinstance(document, dict):
            return None
        details = document.get("details") if isinstance(document.get("details"), dict) else {}
        found = [d for d in (day_of_page_time(document.get("public_updated_at")), day_of_page_time(details.get("public_timestamp")))
                 if d is not None]
        return max(found, default=None)
    if (meta := _META.search(text)) is not None:
        return day_of_page_time(meta.group(1) or meta.group(2))
    body = _BODY.search(text)
    line = _LINE.search(text, 0, body.start() if body else len(text))
    return day_of_page_time(line.group(1)) if line else None
