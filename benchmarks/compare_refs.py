"""Benchmark: does a restructuring regress? The same commands on two commits of this repository, side by side.

Not a test. Run from the repository root (about 2-3 minutes on a 2-core machine):

    .venv/bin/python benchmarks/compare_refs.py                       # 073232a (before issue 14) against HEAD
    .venv/bin/python benchmarks/compare_refs.py --base REF --head REF --rounds 5

Each commit is checked out in a temporary git worktree and run with this interpreter (the same packages), as a
user runs it, in a fresh process each time: `pledges load` of the real published files that benchmarks/run.py
uses (13 files in ../shared/realdata recognised by name by both commits) into a new warehouse, once with the
default parse workers and once in one process (PLEDGES_PARSE_WORKERS=0); then a no-op re-run of the same load,
and `pledges status`. Rounds alternate base and head, after one untimed warm-up of each; medians are reported
with head / base ratios. A ratio above 1.10 is reported as a regression.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
BEFORE_ISSUE_14 = "073232a"     # the last commit before the one-folder-per-family restructuring
REGRESSION = 1.10


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def real_files() -> list[Path]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.common import real_files as files
    return files()


def timed(checkout: Path, args: list[str], env: dict) -> float:
    """Wall-clock seconds of `python -m flows.cli ARGS` in a fresh process (interpreter start to exit)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=checkout, capture_output=True, text=True,
                          env={**os.environ, **env, "PYTHONPATH": str(checkout)})
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{checkout.name}: pledges {' '.join(args[:2])} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return elapsed


def one_round(checkout: Path, files: list[Path], scratch: Path) -> dict[str, float]:
    figures = {}
    for label, env in (("fresh load, default parse workers", {}),
                       ("fresh load, one process", {"PLEDGES_PARSE_WORKERS": "0"})):
        warehouse = scratch / "wh" / "pledges.duckdb"
        shutil.rmtree(warehouse.parent, ignore_errors=True)
        figures[label] = timed(checkout, ["load", "--warehouse", str(warehouse), *map(str, files)], env)
    figures["no-op re-run of the load"] = timed(checkout, ["load", "--warehouse", str(warehouse), *map(str, files)], {})
    figures["pledges status"] = timed(checkout, ["status", "--warehouse", str(warehouse)], {})
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default=BEFORE_ISSUE_14)
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if not REALDATA.is_dir():
        print(f"skipped: the real published files are not at {REALDATA}")
        return 0
    files = real_files()
    refs = {"base": git("rev-parse", "--short", args.base), "head": git("rev-parse", "--short", args.head)}
    print(f"base {refs['base']} ({args.base}) against head {refs['head']} ({args.head}); {len(files)} real files; "
          f"{args.rounds} rounds after a warm-up; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="compare-refs-") as tmp:
        checkouts = {}
        for side, ref in refs.items():
            checkouts[side] = Path(tmp) / side
            git("worktree", "add", "--detach", "--force", str(checkouts[side]), ref)
        try:
            runs: dict[str, list[dict[str, float]]] = {"base": [], "head": []}
            for round_no in range(args.rounds + 1):
                for side in ("base", "head") if round_no % 2 else ("head", "base"):
                    figures = one_round(checkouts[side], files, Path(tmp) / f"scratch-{side}")
                    if round_no:                       # round 0 is the warm-up
                        runs[side].append(figures)
        finally:
            for checkout in checkouts.values():
                git("worktree", "remove", "--force", str(checkout))
    print(f"\n| measurement | base {refs['base']} s | head {refs['head']} s | head / base |\n|---|---|---|---|")
    regressions = []
    for label in runs["base"][0]:
        base = statistics.median(r[label] for r in runs["base"])
        head = statistics.median(r[label] for r in runs["head"])
        ratio = head / base
        regressions += [label] if ratio > REGRESSION else []
        print(f"| {label} | {base:.3f} | {head:.3f} | {ratio:.2f}x |")
    print(f"\nload average at end {os.getloadavg()[0]:.2f}; "
          + (f"slower by more than {REGRESSION:.2f}x: {', '.join(regressions)}" if regressions
             else f"no measurement slower by more than {REGRESSION:.2f}x"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
