"""The source catalog: every `flows/sources/<family>/source.toml`, read, typed and checked once.

A family is one published layout: its folder holds its catalog entries (source.toml), its parser
(parser.py, `parse(document, options) -> list[Table]`) and a README of the layout; its schema is
`schemas/<family>.py` (TABLES), found by the folder's name. Loading imports neither the parsers nor
the schemas (pandas, pandera): `check_tables` does that, before a load parses anything.
"""
from __future__ import annotations

import calendar
import importlib
import importlib.util
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flows.gate_rules import config_problems
from flows.periods import MONTH_NAMES, MONTHS, publication_estimate  # noqa: F401  (MONTH_NAMES: re-exported)

if TYPE_CHECKING:
    from warehouse.build import Definitions

SOURCES_DIR = Path(__file__).with_name("sources")
SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"
PeriodType = Literal["day", "week", "month", "quarter", "year", "year_ending", "academic_year", "range"]
PERIOD_TYPES = set(PeriodType.__args__)


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    landing_page: str
    attachment: re.Pattern
    format: str
    family: str                     # the folder under flows/sources/: its parser.py, and schemas/<family>.py
    licence: str
    cadence: str
    date_from: str = "file_name"
    discovery: str = "govuk_page"   # govuk_page | govuk_collection | govuk_html | govuk_html_page | ons_dataset | dfe_api
    # date_from = "reference_period": the name gives the month the data run to, not the release date. A
    # download takes the page's date; a local file its cover's "Published:" date, else an estimate (the end of
    # the month publication_lag_months after it; date_basis estimated).
    publication_lag_months: int = 0
    # how often a new release is expected ("7 days", "3 months", "6 months", "1 year"): the report's next expected date
    release_every: str = ""
    layout_confirmed: bool = True
    options: dict = field(default_factory=dict, hash=False)
    metrics: tuple[Metric, ...] = ()
    # release gate thresholds against the previous release (flows/gate.py); None: no history checks
    gate: dict | None = field(default=None, hash=False)
    deployment: str = ""            # the prefect.yaml deployment that runs it (flows/pipeline.py sources_of_deployment)

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
        """Publication date implied by the file name: its date; or an estimate, never a day before the file could be
        out (periods.publication_estimate): for date_from reference_period the end of the month the usual lag after
        the month its data run to, for a name giving only the month of publication (`ltimnov25`) that month's end."""
        found = self.date_in_name(file_name)
        if found is None:
            return None
        if self.date_from == "reference_period":
            return publication_estimate(found, self.publication_lag_months)
        return found if self.name_gives_day(file_name) else publication_estimate(found, 0)

    def name_gives_day(self, file_name: str) -> bool:
        """True when the name's date has its day (`23_January_2026_...`), not only a month (`ltimnov25`)."""
        m = self.matches(file_name)
        return bool(m and m.groupdict().get("day"))

    def name_date_basis(self, file_name: str) -> str:
        """How a date from published_from_name is known (meta.releases.date_basis): the release date the name
        carries (`file_name`), or an estimate (`estimated`) from the month its data run to or the month alone."""
        if self.date_from == "reference_period" or not self.name_gives_day(file_name):
            return "estimated"
        return "file_name"

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
    def parse(self):
        """The family's parser: `parse(document, options) -> list[Table]` (imports pandas: call it to parse)."""
        return importlib.import_module(f"flows.sources.{self.family}.parser").parse

    @property
    def tables(self) -> dict:
        """The family's Pandera models by raw table name (schemas/<family>.py TABLES)."""
        return importlib.import_module(f"schemas.{self.family}").TABLES


# --- the entries as written: every field typed, every choice a literal, nothing unknown accepted ---

class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Metric(_Entry):
    """One metric as written in a source.toml `[[<source>.metrics]]` table, and as the pipeline uses it (frozen;
    `source_id` is filled in from the entry it belongs to)."""
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    unit: str
    period_type: PeriodType
    table: str
    period_start: str
    period_end: str
    value: str
    definition: str
    where: str = "TRUE"
    measure: Literal["flow", "stock"] = "flow"   # stock: a level on a date, never summed across periods
    # a table of the source never seen in a published file (found by title, built from a description): not
    # confirmed with its source; it is once a release gives it rows (warehouse/marts/22_layout_confirmed.sql)
    layout_confirmed: bool | None = None
    # a revision is listed in marts.changes (and the feed) when it exceeds both thresholds
    revision_threshold_pct: float = Field(default=5.0, ge=0)
    revision_threshold_abs: float = Field(default=0.0, ge=0)
    # release gate (flows/gate.py): bounds, at_least, sum_of, sum_tolerance, and overrides of the source's gate
    gate: dict = {}
    source_id: str = Field(default="", exclude=True)

    def __hash__(self) -> int:      # its gate is a dict: hashed by identity within the catalog
        return hash((self.source_id, self.id))


class SourceEntry(_Entry):
    title: str
    publisher: str
    landing_page: str = Field(pattern=r"^/")
    attachment: str
    format: Literal["xlsx", "ods", "csv", "zip", "json"]
    licence: str
    cadence: str
    date_from: Literal["file_name", "reference_period", "page", "api"] = "file_name"
    discovery: Literal["govuk_page", "govuk_collection", "govuk_html", "govuk_html_page", "ons_dataset", "dfe_api"] = "govuk_page"
    publication_lag_months: int = Field(default=0, ge=0)
    release_every: str = Field(default="", pattern=r"^$|^[1-9][0-9]* (day|week|month|year)s?$")
    layout_confirmed: bool = True
    deployment: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    options: dict = {}
    metrics: list[Metric] = []
    gate: dict | None = None


class CatalogError(Exception):
    pass


def _problems(exc: ValidationError) -> str:
    """pydantic's errors as `field X: message`, metric fields named by the metric's id."""
    out = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = ""
        if loc[:1] == ["metrics"] and len(loc) > 1 and isinstance(loc[1], int):
            where = f"metric #{loc[1] + 1} "
            loc = loc[2:]
        value = f" {error['input']!r}" if not isinstance(error["input"], dict) else ""
        out.append(f"{where}field {'.'.join(map(str, loc)) or '(entry)'}:{value} {error['msg']}")
    return "; ".join(out)


def family_problem(family: str) -> str | None:
    """Why a family folder cannot be used: no parser.py beside its source.toml (or one that does not compile), or no
    schemas/<family>.py."""
    parser = SOURCES_DIR / family / "parser.py"
    if not parser.is_file() or importlib.util.find_spec(f"flows.sources.{family}.parser") is None:
        return f"no parser: flows/sources/{family}/parser.py"
    try:     # compiled, not imported: a syntax error is named now, not as every file of the source failing later
        compile(parser.read_bytes(), str(parser), "exec")
    except SyntaxError as exc:
        return f"flows/sources/{family}/parser.py line {exc.lineno}: not valid Python: {exc.msg}"
    if not (SCHEMAS_DIR / f"{family}.py").is_file():
        return f"no schema: schemas/{family}.py (a family's schema module is named after its folder)"
    return None


def _source(source_id: str, raw: dict, family: str, where: str) -> Source:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected a table ([{source_id}]), not {type(raw).__name__}")
    try:
        entry = SourceEntry(**raw)
    except ValidationError as exc:
        problems = _problems(exc)
        for position, metric in enumerate(raw.get("metrics", []) if isinstance(raw.get("metrics"), list) else [], 1):
            if isinstance(metric, dict) and "id" in metric:
                problems = problems.replace(f"metric #{position} ", f"metric {metric['id']}: ")
        raise CatalogError(f"{where}: {problems}") from None
    try:
        attachment = re.compile(entry.attachment, re.IGNORECASE)
    except re.error as exc:
        raise CatalogError(f"{where}: field attachment: not a regular expression ({exc})") from None
    fields = entry.model_dump(exclude={"attachment", "metrics"})
    metrics = tuple(m.model_copy(update={"source_id": source_id}) for m in entry.metrics)
    return Source(id=source_id, attachment=attachment, family=family, metrics=metrics, **fields)


@cache
def load_catalog(root: Path = SOURCES_DIR) -> dict[str, Source]:
    """Every entry of every `<root>/<family>/source.toml`, typed and checked: a mistyped field, an unknown
    choice, a missing parser or schema module fails here, naming the file, the entry and the field."""
    sources: dict[str, Source] = {}
    for path in sorted(root.glob("*/source.toml")):
        family = path.parent.name
        shown = f"flows/sources/{family}/source.toml" if root == SOURCES_DIR else str(path)
        try:
            entries = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(f"{shown}: not valid TOML: {exc}") from None
        if problem := family_problem(family):
            raise CatalogError(f"{shown}: {problem}")
        for source_id, raw in entries.items():
            where = f"{shown} [{source_id}]"
            if source_id in sources:
                raise CatalogError(f"{where}: source id already used in flows/sources/{sources[source_id].family}")
            source = _source(source_id, raw, family, where)
            if problems := config_problems(source):
                raise CatalogError(f"{where}: {'; '.join(problems)}")
            sources[source_id] = source
    ids = [m.id for s in sources.values() for m in s.metrics]
    if len(ids) != len(set(ids)):
        raise CatalogError(f"{root}: metric ids must be unique across sources: {sorted({i for i in ids if ids.count(i) > 1})}")
    return sources


def catalog_files(root: Path = SOURCES_DIR) -> tuple[Path, ...]:
    """The catalog's files (their edit rebuilds the derived tables)."""
    return tuple(sorted(root.glob("*/source.toml")))


def check_tables(sources: dict[str, Source]) -> None:
    """Every metric's table is one its family's schema declares, and no two families declare one table (raw.<table> is
    one namespace: a second family's table was met as a Binder Error naming the first family's metric; audit 25)
    (imports the schemas: pandera)."""
    family_of: dict[str, str] = {}
    for source in sources.values():
        tables = source.tables
        for name in tables:
            if family_of.setdefault(name, source.family) != source.family:
                raise CatalogError(f"schemas/{source.family}.py TABLES: table {name!r} is already declared by "
                                   f"schemas/{family_of[name]}.py (raw.{name} is one table for the whole warehouse): "
                                   f"give flows/sources/{source.family}'s table another name")
        for metric in source.metrics:
            if metric.table not in tables:
                raise CatalogError(f"flows/sources/{source.family}/source.toml [{source.id}] metric {metric.id}: "
                                   f"field table: {metric.table!r} is not in schemas/{source.family}.py TABLES "
                                   f"({', '.join(sorted(tables))})")


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


@cache
def check_metric_sql(root: Path = SOURCES_DIR) -> None:
    """Every metric's SQL run against empty raw tables typed from its family's schema, in memory: a typo in
    `value`, `where` or a period expression fails here, naming the entry and metric, before anything is
    parsed or published (not inside a publish, where it would block every source). Imports the schemas."""
    import duckdb

    from warehouse.build import metric_select
    sources = load_catalog() if root == SOURCES_DIR else load_catalog(root)   # the catalog every load uses
    check_tables(sources)
    con = duckdb.connect()
    try:    # closed even when a check fails: a process forked later must not inherit an open database
        _create_empty_raw_tables(con, sources)
        for source in sources.values():
            for metric in source.metrics:
                try:
                    con.execute(f"SELECT * FROM ({metric_select(metric)}) LIMIT 0")
                except duckdb.Error as exc:
                    raise CatalogError(f"flows/sources/{source.family}/source.toml [{source.id}] metric {metric.id}: "
                                       f"its SQL fails on an empty raw.{metric.table}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()


def _create_empty_raw_tables(con, sources: dict[str, Source]) -> None:
    """Every raw table the schemas declare, empty, with the columns and types a load gives them."""
    import pandas as pd

    con.execute("CREATE SCHEMA raw")
    made: set[str] = set()
    for source in sources.values():
        for name, model in source.tables.items():
            if name in made:
                continue
            columns = model.to_schema().columns
            frame = pd.DataFrame({c: pd.Series(dtype=str(col.dtype) if col.dtype else "object")
                                  for c, col in columns.items()})
            frame.insert(0, "release_id", pd.Series(dtype="object"))
            frame["source_row"] = pd.Series(dtype="int64")
            con.execute(f"CREATE TABLE raw.{name} AS SELECT * FROM frame")
            made.add(name)


def definitions() -> Definitions:
    """The metric definitions the warehouse builds its derived tables from (warehouse.build.Definitions)."""
    from warehouse.build import Definitions
    sources = load_catalog().values()
    rows = tuple({"metric_id": m.id, "title": m.title, "unit": m.unit, "period_type": m.period_type, "measure": m.measure,
                  "definition": m.definition, "source_id": source.id, "source_title": source.title,
                  "layout_confirmed": source.layout_confirmed if m.layout_confirmed is None else m.layout_confirmed,
                  "publisher": source.publisher, "page_url": source.page_url,
                  "publication_lag_months": source.publication_lag_months, "cadence": source.cadence,
                  "release_every": source.release_every or None,
                  "revision_threshold_pct": m.revision_threshold_pct, "revision_threshold_abs": m.revision_threshold_abs}
                 for source in sources for m in source.metrics)
    return Definitions(metrics=tuple(m for s in sources for m in s.metrics), descriptions=rows, files=catalog_files(),
                       tables=_table_descriptions(sources))


def _table_descriptions(sources) -> tuple[dict, ...]:
    """Each raw table as published (its Pandera model's first docstring line), for the public views of the published
    tables (schema tidy). Which source published a row is in the row (source_id): a family's schema lists tables
    some of its sources never publish, so the catalog cannot name them per table."""
    found = {}
    for source in sources:
        for name, model in source.tables.items():
            first_line = ((model.__doc__ or "").strip().splitlines() or [""])[0].strip()
            found.setdefault(name, {"table": name, "description": first_line})
    return tuple(row for _name, row in sorted(found.items()))


def recognise(file_name: str) -> Source | None:
    """The catalog entry whose attachment pattern matches this whole file name (the name only: `pledges load`
    also recognises a file by its content when no pattern matches, flows.recognise.recognise_file)."""
    for source in load_catalog().values():
        if source.matches(file_name):
            return source
    return None
