"""A DfE explore-education-statistics CSV recognised by content: its header columns (`time_period,
time_identifier, geographic_level, ..., start_count`) and at least one National row with every filter at
`Total` (a regional extract is not a release). The content carries no date: the API's own description of the data
set saved beside it dates it where it describes this file (`published_beside`), else the file's time."""
from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from flows.catalog import Source
from flows.errors import FetchError
from flows.fetching.pages import _date
from flows.local_files import _file_time
from flows.parsing import TableNotFound, column_specs, label_key
from flows.parsing.content import listed
from flows.periods import academic_year_bounds
from flows.sources.dfe.parser import header_columns


def by_csv_header(source: Source, path: Path, header: list[str]) -> tuple[str | None, str | None]:
    """(what matched, None) for a release; (None, why not) for this layout without a national total row;
    (None, None) for another layout."""
    try:
        names = _header_names(source, header)
    except TableNotFound:
        return None, None
    if _has_national_total(source, path, names):
        return f"CSV columns {listed([s.published for s in _specs(source) if s.required])}", None
    return None, (f"the {source.id} CSV layout, but no National row with every filter at Total: an extract, "
                  "not the published data set")


def _specs(source: Source) -> list:
    options = source.options
    return column_specs(options.get("columns")) + column_specs(options.get("optional_columns"), required=False)


def _header_names(source: Source, header: list[str]) -> dict[str, str]:
    """The CSV's columns matched as the parser matches them (published header -> the catalog's name)."""
    return header_columns(header, _specs(source), list(source.options.get("filters") or []), "table")


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


SUMMARY_MAX_BYTES = 1 << 20      # the API's data-set description is a few hundred bytes


def published_beside(source: Source, path: Path) -> tuple[date, str] | None:
    """(publication date, in words how it is known) from a JSON file beside the CSV that is the API's description of
    the data set (`GET /data-sets/{id}`, as ../shared/realdata/dfe/summary.json): its latest version's `published`
    date, taken only when the description names this data set (`id`, the catalog's `dataset_id`), ends on the
    CSV's own newest academic year (`timePeriods.end`) and was published no later than the CSV was saved (a file
    cannot be downloaded before its version is out), so a description saved at another time is not used. None
    when no such file is there: the file's time dates the CSV, as before."""
    dataset = source.options.get("dataset_id")
    saved = _file_time(path)
    for candidate in sorted(path.parent.glob("*.json")):
        try:
            if candidate.stat().st_size > SUMMARY_MAX_BYTES:
                continue
            described = json.loads(candidate.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError):
            continue
        if not isinstance(described, dict) or described.get("id") != dataset:
            continue
        version = described.get("latestVersion")
        version = version if isinstance(version, dict) else {}
        periods = version.get("timePeriods") if isinstance(version.get("timePeriods"), dict) else {}
        try:
            published = _date(version.get("published"), "published", candidate.name, source)
            described_end = academic_year_bounds(periods.get("end", ""))
        except (FetchError, ValueError):
            continue
        if published is None or published > saved or described_end != _newest_academic_year(source, path):
            continue
        return published, (f"{candidate.name} beside it: the API's description of data set {dataset}, version "
                           f"{version.get('version')}, published {published.isoformat()}, to {periods.get('end')}")
    return None


def _newest_academic_year(source: Source, path: Path) -> tuple[date, date] | None:
    """The bounds of the CSV's newest academic year (its time_period column, found as the parser finds it)."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        rows = csv.reader(handle)
        try:
            column = {v: k for k, v in _header_names(source, next(rows, [])).items()}.get("time_period")
        except TableNotFound:
            return None
        handle.seek(0)
        years = [academic_year_bounds(p) for row in csv.DictReader(handle)
                 if (p := (row.get(column) or "").strip()).isdigit() and len(p) == 6]
    return max(years, default=None)
