"""Fast start (issue 13, item 5): the commands that only read the warehouse (`pledges status`, `sql`, `docs`) import
neither pandas nor pandera nor the parsers, so they answer in a fraction of a second.

Each command runs in a fresh interpreter on a small real warehouse (two published small-boats files); what it
imported is read from `sys.modules` when it is done."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows import cli
from tests.conftest import REALDATA

ROOT = Path(__file__).resolve().parents[1]
FILES = ["16_January_2026_Small_boats_-_time_series.ods", "23_January_2026_Small_boats_-_time_series.ods"]
HEAVY = ("pandas", "pandera", "flows.parsers", "flows.sources")

# Runs `pledges ARGS...` as `python -m flows.cli` would, then writes its exit code and the heavy modules imported.
# PROBE_IMPORT names a module to import first (to check the check).
PROBE = """
import importlib, json, os, runpy, sys
if os.environ.get("PROBE_IMPORT"):
    importlib.import_module(os.environ["PROBE_IMPORT"])
out, sys.argv = sys.argv[1], ["pledges", *sys.argv[2:]]
try:
    runpy.run_module("flows.cli", run_name="__main__")
    code = 0
except SystemExit as exit:
    code = exit.code
heavy = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in {heavy!r}))
open(out, "w").write(json.dumps({{"code": code, "heavy": heavy}}))
""".format(heavy=HEAVY)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    if not all((REALDATA / "small_boats" / name).is_file() for name in FILES):
        pytest.skip(f"real published files not present at {REALDATA / 'small_boats'}")
    path = tmp_path_factory.mktemp("fast") / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(path), *(str(REALDATA / "small_boats" / n) for n in FILES)]) == 0
    return path


def imported_by(command: list[str], warehouse: Path, tmp_path: Path, first: str = "") -> dict:
    out = tmp_path / "probe.json"
    done = subprocess.run([sys.executable, "-c", PROBE, str(out), *command, "--warehouse", str(warehouse)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "PROBE_IMPORT": first}, capture_output=True,
                          text=True, timeout=120)
    assert out.exists(), done.stderr
    return {**json.loads(out.read_text()), "stdout": done.stdout, "stderr": done.stderr}


@pytest.mark.parametrize("command", [
    ["status"],
    ["status", "--explain", "--changes"],
    ["status", "--json", "--as-of", "2026-01-20"],
    ["sql", "SELECT metric_id, count(*) AS n FROM marts.metric_observations GROUP BY ALL"],
    ["sql", "--json", "SELECT * FROM marts.pledge_status"],
    ["docs"],
], ids=lambda c: " ".join(c[:2]))
def test_reading_commands_import_neither_pandas_nor_pandera_nor_the_parsers(command, warehouse, tmp_path):
    found = imported_by(command, warehouse, tmp_path)
    assert found["code"] in (0, None), found["stderr"]
    assert found["stdout"].strip()                      # it did answer
    assert found["heavy"] == [], f"pledges {' '.join(command)} imported {found['heavy'][:8]}"


def test_the_probe_sees_heavy_imports(warehouse, tmp_path):
    """The check itself works (it cannot pass for want of looking): pandas imported before the command is seen."""
    found = imported_by(["status"], warehouse, tmp_path, first="pandas")
    assert found["code"] in (0, None) and "pandas" in found["heavy"], found
