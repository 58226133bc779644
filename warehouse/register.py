"""The pledge register (warehouse/pledges.toml), validated on load and written to staging.register."""
from __future__ import annotations

import os
import tomllib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import duckdb
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from flows.catalog import load_catalog

REGISTER_FILE = Path(__file__).with_name("pledges.toml")


class RegisterError(Exception):
    pass


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    type: Literal["pledge", "claim"]
    statement: str
    said_by: str
    said_on: date
    quote: str
    quote_verified: bool = False
    kind: Literal["quantitative", "qualitative"]
    note: str | None = None
    # quantitative
    metric: str | None = None
    related_metrics: list[str] = []
    note_metric: str | None = None     # claims: the ad-hoc note's metric (period_type range)
    # pledges
    direction: Literal["up", "down"] | None = None
    target: float | None = None
    progress_period: Literal["day", "week", "month", "quarter", "year", "year_ending", "academic_year"] | None = None
    baseline: Literal["same_period_year_before", "fixed"] | None = None
    baseline_start: date | None = None
    baseline_end: date | None = None
    track_from: date | None = None
    # claims
    check: Literal["total", "pct_change", "highest_since", "ratio", "direction"] | None = None
    claimed_value: float | None = None
    claimed_direction: Literal["up", "down"] | None = None
    claim_start: date | None = None
    claim_end: date | None = None
    base_start: date | None = None
    base_end: date | None = None
    since: date | None = None
    tolerance: float | None = None
    # qualitative
    status: str | None = None
    status_on: date | None = None
    evidence: list[str] = []

    @model_validator(mode="after")
    def _complete(self) -> "Entry":
        def need(*fields: str) -> None:
            missing = [f for f in fields if getattr(self, f) is None]
            if missing:
                raise ValueError(f"{self.type} of kind {self.kind} needs {', '.join(missing)}")
        if self.kind == "qualitative":
            need("status", "status_on")
            return self
        need("metric")
        if self.type == "pledge":
            need("direction", "progress_period", "baseline", "track_from")
            if self.baseline == "fixed":
                need("baseline_start", "baseline_end")
        else:
            need("check", "claim_start", "claim_end")
            if self.claim_end < self.claim_start:
                raise ValueError("claim_end is before claim_start")
            if self.check in ("total", "pct_change", "ratio"):
                need("claimed_value")
            if self.check in ("ratio", "direction"):
                need("base_start", "base_end")
            if self.check == "direction":
                need("claimed_direction")
            if self.check == "highest_since":
                need("since")
        return self


def load_register(path: Path | None = None) -> list[Entry]:
    """The register at `path` (default: warehouse/pledges.toml, or $PLEDGES_REGISTER), validated."""
    path = Path(path or os.environ.get("PLEDGES_REGISTER") or REGISTER_FILE)
    return _load(path, path.stat().st_mtime_ns)


@cache
def _load(path: Path, _mtime: int) -> list[Entry]:
    data = tomllib.loads(path.read_text())
    planned = set(data.get("planned_metrics", []))
    known = {m.id for s in load_catalog().values() for m in s.metrics}
    entries, seen = [], set()
    for position, raw in enumerate(data.get("entry", []), 1):
        name = raw.get("id", f"entry #{position}")
        try:
            entry = Entry(**raw)
        except ValidationError as exc:
            problems = "; ".join(f"field {'.'.join(str(p) for p in e['loc']) or '(entry)'}: {e['msg']}" for e in exc.errors())
            raise RegisterError(f"{path.name}: entry {name!r}: {problems}") from None
        if entry.id in seen:
            raise RegisterError(f"{path.name}: entry {name!r}: field id: duplicate id")
        seen.add(entry.id)
        for metric in [entry.metric, entry.note_metric, *entry.related_metrics]:
            if metric and metric not in known and metric not in planned:
                raise RegisterError(f"{path.name}: entry {name!r}: field metric: {metric!r} is not a catalog metric "
                                    f"(nor listed in planned_metrics)")
        entries.append(entry)
    return entries


def _sql_type(annotation) -> str:
    text = str(annotation)
    if "list" in text:
        return "VARCHAR[]"
    for python, sql in (("date", "DATE"), ("float", "DOUBLE"), ("bool", "BOOLEAN")):
        if python in text:
            return sql
    return "VARCHAR"


def write_register(con: duckdb.DuckDBPyConnection) -> None:
    """staging.register: the register as a table (typed from the Entry model), for the SQL in warehouse/marts/."""
    columns = ", ".join(f'"{name}" {_sql_type(field.annotation)}' for name, field in Entry.model_fields.items())
    con.execute(f"CREATE OR REPLACE TABLE staging.register ({columns})")
    entries = [e.model_dump() for e in load_register()]
    if entries:   # one list-of-structs parameter: cheaper than a pandas frame or a parameter per value
        con.execute("INSERT INTO staging.register BY NAME SELECT entry.* FROM (SELECT unnest($entries) AS entry)",
                    {"entries": entries})
