"""Editing the pledge register (or the catalog, or the derived-table SQL) is applied by the next load even
when no new release arrives; a load with nothing new and nothing edited leaves the file alone."""
from __future__ import annotations

import hashlib
import shutil
from datetime import date

import duckdb

from flows import cli
from tests.sources.small_boats.builders import small_boats_file
from warehouse.register import REGISTER_FILE


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_edited_register_is_applied_at_the_next_load(tmp_path, monkeypatch):
    register = tmp_path / "pledges.toml"
    shutil.copy(REGISTER_FILE, register)
    monkeypatch.setenv("PLEDGES_REGISTER", str(register))
    warehouse = tmp_path / "wh" / "pledges.duckdb"
    release = small_boats_file(tmp_path / "in", date(2024, 9, 13), start=date(2023, 7, 1), days=437)
    assert cli.main(["load", "--warehouse", str(warehouse), str(release)]) == 0
    before = sha(warehouse)
    # nothing new, nothing edited: the published file is not rewritten
    assert cli.main(["load", "--warehouse", str(warehouse), str(release)]) == 0
    assert sha(warehouse) == before
    # a title edited in the register reaches the published tables at the next load, with no new release
    register.write_text(register.read_text().replace('title = "Small boat crossings: smashing the gangs"',
                                                     'title = "Small boats: the gangs"'))
    assert cli.main(["load", "--warehouse", str(warehouse), str(release)]) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    title = con.execute("SELECT title FROM marts.pledge_status WHERE pledge_id = 'small_boats'").fetchone()[0]
    con.close()
    assert title == "Small boats: the gangs"
    after = sha(warehouse)
    assert cli.main(["load", "--warehouse", str(warehouse), str(release)]) == 0
    assert sha(warehouse) == after          # applied once, then left alone again
