"""The pledge register (warehouse/pledges.toml), validated on load and written to staging.register."""
from __future__ import annotations

import calendar
import os
import re
import tomllib
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal, get_args

import duckdb
from pydantic import BaseModel, ConfigDict, ValidationError, computed_field, model_validator


REGISTER_FILE = Path(__file__).with_name("pledges.toml")
# the two source statements word for word (the product brief's ../shared, beside the repository)
STATEMENTS_FILE = Path(__file__).resolve().parents[2] / "shared" / "STATEMENTS.md"


class RegisterError(Exception):
    pass


PLEDGE_STATUSES = ("kept", "partly kept", "in progress", "not kept", "not yet assessed")
CLAIM_VERDICTS = ("consistent", "overstated", "understated", "not borne out", "not measurable")
VIEWS = ("rolling_12_months", "calendar_year_to_date", "since_track_from")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Statement(Strict):
    """A source statement: who said it, when, and on what basis the date is known."""
    id: str = ""
    title: str
    said_by: str
    said_on: date
    date_basis: str
    verbatim: bool = True   # quotes are exact extracts of ../shared/STATEMENTS.md
    # a part of a statement's text as its own statement (a column's unsigned introduction is not its author's
    # signed words): the text of statement `text_of` (default: this one), from `text_from` and before `text_before`
    text_of: str | None = None
    text_from: str | None = None
    text_before: str | None = None

    @property
    def cited_as(self) -> str | None:
        """How a reader sees the statement cited after its title: "statement A" (a part of one: "statement A,
        introduction"); nothing for words as reported elsewhere, whose title says what they are."""
        if self.text_of:
            return f"statement {self.text_of}, introduction" if self.text_before else f"statement {self.text_of}"
        return f"statement {self.id}" if self.verbatim else None

    def text_in(self, texts: dict[str, str]) -> str | None:
        """This statement's own text, from the statements' texts (statement_texts); None if it is not there."""
        text = texts.get(self.text_of or self.id)
        if text is None:
            return None
        if self.text_from is not None:
            text = text[text.index(self.text_from):] if self.text_from in text else ""
        if self.text_before is not None:
            text = text[:text.index(self.text_before)] if self.text_before in text else ""
        return text


class Quote(Strict):
    statement: str
    quote: str


def known_from(partial: str) -> date:
    """The day an evidence date is known from: a month or a year counts from its last day (so an as-of answer
    never shows what may have come later in it)."""
    if len(partial) == 10:
        return date.fromisoformat(partial)
    if len(partial) == 7:
        year, month = int(partial[:4]), int(partial[5:])
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(int(partial), 12, 31)


class Evidence(Strict):
    url: str | None = None     # the publisher's own address: the one a reader cites
    read_at: str | None = None  # where the text was read, when that was a copy on another site
    publisher: str
    date: str          # YYYY, YYYY-MM or YYYY-MM-DD: as precise as the source is
    summary: str

    @model_validator(mode="after")
    def _date(self) -> "Evidence":
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", self.date):
            raise ValueError(f"evidence date {self.date!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        for name in ("url", "read_at"):
            if (address := getattr(self, name)) and not re.match(r"https?://[^/\s]+", address):
                raise ValueError(f"evidence {name} {address!r} is not a web address (http:// or https://)")
        if self.read_at and not self.url:
            raise ValueError(f"evidence read at a copy ({self.read_at}) needs url: the publisher's own address, "
                             f"the one a reader cites")
        if self.read_at and self.read_at == self.url:
            raise ValueError("evidence read_at is the url itself: read_at is for a copy on another site")
        return self

    @computed_field
    @property
    def known_on(self) -> date:
        """The day the item counts from in as-of answers (written with it to the warehouse)."""
        return known_from(self.date)


class EarlierStatus(Strict):
    """A status a qualitative entry had before its current one: from `since` until the next status's `since`."""
    status: str
    since: date
    why: str           # one sentence: what the evidence dated by then showed


class Part(Strict):
    """One measure of a claim checked on several (visits and arrests; net migration and immigration)."""
    label: str
    metric: str
    note_metric: str | None = None
    base_start: date | None = None
    base_end: date | None = None


class Entry(Strict):
    id: str
    title: str | None = None        # default: the id in words (the register gives every entry one)
    type: Literal["pledge", "claim"]
    statement: str
    quote: str
    also_quoted: list[Quote] = []
    said_by: str | None = None      # from the statement
    said_on: date | None = None     # from the statement
    kind: Literal["quantitative", "qualitative"]
    method: str | None = None       # the register gives every entry one (tests/test_register.py)
    note: str | None = None
    # quantitative
    metric: str | None = None
    related_metrics: list[str] = []
    provisional_metric: str | None = None   # pledges: a provisional series' periods after the main series' last one, shown beside the status
    note_metric: str | None = None     # claims: the ad-hoc note's metric (period_type range)
    # pledges
    direction: Literal["up", "down"] | None = None
    # whose direction it is: "promised" (the words promise it of this measure: "net migration must come down"),
    # "proxy" (the words promise it of something this measure stands in for: stronger action against employers,
    # counted in civil penalties) or "yardstick" (the words promise no figure or direction; the measure and its
    # direction are this tracker's choice). Readers are told which: a yardstick "off track" breaks no promise.
    direction_from: Literal["promised", "proxy", "yardstick"] | None = None
    target: float | None = None
    target_date: date | None = None
    progress_period: Literal["day", "week", "month", "quarter", "year", "year_ending", "academic_year"] | None = None
    baseline: Literal["same_period_year_before", "fixed", "trajectory"] | None = None
    baseline_start: date | None = None
    baseline_end: date | None = None
    track_from: date | None = None
    views: list[Literal["rolling_12_months", "calendar_year_to_date", "since_track_from"]] = []
    status_view: Literal["period", "rolling_12_months", "calendar_year_to_date", "since_track_from"] = "period"
    # claims
    check: Literal["total", "pct_change", "highest_since", "ratio", "direction", "fall", "record_high",
                   "at_least"] | None = None
    claimed_value: float | None = None
    claimed_direction: Literal["up", "down"] | None = None
    claim_start: date | None = None
    claim_end: date | None = None
    base_start: date | None = None
    base_end: date | None = None
    since: date | None = None
    tolerance: float | None = None
    parts: list[Part] = []
    combine: Literal["all", "any"] = "all"
    # qualitative
    status: str | None = None
    status_on: date | None = None          # the day the status was set (assessed)
    status_since: date | None = None       # from when the evidence supports it (an evidence date, or status_on)
    earlier_statuses: list[EarlierStatus] = []
    evidence: list[Evidence] = []

    @model_validator(mode="after")
    def _complete(self) -> "Entry":
        def need(*fields: str) -> None:
            missing = [f for f in fields if getattr(self, f) is None]
            if missing:
                raise ValueError(f"{self.type} of kind {self.kind} needs {', '.join(missing)}")
        if self.kind == "qualitative":
            need("status", "status_on")
            allowed = PLEDGE_STATUSES if self.type == "pledge" else CLAIM_VERDICTS
            if self.status not in allowed:
                raise ValueError(f"status {self.status!r} of a qualitative {self.type} is not one of {', '.join(allowed)}")
            self._dated_statuses(allowed)
            return self
        need("metric")
        if self.type == "pledge":
            need("direction", "direction_from", "progress_period", "baseline", "track_from")
            if self.baseline in ("fixed", "trajectory"):
                need("baseline_start", "baseline_end")
            if self.baseline == "trajectory":
                need("target", "target_date")
            if self.status_view != "period" and self.status_view not in self.views:
                raise ValueError(f"status_view {self.status_view!r} is not in views")
        else:
            need("check", "claim_start", "claim_end")
            if self.claim_end < self.claim_start:
                raise ValueError("claim_end is before claim_start")
            if self.check in ("total", "pct_change", "ratio", "fall", "at_least"):
                need("claimed_value")
            if self.check in ("ratio", "direction", "fall") and not (self.parts and all(p.base_start for p in self.parts)):
                need("base_start", "base_end")
            if self.check == "direction":
                need("claimed_direction")
            if self.check == "highest_since":
                need("since")
        return self

    def _dated_statuses(self, allowed: tuple[str, ...]) -> None:
        """An as-of answer shows the status the evidence dated by then supported: each status holds from a day
        the evidence gives (or the day it was set: "none found by then"), in order, and no evidence post-dates
        the assessment."""
        if self.status in ("not measurable", "not yet assessed"):   # about the statistics, or nothing set yet
            if self.status_since or self.earlier_statuses:
                raise ValueError(f"status {self.status!r} holds at every date: no status_since or earlier_statuses")
            return
        if self.status_since is None:
            raise ValueError("a qualitative status needs status_since: the day from which the evidence supports it")
        grounds = {item.known_on for item in self.evidence} | {self.status_on}
        late = [item.date for item in self.evidence if item.known_on > self.status_on]
        if late:
            raise ValueError(f"evidence dated {', '.join(late)} is after status_on {self.status_on}")
        steps = [*self.earlier_statuses, EarlierStatus(status=self.status, since=self.status_since, why="")]
        for step in steps:
            if step.status not in allowed or step.status == "not yet assessed":
                raise ValueError(f"earlier status {step.status!r} is not one of {', '.join(a for a in allowed if a != 'not yet assessed')}")
            if step.since not in grounds:
                raise ValueError(f"status {step.status!r} since {step.since}: not the date an evidence item is known "
                                 f"from (a month or year counts from its last day) nor status_on")
        if any(a.since >= b.since for a, b in zip(steps, steps[1:])):
            raise ValueError("earlier_statuses and status_since must be in date order, each before the next")

    def measured_parts(self) -> list[Part]:
        """The measures a claim is checked on: its parts, or the entry's own metric as one part."""
        if self.parts:
            return [p.model_copy(update={"base_start": p.base_start or self.base_start,
                                         "base_end": p.base_end or self.base_end}) for p in self.parts]
        return [Part(label=self.metric, metric=self.metric, note_metric=self.note_metric,
                     base_start=self.base_start, base_end=self.base_end)]


def load_register(path: Path | None = None, known_metrics: Iterable[str] | None = None) -> list[Entry]:
    """The register at `path` (default: warehouse/pledges.toml, or $PLEDGES_REGISTER), validated; with
    `known_metrics` (the catalog's metric ids, given by the caller) every metric it names must be one of them."""
    return load_register_with_statements(path, known_metrics)[0]


def load_statements(path: Path | None = None) -> dict[str, Statement]:
    return load_register_with_statements(path)[1]


def load_register_with_statements(path: Path | None = None, known_metrics: Iterable[str] | None = None
                                  ) -> tuple[list[Entry], dict[str, Statement]]:
    path = Path(path or os.environ.get("PLEDGES_REGISTER") or REGISTER_FILE)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise RegisterError(f"{path}: the pledge register cannot be read ({exc.strerror or exc})") from None
    known = None if known_metrics is None else frozenset(known_metrics)
    if (words := statements_file()) is not None:
        _check_quotes(path, mtime, known, words, words.stat().st_mtime_ns)
    return _load(path, mtime, known)


def statements_file() -> Path | None:
    """The statements' own words, word for word ($PLEDGES_STATEMENTS, else ../shared/STATEMENTS.md beside the
    repository): every quote of a verbatim statement is checked against it when the register loads. Only the
    default may be absent (a machine without ../shared); a path set in PLEDGES_STATEMENTS that is not a file is a
    RegisterError (a typo would otherwise turn the check off unseen). PLEDGES_STATEMENTS set empty turns it off."""
    configured = os.environ.get("PLEDGES_STATEMENTS")
    if configured == "":
        return None
    if configured is None:
        return STATEMENTS_FILE if STATEMENTS_FILE.is_file() else None
    path = Path(configured)
    if not path.is_file():
        what = "a folder, not a file" if path.is_dir() else "no such file"
        raise RegisterError(f"PLEDGES_STATEMENTS={configured}: {what}: the register's quotes cannot be checked "
                            "against the statements' words (point it at STATEMENTS.md, or set it empty to turn the "
                            "check off)")
    return path


@cache
def _check_quotes(path: Path, mtime: int, known: frozenset[str] | None, words: Path, _words_mtime: int) -> None:
    """RegisterError naming every entry whose quote is not word for word in its statement (and where the words are,
    if another statement part has them): a made-up or misattributed quote is never published as someone's words.
    Once per register and statements file as they are (mtimes in the key)."""
    entries, statements = _load(path, mtime, known)
    if statements and (problems := quote_problems(entries, statements, words.read_text(encoding="utf-8"), words.name)):
        raise RegisterError(f"{path}: quotes not found word for word in {words}: " + "; ".join(problems))


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"field {'.'.join(str(p) for p in e['loc']) or '(entry)'}: {e['msg']}" for e in exc.errors())


@cache
def _load(path: Path, _mtime: int, known: frozenset[str] | None) -> tuple[list[Entry], dict[str, Statement]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RegisterError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RegisterError(f"{path}: the pledge register cannot be read ({exc})") from None
    # every message names the register's path: PLEDGES_REGISTER may point at any file
    if not isinstance(data.get("statements", {}), dict) or \
            not all(isinstance(v, dict) for v in data.get("statements", {}).values()):
        raise RegisterError(f"{path}: statements: expected a table per statement ([statements.A], [statements.B])")
    if not isinstance(data.get("entry", []), list) or not all(isinstance(e, dict) for e in data.get("entry", [])):
        raise RegisterError(f"{path}: entry: expected an array of tables ([[entry]] per pledge or claim)")
    if not isinstance(data.get("planned_metrics", []), list):
        raise RegisterError(f"{path}: planned_metrics: expected a list of metric ids")
    planned = set(data.get("planned_metrics", []))
    statements: dict[str, Statement] = {}
    for key, raw in data.get("statements", {}).items():
        try:
            statements[key] = Statement(id=key, **raw)
        except ValidationError as exc:
            raise RegisterError(f"{path}: statement {key!r}: {_problems(exc)}") from None
    entries, seen = [], set()
    for position, raw in enumerate(data.get("entry", []), 1):
        name = raw.get("id", f"entry #{position}")
        if raw.get("statement") in statements and ("said_by" in raw or "said_on" in raw):
            raise RegisterError(f"{path}: entry {name!r}: field said_by/said_on: set on statement "
                                f"{raw['statement']!r}, not on the entry")
        try:
            entry = Entry(**raw)
        except ValidationError as exc:
            raise RegisterError(f"{path}: entry {name!r}: {_problems(exc)}") from None
        if entry.id in seen:
            raise RegisterError(f"{path}: entry {name!r}: field id: duplicate id")
        seen.add(entry.id)
        for ref in [entry.statement, *(q.statement for q in entry.also_quoted)]:
            if ref not in statements and (statements or entry.said_on is None or entry.said_by is None):
                raise RegisterError(f"{path}: entry {name!r}: field statement: {ref!r} is not one of "
                                    f"[statements] {sorted(statements)} (a register without [statements] "
                                    f"gives said_by and said_on on each entry)")
        said = statements.get(entry.statement) or entry
        entry = entry.model_copy(update={"said_by": said.said_by, "said_on": said.said_on,
                                         "title": entry.title or entry.id.replace("_", " ").capitalize(),
                                         "method": entry.method or entry.note})
        metrics = [entry.metric, entry.note_metric, entry.provisional_metric, *entry.related_metrics]
        metrics += [m for p in entry.parts for m in (p.metric, p.note_metric)]
        for metric in metrics:
            if metric and known is not None and metric not in known and metric not in planned:
                raise RegisterError(f"{path}: entry {name!r}: field metric: {metric!r} is not a catalog metric "
                                    f"(nor listed in planned_metrics)")
        entries.append(entry)
    return entries, statements


# --- quotes against the statements' text ---------------------------------------------------------

def _normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


def statement_texts(statements_md: str) -> dict[str, str]:
    """Each statement's text: what lies between its `BEGIN X` and `END X` lines."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^BEGIN (\w+)\n(.*?)^END \1$", statements_md, re.M | re.S)}


def sentences(text: str) -> list[str]:
    """Sentences of a statement: paragraphs are lines, sentences end with . ! ? or a list number."""
    out = []
    for paragraph in text.splitlines():
        out += [s for s in re.split(r"(?<=[.!?])\s+", _normalise(paragraph)) if s]
    return out


def quote_problem(quote: str, text: str) -> str | None:
    """None when `quote` is an exact extract of `text` ('...' may join extracts of one sentence, in order)."""
    pieces = [_normalise(p) for p in quote.split("...")]
    if any(not p for p in pieces):
        return "empty piece around '...'"
    for sentence in sentences(text):
        at = 0
        for piece in pieces:
            at = sentence.find(piece, at)
            if at < 0:
                break
            at += len(piece)
        else:
            return None
    return "not an exact extract of one sentence of the statement"


def quote_problems(entries: list[Entry], statements: dict[str, Statement], statements_md: str,
                   file_name: str = "STATEMENTS.md") -> list[str]:
    """Every quote of a verbatim statement that is not an exact extract of it, as 'entry: problem'; a statement
    `statements_md` (read from `file_name`) does not have at all is said once, naming the entries quoting it (the
    wrong file given, not a quote per entry at fault)."""
    texts = statement_texts(statements_md)
    problems = []
    missing: dict[str, list[str]] = {}     # statement -> the entries quoting it
    for entry in entries:
        for quoted in [Quote(statement=entry.statement, quote=entry.quote), *entry.also_quoted]:
            statement = statements[quoted.statement]
            if not statement.verbatim:
                continue
            if not (text := statement.text_in(texts)):
                quoting = missing.setdefault(quoted.statement, [])
                if entry.id not in quoting:
                    quoting.append(entry.id)
            elif problem := quote_problem(quoted.quote, text):
                elsewhere = [other for other, s in statements.items() if other != quoted.statement and s.verbatim
                             and (t := s.text_in(texts)) and quote_problem(quoted.quote, t) is None]
                where = f" (the words are in statement {', '.join(elsewhere)})" if elsewhere else ""
                problems.append(f"{entry.id}: {quoted.quote!r}: {problem} {quoted.statement}{where}")
    return [f"statement {key} is not in {file_name} (quoted by {len(ids)} entr{'y' if len(ids) == 1 else 'ies'}: "
            f"{', '.join(ids)})" for key, ids in missing.items()] + problems


# --- the register as tables, for the SQL in warehouse/marts/ ---------------------------------------

def _scalar_sql_type(annotation) -> str:
    kinds = set(get_args(annotation)) | {annotation}
    for python, sql in ((date, "DATE"), (float, "DOUBLE"), (bool, "BOOLEAN")):
        if python in kinds:
            return sql
    return "VARCHAR"


def _struct_list_type(model) -> str:
    """A list of `model` as a DuckDB type, from its fields and computed fields (a field added there is written)."""
    fields = {**{n: f.annotation for n, f in model.model_fields.items()},
              **{n: f.return_type for n, f in model.model_computed_fields.items()}}
    return "STRUCT(" + ", ".join(f"{name} {_scalar_sql_type(kind)}" for name, kind in fields.items()) + ")[]"


LIST_COLUMNS = {"related_metrics": "VARCHAR[]", "views": "VARCHAR[]", "evidence": _struct_list_type(Evidence),
                "also_quoted": _struct_list_type(Quote), "earlier_statuses": _struct_list_type(EarlierStatus)}


def _sql_type(name: str, annotation) -> str:
    return LIST_COLUMNS[name] if name in LIST_COLUMNS else _scalar_sql_type(annotation)


def write_register(con: duckdb.DuckDBPyConnection, known_metrics: Iterable[str]) -> None:
    """staging.register (the entries, typed from the Entry model), staging.statements and staging.claim_parts;
    every metric an entry names must be one of `known_metrics` (the catalog's)."""
    entries, statements = load_register_with_statements(known_metrics=known_metrics)
    fields = {name: f for name, f in Entry.model_fields.items() if name != "parts"}
    columns = ", ".join(f'"{name}" {_sql_type(name, f.annotation)}' for name, f in fields.items())
    con.execute(f"CREATE OR REPLACE TABLE staging.register ({columns})")
    rows = [e.model_dump(exclude={"parts"}) for e in entries]
    if rows:   # one list-of-structs parameter: cheaper than a pandas frame or a parameter per value
        con.execute("INSERT INTO staging.register BY NAME SELECT entry.* FROM (SELECT unnest($entries) AS entry)",
                    {"entries": rows})
    con.execute("CREATE OR REPLACE TABLE staging.statements (statement VARCHAR, title VARCHAR, said_by VARCHAR, "
                "said_on DATE, date_basis VARCHAR, verbatim BOOLEAN, cited_as VARCHAR)")
    if statements:
        rows = [{**s.model_dump(exclude={"text_of", "text_from", "text_before"}), "cited_as": s.cited_as}
                for s in statements.values()]
        con.execute("INSERT INTO staging.statements BY NAME SELECT s.id AS statement, s.* EXCLUDE (id) "
                    "FROM (SELECT unnest($rows) AS s)", {"rows": rows})
    con.execute("CREATE OR REPLACE TABLE staging.claim_parts (pledge_id VARCHAR, part_no INTEGER, part_label VARCHAR, "
                "part_count INTEGER, metric_id VARCHAR, note_metric VARCHAR, base_start DATE, base_end DATE)")
    parts = [{"pledge_id": e.id, "part_no": n, "part_label": p.label, "part_count": len(e.measured_parts()),
              "metric_id": p.metric, "note_metric": p.note_metric, "base_start": p.base_start, "base_end": p.base_end}
             for e in entries if e.type == "claim" and e.kind == "quantitative"
             for n, p in enumerate(e.measured_parts(), 1)]
    if parts:
        con.execute("INSERT INTO staging.claim_parts BY NAME SELECT p.* FROM (SELECT unnest($rows) AS p)", {"rows": parts})
