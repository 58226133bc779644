"""Benchmark: the project's loader against a bare "floor", side by side on the real published files.

Not a test. Run from the repository root (about 3-4 minutes on a 2-core machine):

    .venv/bin/python benchmarks/run.py                      # every measurement
    .venv/bin/python benchmarks/run.py --json out.json      # also write the figures as JSON
    .venv/bin/python benchmarks/run.py --skip-prefect --skip-default-engines   # quick look (~20 s)

What it measures, on the same files in one run (the real files in ../shared/realdata: ten
small-boats ODS releases, the irregular-migration xlsx and the two transparency xlsx):

 (a) full load: `flows.ingest.load_paths(settings, [realdata])` into a fresh temporary warehouse
     (recognise, hash, archive, parse, validate, insert, build marts, checkpoint, fsync, swap),
     against a FLOOR: for each file, the sheets the project loads tables from, read with
     `pd.read_excel(..., engine="calamine")` and written with `CREATE TABLE t AS SELECT * FROM df`,
     no validation and nothing else. Target project / floor <= 1.5.
 (b) the same bare script with pandas' default engines (openpyxl for xlsx, odf for ods), what a
     person would write by hand. Target default-engine / project >= 10.
 (c) a no-op re-run (`load_paths` again on the same warehouse, nothing changed). Target < 10 % of (a).
 (d) the derived-table rebuild (`build_marts` inside `db.building` under `db.writer_lock`, which is
     what the `pledges_build_derived` flow does): absolute, and as a share of (a).
 (e) Prefect overhead: a real `prefect server start` on a free loopback port (temporary
     PREFECT_HOME, DO_NOT_TRACK=1) and the GOV.UK-shaped mirror of tests/mirror.py serving the
     small-boats page; the ten real releases are published one after another and after each,
     two fresh child processes with identical environments load it:
       - `flows.ingest.run_sources(settings, ["small_boats"])` (no Prefect) into warehouse A,
       - the `pledges_run(source_ids=["small_boats"], ...)` flow into warehouse B.
     Why child processes: Prefect reads its settings (PREFECT_API_URL, PREFECT_HOME) when it is
     first imported, so a flow run in this process could silently start its own temporary server
     or talk to a server from the user's profile; a child started with the environment set has
     no such ambiguity, and it is how a process work pool runs each scheduled flow (one fresh
     process per flow run). Each run is timed from the parent (wall clock, interpreter start to
     exit: what a scheduled run costs) and, inside the child, the call alone (imports excluded).
     Both variants do the same work (discover over HTTP, download, load one release, publish);
     the flow also writes the HTML report and two artifacts, which is counted as overhead here
     and shown separately (the no-Prefect child times `write_report` after its timed call).
 (f) peak memory: the full load in a fresh child process, VmHWM from /proc/self/status (and the
     floor's, for comparison).

Then where the project's time goes: each round also runs one more full load with the loader's
steps wrapped in timers (recognise/hash/archive, zip check, calamine, parsers, validation, inserts,
marts and their parts, publish), printed as a tree with each step's share. The machine's load
average is printed too: on a shared 2-core machine, other work inflates every figure.

Each timed measurement runs 5 times by default, at least 3 (rounds interleaved, after one untimed
warm-up), and the median is reported; for (a) also the median of each round's own ratio (load and
floor run back to back, so a slow spell of a shared machine hits both). The full load runs twice
per round: with the default parse workers (one per core besides the run's own) and in one process
(`parse_workers=0`), both reported. The Prefect comparison runs 10 times (one per release).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REALDATA = ROOT.parent / "shared" / "realdata"
SMALL_BOATS_PAGE = "/government/publications/migrants-detected-crossing-the-english-channel-in-small-boats"
RESULT_MARK = "BENCH_RESULT "
PACKAGES = ["pandas", "numpy", "duckdb", "pandera", "prefect", "python-calamine", "openpyxl", "odfpy", "pyarrow"]


# --- machine ----------------------------------------------------------------------------------

def machine() -> dict:
    from flows.config import Settings
    from importlib import metadata

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_kb = int(line.split()[1])
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    git = {}
    with contextlib.suppress(Exception):     # read-only git queries, for the record
        git["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                       text=True).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                               text=True).stdout.split("\n")
        git["modified"] = [line[3:] for line in dirty if line.strip()]
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gib": round(ram_kb / 2**20, 1),
        "os": f"{platform.system()} {platform.release()}",
        "loadavg": os.getloadavg(),
        "python": platform.python_version(),
        "packages": versions,
        "git": git,
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
    one per core besides the run's own, up to 4; 0 = everything in this process)."""
    from flows.ingest import load_paths

    settings = project_settings(warehouse, **({"parse_workers": workers} if workers is not None else {}))
    started = time.perf_counter()
    outcomes = load_paths(settings, real_files())   # the floor's files (the DfE CSV is recognised by content only)
    return time.perf_counter() - started, outcomes


def floor_load(plan, db_path: Path, engine: str | None, split: dict | None = None) -> float:
    """The bare script: read the same sheets, insert each as a DuckDB table. engine None = pandas'
    default engines, named explicitly (openpyxl for xlsx, odf for ods) so a future pandas whose
    default becomes calamine does not silently change this measurement."""
    import duckdb
    import pandas as pd

    started = time.perf_counter()
    con = duckdb.connect(str(db_path))
    # object columns mixing numbers and text (a closing 'End of table' row below numbers): let DuckDB look
    # at every value to pick the column type (VARCHAR), instead of its first 1,000, which fails the insert
    con.execute("SET pandas_analyze_sample = 1000000000")
    for i, (path, sheets) in enumerate(plan):
        chosen = engine or ("odf" if path.suffix.lower() == ".ods" else "openpyxl")
        mark = time.perf_counter()
        frames = {}
        with pd.ExcelFile(path, engine=chosen) as book:
            for sheet, header in sheets:
                frames[sheet] = pd.read_excel(book, sheet_name=sheet, header=header)
        read_done = time.perf_counter()
        for sheet, df in frames.items():
            con.register("df", df)
            con.execute(f'CREATE TABLE "f{i:02d}_{sheet}" AS SELECT * FROM df')
            con.unregister("df")
        if split is not None:
            split["read"] = split.get("read", 0.0) + read_done - mark
            split["insert"] = split.get("insert", 0.0) + time.perf_counter() - read_done
    con.close()
    return time.perf_counter() - started


def noop_rerun(warehouse: Path) -> tuple[float, list]:
    return project_full_load(warehouse)


def derived_rebuild(warehouse: Path) -> tuple[float, float]:
    """What pledges_build_derived does, without Prefect: total (lock, copy, build, checkpoint, swap)
    and the build_marts call alone."""
    from warehouse import db
    from flows.catalog import definitions
    from warehouse.build import build_marts

    settings = project_settings(warehouse)
    started = time.perf_counter()
    with db.writer_lock(settings.warehouse, settings.lock_timeout), db.building(settings.warehouse) as con:
        inner = time.perf_counter()
        build_marts(con, definitions())
        inner = time.perf_counter() - inner
    return time.perf_counter() - started, inner


# --- where the project's time goes ---------------------------------------------------------------

@contextlib.contextmanager
def phase_timers():
    """Wrap the loader's steps (module attributes, restored afterwards) to add up the time spent in each.
    Steps that are absent in this version of the code are left out, not an error."""
    from collections import defaultdict

    import flows.ingest as ingest
    import flows.parsers.common as common
    import warehouse.build as build

    spent: dict[str, float] = defaultdict(float)

    def timed(key, func):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - started
        return wrapper

    targets = [(ingest, "local_candidates", "recognise, hash, archive (local_candidates)"),
               (ingest, "parse_and_validate", "parse and validate"),
               (ingest, "open_document", "open workbook (zip check + calamine open)"),
               (common, "check_spreadsheet", "zip check (sizes, CRC of every member)"),
               (common.Workbook, "_read", "sheet cells to a grid (calamine sheet + conversion)"),
               (ingest, "_insert", "insert into raw.* (DuckDB)"),
               (ingest, "_record", "meta.releases rows"),
               (ingest, "build_marts", "build marts"),
               (build, "build_metric_views", "metric views + marts.metrics"),
               (build, "write_register", "pledge register"),
               (build, "document_columns", "column comments"),
               (ingest, "publish", "publish (building copy, loads, marts, checkpoint, swap)")]
    saved = []
    for owner, name, key in targets:
        if hasattr(owner, name):
            saved.append((owner, name, getattr(owner, name)))
            setattr(owner, name, timed(key, getattr(owner, name)))
    parsers = dict(ingest.PARSERS)
    for name, func in parsers.items():
        ingest.PARSERS[name] = timed("parsers (find tables, cut, clean)", func)
    try:
        yield spent
    finally:
        for owner, name, func in saved:
            setattr(owner, name, func)
        ingest.PARSERS.update(parsers)


def instrumented_load(folder: Path) -> dict[str, float]:
    """One more full load with the loader's steps timed (the wrappers cost microseconds per call), in one
    process (parse workers would time their steps where this process cannot see them)."""
    with phase_timers() as spent:
        total, _ = project_full_load(folder / "wh" / "pledges.duckdb", workers=0)
    spent = dict(spent)
    spent["total"] = total
    shutil.rmtree(folder, ignore_errors=True)
    return spent


def breakdown_rows(parts: dict[str, float]) -> list[tuple[str, float]]:
    """The steps as a tree with exclusive remainders, so the lines of each level add up."""
    get = lambda key: parts.get(key, 0.0)   # noqa: E731
    pv = get("parse and validate")
    opened = get("open workbook (zip check + calamine open)")
    parsers = get("parsers (find tables, cut, clean)")
    grid = get("sheet cells to a grid (calamine sheet + conversion)")
    marts = get("build marts")
    marts_parts = ["metric views + marts.metrics", "pledge register", "column comments"]
    publish = get("publish (building copy, loads, marts, checkpoint, swap)")
    loads = pv + get("insert into raw.* (DuckDB)") + get("meta.releases rows")
    rows = [
        ("full load (load_paths)", get("total")),
        ("  recognise, hash, archive (local_candidates)", get("recognise, hash, archive (local_candidates)")),
        ("  parse and validate", pv),
        ("    zip check (sizes, CRC of every member)", get("zip check (sizes, CRC of every member)")),
        ("    calamine open", opened - get("zip check (sizes, CRC of every member)")),
        ("    parsers (find tables, cut, clean, periods)", parsers),
        ("      of which sheet cells to grid (calamine + conversion)", grid),
        ("    validation (pandera) and the rest", pv - opened - parsers),
        ("  insert into raw.* (DuckDB)", get("insert into raw.* (DuckDB)")),
        ("  meta.releases rows, unchanged checks", max(0.0, get("meta.releases rows"))),
        ("  build marts", marts),
        *[(f"    {name}", get(name)) for name in marts_parts],
        ("    marts SQL files (warehouse/marts/*.sql)", marts - sum(get(n) for n in marts_parts)),
        ("  publish: copy/attach, meta.sql, checkpoint, fsync, swap", publish - loads - marts),
        ("  lock, read the published warehouse, rest", get("total") - publish - get("recognise, hash, archive (local_candidates)")),
    ]
    return rows


# --- child processes ----------------------------------------------------------------------------

def vm_hwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def vm_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def child_memory(kind: str, folder: Path) -> dict:
    started = time.perf_counter()
    if kind == "project":
        import flows.ingest  # noqa: F401
    else:
        import duckdb  # noqa: F401
        import pandas  # noqa: F401
    imported = time.perf_counter() - started
    rss_after_import = vm_rss_kb()
    if kind == "project":
        seconds, outcomes = project_full_load(folder / "wh" / "pledges.duckdb")
        statuses = sorted({o.status for o in outcomes})
    else:
        plan = json.loads((folder / "plan.json").read_text())
        seconds = floor_load([(Path(p), [tuple(s) for s in sheets]) for p, sheets in plan], folder / "floor.duckdb",
                             "calamine")
        statuses = []
    import resource
    # parse workers are this process's children, waited for when the load ends: the largest one's peak
    worker_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"import_s": imported, "load_s": seconds, "rss_after_import_kb": rss_after_import, "vmhwm_kb": vm_hwm_kb(),
            "largest_worker_kb": worker_kb, "statuses": statuses}


def child_run(kind: str, warehouse: Path, base: str) -> dict:
    """One scheduled-style run in this fresh process: 'plain' = run_sources, 'flow' = the Prefect flow."""
    started = time.perf_counter()
    if kind == "flow":
        from flows.pipeline import pledges_run
    else:
        from flows.ingest import run_sources
    imported = time.perf_counter() - started
    started = time.perf_counter()
    report_s = None
    if kind == "flow":
        result = pledges_run(source_ids=["small_boats"], warehouse=str(warehouse), govuk_base=base)
        statuses = [r["status"] for r in result]
        call = time.perf_counter() - started
    else:
        outcomes = run_sources(project_settings(warehouse, govuk_base=base), ["small_boats"])
        statuses = [o.status for o in outcomes]
        call = time.perf_counter() - started
        # the extra step the flow does after loading (untimed above): its HTML report
        from flows.report import write_report
        report_started = time.perf_counter()
        write_report(warehouse, warehouse.parent / "pledges-report.html")
        report_s = time.perf_counter() - report_started
    return {"import_s": imported, "call_s": call, "report_s": report_s, "statuses": statuses}


def run_child(args: list[str], env: dict | None = None, timeout: float = 300) -> tuple[float, dict]:
    started = time.perf_counter()
    child = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True,
                           cwd=ROOT, env=env, timeout=timeout)
    wall = time.perf_counter() - started
    lines = [line for line in child.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if child.returncode != 0 or not lines:
        raise RuntimeError(f"child {' '.join(args)} failed (exit {child.returncode}):\n"
                           f"{child.stdout[-3000:]}\n{child.stderr[-3000:]}")
    return wall, json.loads(lines[-1][len(RESULT_MARK):])


# --- Prefect server -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrefectServer:
    """`prefect server start` as a child in its own process group; stopped by that id."""

    def __init__(self, home: Path):
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": self.api, "DO_NOT_TRACK": "1",
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        self.log_path = home / "server.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> float:
        prefect = Path(sys.executable).with_name("prefect")
        started = time.perf_counter()
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
                                     env=self.env, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.log_path.parent,
                                     start_new_session=True)
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prefect server exited with {self.proc.returncode}:\n{self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.api}/health", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            time.sleep(0.5)
        raise RuntimeError(f"prefect server not healthy after {timeout:.0f} s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)    # the group we created: the server and its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log.close()
        self.proc = None


def measure_prefect(runs: int, log) -> dict:
    from flows.catalog import load_catalog
    from tests.mirror import MirrorServer

    source = load_catalog()["small_boats"]
    releases = sorted((p for p in (REALDATA / "small_boats").iterdir() if source.matches(p.name)),
                      key=lambda p: source.date_in_name(p.name))
    if len(releases) < runs:
        log(f"  only {len(releases)} small-boats releases: {len(releases)} Prefect runs")
    releases = releases[:runs]
    work = Path(tempfile.mkdtemp(prefix="bench-prefect-"))
    server = PrefectServer(work)
    result: dict = {"plain_wall": [], "flow_wall": [], "plain_call": [], "flow_call": [], "plain_import": [],
                    "flow_import": [], "report": []}
    try:
        result["server_start_s"] = server.start()
        log(f"  prefect server healthy on {server.api} after {result['server_start_s']:.1f} s (pid {server.proc.pid})")
        with MirrorServer() as mirror:
            for i, path in enumerate(releases):
                mirror.publish(SMALL_BOATS_PAGE, path.name, path.read_bytes())
                order = ["plain", "flow"] if i % 2 == 0 else ["flow", "plain"]   # alternate, against drift
                for kind in order:
                    wall, out = run_child(["--child-run", kind, str(work / kind / "pledges.duckdb"), mirror.base],
                                          env=server.env)
                    if out["statuses"] != ["loaded"]:
                        raise RuntimeError(f"{kind} run {i + 1} ({path.name}): expected one release loaded, got {out['statuses']}")
                    result[f"{kind}_wall"].append(wall)
                    result[f"{kind}_call"].append(out["call_s"])
                    result[f"{kind}_import"].append(out["import_s"])
                    if out["report_s"] is not None:
                        result["report"].append(out["report_s"])
                log(f"  release {i + 1}/{len(releases)} {path.name}: no Prefect {result['plain_wall'][-1]:.2f} s, "
                    f"Prefect flow {result['flow_wall'][-1]:.2f} s (wall, fresh process)")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return result


# --- report ---------------------------------------------------------------------------------------

def med(values: list[float]) -> float:
    return statistics.median(values)


def fmt_s(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def table(rows: list[tuple[str, str, str, str, str]]) -> str:
    header = ("measurement", "median s", "ratio", "target", "met?")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"   # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of (a)-(d) (at least 3; default 5)")
    parser.add_argument("--prefect-runs", type=int, default=10, help="Prefect comparison runs, one release each (default 10)")
    parser.add_argument("--skip-prefect", action="store_true", help="leave out (e)")
    parser.add_argument("--skip-default-engines", action="store_true", help="leave out (b) (about 90 s)")
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    parser.add_argument("--child-memory", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--child-run", nargs=3, metavar=("KIND", "WAREHOUSE", "BASE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_memory:
        print(RESULT_MARK + json.dumps(child_memory(args.child_memory[0], Path(args.child_memory[1]))))
        return 0
    if args.child_run:
        kind, warehouse, base = args.child_run
        print(RESULT_MARK + json.dumps(child_run(kind, Path(warehouse), base)))
        return 0

    if not REALDATA.is_dir():
        print(f"benchmarks/run.py: the real published files are not at {REALDATA}.\n"
              "This benchmark measures the loader on them (../shared/realdata beside the repository); "
              "nothing was measured.", file=sys.stderr)
        return 2
    repeats = max(3, args.repeats)

    def log(message: str) -> None:
        print(message, flush=True)

    began = time.perf_counter()
    info = machine()
    log(f"machine: {info['cpu']}, {info['cores']} cores ({info['cores_usable']} usable), {info['ram_gib']} GiB RAM, "
        f"{info['os']}, Python {info['python']}; the loader uses {info['parse_workers']} parse workers")
    log("packages: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items()))
    log(f"date: {info['date']}; git {info['git'].get('commit', '?')}"
        + (f" with uncommitted changes in {', '.join(info['git']['modified'])}" if info["git"].get("modified") else ""))

    files = real_files()
    expected = {"small_boats": 10, "xlsx": 3}
    n_ods = sum(p.suffix == ".ods" for p in files)
    log(f"files: {len(files)} recognised under {REALDATA} ({n_ods} ODS, {len(files) - n_ods} xlsx, "
        f"{sum(p.stat().st_size for p in files) / 2**20:.1f} MB)")
    if n_ods != expected["small_boats"] or len(files) - n_ods != expected["xlsx"]:
        log(f"  note: expected 10 small-boats ODS and 3 xlsx; measuring the {len(files)} found")
    plan = floor_plan(files)
    for path, sheets in plan:
        log(f"  {path.relative_to(REALDATA)}: sheets {', '.join(f'{s} (header row {h + 1})' for s, h in sheets)}")

    results: dict = {"machine": info, "files": [str(p.relative_to(REALDATA)) for p in files],
                     "plan": [[str(p), sheets] for p, sheets in plan]}
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        # (f) first, in children: peak memory of a full load, cold, in a fresh process (and of the floor)
        log("(f) peak memory: full load in a fresh child process")
        (work / "plan.json").write_text(json.dumps([[str(p), sheets] for p, sheets in plan]))
        memory = {}
        for kind in ("project", "floor"):
            folder = work / f"mem-{kind}"
            folder.mkdir()
            if kind == "floor":
                shutil.copy(work / "plan.json", folder / "plan.json")
            _, memory[kind] = run_child(["--child-memory", kind, str(folder)])
            log(f"  {kind}: peak RSS {memory[kind]['vmhwm_kb'] / 1024:.0f} MB, largest parse worker "
                f"{memory[kind]['largest_worker_kb'] / 1024:.0f} MB (after imports "
                f"{memory[kind]['rss_after_import_kb'] / 1024:.0f} MB); cold process: imports {memory[kind]['import_s']:.2f} s, "
                f"load {memory[kind]['load_s']:.2f} s")
            shutil.rmtree(folder, ignore_errors=True)
        results["memory"] = memory
        if memory["project"]["statuses"] != ["loaded", "skipped"]:
            log(f"  WARNING: the full load's outcomes were {memory['project']['statuses']}")

        # (a) (c) (d), interleaved rounds after one untimed warm-up
        log(f"(a)(c)(d) full load vs calamine floor, no-op re-run, derived rebuild (+ one full load with its steps timed): "
            f"1 warm-up + {repeats} rounds")
        timings: dict[str, list[float]] = {"project": [], "floor": [], "noop": [], "derived": [], "derived_build_marts": [],
                                           "project_one_process": []}
        floor_split: list[dict] = []
        steps: list[dict] = []
        for round_ in range(repeats + 1):
            folder = work / f"round-{round_}"
            folder.mkdir()
            full, outcomes = project_full_load(folder / "wh" / "pledges.duckdb")
            loaded = [o for o in outcomes if o.status == "loaded"]
            bad = [o for o in outcomes if o.is_failure]
            if bad or len(loaded) != len(files):
                raise SystemExit(f"the full load did not load every file: {[(o.name, o.status, o.error) for o in outcomes if o.status != 'skipped']}")
            split: dict = {}
            floor = floor_load(plan, folder / "floor.duckdb", "calamine", split)
            noop, outcomes = noop_rerun(folder / "wh" / "pledges.duckdb")
            if any(o.status not in ("unchanged", "skipped") for o in outcomes):
                raise SystemExit(f"the no-op re-run did something: {[(o.name, o.status) for o in outcomes]}")
            derived, inner = derived_rebuild(folder / "wh" / "pledges.duckdb")
            single, _ = project_full_load(folder / "single" / "pledges.duckdb", workers=0)
            shutil.rmtree(folder, ignore_errors=True)
            if round_ > 0:
                steps.append(instrumented_load(work / f"steps-{round_}"))
            tag = "warm-up" if round_ == 0 else f"round {round_}"
            log(f"  {tag}: full load {full:.3f} s, floor {floor:.3f} s, no-op {noop:.3f} s, derived {derived:.3f} s "
                f"(build_marts {inner:.3f} s), full load in one process {single:.3f} s")
            if round_ == 0:
                results["rows_loaded"] = sum(o.rows for o in loaded)
                continue
            for key, value in zip(timings, (full, floor, noop, derived, inner, single)):
                timings[key].append(value)
            floor_split.append(split)
        # where the project's time goes: one instrumented full load per round, the median of each step
        results["breakdown"] = {key: med([x.get(key, 0.0) for x in steps]) for key in steps[0]}

        # (b) the bare script with pandas' default engines
        if not args.skip_default_engines:
            log(f"(b) bare script with pandas' default engines (openpyxl, odf): {repeats} runs")
            timings["default"] = []
            for run in range(repeats):
                seconds = floor_load(plan, work / f"default-{run}.duckdb", None)
                timings["default"].append(seconds)
                log(f"  run {run + 1}: {seconds:.1f} s")
        results["timings"] = timings

        # (e) Prefect
        prefect = None
        if not args.skip_prefect:
            log(f"(e) Prefect server + GOV.UK mirror: {args.prefect_runs} releases, each loaded by a fresh process "
                "with and without Prefect")
            prefect = measure_prefect(args.prefect_runs, log)
            results["prefect"] = prefect
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # --- the table
    full = med(timings["project"])
    floor = med(timings["floor"])
    single = med(timings["project_one_process"])
    # the same rounds paired: each round's load and floor ran back to back, so slow spells of a shared
    # machine hit both
    paired = med([p / f for p, f in zip(timings["project"], timings["floor"])])
    rows = [
        (f"(a) project full load (load_paths, {len(files)} files, {info['parse_workers']} parse worker(s) + the run)", fmt_s(full), "", "", ""),
        ("(a) floor: calamine + CREATE TABLE, no checks", fmt_s(floor), "", "", ""),
        ("(a) project / floor (ratio of the medians)", "", f"{full / floor:.2f}x", "<= 1.5", "yes" if full / floor <= 1.5 else "NO"),
        ("(a) project / floor (median of each round's ratio)", "", f"{paired:.2f}x", "report", "-"),
        ("(a) same load in one process (parse_workers=0) / floor", fmt_s(single), f"{single / floor:.2f}x", "report", "-"),
    ]
    verdicts = {"a": full / floor <= 1.5}
    if "default" in timings:
        default = med(timings["default"])
        rows += [("(b) bare script, default engines (openpyxl/odf)", fmt_s(default), "", "", ""),
                 ("(b) default-engine / project", "", f"{default / full:.1f}x", ">= 10",
                  "yes" if default / full >= 10 else "NO")]
        verdicts["b"] = default / full >= 10
    noop = med(timings["noop"])
    rows.append(("(c) no-op re-run / full load", fmt_s(noop), f"{100 * noop / full:.1f}%", "< 10%",
                 "yes" if noop / full < 0.10 else "NO"))
    verdicts["c"] = noop / full < 0.10
    derived = med(timings["derived"])
    rows += [("(d) derived rebuild (lock+copy+build+swap) / full", fmt_s(derived), f"{100 * derived / full:.0f}%", "report", "-"),
             ("(d)   of which build_marts alone / full", fmt_s(med(timings["derived_build_marts"])),
              f"{100 * med(timings['derived_build_marts']) / full:.0f}%", "report", "-")]
    if prefect:
        plain_wall, flow_wall = med(prefect["plain_wall"]), med(prefect["flow_wall"])
        plain_call, flow_call = med(prefect["plain_call"]), med(prefect["flow_call"])
        per_run = [f - p for f, p in zip(prefect["flow_wall"], prefect["plain_wall"])]
        per_call = [f - p for f, p in zip(prefect["flow_call"], prefect["plain_call"])]
        rows += [
            ("(e) run_sources, fresh process (wall)", fmt_s(plain_wall), "", "", ""),
            ("(e) pledges_run flow, fresh process (wall)", fmt_s(flow_wall), f"{flow_wall / plain_wall:.2f}x", "report", "-"),
            ("(e) Prefect overhead per run (wall, paired)", fmt_s(med(per_run)), "", "report", "-"),
            ("(e) run_sources call alone (in process)", fmt_s(plain_call), "", "", ""),
            ("(e) flow call alone (in process)", fmt_s(flow_call), f"{flow_call / plain_call:.2f}x", "report", "-"),
            ("(e) Prefect overhead per call (paired)", fmt_s(med(per_call)), "", "report", "-"),
            ("(e)   of which the flow's HTML report", fmt_s(med(prefect["report"])), "", "", ""),
        ]
    mem = results["memory"]
    rows += [("(f) peak RSS full load, MB (fresh process)", f"{mem['project']['vmhwm_kb'] / 1024:.0f} MB",
              f"{mem['project']['vmhwm_kb'] / max(mem['floor']['vmhwm_kb'], 1):.2f}x floor", "report", "-"),
             ("(f)   and its largest parse worker, MB", f"{mem['project']['largest_worker_kb'] / 1024:.0f} MB", "", "report", "-"),
             ("(f) peak RSS floor, MB (fresh process)", f"{mem['floor']['vmhwm_kb'] / 1024:.0f} MB", "", "", "")]
    results["verdicts"] = verdicts
    results["summary"] = rows
    results["total_runtime_s"] = time.perf_counter() - began

    print()
    print(f"Figures: median of {repeats} runs (after a warm-up) for (a)-(d); "
          + (f"{len(prefect['flow_wall'])} paired runs for (e); " if prefect else "")
          + f"{results.get('rows_loaded', 0):,} rows loaded per full load.")
    print(table(rows))
    print()
    if prefect:
        print("(e) method: both variants run in fresh child processes with the same environment (temporary PREFECT_HOME,\n"
              f"PREFECT_API_URL={'<the server started here>'}, DO_NOT_TRACK=1), one after the other for each release, timed\n"
              "from this process; the child also times the call alone. Child processes, because Prefect binds its settings\n"
              "when first imported (an in-process flow could start its own temporary server instead), and because a process\n"
              "work pool runs every scheduled flow in a fresh process. Imports (median): no Prefect "
              f"{med(prefect['plain_import']):.2f} s, with Prefect {med(prefect['flow_import']):.2f} s; "
              f"server start {prefect['server_start_s']:.1f} s (not counted).")
    read_s = med([x["read"] for x in floor_split])
    insert_s = med([x["insert"] for x in floor_split])
    parts = results["breakdown"]
    print(f"Where the time goes: median of {repeats} more full loads in one process with the loader's steps timed (total {parts['total']:.3f} s;"
          f" the floor: read {read_s:.3f} s + insert {insert_s:.3f} s)")
    for label, seconds in breakdown_rows(parts):
        print(f"  {label:<64} {seconds:7.3f} s  {100 * seconds / parts['total']:5.1f}%")
    results["floor_split"] = {"read": read_s, "insert": insert_s}
    print()
    load_end = os.getloadavg()
    print(f"load average at start {info['loadavg'][0]:.2f}, at end {load_end[0]:.2f} (1 min) on {info['cores']} cores"
          + ("  -- other work was running: absolute figures are inflated, ratios less so" if max(info['loadavg'][0], load_end[0]) > 0.5 else ""))
    failed = [k for k, ok in verdicts.items() if not ok]
    print(f"targets met: {', '.join(k for k, ok in verdicts.items() if ok) or 'none'}; "
          f"not met: {', '.join(failed) or 'none'}; total benchmark time {results['total_runtime_s']:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
