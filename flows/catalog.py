"""The source catalog (flows/sources.toml), read and checked once."""
from __future__ import annotations

import calendar
import importlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from flows.periods import MONTH_NAMES, MONTHS  # noqa: F401  (MONTH_NAMES: re-exported)
from flows.parsers import PARSERS

CATALOG_FILE = Path(__file__).with_name("sources.toml")
PERIOD_TYPES = {"day", "week", "month", "quarter", "year", "year_ending", "academic_year", "range"}


@dataclass(frozen=True)
class Metric:
    id: str
    title: str
    unit: str
    period_type: str
    table: str
    period_start: str
    period_end: str
    value: str
    definition: str
    where: str = "TRUE"
    measure: str = "flow"      # flow (sums over time) | stock (a level on a date: never summed across periods)
    # a revision is listed in marts.changes (and the feed) when it exceeds both thresholds
    revision_threshold_pct: float = 5.0
    revision_threshold_abs: float = 0.0
    # release gate (flows/gate.py): bounds, at_least, sum_of, sum_tolerance, and overrides of the source's gate
    gate: dict = field(default_factory=dict, hash=False)
    source_id: str = ""


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    landing_page: str
    attachment: re.Pattern
    format: str
    parser: str
    schema: str
    licence: str
    cadence: str
    date_from: str = "file_name"
    discovery: str = "govuk_page"   # govuk_page | govuk_collection | govuk_html | ons_dataset | dfe_api
    # date_from = "reference_period": the name gives the month the data run to, not the release date. A
    # download takes the page's date; a local file that month plus publication_lag_months (approximate).
    publication_lag_months: int = 0
    # how often a new release is expected ("7 days", "3 months", "6 months", "1 year"): the report's next expected date
    release_every: str = ""
    layout_confirmed: bool = True
    options: dict = field(default_factory=dict, hash=False)
    metrics: tuple[Metric, ...] = ()
    # release gate thresholds against the previous release (flows/gate.py); None: no history checks
    gate: dict | None = field(default=None, hash=False)

    def matches(self, file_name: str) -> re.Match | None:
        """The attachment pattern matched against the whole name (`$` alone would let a trailing newline through)."""
        return self.attachment.fullmatch(file_name)

    def date_in_name(self, file_name: str) -> date | None:
        """The date a file name carries (day defaults to 1 where only month and year are given); None if it
        carries none or its date cannot be read (`name_problem` says why).

        Two-digit years are this century (`...-sep-24.xlsx`); a `quarter` group stands for the
        quarter's last month (`IE_Q3_2023_...` -> 2023-09-01, like `returns-datasets-sep-2023`).
        Months are English month names or their standard abbreviations (MONTHS), nothing guessed from a prefix.
        """
        return self._name_date(file_name)[0]

    def name_problem(self, file_name: str) -> str | None:
        """Why the date in a matching file name cannot be read (an unknown month, 31 February), else None."""
        why = self._name_date(file_name)[1]
        return f"the date in the file name cannot be read: {why}" if why else None

    def _name_date(self, file_name: str) -> tuple[date | None, str | None]:
        m = self.matches(file_name)
        if not m:
            return None, None
        parts = m.groupdict()
        if not parts.get("year"):
            return None, None      # no date groups, or optional ones not in this name
        year = int(parts["year"])
        year += 2000 if year < 100 else 0
        month_text = parts.get("month") or parts.get("mon") or ""
        if month_text:
            month = MONTHS.get(month_text.casefold())
            if month is None:
                return None, (f"{month_text!r} is not a month (English month names or their abbreviations: "
                              "Jan, Feb, Mar, Apr, May, Jun, Jul, Aug, Sep or Sept, Oct, Nov, Dec)")
        elif parts.get("quarter"):
            month = 3 * int(parts["quarter"])
        else:
            return None, None
        day = int(parts.get("day") or 1)
        try:
            return date(year, month, day), None
        except ValueError:
            return None, f"{day} {MONTH_NAMES[month - 1]} {year} is not a date"

    def published_from_name(self, file_name: str) -> date | None:
        """Publication date implied by the file name: its date, or its reference month plus the usual lag."""
        found = self.date_in_name(file_name)
        if found is None or self.date_from != "reference_period":
            return found
        months = found.month - 1 + self.publication_lag_months
        return date(found.year + months // 12, months % 12 + 1, 1)

    def next_release_after(self, published_on: date) -> date | None:
        """When the release after one published on `published_on` is expected (release_every); None without it."""
        return add_interval(published_on, self.release_every) if self.release_every else None

    @property
    def page_url(self) -> str:
        """The publisher's page for people (not the API address the pipeline reads)."""
        if self.discovery == "ons_dataset":
            return "https://www.ons.gov.uk" + self.landing_page
        if self.discovery == "dfe_api":
            return ("https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/"
                    + self.landing_page.rstrip("/").rsplit("/", 1)[-1])
        return "https://www.gov.uk" + self.landing_page

    @property
    def tables(self) -> dict:
        return importlib.import_module(f"schemas.{self.schema}").TABLES


class CatalogError(Exception):
    pass


# The fields whose value decides what the code does: a typo must fail when the catalog loads, naming entry and field.
CHOICES = {
    "discovery": {"govuk_page", "govuk_collection", "govuk_html", "ons_dataset", "dfe_api"},
    "date_from": {"file_name", "reference_period", "page", "api"},
    "format": {"xlsx", "ods", "csv", "zip", "json"},
}
METRIC_CHOICES = {"measure": {"flow", "stock"}}


def _check_choices(where: str, record, choices: dict[str, set[str]]) -> None:
    for name, allowed in choices.items():
        value = getattr(record, name)
        if value not in allowed:
            raise CatalogError(f"{where}: field {name}: {value!r} is not one of {sorted(allowed)}")


@cache
def load_catalog(path: Path = CATALOG_FILE) -> dict[str, Source]:
    entries = tomllib.loads(path.read_text())
    sources: dict[str, Source] = {}
    for source_id, entry in entries.items():
        where = f"{path.name} [{source_id}]"
        try:
            metrics = tuple(Metric(**m, source_id=source_id) for m in entry.pop("metrics", []))
            source = Source(id=source_id, attachment=re.compile(entry.pop("attachment"), re.IGNORECASE),
                            metrics=metrics, **entry)
        except (TypeError, KeyError, re.error) as exc:
            raise CatalogError(f"{where}: {exc}") from exc
        _check_choices(where, source, CHOICES)
        if source.release_every and not RELEASE_EVERY.fullmatch(source.release_every):
            raise CatalogError(f"{where}: field release_every: {source.release_every!r} is not like '7 days', '3 months' or '1 year'")
        if source.parser not in PARSERS:
            raise CatalogError(f"{where}: field parser: {source.parser!r} is not one of {sorted(PARSERS)}")
        try:
            tables = source.tables
        except ModuleNotFoundError:
            raise CatalogError(f"{where}: field schema: no module schemas/{source.schema}.py") from None
        for metric in metrics:
            _check_choices(f"{where} metric {metric.id}", metric, METRIC_CHOICES)
            if metric.period_type not in PERIOD_TYPES:
                raise CatalogError(f"{where} metric {metric.id}: period_type {metric.period_type!r} not in {sorted(PERIOD_TYPES)}")
            if metric.table not in tables:
                raise CatalogError(f"{where} metric {metric.id}: table {metric.table!r} is not in schemas.{source.schema}.TABLES")
        from flows.gate import config_problems    # here: flows.gate reads catalog entries
        if problems := config_problems(source):
            raise CatalogError(f"{where}: {'; '.join(problems)}")
        sources[source_id] = source
    ids = [m.id for s in sources.values() for m in s.metrics]
    if len(ids) != len(set(ids)):
        raise CatalogError(f"{path.name}: metric ids must be unique across sources: {sorted({i for i in ids if ids.count(i) > 1})}")
    return sources


RELEASE_EVERY = re.compile(r"(?P<n>[1-9][0-9]*) (?P<unit>day|week|month|year)s?")


def add_interval(day: date, every: str) -> date:
    """`day` plus an interval written like a catalog's release_every ("7 days", "3 months", "1 year");
    a day past the end of the target month becomes its last day (31 August + 3 months = 30 November)."""
    m = RELEASE_EVERY.fullmatch(every.strip())
    if not m:
        raise ValueError(f"{every!r} is not an interval like '7 days', '3 months' or '1 year'")
    n, unit = int(m["n"]), m["unit"]
    if unit in ("day", "week"):
        return day + timedelta(days=n * (7 if unit == "week" else 1))
    months = day.month - 1 + n * (12 if unit == "year" else 1)
    year, month = day.year + months // 12, months % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


_VERSION = re.compile(r"[-_ ]v(\d+)(?:\.\d+)*\.[a-z0-9]+\Z", re.IGNORECASE)


def version_in_name(file_name: str) -> int:
    """A release's version from its name's `_vN` suffix (`..._v2.ods` -> 2; DfE's `_v2.0.1.csv` -> 2); no suffix: 1.

    Ranks releases of one source published on the same day (warehouse/meta.sql derives it the same way
    for rows recorded before the column existed)."""
    m = _VERSION.search(file_name)
    return int(m.group(1)) if m else 1


def definitions() -> "Definitions":
    """The metric definitions the warehouse builds its derived tables from (warehouse.build.Definitions)."""
    from warehouse.build import Definitions
    sources = load_catalog().values()
    rows = tuple({"metric_id": m.id, "title": m.title, "unit": m.unit, "period_type": m.period_type, "measure": m.measure,
                  "definition": m.definition, "source_id": source.id, "source_title": source.title,
                  "layout_confirmed": source.layout_confirmed, "publisher": source.publisher, "page_url": source.page_url,
                  "publication_lag_months": source.publication_lag_months, "cadence": source.cadence,
                  "release_every": source.release_every or None,
                  "revision_threshold_pct": m.revision_threshold_pct, "revision_threshold_abs": m.revision_threshold_abs}
                 for source in sources for m in source.metrics)
    return Definitions(metrics=tuple(m for s in sources for m in s.metrics), descriptions=rows, files=(CATALOG_FILE,))


def recognise(file_name: str) -> Source | None:
    """The catalog entry whose attachment pattern matches this whole file name (the name only: `pledges load`
    also recognises a file by its content when no pattern matches, flows.recognise.recognise_file)."""
    for source in load_catalog().values():
        if source.matches(file_name):
            return source
    return None
