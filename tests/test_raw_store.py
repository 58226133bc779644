"""Raw tables do not grow with re-published, unchanged rows (issue 13, requirement 1): raw.<table> are views over
raw_store, where each distinct row is stored once per run of consecutive releases carrying it, and every release's
rows read back exactly as the old whole-copy tables gave them (warehouse/raw_store.py)."""
from __future__ import annotations

import math
import re
import shutil
from collections import Counter
from datetime import date

import duckdb
import pandas as pd
import pytest

from flows import cli, ingest
from flows.ingest import load_paths
from tests.conftest import REALDATA
from tests.test_history_incremental import marts_tables, synthetic_history
from tests.warehouse_reads import own_settings, query
from warehouse import db, raw_store


def legacy_insert(con, schema: str, name: str, frame: pd.DataFrame, release_id: str) -> int:
    """flows.ingest._insert as it was before raw_store: every release's rows appended whole to <schema>.<name>."""
    frame = frame.reset_index(names="source_row")
    frame.insert(0, "release_id", release_id)
    casts = ", ".join(f'CAST("{c}" AS DATE) AS "{c}"' for c in frame.columns
                      if pd.api.types.is_datetime64_any_dtype(frame[c]))
    select = f"SELECT * REPLACE ({casts}) FROM frame" if casts else "SELECT * FROM frame"
    existing = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND "
                                          "table_name = ? AND database_name = current_database()", [schema, name]).fetchall()}
    if not existing:
        con.execute(f"CREATE TABLE {schema}.{name} AS {select}")
        return len(frame)
    if missing := [c for c in frame.columns if c not in existing]:
        types = {row[0]: row[1] for row in con.execute(f"DESCRIBE {select}").fetchall()}
        for column in missing:
            con.execute(f'ALTER TABLE {schema}.{name} ADD COLUMN "{column}" {types[column]}')
    con.execute(f"INSERT INTO {schema}.{name} BY NAME {select}")
    return len(frame)


def rows(con, relation: str, release_id: str | None = None) -> list[tuple]:
    where = "" if release_id is None else " WHERE release_id = ?"
    return con.execute(f"SELECT * FROM {relation}{where} ORDER BY ALL", [] if release_id is None else [release_id]).fetchall()


def stored(con, name: str) -> int:
    return con.execute(f"SELECT count(*) FROM raw_store.{name}").fetchone()[0]


# --- the ten real small-boats releases --------------------------------------------------------------

def plain(value):
    """A cell as DuckDB returns it: NaN as None, timestamps as dates, whole floats as ints."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def test_real_releases_read_back_whole_and_are_stored_once(tmp_path):
    folder = REALDATA / "small_boats"
    if not folder.is_dir():
        pytest.skip(f"real published files not present at {folder} (the ../shared/realdata tier runs in CI)")
    files = sorted(folder.glob("*.ods"))
    assert len(files) == 10
    warehouse = tmp_path / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(warehouse), *map(str, files)]) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        releases = dict(con.execute("SELECT file_name, release_id FROM meta.releases WHERE status = 'loaded'").fetchall())
        assert sorted(releases) == sorted(f.name for f in files)
        for path in files:
            for sheet, table in (("SB_01", "small_boats_daily"), ("SB_02", "small_boats_weekly")):
                # an independent read of the sheet: header on row 1, so data row i is the sheet's row i + 2
                published = pd.read_excel(path, sheet_name=sheet, engine="calamine", na_values=["-"])
                expected = [(i + 2, *map(plain, row)) for i, row in enumerate(published.itertuples(index=False))]
                got = con.execute(f"SELECT * EXCLUDE (release_id) FROM raw.{table} WHERE release_id = ? "
                                  "ORDER BY source_row", [releases[path.name]]).fetchall()
                assert len(got) == len(expected), (path.name, table)
                assert got == expected, (path.name, table)
        kept, exposed = raw_store.row_counts(con)
        assert exposed == con.execute("SELECT sum(rows) FROM meta.releases WHERE status = 'loaded'").fetchone()[0]
        assert kept * 5 < exposed, f"raw_store keeps {kept:,} rows for the {exposed:,} rows the raw views expose"
        assert {t for (t,) in con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'raw'").fetchall()} == \
            {"small_boats_daily", "small_boats_weekly"}
        assert not con.execute("SELECT * FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall()
    finally:
        con.close()


# --- synthetic releases, straight into raw_store ----------------------------------------------------

def frame(cells: dict[int, tuple], extra: dict[int, str | None] | None = None) -> pd.DataFrame:
    """One release of table t: source row -> (day, value, note); `extra`: a column later releases add."""
    index = list(cells)
    out = pd.DataFrame({"day": pd.to_datetime([cells[i][0] for i in index]),
                        "value": pd.array([cells[i][1] for i in index], dtype="Int64"),
                        "note": pd.Series([cells[i][2] for i in index], dtype="object")}, index=index)
    if extra is not None:
        out["extra"] = pd.Series([extra.get(i) for i in index], index=index, dtype="object")
    return out


R1 = {2: ("2024-01-01", 5, None), 3: ("2024-01-02", 7, "a"), 4: ("2024-01-03", None, None),
      5: ("2024-01-04", 9, "b"), 6: ("2024-01-05", 0, None)}
R2 = {**{k: v for k, v in R1.items() if k != 5}, 3: ("2024-01-02", 8, "a"), 7: ("2024-01-06", 1, None)}  # 3 revised, 5 gone
R3 = {**R2, 3: ("2024-01-02", 7, "a"), 5: R1[5]}                          # 3 back to R1's value, 5 back
EXTRA = {2: "x", 5: None, 7: "y"}
DUPLICATED = frame(R3, EXTRA).pipe(lambda f: pd.concat([f, f.loc[[2]]]))  # a row twice, identical
SYNTHETIC = [  # (release_id, frame, rows raw_store holds after it)
    ("r1", frame(R1), 5),
    ("r2", frame(R2), 7),                  # 2, 4 (NULL value and note), 6 extended; 3 revised and 7 new
    ("r3", frame(R3, EXTRA), 7 + 4),       # a new column, NULL in r2's rows: 4 and 6 (extra NULL) extended
    ("r4", frame(R3, EXTRA), 11),          # unchanged: only extended
    ("r5", frame(R3, EXTRA).iloc[0:0], 11),    # no rows at all
    ("r6", DUPLICATED, 11 + 7),            # after an empty release nothing is extended; row 2 kept twice
    ("r7", DUPLICATED, 18),
    ("r8", frame(R3, EXTRA), 18),          # one copy of row 2 ends
]


@pytest.mark.parametrize("converted_after", [0, 3, 6, 8])
def test_every_release_reads_back_as_the_old_tables_gave_it(converted_after):
    """The first `converted_after` releases go into a warehouse the old way (raw.t a table); the next load converts
    it. After every load each release's rows, the columns and their types equal a table loaded the old way."""
    con = duckdb.connect()
    db.ensure_meta(con)
    con.execute("CREATE SCHEMA old")
    for position, (release_id, data, _) in enumerate(SYNTHETIC, 1):
        legacy_insert(con, "old", "t", data, release_id)
        if position <= converted_after:
            legacy_insert(con, "raw", "t", data, release_id)
            continue
        assert raw_store.insert(con, "t", data, release_id) == len(data)
        assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'raw' "
                           "AND table_name = 't'").fetchall() == [("VIEW",)]
        assert con.execute("DESCRIBE raw.t").fetchall() == con.execute("DESCRIBE old.t").fetchall()
        assert rows(con, "raw.t") == rows(con, "old.t")
        for earlier, _, _ in SYNTHETIC[:position]:
            assert rows(con, "raw.t", earlier) == rows(con, "old.t", earlier), (release_id, earlier)
        if converted_after == 0:
            assert stored(con, "t") == SYNTHETIC[position - 1][2], release_id
    if converted_after == len(SYNTHETIC):
        raw_store.convert_legacy(con)
        assert rows(con, "raw.t") == rows(con, "old.t")
        assert con.execute("DESCRIBE raw.t").fetchall() == con.execute("DESCRIBE old.t").fetchall()
    # converting finds the runs loading one by one makes; but the empty r5 left no row in an old table, so it has no
    # seq there and r4's rows run on into r6
    kept = SYNTHETIC[-1][2] if converted_after < 5 else 12
    assert raw_store.row_counts(con) == (kept, con.execute("SELECT count(*) FROM old.t").fetchone()[0])


def test_stored_rows_are_each_rows_runs_of_consecutive_releases():
    """raw_store.t itself, first_seq and last_seq included, equals the runs computed here from each release's rows
    (read back from a table loaded the old way): each copy of a row extends one run ending at the release before,
    the others start runs. Covers the one-statement merge and the copy-paired one (r6 to r8)."""
    con = duckdb.connect()
    db.ensure_meta(con)
    con.execute("CREATE SCHEMA old")
    for release_id, data, _ in SYNTHETIC:
        legacy_insert(con, "old", "t", data, release_id)
        raw_store.insert(con, "t", data, release_id)
    runs: list[list] = []       # [row, first_seq, last_seq]
    for seq, (release_id, _, _) in enumerate(SYNTHETIC, 1):
        release = con.execute("SELECT * EXCLUDE (release_id) FROM old.t WHERE release_id = ?", [release_id]).fetchall()
        for row, copies in Counter(release).items():
            ending = [run for run in runs if run[0] == row and run[2] == seq - 1][:copies]
            for run in ending:
                run[2] = seq
            runs += [[row, seq, seq] for _ in range(copies - len(ending))]
    stored = con.execute("SELECT * EXCLUDE (first_seq, last_seq), first_seq, last_seq FROM raw_store.t").fetchall()
    assert Counter(stored) == Counter((*row, first, last) for row, first, last in runs)


def test_reading_one_release_does_not_expand_every_release():
    """A release's rows are read through its one release_seq row: the plan scans raw_store.t once."""
    con = duckdb.connect()
    db.ensure_meta(con)
    for n in range(1, 201):
        raw_store.insert(con, "t", frame({i: (f"2024-01-{1 + i % 28:02d}", i * n if i % 50 == 0 else i, None)
                                         for i in range(2, 500 + n)}), f"r{n:03d}")
    assert stored(con, "t") < 500 + 200 * 16 and raw_store.row_counts(con)[1] > 200 * 500
    plan = con.execute("EXPLAIN ANALYZE SELECT count(*), sum(value) FROM raw.t WHERE release_id IN ('r150')").fetchall()[0][1]
    assert len(rows(con, "raw.t", "r150")) == 500 + 149 - 1
    # no operator sees more rows than raw_store holds (expanding every release first would pass 119,700)
    assert len(re.findall(r"raw_store\.t\b", plan)) == 1, plan
    assert max(int(n.replace(",", "")) for n in re.findall(r"([\d,]+) rows", plan)) <= stored(con, "t"), plan


# --- the pipeline: a warehouse built the old way, converted, equals one built the new way ---------------

def legacy_loader(con, table, release_id: str) -> int:
    return legacy_insert(con, "raw", table.name, table.frame, release_id)


def raw_contents(warehouse) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t: rows(con, f"raw.{t}") for t in sorted(raw_store.raw_tables(con))}
    finally:
        con.close()


def derived(warehouse) -> dict[str, list[tuple]]:
    """marts_tables (tests/test_history_incremental.py), less when each release was fetched: a different run's."""
    out = marts_tables(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out["marts.releases"] = con.execute("SELECT * EXCLUDE (loaded_at, fetched_at) FROM marts.releases ORDER BY ALL").fetchall()
    finally:
        con.close()
    return out


def test_a_warehouse_from_before_is_converted_and_equals_one_built_anew(tmp_path, monkeypatch):
    steps = synthetic_history(tmp_path / "files")
    new, old, converted = (own_settings(tmp_path / name) for name in ("new", "old", "converted"))
    for step in steps:
        assert [o.status for o in load_paths(new, step)] == ["loaded"] * len(step)
    with monkeypatch.context() as patch:
        patch.setattr(ingest, "_insert", legacy_loader)
        for position, step in enumerate(steps):
            if position == 4:      # a copy of the old-way warehouse, as a file from before raw_store would be
                converted.warehouse.parent.mkdir(parents=True)
                shutil.copytree(old.warehouse.parent, converted.warehouse.parent, dirs_exist_ok=True)
            assert [o.status for o in load_paths(old, step)] == ["loaded"] * len(step)
    con = duckdb.connect(str(converted.warehouse))
    con.execute("DROP SCHEMA raw_store CASCADE")     # only release_seq (meta.sql), empty: a file from before has none
    con.close()
    assert query(converted, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw'") == [(2,)]
    for step in steps[4:]:
        assert [o.status for o in load_paths(converted, step)] == ["loaded"] * len(step)
    assert query(converted, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw'") == [(0,)]
    assert query(converted, "SELECT count(*) FROM duckdb_views() WHERE schema_name = 'raw'") == [(2,)]
    expected = raw_contents(old.warehouse)
    assert raw_contents(new.warehouse) == expected
    assert raw_contents(converted.warehouse) == expected
    assert sum(len(v) for v in expected.values()) > 8 * 430
    built = derived(old.warehouse)
    assert derived(new.warehouse) == built
    assert derived(converted.warehouse) == built
    kept, exposed = query(new, "SELECT (SELECT count(*) FROM raw_store.small_boats_daily), "
                               "(SELECT count(*) FROM raw.small_boats_daily)")[0]
    # 9 releases of 430-472 days; every row stored again only by 4 Oct (it drops the first day: each row moves up
    # one sheet row) and 11 Oct _v2 (back where they were), and where revised
    assert kept * 2 < exposed and kept < 430 + 457 + 465 + 60, (kept, exposed)
    assert query(new, "SELECT max(published_on) FROM meta.releases") == [(date(2024, 10, 18),)]
