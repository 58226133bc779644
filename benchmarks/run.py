"""Benchmark: the project's loader against a bare "floor", side by side on the real published files.

Not a test. Run from the repository root (about 6-7 minutes on a 2-core machine):

    .venv/bin/python benchmarks/run.py                      # every measurement
    .venv/bin/python benchmarks/run.py --json out.json      # also write the figures as JSON
    .venv/bin/python benchmarks/run.py --skip-prefect --skip-default-engines   # quick look (~1 min)

What it measures, on the same files in one run (the real files in ../shared/realdata: ten
small-boats ODS releases, the irregular-migration xlsx and the two transparency xlsx):

 (a) the headline, one process against one process: `flows.ingest.load_paths(settings, [realdata])` into a
     fresh temporary warehouse with `parse_workers=0` (PLEDGES_PARSE_WORKERS=0: no parsing ahead in workers;
     recognise, hash, archive, parse, validate, gate, insert, build marts, checkpoint, fsync, swap), against a
     FLOOR in one process: for each file, the sheets the project loads tables from, read with python-calamine
     directly (`python_calamine.CalamineWorkbook`, rows into a DataFrame as calamine returns them) and written
     with `CREATE TABLE t AS SELECT * FROM df`, no validation and nothing else. Target project / floor <= 2.
     The same load with the default parse workers (one per core besides the run's own) is reported beside it:
     it uses more than one process, the floor does not. Beside them, the files' parse and Pandera validation
     alone (`parse_and_validate` on each file in this process: what the loader's parse process does, with no
     warehouse, gate or derived tables), against the same floor: the least any load that validates can cost,
     with its own steps timed (checks, calamine, parsers, Pandera).
 (b) the same bare script with pandas' default engines (`pd.read_excel`: odfpy for the ODS files, openpyxl for
     the xlsx), what a person would write by hand, against the one-process load. Most of its time is odfpy
     reading the ten ODS files (shown separately). Target default-engine / project >= 10.
 (c) a no-op re-run (`load_paths` again on the same warehouse, nothing changed). Target < 10 % of (a).
 (d) the derived-table rebuild (`build_marts` inside `db.building` under `db.writer_lock`, which is
     what the `pledges_build_derived` flow does): absolute, and as a share of (a).
 (e) Prefect overhead (benchmarks/prefect_runs.py): a real `prefect server start` on a free loopback port
     (temporary PREFECT_HOME, DO_NOT_TRACK=1) and the GOV.UK-shaped mirror of tests/mirror.py serving the
     small-boats page; the ten real releases are published one after another and after each, two fresh child
     processes with identical environments load it: `flows.ingest.run_sources(settings, ["small_boats"])`
     (no Prefect) into warehouse A, the `pledges_run(source_ids=["small_boats"], ...)` flow into warehouse B.
     Child processes because Prefect reads its settings when first imported, and because a process work pool
     runs each scheduled flow in a fresh process. Each run is timed from the parent (interpreter start to exit)
     and, inside the child, the call alone; the flow also writes the HTML report and two artifacts (counted as
     overhead; the no-Prefect child times `write_report` after its timed call).
 (f) peak memory: the full load in a fresh child process, VmHWM from /proc/self/status (and the floor's).

Then where the project's time goes: each round also runs one more full load in one process with the loader's
steps wrapped in timers, printed as a tree with each step's share (files are parsed in child processes, so
their parse steps are seen only as the wait for them). The machine's load average is printed too.

Each timed measurement runs 5 times by default, at least 3 (rounds interleaved, after one untimed warm-up),
and the median is reported; for (a) also the median of each round's own ratio (load and floor back to back).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (REALDATA, RESULT_MARK, breakdown_rows, derived_rebuild, floor_load,  # noqa: E402
                               floor_plan, fmt_s, instrumented_load, machine, med, parse_alone, parse_rows,
                               project_full_load, project_settings, real_files, run_child, table, vm_status_kb)

SCRIPT = Path(__file__).resolve()
HEADLINE_TARGET = 2.0      # one-process load / one-process calamine floor
TIMED = ("project_one_process", "floor", "noop", "derived", "derived_build_marts", "project_workers", "parse_alone")


# --- child processes ----------------------------------------------------------------------------

def child_memory(kind: str, folder: Path) -> dict:
    """(f) in this fresh process: the project's full load (default workers) or the calamine floor."""
    import resource

    started = time.perf_counter()
    if kind == "project":
        import flows.ingest  # noqa: F401
    else:
        import duckdb  # noqa: F401
        import pandas  # noqa: F401
        import python_calamine  # noqa: F401
    imported = time.perf_counter() - started
    rss_after_import = vm_status_kb("VmRSS")
    statuses = []
    if kind == "project":
        seconds, outcomes = project_full_load(folder / "wh" / "pledges.duckdb")
        statuses = sorted({o.status for o in outcomes})
    else:
        plan = json.loads((folder / "plan.json").read_text())
        seconds = floor_load([(Path(p), [tuple(s) for s in sheets]) for p, sheets in plan], folder / "floor.duckdb",
                             "calamine")
    # parse processes are this process's children, waited for when the load ends: the largest one's peak
    worker_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"import_s": imported, "load_s": seconds, "rss_after_import_kb": rss_after_import,
            "vmhwm_kb": vm_status_kb("VmHWM"), "largest_worker_kb": worker_kb, "statuses": statuses}


def child_run(kind: str, warehouse: Path, base: str) -> dict:
    """(e) one scheduled-style run in this fresh process: 'plain' = run_sources, 'flow' = the Prefect flow."""
    started = time.perf_counter()
    if kind == "flow":
        from flows.pipeline import pledges_run
    else:
        from flows.ingest import run_sources
    imported = time.perf_counter() - started
    started = time.perf_counter()
    report_s = None
    if kind == "flow":
        statuses = [r["status"] for r in pledges_run(source_ids=["small_boats"], warehouse=str(warehouse), govuk_base=base)]
        call = time.perf_counter() - started
    else:
        statuses = [o.status for o in run_sources(project_settings(warehouse, govuk_base=base), ["small_boats"])]
        call = time.perf_counter() - started
        from flows.report import write_report     # the extra step the flow does after loading (untimed above)
        report_started = time.perf_counter()
        write_report(warehouse, warehouse.parent / "pledges-report.html")
        report_s = time.perf_counter() - report_started
    return {"import_s": imported, "call_s": call, "report_s": report_s, "statuses": statuses}


# --- measurements -------------------------------------------------------------------------------

def preflight(log) -> tuple[dict, list[Path], list]:
    info = machine()
    log(f"machine: {info['cpu']}, {info['cores']} cores ({info['cores_usable']} usable), {info['ram_gib']} GiB RAM, "
        f"{info['os']}, Python {info['python']}; the loader's default is {info['parse_workers']} parse worker(s)")
    log("packages: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items()))
    log(f"date: {info['date']}; git {info['git'].get('commit', '?')}"
        + (f" with uncommitted changes in {', '.join(info['git']['modified'])}" if info["git"].get("modified") else ""))
    files = real_files()
    n_ods = sum(p.suffix == ".ods" for p in files)
    log(f"files: {len(files)} recognised under {REALDATA} ({n_ods} ODS, {len(files) - n_ods} xlsx, "
        f"{sum(p.stat().st_size for p in files) / 2**20:.1f} MB)")
    if n_ods != 10 or len(files) - n_ods != 3:
        log(f"  note: expected 10 small-boats ODS and 3 xlsx; measuring the {len(files)} found")
    plan = floor_plan(files)
    for path, sheets in plan:
        log(f"  {path.relative_to(REALDATA)}: sheets {', '.join(f'{s} (header row {h + 1})' for s, h in sheets)}")
    return info, files, plan


def measure_memory(work: Path, plan, log) -> dict:
    """(f) first, in children: peak memory of a full load, cold, in a fresh process (and of the floor)."""
    log("(f) peak memory: full load in a fresh child process")
    memory = {}
    for kind in ("project", "floor"):
        folder = work / f"mem-{kind}"
        folder.mkdir()
        (folder / "plan.json").write_text(json.dumps([[str(p), sheets] for p, sheets in plan]))
        _, memory[kind] = run_child(SCRIPT, ["--child-memory", kind, str(folder)])
        log(f"  {kind}: peak RSS {memory[kind]['vmhwm_kb'] / 1024:.0f} MB, largest child process "
            f"{memory[kind]['largest_worker_kb'] / 1024:.0f} MB (after imports "
            f"{memory[kind]['rss_after_import_kb'] / 1024:.0f} MB); cold process: imports {memory[kind]['import_s']:.2f} s, "
            f"load {memory[kind]['load_s']:.2f} s")
        shutil.rmtree(folder, ignore_errors=True)
    if set(memory["project"]["statuses"]) - {"loaded", "skipped"}:
        log(f"  WARNING: the full load's outcomes were {memory['project']['statuses']}")
    return memory


def one_round(folder: Path, plan, files: list[Path]) -> tuple[dict, dict, dict]:
    """(a) (c) (d) back to back: one-process load, floor, parse and validation alone, no-op re-run, derived
    rebuild, load with workers."""
    folder.mkdir()
    warehouse = folder / "wh" / "pledges.duckdb"
    single, outcomes = project_full_load(warehouse, workers=0)
    loaded = [o for o in outcomes if o.status == "loaded"]
    if any(o.is_failure for o in outcomes) or len(loaded) != len(files):
        raise SystemExit("the full load did not load every file: "
                         f"{[(o.name, o.status, o.error) for o in outcomes if o.status != 'skipped']}")
    split: dict = {}
    floor = floor_load(plan, folder / "floor.duckdb", "calamine", split)
    parse_parts = parse_alone(files)
    noop, outcomes = project_full_load(warehouse, workers=0)
    if any(o.status not in ("unchanged", "skipped") for o in outcomes):
        raise SystemExit(f"the no-op re-run did something: {[(o.name, o.status) for o in outcomes]}")
    derived, inner = derived_rebuild(warehouse)
    workers, _ = project_full_load(folder / "workers" / "pledges.duckdb")
    shutil.rmtree(folder, ignore_errors=True)
    figures = dict(zip(TIMED, (single, floor, noop, derived, inner, workers, parse_parts["total"])))
    figures["rows_loaded"] = sum(o.rows for o in loaded)
    return figures, split, parse_parts


def measure_rounds(work: Path, plan, files: list[Path], repeats: int, log) -> dict:
    log(f"(a)(c)(d) one-process full load vs calamine floor, no-op re-run, derived rebuild, load with parse workers "
        f"(+ one full load with its steps timed): 1 warm-up + {repeats} rounds")
    timings: dict[str, list[float]] = {key: [] for key in TIMED}
    splits, steps, parses = [], [], []
    rows_loaded = 0
    for round_ in range(repeats + 1):
        figures, split, parse_parts = one_round(work / f"round-{round_}", plan, files)
        if round_ > 0:
            steps.append(instrumented_load(work / f"steps-{round_}"))
        log(f"  {'warm-up' if round_ == 0 else f'round {round_}'}: full load in one process "
            f"{figures['project_one_process']:.3f} s, floor {figures['floor']:.3f} s, "
            f"parse and validation alone {figures['parse_alone']:.3f} s, no-op {figures['noop']:.3f} s, "
            f"derived {figures['derived']:.3f} s (build_marts {figures['derived_build_marts']:.3f} s), "
            f"full load with parse workers {figures['project_workers']:.3f} s")
        if round_ == 0:
            rows_loaded = figures["rows_loaded"]
            continue
        for key in TIMED:
            timings[key].append(figures[key])
        splits.append(split)
        parses.append(parse_parts)
    return {"timings": timings, "floor_split": {k: med([s.get(k, 0.0) for s in splits]) for k in splits[0]},
            "breakdown": {key: med([x.get(key, 0.0) for x in steps]) for key in steps[0]},
            "parse_breakdown": {key: med([x.get(key, 0.0) for x in parses]) for key in parses[0]},
            "rows_loaded": rows_loaded}


def measure_default_engines(work: Path, plan, repeats: int, log) -> dict:
    """(b) the bare script with pandas' default engines (odfpy for ods, openpyxl for xlsx)."""
    log(f"(b) bare script with pandas' default engines (odfpy for ods, openpyxl for xlsx): {repeats} runs")
    runs, splits = [], []
    for run in range(repeats):
        split: dict = {}
        runs.append(floor_load(plan, work / f"default-{run}.duckdb", "default", split))
        splits.append(split)
        log(f"  run {run + 1}: {runs[-1]:.1f} s (odfpy {split.get('read ods', 0):.1f} s, "
            f"openpyxl {split.get('read xlsx', 0):.1f} s, inserts {split['insert']:.2f} s)")
    return {"runs": runs, "split": {k: med([s.get(k, 0.0) for s in splits]) for k in splits[0]}}


# --- report ---------------------------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def headline_rows(info: dict, files: list[Path], measured: dict) -> tuple[list, dict]:
    t = measured["timings"]
    single, floor, workers = med(t["project_one_process"]), med(t["floor"]), med(t["project_workers"])
    paired = med([p / f for p, f in zip(t["project_one_process"], t["floor"])])
    rows = [
        (f"(a) project full load, one process (parse_workers=0; {len(files)} files)", fmt_s(single), "", "", ""),
        ("(a) floor, one process: python-calamine + CREATE TABLE, no checks", fmt_s(floor), "", "", ""),
        ("(a) project / floor, one process each (ratio of the medians)", "", f"{single / floor:.2f}x",
         f"<= {HEADLINE_TARGET:g}", verdict(single / floor <= HEADLINE_TARGET)),
        ("(a) project / floor (median of each round's ratio)", "", f"{paired:.2f}x", "report", "-"),
        ("(a) the project's parse + Pandera validation alone, one process (no warehouse, gate or derived tables)",
         fmt_s(med(t["parse_alone"])), f"{med(t['parse_alone']) / floor:.2f}x", "report", "-"),
        (f"(a) for reference: the load with {info['parse_workers']} parse worker(s) + the run / floor", fmt_s(workers),
         f"{workers / floor:.2f}x", "report", "-"),
    ]
    verdicts = {"a": single / floor <= HEADLINE_TARGET}
    if "default" in measured:
        default = med(measured["default"]["runs"])
        split = measured["default"]["split"]
        rows += [("(b) bare script, pandas' default engines (odfpy for ods, openpyxl for xlsx)", fmt_s(default), "", "", ""),
                 ("(b)   of which odfpy reading the 10 ODS files", fmt_s(split.get("read ods", 0.0)), "", "", ""),
                 ("(b)   of which openpyxl reading the 3 xlsx files", fmt_s(split.get("read xlsx", 0.0)), "", "", ""),
                 ("(b) default-engine script / project (one process each)", "", f"{default / single:.1f}x", ">= 10",
                  verdict(default / single >= 10))]
        verdicts["b"] = default / single >= 10
    noop, derived, inner = med(t["noop"]), med(t["derived"]), med(t["derived_build_marts"])
    rows += [("(c) no-op re-run / full load", fmt_s(noop), f"{100 * noop / single:.1f}%", "< 10%", verdict(noop / single < 0.10)),
             ("(d) derived rebuild (lock+copy+build+swap) / full", fmt_s(derived), f"{100 * derived / single:.0f}%", "report", "-"),
             ("(d)   of which build_marts alone / full", fmt_s(inner), f"{100 * inner / single:.0f}%", "report", "-")]
    verdicts["c"] = noop / single < 0.10
    return rows, verdicts


def prefect_rows(prefect: dict) -> list:
    plain_wall, flow_wall = med(prefect["plain_wall"]), med(prefect["flow_wall"])
    plain_call, flow_call = med(prefect["plain_call"]), med(prefect["flow_call"])
    per_run = [f - p for f, p in zip(prefect["flow_wall"], prefect["plain_wall"])]
    per_call = [f - p for f, p in zip(prefect["flow_call"], prefect["plain_call"])]
    return [
        ("(e) run_sources, fresh process (wall)", fmt_s(plain_wall), "", "", ""),
        ("(e) pledges_run flow, fresh process (wall)", fmt_s(flow_wall), f"{flow_wall / plain_wall:.2f}x", "report", "-"),
        ("(e) Prefect overhead per run (wall, paired)", fmt_s(med(per_run)), "", "report", "-"),
        ("(e) run_sources call alone (in process)", fmt_s(plain_call), "", "", ""),
        ("(e) flow call alone (in process)", fmt_s(flow_call), f"{flow_call / plain_call:.2f}x", "report", "-"),
        ("(e) Prefect overhead per call (paired)", fmt_s(med(per_call)), "", "report", "-"),
        ("(e)   of which the flow's HTML report", fmt_s(med(prefect["report"])), "", "", ""),
    ]


def memory_rows(mem: dict) -> list:
    project, floor = mem["project"], mem["floor"]
    return [("(f) peak RSS full load, MB (fresh process, default parse workers)", f"{project['vmhwm_kb'] / 1024:.0f} MB",
             f"{project['vmhwm_kb'] / max(floor['vmhwm_kb'], 1):.2f}x floor", "report", "-"),
            ("(f)   and its largest parse process, MB", f"{project['largest_worker_kb'] / 1024:.0f} MB", "", "report", "-"),
            ("(f) peak RSS floor, MB (fresh process)", f"{floor['vmhwm_kb'] / 1024:.0f} MB", "", "", "")]


def print_report(info: dict, results: dict, repeats: int) -> None:
    prefect = results.get("prefect")
    print()
    print(f"Figures: median of {repeats} runs (after a warm-up) for (a)-(d); "
          + (f"{len(prefect['flow_wall'])} paired runs for (e); " if prefect else "")
          + f"{results.get('rows_loaded', 0):,} rows loaded per full load.")
    print(table(results["summary"]))
    print()
    if prefect:
        print("(e) method: both variants in fresh child processes with the same environment (temporary PREFECT_HOME, "
              "PREFECT_API_URL=<the server started here>, DO_NOT_TRACK=1), one after the other for each release. "
              f"Imports (median): no Prefect {med(prefect['plain_import']):.2f} s, with Prefect "
              f"{med(prefect['flow_import']):.2f} s; server start {prefect['server_start_s']:.1f} s (not counted).")
    split, parts = results["floor_split"], results["breakdown"]
    print(f"Where the time goes: median of {repeats} more full loads in one process with the loader's steps timed "
          f"(total {parts['total']:.3f} s; the floor: calamine read {split['read']:.3f} s + insert {split['insert']:.3f} s)")
    for label, seconds in breakdown_rows(parts):
        print(f"  {label:<72} {seconds:7.3f} s  {100 * seconds / parts['total']:5.1f}%")
    parsed, floor = results["parse_breakdown"], med(results["timings"]["floor"])
    print(f"The files' parse and validation, timed in this process (the wait above is for this work in the parse "
          f"process; median of {repeats}), each step against the whole floor ({floor:.3f} s):")
    for label, seconds in parse_rows(parsed):
        print(f"  {label:<72} {seconds:7.3f} s  {seconds / floor:5.2f}x floor")
    print()
    load_end = os.getloadavg()
    print(f"load average at start {info['loadavg'][0]:.2f}, at end {load_end[0]:.2f} (1 min) on {info['cores']} cores"
          + ("  -- other work was running: absolute figures are inflated, ratios less so"
             if max(info['loadavg'][0], load_end[0]) > 0.5 else ""))
    verdicts = results["verdicts"]
    print(f"targets met: {', '.join(k for k, ok in verdicts.items() if ok) or 'none'}; "
          f"not met: {', '.join(k for k, ok in verdicts.items() if not ok) or 'none'}; "
          f"total benchmark time {results['total_runtime_s']:.0f} s")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of (a)-(d) (at least 3; default 5)")
    parser.add_argument("--prefect-runs", type=int, default=10, help="Prefect comparison runs, one release each (default 10)")
    parser.add_argument("--skip-prefect", action="store_true", help="leave out (e)")
    parser.add_argument("--skip-default-engines", action="store_true", help="leave out (b) (about 90 s)")
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    parser.add_argument("--child-memory", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--child-run", nargs=3, metavar=("KIND", "WAREHOUSE", "BASE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def measure(args: argparse.Namespace, repeats: int, log) -> tuple[dict, dict]:
    info, files, plan = preflight(log)
    results: dict = {"machine": info, "files": [str(p.relative_to(REALDATA)) for p in files],
                     "plan": [[str(p), sheets] for p, sheets in plan]}
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        results["memory"] = measure_memory(work, plan, log)
        results.update(measure_rounds(work, plan, files, repeats, log))
        if not args.skip_default_engines:
            results["default"] = measure_default_engines(work, plan, repeats, log)
        if not args.skip_prefect:
            from benchmarks.prefect_runs import measure_prefect
            log(f"(e) Prefect server + GOV.UK mirror: {args.prefect_runs} releases, each loaded by a fresh process "
                "with and without Prefect")
            results["prefect"] = measure_prefect(SCRIPT, args.prefect_runs, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows, results["verdicts"] = headline_rows(info, files, results)
    results["summary"] = rows + (prefect_rows(results["prefect"]) if "prefect" in results else []) \
        + memory_rows(results["memory"])
    return info, results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
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
    began = time.perf_counter()
    info, results = measure(args, repeats, lambda message: print(message, flush=True))
    results["total_runtime_s"] = time.perf_counter() - began
    print_report(info, results, repeats)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
