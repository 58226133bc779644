"""A DfE explore-education-statistics CSV recognised by content: its header columns (`time_period,
time_identifier, geographic_level, ..., start_count`) and at least one National row with every filter at
`Total` (a regional extract is not a release). The content carries no date: the file's time dates it."""
from __future__ import annotations

import csv
from pathlib import Path

from flows.catalog import Source
from flows.parsing import TableNotFound, column_specs, label_key
from flows.parsing.content import listed
from flows.sources.dfe.parser import header_columns


def by_csv_header(source: Source, path: Path, header: list[str]) -> tuple[str | None, str | None]:
    """(what matched, None) for a release; (None, why not) for this layout without a national total row;
    (None, None) for another layout."""
    options = source.options
    specs = column_specs(options.get("columns")) + column_specs(options.get("optional_columns"), required=False)
    try:
        names = header_columns(header, specs, list(options.get("filters") or []), "table")
    except TableNotFound:
        return None, None
    if _has_national_total(source, path, names):
        return f"CSV columns {listed([s.published for s in specs if s.required])}", None
    return None, (f"the {source.id} CSV layout, but no National row with every filter at Total: an extract, "
                  "not the published data set")


def _has_national_total(source: Source, path: Path, names: dict[str, str]) -> bool:
    """Whether the CSV has a National row with every filter at Total (the row the parser keeps)."""
    published = {v: k for k, v in names.items()}
    level = published.get("geographic_level", "geographic_level")
    filters = [published.get(f, f) for f in source.options.get("filters") or []]
    national = label_key(source.options.get("geographic_level", "National"))
    total = label_key(source.options.get("total", "Total"))
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        for row in csv.DictReader(handle):
            if label_key(row.get(level)) == national and all(label_key(row.get(f)) == total for f in filters):
                return True
    return False
