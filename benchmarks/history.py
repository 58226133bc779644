"""Benchmark: what one more weekly release costs as the history grows (issue 13, item 6).

Not a test. Generates weekly small-boats releases templated on the real
`../shared/realdata/small_boats/23_January_2026_Small_boats_-_time_series.ods` (benchmarks/history_files.py:
same members and cell markup; each release re-publishes the whole daily series since 2018, adds 7 days and
revises about 30% of the 14 days before its predecessor's last day), then, in one run, for each N:

  - a warehouse holding N weekly releases, built by `pledges load <folder>` of a few hundred files at a time;
  - rows in marts.metric_observations, rows stored in raw_store.* and rows the raw.* views expose (every release's
    rows, each stored once per run of releases carrying it), the warehouse file's size;
  - `SELECT count(*) FROM marts.observations_as_of(<latest>)` and `... marts.pledge_status_as_of(<latest>)`
    (read-only connection, median of 5 after one untimed run);
  - `pledges rebuild` of a copy of it, wall time;
  - the increment: `pledges load <release N+1>` in a fresh process on a copy of the N-release warehouse (wall
    time from process start to exit, and peak memory: the larger of the run's VmHWM and its parse processes'
    ru_maxrss).
The queries and increments of every N run one after the other in each of --repeats rounds, once every warehouse
is built, so a slow spell of a shared machine hits all sizes alike; medians over the rounds are reported. The
targets are printed as ratios of the largest N against the smallest (10 and 520 by default).
`--with-returns` first loads 40 quarterly returns workbooks (benchmarks/returns_workbook.py's 16 MB workbook,
a few hundred values revised in each quarter) into a second warehouse, puts the same weekly history on top
and compares its increments with those of the first.

Every pipeline step runs the project's CLI in a child process (benchmarks/history_cli.py: `flows.cli.main`, as
`pledges` does), offline (PLEDGES_*_BASE point at a closed local port). The synthetic releases are dated one
week apart after 23 Jan 2026, so most lie after today, and the loader refuses a publication date after
tomorrow: the child runs the CLI with `date.today()` set to the day after the newest release; nothing else is
changed. Run from the repository root:

    .venv/bin/python benchmarks/history.py                       # N = 10, 100, 520
    .venv/bin/python benchmarks/history.py --sizes 10,100        # shorter
    .venv/bin/python benchmarks/history.py --quick               # N = 5, 10, one increment each: a smoke test
    .venv/bin/python benchmarks/history.py --with-returns        # also 40 returns workbooks under the history
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.history_cli import pledges  # noqa: E402

REALDATA = ROOT.parent / "shared" / "realdata"
TEMPLATE = REALDATA / "small_boats" / "23_January_2026_Small_boats_-_time_series.ods"
BATCH = 260                    # releases per `pledges load <folder>` while the history is built
TARGETS = [  # key, what, limit, kind ("ratio" of largest N to smallest, or "absolute" at the largest N)
    ("increment_s", "increment (pledges load of one more release)", 1.5, "ratio"),
    ("as_of_s", "observations_as_of(latest), all rows", 2.0, "ratio"),
    ("observation_rows", "rows stored in marts.metric_observations", 3.0, "ratio"),
    ("increment_rss_mb", "peak memory of an increment, MB", 400.0, "absolute"),
]


# --- measurements -----------------------------------------------------------------------------------

def copy_warehouse(folder: Path, target: Path) -> Path:
    """A copy of a warehouse folder: the warehouse file copied, the raw archive beside it hard-linked (the loader
    never rewrites an archived file in place: it writes a new one and renames it)."""
    def link_or_copy(src: str, dst: str) -> None:
        if ".duckdb" in Path(src).name:
            shutil.copy2(src, dst)
        else:
            os.link(src, dst)

    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder, target, copy_function=link_or_copy,
                    ignore=shutil.ignore_patterns("cli.log", "peak.json", "*.lock"))
    return target / "pledges.duckdb"


def timed_query(con, sql: str, runs: int = 5) -> float:
    con.execute(sql).fetchall()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        con.execute(sql).fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def storage(warehouse: Path) -> dict:
    """Rows stored and the file's size, read-only."""
    import duckdb

    from warehouse import raw_store

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        latest = con.execute("SELECT max(published_on) FROM marts.releases WHERE status = 'loaded'").fetchone()[0]
        stored, exposed = raw_store.row_counts(con)
        return {
            "latest": latest.isoformat(),
            "observation_rows": con.execute("SELECT count(*) FROM marts.metric_observations").fetchone()[0],
            "raw_stored_rows": stored,
            "raw_rows": exposed,
            "file_mb": warehouse.stat().st_size / 2**20,
        }
    finally:
        con.close()


def queries(warehouse: Path, latest: str) -> dict:
    """The two as-of table functions on the latest publication date, read-only: median of 5 after an untimed run."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {"as_of_s": timed_query(con, f"SELECT count(*) FROM marts.observations_as_of(DATE '{latest}')"),
                "status_as_of_s": timed_query(con, f"SELECT count(*) FROM marts.pledge_status_as_of(DATE '{latest}')")}
    finally:
        con.close()


def rounds(snapshots: dict[tuple[str, int], Path], latest: dict, releases: list[Path], today: date, repeats: int,
           work: Path) -> dict[tuple[str, int], dict]:
    """For each snapshot in turn, in each of `repeats` rounds (so a slow spell of a shared machine hits every N alike):
    the as-of queries (weekly track), then `pledges load <release N+1>` on a fresh copy. Medians over the rounds;
    the largest peak memory."""
    runs: dict[tuple[str, int], list] = {key: [] for key in snapshots}
    timed: dict[tuple[str, int], list] = {key: [] for key in snapshots}
    for round_ in range(repeats):
        for (name, n), folder in snapshots.items():
            if name == "weekly":
                timed[name, n].append(queries(folder / "pledges.duckdb", latest[name, n]))
            runs[name, n].append(pledges(copy_warehouse(folder, work / "increment"), today, "load", str(releases[n])))
        print(f"round {round_ + 1}/{repeats}, increments: " + ", ".join(
            f"{name} N={n} {r[-1].wall_s:.2f} s" for (name, n), r in runs.items()), flush=True)
    shutil.rmtree(work / "increment", ignore_errors=True)
    result = {}
    for key, rs in runs.items():
        result[key] = {"increment_s": statistics.median(r.wall_s for r in rs), "increment_runs_s": [r.wall_s for r in rs],
                       "increment_rss_mb": max(r.rss_mb for r in rs)}
        for query in ("as_of_s", "status_as_of_s") if timed[key] else ():
            result[key][query] = statistics.median(t[query] for t in timed[key])
    return result


def load_batches(warehouse: Path, files: list[Path], today: date, work: Path) -> float:
    """`pledges load <folder>` of hard links to `files`, at most BATCH at a time; total wall time."""
    spent = 0.0
    for start in range(0, len(files), BATCH):
        folder = work / f"batch-{start}"
        folder.mkdir(parents=True)
        for path in files[start:start + BATCH]:
            os.link(path, folder / path.name)
        spent += pledges(warehouse, today, "load", str(folder)).wall_s
        shutil.rmtree(folder)
    return spent


def track(name: str, work: Path, releases: list[Path], sizes: list[int], today: date, args, under: list[Path]
          ) -> tuple[dict, dict]:
    """One warehouse grown to each N in turn (after the files `under`, loaded first): rows, size, queries and
    rebuild at each N, and a snapshot of it for the increments."""
    warehouse = work / name / "wh" / "pledges.duckdb"
    shutil.rmtree(work / name, ignore_errors=True)
    results, snapshots = {}, {}
    if under:
        spent = load_batches(warehouse, under, today, work / name)
        print(f"[{name}] loaded {len(under)} files under the history in {spent:.0f} s", flush=True)
    loaded = 0
    for n in sizes:
        try:
            row = {"history_load_s": load_batches(warehouse, releases[loaded:n], today, work / name)}
            loaded = n
            row.update(storage(warehouse))
            snapshots[name, n] = copy_warehouse(warehouse.parent, work / name / f"at-{n}").parent
            if not under and not args.skip_rebuild:
                copy = copy_warehouse(snapshots[name, n], work / name / "rebuild")
                row["rebuild_s"] = pledges(copy, today, "rebuild").wall_s
                shutil.rmtree(copy.parent)
        except RuntimeError as exc:         # a failed CLI run: report what was measured before it
            print(f"[{name}] N={n}: not measured: {exc}", flush=True)
            break
        results[n] = row
        print(f"[{name}] N={n}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                               for k, v in row.items()), flush=True)
    return results, snapshots


# --- files ------------------------------------------------------------------------------------------

def returns_files(work: Path, count: int) -> list[Path]:
    """`count` quarterly returns workbooks: one built by benchmarks/returns_workbook.py, then revised copies."""
    from benchmarks.history_files import returns_workbooks
    from benchmarks.returns_workbook import build

    started = time.perf_counter()
    base = work / "returns-base" / "returns-datasets-dec-2023.xlsx"
    if not base.exists():                        # kept from an earlier run with --keep: reused
        base = build(base.parent, 16.0)
    paths = returns_workbooks(base, work / "returns", count)
    print(f"{count} returns workbooks ({paths[0].stat().st_size / 2**20:.1f} MB each) in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return paths


# --- report -----------------------------------------------------------------------------------------

ROWS = [  # key, label, format
    ("increment_s", "increment: pledges load <one new file>, wall s (median)", "{:.2f}"),
    ("startup_s", "  of which process start (pledges --help)", "{:.2f}"),
    ("increment_rss_mb", "increment: peak memory, MB (run or parse process)", "{:.0f}"),
    ("observation_rows", "rows in marts.metric_observations", "{:,}"),
    ("raw_stored_rows", "rows stored in raw_store.* (what the file holds)", "{:,}"),
    ("raw_rows", "rows the raw.* views expose (every release's rows)", "{:,}"),
    ("file_mb", "warehouse file, MB", "{:.1f}"),
    ("as_of_s", "count(*) FROM observations_as_of(latest), s", "{:.3f}"),
    ("status_as_of_s", "count(*) FROM pledge_status_as_of(latest), s", "{:.3f}"),
    ("rebuild_s", "pledges rebuild (N releases), wall s", "{:.1f}"),
    ("history_load_s", "loading the releases since the previous N, wall s", "{:.1f}"),
]


def print_table(title: str, results: dict) -> None:
    sizes = sorted(results)
    print(f"\n{title}")
    print(f"| {'weekly releases loaded (N)':<58} | " + " | ".join(f"{n:>12}" for n in sizes) + " |")
    print("|" + "-" * 60 + "|" + "|".join("-" * 14 for _ in sizes) + "|")
    for key, label, fmt in ROWS:
        if any(key in results[n] for n in sizes):
            cells = [fmt.format(results[n][key]) if key in results[n] else "-" for n in sizes]
            print(f"| {label:<58} | " + " | ".join(f"{c:>12}" for c in cells) + " |")


def verdicts(results: dict, with_returns: dict | None) -> list[tuple[str, str, bool]]:
    small, large = min(results), max(results)
    lines = []
    for key, what, limit, kind in TARGETS:
        if key not in results[large] or key not in results[small]:
            lines.append((f"{what}: not measured", f"{limit}", False))
        elif kind == "ratio":
            ratio = results[large][key] / results[small][key]
            lines.append((f"{what}: N={large} / N={small} = {ratio:.2f}x", f"<= {limit}x", ratio <= limit))
        else:
            value = results[large][key]
            lines.append((f"{what} at N={large}: {value:.0f}", f"<= {limit:.0f}", value <= limit))
    both = [n for n in results if with_returns and "increment_s" in with_returns.get(n, {}) and "increment_s" in results[n]]
    if both:
        n = max(both)
        ratio = with_returns[n]["increment_s"] / results[n]["increment_s"]
        lines.append((f"increment at N={n} with {with_returns['count']} returns workbooks under it / without: "
                      f"{ratio:.2f}x ({with_returns[n]['increment_s']:.2f} s, "
                      f"{with_returns[n]['increment_rss_mb']:.0f} MB)", "<= 1.5x", ratio <= 1.5))
    return lines


def report(results: dict, with_returns: dict | None, started: float) -> None:
    print_table("Weekly small-boats history (synthetic releases templated on the real 23 Jan 2026 file)", results)
    if with_returns:
        print_table(f"The same with {with_returns['count']} quarterly returns workbooks loaded first",
                    {n: row for n, row in with_returns.items() if n != "count"})
    if len(results) < 2:
        print("\nTargets not evaluated: fewer than two sizes measured.")
    else:
        small, large = min(results), max(results)
        print("\nTargets (issue 13), measured in this run" + ("" if (small, large) == (10, 520) else
              f" (defined for N=10 and 520; shown for N={small} and {large})") + ":")
        for text, target, met in verdicts(results, with_returns):
            print(f"  {'MET    ' if met else 'NOT MET'}  {text}  (target {target})")
    print(f"\nload average {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores; "
          f"total benchmark time {time.perf_counter() - started:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,520", help="N, comma separated (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="increments timed at each N, on copies (default 3)")
    parser.add_argument("--quick", action="store_true", help="N = 5,10, one increment each (a smoke test)")
    parser.add_argument("--skip-rebuild", action="store_true", help="leave out `pledges rebuild`")
    parser.add_argument("--with-returns", action="store_true", help="also the history on top of returns workbooks")
    parser.add_argument("--returns", type=int, default=40, help="returns workbooks for --with-returns (default 40)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temporary directory)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats = "5,10", 1
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    if not TEMPLATE.is_file():
        print(f"benchmarks/history.py: skipped: the real template {TEMPLATE} is not there (../shared/realdata beside "
              "the repository); nothing was measured.")
        return 0
    started = time.perf_counter()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-history-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results, with_returns = measure(work, sizes, args)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report(results, with_returns, started)
    if args.json:
        Path(args.json).write_text(json.dumps({"weekly": results, "with_returns": with_returns}, indent=2, default=str))
    return 0


def measure(work: Path, sizes: list[int], args) -> tuple[dict, dict | None]:
    from benchmarks.history_files import weekly_releases

    generated = time.perf_counter()
    releases = weekly_releases(TEMPLATE, work / "releases", max(sizes) + 1)
    today = max(date.today(), date(2026, 1, 23) + timedelta(days=7 * len(releases) + 1))
    if args.with_returns:      # returns are published about two months after the month in their name
        today = max(today, date(2026 + (args.returns - 1) // 4 + 1, 3, 1))
    print(f"{len(releases)} weekly releases ({releases[0].name} ... {releases[-1].name}, "
          f"{releases[-1].stat().st_size / 1024:.0f} KB the last) in {time.perf_counter() - generated:.0f} s; "
          f"the CLI runs with today = {today}", flush=True)
    results, snapshots = track("weekly", work, releases, sizes, today, args, under=[])
    with_returns = None
    if args.with_returns:
        with_returns, more = track("with-returns", work, releases, sizes, today, args, returns_files(work, args.returns))
        snapshots.update(more)
    (work / "empty").mkdir(exist_ok=True)
    for folder in snapshots.values():   # a no-op load: derived tables rebuilt if the code changed since (else nothing)
        pledges(folder / "pledges.duckdb", today, "load", str(work / "empty"), expect=None)
    startup = statistics.median(pledges(work / "startup" / "pledges.duckdb", today, "--help", expect=None).wall_s
                                for _ in range(3))
    print(f"process start (pledges --help): {startup:.2f} s, in every increment's wall time", flush=True)
    try:
        latest = {key: (results if key[0] == "weekly" else with_returns)[key[1]]["latest"] for key in snapshots}
        for (name, n), figures in rounds(snapshots, latest, releases, today, args.repeats, work).items():
            (results if name == "weekly" else with_returns)[n].update(figures, startup_s=startup)
    except RuntimeError as exc:
        print(f"increments and queries not measured: {exc}", flush=True)
    if with_returns is not None:
        with_returns["count"] = args.returns
    return results, with_returns


if __name__ == "__main__":
    raise SystemExit(main())
