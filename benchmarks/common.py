"""Shared by benchmarks/run.py: the machine, the real files and the floor's plan, the measured operations
(the project's load, the bare floors), the step timers and small report helpers."""
from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REALDATA = ROOT.parent / "shared" / "realdata"
RESULT_MARK = "BENCH_RESULT "
PACKAGES = ["pandas", "numpy", "duckdb", "pandera", "prefect", "python-calamine", "openpyxl", "odfpy", "pyarrow"]
DEFAULT_ENGINES = {".ods": "odf", ".xlsx": "openpyxl"}     # pandas' defaults, named so a new default changes nothing


# --- machine ----------------------------------------------------------------------------------

def _proc_field(path: str, key: str) -> str | None:
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    return None


def _git() -> dict:
    git = {}
    with contextlib.suppress(Exception):     # read-only git queries, for the record
        git["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                       text=True).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.split("\n")
        git["modified"] = [line[3:] for line in dirty if line.strip()]
    return git


def machine() -> dict:
    from importlib import metadata

    from flows.config import Settings

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    ram_kb = int((_proc_field("/proc/meminfo", "MemTotal") or "0 kB").split()[0])
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _proc_field("/proc/cpuinfo", "model name") or "unknown",
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gib": round(ram_kb / 2**20, 1),
        "os": f"{platform.system()} {platform.release()}",
        "loadavg": os.getloadavg(),
        "python": platform.python_version(),
        "packages": versions,
        "git": _git(),
        "parse_workers": Settings().parse_workers,
    }


# --- the files and the plan for the floor ---------------------------------------------------------

def real_files() -> list[Path]:
    """Every file under realdata that the project recognises by name (the same walk load_paths does; files it
    recognises only by content, such as the DfE API CSV, have no sheet plan for the floor and are left out of both)."""
    from flows.catalog import recognise
    from flows.ingest import _local_files

    return [p for p in _local_files([REALDATA]) if recognise(p.name) is not None]


def floor_plan(files: list[Path]) -> list[tuple[Path, list[tuple[str, int]]]]:
    """For each file, the sheets the project loads tables from and their header rows (0-based),
    found by running the project's own parser once (untimed). The floor reads exactly these."""
    from flows.catalog import recognise
    from flows.config import Settings
    from flows.ingest import parse_and_validate

    settings = Settings()
    plan = []
    for path in files:
        source = recognise(path.name)
        tables, _ = parse_and_validate(source, path, "benchmark plan", settings, source.date_in_name(path.name))
        # a table's index is the sheet row number (1-based) of each data row; the header is just above
        sheets = list(dict.fromkeys((t.sheet, int(t.frame.index[0]) - 2) for t in tables))
        plan.append((path, sheets))
    return plan


# --- the measured operations ----------------------------------------------------------------------

def project_settings(warehouse: Path, **overrides):
    from flows.config import Settings
    return dataclasses.replace(Settings(), warehouse=warehouse, **overrides)


def project_full_load(warehouse: Path, workers: int | None = None) -> tuple[float, list]:
    """load_paths on every real file; `workers` overrides the parse workers (default: the Settings default,
    one per core besides the run's own, up to 4; 0 = PLEDGES_PARSE_WORKERS=0, no parsing ahead)."""
    from flows.ingest import load_paths

    settings = project_settings(warehouse, **({"parse_workers": workers} if workers is not None else {}))
    started = time.perf_counter()
    outcomes = load_paths(settings, real_files())   # the floor's files (the DfE CSV is recognised by content only)
    return time.perf_counter() - started, outcomes


def unique_names(header: list) -> list[str]:
    """Column names for a header row: blanks become `column_<i>`, repeats get a suffix (DuckDB wants them unique)."""
    names, seen = [], set()
    for i, cell in enumerate(header):
        name = str(cell).strip() or f"column_{i}"
        while name in seen:
            name += "_"
        seen.add(name)
        names.append(name)
    return names


def calamine_frames(path: Path, sheets: list[tuple[str, int]]) -> dict:
    """The floor's read: python-calamine directly (CalamineWorkbook), each planned sheet's rows below its header
    into a DataFrame as calamine returns them (no type conversion, no cleaning)."""
    import pandas as pd
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    frames = {}
    for sheet, header in sheets:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        frames[sheet] = pd.DataFrame(rows[header + 1:], columns=unique_names(rows[header]))
    return frames


def default_engine_frames(path: Path, sheets: list[tuple[str, int]]) -> dict:
    """What a person writes by hand: pd.read_excel with pandas' default engine (odfpy for ods, openpyxl for xlsx)."""
    import pandas as pd

    with pd.ExcelFile(path, engine=DEFAULT_ENGINES[path.suffix.lower()]) as book:
        return {sheet: pd.read_excel(book, sheet_name=sheet, header=header) for sheet, header in sheets}


def floor_load(plan, db_path: Path, engine: str, split: dict | None = None) -> float:
    """The bare script: read the planned sheets (engine "calamine": python-calamine directly; "default": pandas'
    default engines), write each with CREATE TABLE t AS SELECT * FROM df. `split` adds up read (per file kind)
    and insert seconds."""
    import duckdb

    read = calamine_frames if engine == "calamine" else default_engine_frames
    started = time.perf_counter()
    con = duckdb.connect(str(db_path))
    # object columns mixing numbers and text (a closing 'End of table' row below numbers): let DuckDB look
    # at every value to pick the column type (VARCHAR), instead of its first 1,000, which fails the insert
    con.execute("SET pandas_analyze_sample = 1000000000")
    for i, (path, sheets) in enumerate(plan):
        mark = time.perf_counter()
        frames = read(path, sheets)
        read_done = time.perf_counter()
        for sheet, df in frames.items():
            con.register("df", df)
            con.execute(f'CREATE TABLE "f{i:02d}_{sheet}" AS SELECT * FROM df')
            con.unregister("df")
        if split is not None:
            key = f"read {path.suffix.lower().lstrip('.')}"
            split[key] = split.get(key, 0.0) + read_done - mark
            split["read"] = split.get("read", 0.0) + read_done - mark
            split["insert"] = split.get("insert", 0.0) + time.perf_counter() - read_done
    con.close()
    return time.perf_counter() - started


def derived_rebuild(warehouse: Path) -> tuple[float, float]:
    """What pledges_build_derived does, without Prefect: total (lock, copy, build, checkpoint, swap)
    and the build_marts call alone."""
    from flows.catalog import definitions
    from warehouse import db
    from warehouse.build import build_marts

    settings = project_settings(warehouse)
    started = time.perf_counter()
    with db.writer_lock(settings.warehouse, settings.lock_timeout), db.building(settings.warehouse) as con:
        inner = time.perf_counter()
        build_marts(con, definitions())
        inner = time.perf_counter() - inner
    return time.perf_counter() - started, inner


# --- where the project's time goes ---------------------------------------------------------------

STEPS = [  # (module, attribute, label): wrapped where present; old and new module layouts both listed
    ("flows.ingest", "local_candidates", "recognise, hash, archive (local_candidates)"),
    ("flows.candidates", "local_candidates", "recognise, hash, archive (local_candidates)"),
    ("flows.ingest", "parse_and_validate", "parse and validate"),
    ("flows.parse_workers", "parse_and_validate", "parse and validate"),
    ("flows.ingest", "open_document", "open workbook (zip check + calamine open)"),
    ("flows.validate", "open_document", "open workbook (zip check + calamine open)"),
    ("flows.validate", "open_document", "open workbook (zip check + calamine open)"),
    ("flows.parsers.common", "check_spreadsheet", "zip check (sizes, CRC of every member)"),
    ("flows.parsing.files", "check_spreadsheet", "zip check (sizes, CRC of every member)"),
    ("flows.parsers.common", "Workbook._read", "sheet cells to a grid (calamine sheet + conversion)"),
    ("flows.parsing.workbook", "Workbook._read", "sheet cells to a grid (calamine sheet + conversion)"),
    ("flows.ingest", "_insert", "insert into raw.* (DuckDB)"),
    ("flows.ingest", "_record", "meta.releases rows"),
    ("flows.ingest", "build_marts", "build marts"),
    ("warehouse.build", "build_metric_views", "metric views + marts.metrics"),
    ("warehouse.build", "write_register", "pledge register"),
    ("warehouse.build", "document_columns", "column comments"),
    ("flows.ingest", "publish", "publish (building copy, loads, marts, checkpoint, swap)"),
    ("flows.parse_workers", "ParseAhead._wait_for", "waiting for the parse processes"),
    ("flows.gate", "check", "release gate"),
]


def _owner(module: str, attribute: str):
    """(object holding the attribute, its last name), or None where this version of the code has no such step."""
    try:
        owner = importlib.import_module(module)
    except ImportError:
        return None
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part, None)
    return (owner, name) if owner is not None and hasattr(owner, name) else None


@contextlib.contextmanager
def phase_timers(steps: list[tuple[str, str, str]] | None = None):
    """Wrap the loader's steps (module attributes, restored afterwards) to add up the time spent in each.
    Steps that are absent in this version of the code are left out, not an error."""
    spent: dict[str, float] = defaultdict(float)

    def timed(key, func):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - started
        return wrapper

    saved = []
    for module, attribute, key in (STEPS if steps is None else steps):
        if (found := _owner(module, attribute)) is not None:
            owner, name = found
            saved.append((owner, name, getattr(owner, name)))
            setattr(owner, name, timed(key, getattr(owner, name)))
    ingest = importlib.import_module("flows.ingest")
    parsers = dict(getattr(ingest, "PARSERS", {}))
    for name, func in parsers.items():
        ingest.PARSERS[name] = timed("parsers (find tables, cut, clean)", func)
    try:
        yield spent
    finally:
        for owner, name, func in saved:
            setattr(owner, name, func)
        if parsers:
            ingest.PARSERS.update(parsers)


def instrumented_load(folder: Path) -> dict[str, float]:
    """One more full load in one process with the loader's steps timed (the wrappers cost microseconds per call).
    Files are parsed in child processes: their steps are not seen here, only the wait for them."""
    with phase_timers() as spent:
        total, _ = project_full_load(folder / "wh" / "pledges.duckdb", workers=0)
    spent = dict(spent)
    spent["total"] = total
    shutil.rmtree(folder, ignore_errors=True)
    return spent


PARSE_STEPS = [  # the parse process's own steps, timed when the files are parsed in this process
    ("flows.validate", "_open_book", "open: zip and ODS checks, calamine open"),
    ("flows.parsing.workbook", "check_spreadsheet", "zip and ODS checks (sizes, CRC of every member, ODS grid)"),
    ("flows.validate", "_parse_tables", "parsers: find tables, cut, clean, periods"),
    ("flows.parsing.workbook", "Workbook._read", "sheet cells to a grid (calamine sheet + conversion)"),
    ("flows.validate", "_validate_table", "validation: Pandera models and period checks"),
]


def parse_alone(files: list[Path]) -> dict[str, float]:
    """What the loader's parse processes do, here in this process with nothing else: recognise each file and run
    `parse_and_validate` on it (the parser, then Pandera), timing its steps. No warehouse, no gate, no derived
    tables. The floor reads the same sheets without any of these checks; this is the least a validating load does."""
    from flows.catalog import recognise
    from flows.config import Settings
    from flows.validate import parse_and_validate

    settings = Settings()
    sources = [(path, recognise(path.name)) for path in files]
    with phase_timers(PARSE_STEPS) as spent:
        started = time.perf_counter()
        for path, source in sources:
            parse_and_validate(source, path, "benchmark", settings, source.date_in_name(path.name))
        total = time.perf_counter() - started
    spent = dict(spent)
    spent["total"] = total
    spent["rest"] = total - sum(spent.get(PARSE_STEPS[i][2], 0.0) for i in (0, 2, 4))   # this round's, not medians'
    return spent


def parse_rows(parts: dict[str, float]) -> list[tuple[str, float]]:
    """parse_alone's steps as a tree with exclusive remainders."""
    get = lambda key: parts.get(key, 0.0)   # noqa: E731
    opened, checks = get(PARSE_STEPS[0][2]), get(PARSE_STEPS[1][2])
    parsers, grid, validation = get(PARSE_STEPS[2][2]), get(PARSE_STEPS[3][2]), get(PARSE_STEPS[4][2])
    return [
        ("parse and validate the files, in this process (parse_and_validate)", get("total")),
        ("  zip and ODS checks (sizes, CRC of every member, ODS grid)", checks),
        ("  calamine open", opened - checks),
        ("  parsers: find tables, cut, clean, periods", parsers),
        ("    of which sheet cells to a grid (calamine sheet + conversion)", grid),
        ("  validation: Pandera models and period checks", validation),
        ("  rest", get("rest")),
    ]


def breakdown_rows(parts: dict[str, float]) -> list[tuple[str, float]]:
    """The steps as a tree with exclusive remainders, so the lines of each level add up. Files are parsed in a
    parse process even with parse_workers=0, so their steps are seen here only as the wait for them (parse_rows
    times the same work in this process)."""
    get = lambda key: parts.get(key, 0.0)   # noqa: E731
    marts = get("build marts")
    marts_parts = ["metric views + marts.metrics", "pledge register", "column comments"]
    publish = get("publish (building copy, loads, marts, checkpoint, swap)")
    waited, gated = get("waiting for the parse processes"), get("release gate")
    loads = get("parse and validate") + get("insert into raw.* (DuckDB)") + get("meta.releases rows") + waited + gated
    local = get("recognise, hash, archive (local_candidates)")
    return [
        ("full load (load_paths)", get("total")),
        ("  recognise, hash, archive (local_candidates)", local),
        ("  waiting for the parse process (each file parsed at its turn)", waited),
        ("  release gate (flows/gate.py)", gated),
        ("  insert into raw.* (DuckDB)", get("insert into raw.* (DuckDB)")),
        ("  meta.releases rows, unchanged checks", max(0.0, get("meta.releases rows"))),
        ("  build marts", marts),
        *[(f"    {name}", get(name)) for name in marts_parts],
        ("    marts SQL files (warehouse/marts/*.sql)", marts - sum(get(n) for n in marts_parts)),
        ("  publish: copy/attach, meta.sql, checkpoint, fsync, swap, rest", publish - loads - marts),
        ("  lock, read the published warehouse, rest", get("total") - publish - local),
    ]


def vm_status_kb(key: str) -> int:
    value = _proc_field("/proc/self/status", key)
    return int(value.split()[0]) if value else 0


def run_child(script: Path, args: list[str], env: dict | None = None, timeout: float = 300) -> tuple[float, dict]:
    """`python SCRIPT ARGS` in a fresh process; its wall time and the JSON it printed after RESULT_MARK."""
    started = time.perf_counter()
    child = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, cwd=ROOT, env=env,
                           timeout=timeout)
    wall = time.perf_counter() - started
    lines = [line for line in child.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if child.returncode != 0 or not lines:
        raise RuntimeError(f"child {' '.join(args)} failed (exit {child.returncode}):\n"
                           f"{child.stdout[-3000:]}\n{child.stderr[-3000:]}")
    return wall, json.loads(lines[-1][len(RESULT_MARK):])


def med(values: list[float]) -> float:
    return statistics.median(values)


def fmt_s(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def table(rows: list[tuple[str, str, str, str, str]]) -> str:
    header = ("measurement", "median s", "ratio", "target", "met?")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"   # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])
