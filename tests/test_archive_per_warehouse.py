"""Two warehouses in one folder keep their own raw archives: a scratch load never reaches another's rebuild."""
from __future__ import annotations

from datetime import date

import duckdb

from flows import cli
from tests.sources.small_boats.builders import small_boats_file


def releases(path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT file_name FROM meta.releases ORDER BY file_name").fetchall()]
    finally:
        con.close()


def test_a_scratch_warehouse_beside_another_does_not_leak_into_its_rebuild(tmp_path):
    folder = tmp_path / "wh"
    main, scratch = folder / "pledges.duckdb", folder / "scratch.duckdb"
    kept = small_boats_file(tmp_path / "a", date(2024, 9, 6), start=date(2023, 7, 1), days=430)
    trial = small_boats_file(tmp_path / "b", date(2024, 9, 13), start=date(2023, 7, 1), days=437)
    assert cli.main(["load", "--warehouse", str(main), str(kept)]) == 0
    assert cli.main(["load", "--warehouse", str(scratch), str(trial)]) == 0
    assert (folder / "raw").is_dir() and (folder / "raw-scratch").is_dir()
    assert cli.main(["rebuild", "--warehouse", str(main)]) == 0
    assert releases(main) == [kept.name]                 # the scratch release stayed in its own archive
    assert cli.main(["rebuild", "--warehouse", str(scratch)]) == 0
    assert releases(scratch) == [trial.name]
