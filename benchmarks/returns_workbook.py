"""Benchmark: load a returns detailed dataset of the published size (~16 MB) and report time and peak memory.

Not a test. It builds `returns-datasets-dec-2023.xlsx` in code, in the published layout
(`Data - Ret_D01` ... `Data - Ret_D04` beside pivot sheets, title row 1, header row 2,
`End of table` last), from the real values in ../shared/realdata/returns_derived/
(Ret_D01 rows repeated until the workbook reaches the target size), then loads it in a
fresh process through `flows.ingest.load_paths` into a temporary warehouse, so the peak
memory reported is the loader's own, and prints:

    parse+validate seconds, load (parse + validate + insert + marts + publish) seconds,
    peak RSS of the loading process (ru_maxrss), and the tracemalloc peak of Python objects.

Run from the repository root:

    .venv/bin/python benchmarks/returns_workbook.py                 # build (about a minute) and measure
    .venv/bin/python benchmarks/returns_workbook.py --keep /tmp/rw  # reuse a workbook built before
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REALDATA = ROOT.parent / "shared" / "realdata" / "returns_derived"
FILE_NAME = "returns-datasets-dec-2023.xlsx"
BYTES_PER_RET_D01_ROW = 37.6      # measured: 379,156 rows of Ret_D01 (with Ret_D02-D04) made a 15.7 MB workbook


def build(folder: Path, target_mb: float) -> Path:
    import pandas as pd

    from tests.sources.home_office_detailed.builders import ho_dataset_sheets, published_returns
    from tests.workbooks import write_xlsx

    ret_d01 = published_returns(pd.read_csv(REALDATA / "Ret_D01_returns.csv.gz"))
    others = {
        "Ret_D02": ("Returns by return type and destination", "returns_by_destination.csv"),
        "Ret_D03": ("Returns of foreign national offenders by nationality", "returns_offenders_by_nationality.csv"),
        "Ret_D04": ("Returns of foreign national offenders by destination", "returns_offenders_by_destination.csv"),
    }
    tables = {}
    other_rows = 0
    for table_id, (title, file_name) in others.items():
        frame = published_returns(pd.read_csv(REALDATA / file_name))
        tables[table_id] = (title, frame)
        other_rows += len(frame)
    wanted_rows = int(target_mb * 2**20 / BYTES_PER_RET_D01_ROW) - other_rows
    repeats = -(-wanted_rows // len(ret_d01))
    big = pd.concat([ret_d01] * repeats, ignore_index=True).iloc[:max(wanted_rows, len(ret_d01))]
    tables = {"Ret_D01": ("Returns by nationality, return type, age, sex and destination", big), **tables}
    path = folder / FILE_NAME
    started = time.perf_counter()
    write_xlsx(path, ho_dataset_sheets(tables))
    print(f"built {path} ({path.stat().st_size / 2**20:.1f} MB, Ret_D01 {len(big):,} rows = the real "
          f"{len(ret_d01):,} rows x {len(big) / len(ret_d01):.2f}) in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def measure(path: Path, trace: bool) -> dict:
    """In this (fresh) process: parse+validate once, then a full load into a temporary warehouse."""
    from flows.catalog import recognise
    from flows.config import Settings
    from flows.ingest import load_paths, parse_and_validate

    source = recognise(path.name)
    with tempfile.TemporaryDirectory() as tmp:
        settings = dataclasses.replace(Settings(), warehouse=Path(tmp) / "wh" / "pledges.duckdb")
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        tables, _notes = parse_and_validate(source, path, "benchmark", settings)
        parsed = time.perf_counter() - started
        rows = {t.name: len(t.frame) for t in tables}
        del tables
        traced_peak = tracemalloc.get_traced_memory()[1] if trace else None
        if trace:
            tracemalloc.stop()
        started = time.perf_counter()
        outcomes = load_paths(settings, [path])
        loaded = time.perf_counter() - started
    return {"parse_validate_s": round(parsed, 2), "load_s": round(loaded, 2), "rows": rows,
            "status": [o.status for o in outcomes],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "tracemalloc_peak_mb": round(traced_peak / 2**20, 1) if traced_peak is not None else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target-mb", type=float, default=16.0)
    parser.add_argument("--keep", metavar="FOLDER", help="build into (or reuse the workbook in) this folder")
    parser.add_argument("--measure", metavar="PATH", help=argparse.SUPPRESS)     # the child process
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.trace)))
        return 0
    if not (REALDATA / "Ret_D01_returns.csv.gz").exists():
        print(f"real values not found at {REALDATA}", file=sys.stderr)
        return 2
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="returns-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    if not path.exists():
        build(folder, args.target_mb)
    else:
        print(f"reusing {path} ({path.stat().st_size / 2**20:.1f} MB)")
    results = {}
    for trace in (False, True):    # tracemalloc slows Python down: time the untraced run, trace a second one
        child = subprocess.run([sys.executable, __file__, "--measure", str(path)] + (["--trace"] if trace else []),
                               capture_output=True, text=True, cwd=ROOT)
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return 1
        results[trace] = json.loads(child.stdout.strip().splitlines()[-1])
    plain, traced = results[False], results[True]
    print(f"workbook           {path.stat().st_size / 2**20:.1f} MB, rows {plain['rows']}")
    print(f"parse + validate   {plain['parse_validate_s']:.1f} s")
    print(f"full load          {plain['load_s']:.1f} s  (parse, validate, insert into raw.*, build marts, publish; status {plain['status']})")
    print(f"peak RSS           {plain['peak_rss_mb']:.0f} MB  (the loading process, ru_maxrss)")
    print(f"tracemalloc peak   {traced['tracemalloc_peak_mb']:.0f} MB  (Python allocations during parse + validate)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
