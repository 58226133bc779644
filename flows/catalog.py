"""The source catalog (flows/sources.toml), read and checked once."""
from __future__ import annotations

import importlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from flows.parsers import PARSERS

CATALOG_FILE = Path(__file__).with_name("sources.toml")
PERIOD_TYPES = {"day", "week", "month", "quarter", "year", "year_ending", "academic_year", "range"}
MONTHS = {m.casefold(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"], 1)}
MONTHS.update({name[:3]: i for name, i in list(MONTHS.items())})
MONTHS["sept"] = 9


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
    layout_confirmed: bool = True
    options: dict = field(default_factory=dict, hash=False)
    metrics: tuple[Metric, ...] = ()

    def matches(self, file_name: str) -> re.Match | None:
        return self.attachment.search(file_name)

    def date_in_name(self, file_name: str) -> date | None:
        """The date a file name carries (day defaults to 1 where only month and year are given)."""
        m = self.matches(file_name)
        if not m:
            return None
        parts = m.groupdict()
        month_text = (parts.get("month") or parts.get("mon") or "").casefold()
        if not month_text or not parts.get("year"):
            return None
        month = MONTHS.get(month_text) or MONTHS.get(month_text[:3])
        return date(int(parts["year"]), month, int(parts.get("day") or 1)) if month else None

    @property
    def tables(self) -> dict:
        return importlib.import_module(f"schemas.{self.schema}").TABLES


class CatalogError(Exception):
    pass


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
        if source.parser not in PARSERS:
            raise CatalogError(f"{where}: parser {source.parser!r} is not one of {sorted(PARSERS)}")
        tables = source.tables
        for metric in metrics:
            if metric.period_type not in PERIOD_TYPES:
                raise CatalogError(f"{where} metric {metric.id}: period_type {metric.period_type!r} not in {sorted(PERIOD_TYPES)}")
            if metric.table not in tables:
                raise CatalogError(f"{where} metric {metric.id}: table {metric.table!r} is not in schemas.{source.schema}.TABLES")
        sources[source_id] = source
    ids = [m.id for s in sources.values() for m in s.metrics]
    if len(ids) != len(set(ids)):
        raise CatalogError(f"{path.name}: metric ids must be unique across sources: {sorted({i for i in ids if ids.count(i) > 1})}")
    return sources


def recognise(file_name: str) -> Source | None:
    """The catalog entry whose attachment pattern matches this file name."""
    for source in load_catalog().values():
        if source.matches(file_name):
            return source
    return None
