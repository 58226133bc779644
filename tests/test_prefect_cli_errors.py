"""`pledges run` under Prefect with its temporary server, in a process of its own as a user runs it: no telemetry
(server analytics off although only the defaults are set), and an error raised inside the flow run, which Prefect
logs with its traceback, is reported without telling the user to rerun with --debug for a traceback already shown."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_flow_run_error_gets_no_debug_hint_and_the_temporary_server_sends_no_telemetry(mirror, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the warehouse folder should be")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PREFECT_API_URL", "PREFECT_SERVER_ANALYTICS_ENABLED", "DO_NOT_TRACK")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")        # a temporary server of its own, nothing shared
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--source", "small_boats", "--govuk-base", mirror.base,
                           "--warehouse", str(blocker / "pledges.duckdb")], env=env, capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).resolve().parents[1])
    output = done.stdout + done.stderr
    assert "Starting temporary server" in output, output
    assert done.returncode == 1, output
    assert "Encountered exception during execution" in output and "Traceback" in output      # Prefect's own log
    assert "pledges run: the flow run failed: " in done.stderr and "(traceback in Prefect's log above)" in done.stderr
    assert "--debug" not in output
    assert "telemetry" not in output.lower()
