"""Fast start (issue 13, item 5): the commands that only read the warehouse (`pledges status`, `sql`, `docs`) import
neither pandas nor pandera nor the parsers, so they answer in a fraction of a second; so does a `pledges load` that
changes nothing (flows/noop.py), with exactly the output and exit code of the full load.

Each command runs in a fresh interpreter on a small real warehouse (two published small-boats files); what it
imported is read from `sys.modules` when it is done."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows import catalog, cli, noop
from flows.run_settings import settings_for
from tests.catalog_copy import catalog_copy
from tests.conftest import REALDATA
from warehouse.fingerprint import files_fingerprint
from warehouse.register import REGISTER_FILE

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


def imported_by(command: list[str], warehouse: Path, tmp_path: Path, first: str = "", env: dict | None = None) -> dict:
    out = tmp_path / "probe.json"
    done = subprocess.run([sys.executable, "-c", PROBE, str(out), *command, "--warehouse", str(warehouse)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "PROBE_IMPORT": first, **(env or {})},
                          capture_output=True, text=True, timeout=300)
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


# --- a load that changes nothing --------------------------------------------------------------

def real(*names: str) -> list[str]:
    return [str(REALDATA / "small_boats" / name) for name in names]


def heavy_for_load(found: dict) -> list[str]:
    """The heavy modules a load imported, less the bare family packages (flows/sources/<family>/__init__.py, empty):
    loading the catalog finds each family's parser module (catalog.family_problem), importing its package, never it."""
    return [m for m in found["heavy"] if not (m.startswith("flows.sources") and m.count(".") <= 2)]


def full_load(warehouse: Path, paths: list[str], capsys) -> dict:
    """What today's full load (flows.ingest.load_paths) prints and exits with, run here."""
    from flows import ingest
    capsys.readouterr()
    code = cli._print_outcomes(ingest.load_paths(settings_for(warehouse), [Path(p) for p in paths]))
    printed = capsys.readouterr()
    return {"code": code, "stdout": printed.out, "stderr": printed.err}


def published_fingerprint_of(warehouse: Path) -> str:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("SELECT fingerprint FROM meta.build_info").fetchone()[0]
    finally:
        con.close()


def test_a_load_of_files_already_loaded_imports_nothing_heavy_and_says_what_the_full_load_says(warehouse, tmp_path,
                                                                                                capsys):
    found = imported_by(["load", *real(*FILES)], warehouse, tmp_path)
    assert heavy_for_load(found) == [], f"a no-op pledges load imported {heavy_for_load(found)[:8]}"
    full = full_load(warehouse, real(*FILES), capsys)
    assert (found["code"], found["stdout"], found["stderr"]) == (full["code"], full["stdout"], full["stderr"])
    assert found["stdout"].splitlines()[-1] == "summary: 2 unchanged" and found["code"] == 0


def test_a_file_only_its_content_names_is_left_to_the_full_load(warehouse, tmp_path):
    renamed = tmp_path / "small boats (1).ods"          # no catalog pattern matches: recognised by its content
    shutil.copy(REALDATA / "small_boats" / FILES[0], renamed)
    assert noop.noop_load(settings_for(warehouse), [renamed]) is None
    assert noop.noop_load(settings_for(warehouse), [Path(p) for p in real(*FILES)]) is not None


def a_folder_of_things_named_by_content(folder: Path) -> Path:
    """A loaded file under a name no pattern matches, a README and a CSV no source has: each needs its content read."""
    folder.mkdir()
    shutil.copy(REALDATA / "small_boats" / FILES[0], folder / "small boats (1).ods")
    (folder / "README.md").write_text("Downloaded from GOV.UK.\n")
    (folder / "returns.csv").write_text("Date,Return type,Number of returns\n2024-01-01,Enforced,3\n")
    return folder


def test_after_a_full_load_files_named_by_content_are_told_from_the_memo(warehouse, tmp_path, capsys):
    copy = tmp_path / "wh" / "pledges.duckdb"
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    folder = a_folder_of_things_named_by_content(tmp_path / "files")
    assert noop.noop_load(settings_for(copy), [folder]) is None          # nothing remembered yet: the full load reads
    first = full_load(copy, [str(folder)], capsys)
    assert first["code"] == 0 and first["stdout"].splitlines()[-1] == "summary: 2 skipped, 1 unchanged"
    found = imported_by(["load", str(folder)], copy, tmp_path)
    assert heavy_for_load(found) == [], f"a no-op pledges load imported {heavy_for_load(found)[:8]}"
    full = full_load(copy, [str(folder)], capsys)
    assert (found["code"], found["stdout"], found["stderr"]) == (full["code"], full["stdout"], full["stderr"])
    (folder / "README.md").write_text("Downloaded from GOV.UK, again.\n")        # other bytes: read again
    assert noop.noop_load(settings_for(copy), [folder]) is None
    full_load(copy, [str(folder)], capsys)
    assert noop.noop_load(settings_for(copy), [folder]) is not None
    other_limit = dataclasses.replace(settings_for(copy), max_unzipped_bytes=10 * 2**20)   # recognition could differ
    assert noop.noop_load(other_limit, [folder]) is None


def test_a_load_with_a_new_file_loads_and_publishes_it(warehouse, tmp_path):
    new = "09_January_2026_Small_boats_-_time_series.ods"
    if not (REALDATA / "small_boats" / new).is_file():
        pytest.skip(f"real published file {new} not present at {REALDATA / 'small_boats'}")
    copy = tmp_path / "wh" / "pledges.duckdb"
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    found = imported_by(["load", *real(*FILES, new)], copy, tmp_path)
    assert found["code"] == 0, found["stderr"]
    assert "pandas" in found["heavy"]                   # the full load ran
    assert f"loaded    small_boats    {new}" in found["stdout"] and "summary: 1 loaded, 2 unchanged" in found["stdout"]
    con = duckdb.connect(str(copy), read_only=True)
    assert con.execute("SELECT status FROM meta.releases WHERE file_name = ?", [new]).fetchall() == [("loaded",)]
    con.close()


def test_an_edited_register_is_applied_not_skipped(warehouse, tmp_path, monkeypatch):
    copy = tmp_path / "wh" / "pledges.duckdb"
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    register = tmp_path / "pledges.toml"
    register.write_text(REGISTER_FILE.read_text() + "\n# edited\n")
    found = imported_by(["load", *real(*FILES)], copy, tmp_path, env={"PLEDGES_REGISTER": str(register)})
    assert found["code"] == 0, found["stderr"]
    assert "pandas" in found["heavy"] and found["stdout"].splitlines()[-1] == "summary: 2 unchanged"
    monkeypatch.setenv("PLEDGES_REGISTER", str(register))   # the derived tables were rebuilt from the edited register
    assert published_fingerprint_of(copy) == files_fingerprint(catalog.catalog_files())
    assert published_fingerprint_of(copy) != published_fingerprint_of(warehouse)


def test_an_edited_catalog_is_applied_not_skipped(warehouse, tmp_path, monkeypatch):
    copy = tmp_path / "wh" / "pledges.duckdb"
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    root = catalog_copy(tmp_path)
    edited = sorted(root.glob("*/source.toml"))
    edited[0].write_text(edited[0].read_text() + "\n# edited\n")
    for module in (catalog, noop):                      # what the full load and the pre-check fingerprint
        monkeypatch.setattr(module, "catalog_files", lambda *_: tuple(edited))
    assert noop.noop_load(settings_for(copy), [Path(p) for p in real(*FILES)]) is None
    assert cli.main(["load", "--warehouse", str(copy), *real(*FILES)]) == 0
    assert published_fingerprint_of(copy) == files_fingerprint(edited)      # rebuilt: the full load ran


def test_a_release_held_before_is_reported_held_again_as_the_full_load_does(tmp_path, capsys):
    from tests.test_release_gate import GOOD, NEXT, grids_to, release
    first = tmp_path / "one" / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(first), str(release(tmp_path / "good", GOOD))]) == 0
    bad = release(tmp_path / "bad", NEXT, grids_to(NEXT, revised={180: 9 * 10**15}))
    assert cli.main(["load", "--warehouse", str(first), str(bad)]) == 1           # held by the release gate
    second = tmp_path / "two" / "pledges.duckdb"
    shutil.copytree(first.parent, second.parent)       # the warehouse and its archive, for the full load
    fast = noop.noop_load(settings_for(first), [bad])
    assert fast is not None and [o.status for o in fast] == ["held"]
    found = imported_by(["load", str(bad)], first, tmp_path)
    assert heavy_for_load(found) == []              # no pandas, pandera or parser
    full = full_load(second, [str(bad)], capsys)
    assert (found["code"], found["stdout"], found["stderr"]) == (full["code"], full["stdout"], full["stderr"]) \
        and full["code"] == 1
