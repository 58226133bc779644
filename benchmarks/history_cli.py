"""`pledges` in a child process for benchmarks/history.py: offline, with a fixed "today", its peak memory reported.

    python benchmarks/history_cli.py YYYY-MM-DD [pledges arguments...]

runs the project's CLI (`flows.cli.main`, as `pledges` does) with `date.today()` in the project's modules that
ask for it set to YYYY-MM-DD. The synthetic weekly releases of benchmarks/history.py are dated one week apart
after 23 Jan 2026, so most lie after the real today, and the loader refuses a publication date after tomorrow;
nothing else is changed. At exit it writes its peak memory to $HISTORY_PEAK_FILE (see report_peak_memory).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OFFLINE = "http://127.0.0.1:9"  # a closed port: nothing is fetched, even by mistake


def cli_child(today: str, argv: list[str]) -> int:
    """In the child: the project's modules see `today` as today's date (see the module docstring), then the CLI."""
    import datetime as dt
    import importlib.machinery

    fixed = dt.date.fromisoformat(today)
    packages = ("flows", "warehouse", "schemas")

    class Today(dt.date):
        @classmethod
        def today(cls):
            return fixed

    def patch(module) -> None:
        """Only where the module asks for today's date (elsewhere `date` may be compared with types)."""
        source = getattr(module, "__file__", None)
        if getattr(module, "date", None) is dt.date and source and "date.today(" in Path(source).read_text():
            module.date = Today

    class PatchOnImport:
        """The CLI imports the loader lazily: patch each project module as it is imported."""
        @staticmethod
        def find_spec(name, path, target=None):
            if name.split(".")[0] not in packages:
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is not None and hasattr(spec.loader, "exec_module"):
                run = spec.loader.exec_module
                spec.loader.exec_module = lambda module: (run(module), patch(module))
            return spec

    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in packages:
            patch(module)
    sys.meta_path.insert(0, PatchOnImport)
    import flows.cli
    try:
        return flows.cli.main(argv)
    finally:
        report_peak_memory()


def report_peak_memory() -> None:
    """In the child, at the end: its own VmHWM (this process since exec; ru_maxrss would also count the parent's
    memory it was forked from) and the largest ru_maxrss of its waited children (the parse processes)."""
    import resource

    if (target := os.environ.get("HISTORY_PEAK_FILE")):
        hwm = next((int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                    if line.startswith("VmHWM:")), 0)
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        Path(target).write_text(json.dumps({"run_kb": hwm, "children_kb": children}))


@dataclass
class Run:
    wall_s: float
    rss_mb: float
    output: str


def child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLEDGES_", "PREFECT_"))}
    return {**env, "DO_NOT_TRACK": "1", "PLEDGES_GOVUK_BASE": OFFLINE, "PLEDGES_ONS_BASE": OFFLINE,
            "PLEDGES_DFE_BASE": OFFLINE, "PLEDGES_RETRIES": "0", "PLEDGES_LOCK_TIMEOUT": "30"}


def pledges(warehouse: Path, today: date, *args: str, expect: str | None = "loaded") -> Run:
    """`pledges --warehouse W ARGS` in a fresh process: wall time, and the peak memory of the largest of it and its
    parse processes (report_peak_memory)."""
    log, peak = warehouse.parent / "cli.log", warehouse.parent / "peak.json"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), today.isoformat(), "--warehouse", str(warehouse), *args]
    started = time.perf_counter()
    with open(log, "w") as out:
        code = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                              env={**child_env(), "HISTORY_PEAK_FILE": str(peak)}).returncode
    wall = time.perf_counter() - started
    output = log.read_text()
    if code != 0 or (expect and expect not in output):
        raise RuntimeError(f"pledges {' '.join(args)} failed (exit {code}):\n{output[-4000:]}")
    memory = json.loads(peak.read_text())
    return Run(wall, max(memory["run_kb"], memory["children_kb"]) / 1024, output)


if __name__ == "__main__":
    sys.path[0] = str(ROOT)          # the project, not benchmarks/, first
    raise SystemExit(cli_child(sys.argv[1], sys.argv[2:]))
