"""No network: a host that cannot be reached at all (name not resolved, connection refused) fails its sources at once
with a message naming it and `pledges load`, while transient faults keep their backoff; Prefect's task retries apply
to transient faults only; Prefect's telemetry is off for the temporary server too."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows import cli
from flows.catalog import load_catalog


def closed_port() -> str:
    with socket.socket() as s:          # nothing listens here once closed: connection refused
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_offline_run_of_every_source_ends_at_once_naming_the_host_and_pledges_load(tmp_path, monkeypatch, capsys):
    refused = closed_port()
    monkeypatch.setenv("PLEDGES_GOVUK_BASE", "http://nonexistent.invalid")
    monkeypatch.setenv("PLEDGES_ONS_BASE", refused)
    monkeypatch.setenv("PLEDGES_DFE_BASE", refused + "/statistics/v1")
    monkeypatch.setenv("PLEDGES_RETRIES", "4")          # the defaults: 1 + 2 + 4 + 8 s of backoff per transient fault
    monkeypatch.setenv("PLEDGES_BACKOFF", "1")
    started = time.monotonic()
    code = cli.main(["run", "--no-prefect", "--warehouse", str(tmp_path / "wh" / "pledges.duckdb")])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAILED
    assert elapsed < 10, elapsed
    catalog = load_catalog()
    for source_id, source in catalog.items():
        host = "127.0.0.1:" + refused.rsplit(":", 1)[1] if source.discovery in ("ons_dataset", "dfe_api") else "nonexistent.invalid"
        assert f"{source_id}: cannot reach {host} at all" in err, (source_id, err)
    assert "cannot reach nonexistent.invalid at all (its name does not resolve" in err
    assert f"cannot reach 127.0.0.1:{refused.rsplit(':', 1)[1]} at all (connection refused" in err
    assert err.count("pledges load PATH") == len(catalog)
    assert "gave up after" not in err


def test_transient_faults_keep_their_backoff_and_are_typed_as_transient(settings, mirror):
    import dataclasses

    from flows.catalog import load_catalog
    from flows.errors import TransientFetchError
    from flows.fetch import discover
    from tests.conftest import SMALL_BOATS_PAGE
    mirror.fault("/api/content" + SMALL_BOATS_PAGE, *["status:503"] * 3)
    started = time.monotonic()
    with pytest.raises(TransientFetchError, match="gave up after 3 attempts; last error HTTP 503"):
        discover(load_catalog()["small_boats"], dataclasses.replace(settings, retries=2, backoff=0.3))
    assert time.monotonic() - started >= 0.3 + 0.6          # backed off between attempts
    mirror.fault("/api/content" + SMALL_BOATS_PAGE, *["timeout"] * 2)
    with pytest.raises(TransientFetchError, match="ReadTimeout"):
        discover(load_catalog()["small_boats"], dataclasses.replace(settings, retries=1, backoff=0.05, read_timeout=0.5))


def test_prefect_task_retries_apply_to_transient_faults_only():
    from prefect.states import Failed

    from flows.errors import FetchError, HostUnreachable, TransientFetchError
    from flows.pipeline import _transient, discover_attachments, download_file
    assert _transient(None, None, Failed(data=TransientFetchError("x: gave up after 5 attempts; last error HTTP 503")))
    assert not _transient(None, None, Failed(data=HostUnreachable("www.gov.uk", "its name does not resolve", "https://www.gov.uk/x")))
    assert not _transient(None, None, Failed(data=FetchError("x: gave up after 5 attempts (a message is not a type)")))
    assert not _transient(None, None, Failed(data=FetchError("x: HTTP 404 Not Found")))
    for task in (discover_attachments, download_file):
        assert task.retry_condition_fn is _transient and task.retries >= 1


ANALYTICS = ("import flows.pipeline; from prefect.settings import get_current_settings; "
             "print(get_current_settings().server.analytics_enabled)")


def test_prefect_server_analytics_are_off_unless_the_user_turned_them_on():
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_SERVER_ANALYTICS_ENABLED", "DO_NOT_TRACK")}
    for given, expected in [(None, "False"), ("true", "True")]:
        if given is not None:
            env["PREFECT_SERVER_ANALYTICS_ENABLED"] = given
        done = subprocess.run([sys.executable, "-c", ANALYTICS], env=env, capture_output=True, text=True, timeout=120,
                              cwd=Path(__file__).resolve().parents[1])
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == expected, given
