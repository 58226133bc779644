"""The scheduling path end to end: a real `prefect server`, the work pool, `prefect deploy --all`,
a deployment run picked up by a real process worker, data from the local GOV.UK mirror."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SMALL_BOATS_PAGE
from tests.sources.small_boats.builders import small_boats_file

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def prefect_server(tmp_path):
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "DO_NOT_TRACK": "1",
           "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "COLUMNS": "250"}
    env.pop("PREFECT_PROFILES_PATH", None)
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("prefect server did not start: " + (tmp_path / "server.log").read_text()[-2000:])
                time.sleep(0.5)
        yield env
    finally:
        os.killpg(server.pid, signal.SIGTERM)   # the server we started, by its process id
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def prefect(env, *args: str, timeout: float = 180) -> str:
    done = subprocess.run([PREFECT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_deploy_run_and_worker(prefect_server, mirror, tmp_path):
    env = prefect_server
    release = small_boats_file(tmp_path / "files", date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    mirror.publish(SMALL_BOATS_PAGE, release.name, release.read_bytes())
    warehouse = tmp_path / "wh" / "pledges.duckdb"

    prefect(env, "work-pool", "create", "pledges", "--type", "process")
    out = prefect(env, "--no-prompt", "deploy", "--all")
    assert "pledges-run/small-boats" in out and "pledges-build-derived/derived-tables" in out
    listed = prefect(env, "deployment", "ls")
    for name in ("small-boats", "home-office-quarterly", "transparency", "ons-migration", "other-publishers", "derived-tables"):
        assert name in listed

    out = prefect(env, "deployment", "run", "pledges-run/small-boats",
                  "--param", f"warehouse={warehouse}", "--param", f"govuk_base={mirror.base}")
    flow_run_id = re.search(r"flow-run/([0-9a-f-]{36})", out).group(1)
    prefect(env, "worker", "start", "--pool", "pledges", "--run-once", timeout=300)

    state = prefect(env, "flow-run", "inspect", flow_run_id)
    assert re.search(r"state_type=StateType\.COMPLETED|'type': StateType\.COMPLETED|COMPLETED", state), state
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("SELECT status, file_url FROM meta.releases").fetchall()
    total = con.execute("SELECT sum(value) FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals'").fetchone()[0]
    con.close()
    assert rows == [("loaded", mirror.pages[SMALL_BOATS_PAGE]["details"]["attachments"][0]["url"])]
    assert total == sum((i * 37) % 400 for i in range(20))
