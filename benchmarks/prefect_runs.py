"""(e) of benchmarks/run.py: a real Prefect server and the GOV.UK-shaped mirror, each real small-boats release
loaded by a fresh process with and without Prefect (see run.py's docstring)."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import REALDATA, run_child

SMALL_BOATS_PAGE = "/government/publications/migrants-detected-crossing-the-english-channel-in-small-boats"


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


def _releases(runs: int, log) -> list[Path]:
    from flows.catalog import load_catalog

    source = load_catalog()["small_boats"]
    releases = sorted((p for p in (REALDATA / "small_boats").iterdir() if source.matches(p.name)),
                      key=lambda p: source.date_in_name(p.name))
    if len(releases) < runs:
        log(f"  only {len(releases)} small-boats releases: {len(releases)} Prefect runs")
    return releases[:runs]


def _pair(script: Path, work: Path, server: PrefectServer, base: str, i: int, path: Path, result: dict) -> None:
    """Release i loaded by both variants, in alternating order (against drift)."""
    for kind in (["plain", "flow"] if i % 2 == 0 else ["flow", "plain"]):
        wall, out = run_child(script, ["--child-run", kind, str(work / kind / "pledges.duckdb"), base], env=server.env)
        if out["statuses"] != ["loaded"]:
            raise RuntimeError(f"{kind} run {i + 1} ({path.name}): expected one release loaded, got {out['statuses']}")
        result[f"{kind}_wall"].append(wall)
        result[f"{kind}_call"].append(out["call_s"])
        result[f"{kind}_import"].append(out["import_s"])
        if out["report_s"] is not None:
            result["report"].append(out["report_s"])


def measure_prefect(script: Path, runs: int, log) -> dict:
    """`script --child-run KIND WAREHOUSE BASE` is the child (benchmarks/run.py)."""
    from tests.mirror import MirrorServer

    releases = _releases(runs, log)
    work = Path(tempfile.mkdtemp(prefix="bench-prefect-"))
    server = PrefectServer(work)
    result: dict = {key: [] for key in ("plain_wall", "flow_wall", "plain_call", "flow_call", "plain_import",
                                        "flow_import", "report")}
    try:
        result["server_start_s"] = server.start()
        log(f"  prefect server healthy on {server.api} after {result['server_start_s']:.1f} s (pid {server.proc.pid})")
        with MirrorServer() as mirror:
            for i, path in enumerate(releases):
                mirror.publish(SMALL_BOATS_PAGE, path.name, path.read_bytes())
                _pair(script, work, server, mirror.base, i, path, result)
                log(f"  release {i + 1}/{len(releases)} {path.name}: no Prefect {result['plain_wall'][-1]:.2f} s, "
                    f"Prefect flow {result['flow_wall'][-1]:.2f} s (wall, fresh process)")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return result
