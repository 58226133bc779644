"""Raw storage: every release's parsed rows, each distinct row stored once per run of consecutive loads carrying it.

A weekly release re-publishes its whole series, so keeping every release's rows whole grows the raw tables by a
full copy a week. Instead, for each raw table T:

- raw_store.release_seq (table_name, release_id, seq): each release loaded into T gets T's next seq (1, 2, ...);
- raw_store.T: the data columns (source_row, then the schema's columns) and first_seq, last_seq: the row belongs
  to every release whose seq lies in [first_seq, last_seq];
- raw.T: a view giving back exactly what a table of every release's rows gave (release_id, source_row, the
  schema's columns), so SQL reading `raw.T WHERE release_id IN (...)` is unchanged.

Loading release R into T with seq n: a row of R equal in every data column (NULL-safe, exact: no hashes) to a
stored row with last_seq = n-1 extends it (last_seq = n); every other row is inserted with first_seq = last_seq = n.
A row repeated whole within a release is paired copy to copy (numbered among its copies), so each copy is kept.

A warehouse from before this (raw.T a table holding every release's rows) is converted in the first load into it.
Imports nothing from flows/.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:                # the frame comes from the parsers; reading the warehouse needs no pandas
    import pandas as pd

SEQ = ("first_seq", "last_seq")


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def raw_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The names in schema raw (views over raw_store, or tables of a warehouse not converted yet)."""
    return {r[0] for r in con.execute(      # UNION ALL, no dedup pass: the set keeps each name once
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' AND database_name = current_database() "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'raw' AND database_name = current_database()"
    ).fetchall()}


def _physical_raw(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' "
                                            "AND database_name = current_database()").fetchall())


def _stored_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """raw_store.<name>'s data columns in order (empty if there is no such table)."""
    return [c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw_store' AND table_name = ? "
        "AND database_name = current_database() ORDER BY column_index", [name]).fetchall() if c not in SEQ]


def _view(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """raw.<name>: each release's rows, release_id first, then the stored table's data columns in order. The public
    views over it (tidy.<name>, tidy.<name>_latest) are dropped, to be made again with its columns by the build."""
    con.execute(f"DROP VIEW IF EXISTS tidy.{ident(name + '_latest')}; DROP VIEW IF EXISTS tidy.{ident(name)}")
    con.execute(f"CREATE OR REPLACE VIEW raw.{ident(name)} AS SELECT s.release_id, r.* EXCLUDE (first_seq, last_seq) "
                f"FROM raw_store.{ident(name)} r JOIN raw_store.release_seq s "
                f"ON s.table_name = {_literal(name)} AND s.seq BETWEEN r.first_seq AND r.last_seq")


def as_stored(frame: pd.DataFrame, relation: str) -> tuple[pd.DataFrame, str]:
    """A release's frame in the form raw tables hold it: the index as column `source_row`, datetime columns as
    DATE. Returns the frame with source_row, and the SELECT that reads it so once registered (or scanned) as
    `relation`. The release gate (flows/gate.py) reads a release not yet inserted through it too."""
    import pandas as pd

    frame = frame.reset_index(names="source_row")
    casts = ", ".join(f"CAST({ident(c)} AS DATE) AS {ident(c)}" for c, dtype in frame.dtypes.items()
                      if pd.api.types.is_datetime64_any_dtype(dtype))
    return frame, f"SELECT * REPLACE ({casts}) FROM {relation}" if casts else f"SELECT * FROM {relation}"


def insert(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, release_id: str) -> int:
    """Load one release's rows of raw table `name` (`frame`, indexed by source row; datetime columns stored as
    DATE), in the caller's transaction. Returns the number of rows the release has (not the number stored)."""
    import pandas as pd

    # distinct integers stay distinct as stored: no row of the release repeated whole (see _merge)
    unique_rows = pd.api.types.is_integer_dtype(frame.index) and frame.index.is_unique
    stored = _stored(con, name)
    frame, select = as_stored(frame, "frame")   # `frame`: read by DuckDB's replacement scan (the local variable)
    seq = con.execute("INSERT INTO raw_store.release_seq SELECT $1, $2, coalesce(max(seq), 0) + 1 FROM "
                      "raw_store.release_seq WHERE table_name = $1 RETURNING seq", [name, release_id]).fetchone()[0]
    if not stored:
        con.execute(f"CREATE TABLE raw_store.{ident(name)} AS SELECT *, CAST({seq} AS BIGINT) AS first_seq, "
                    f"CAST({seq} AS BIGINT) AS last_seq FROM ({select})")
        _view(con, name)
        return len(frame)
    # a schema that gained a column since the table was created: add it (older releases read NULL)
    if missing := [c for c in frame.columns if c not in stored]:
        types = {row[0]: row[1] for row in con.execute(f"DESCRIBE {select}").fetchall()}
        for column in missing:
            con.execute(f"ALTER TABLE raw_store.{ident(name)} ADD COLUMN {ident(column)} {types[column]}")
        _view(con, name)
        stored = stored + missing       # ADD COLUMN appends
    # the release's rows typed as the stored ones (as an INSERT into them would cast them), then compared
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw_new AS SELECT * EXCLUDE (first_seq, last_seq) "
                f"FROM raw_store.{ident(name)} LIMIT 0")
    con.execute(f"INSERT INTO temp.raw_new BY NAME {select}")
    _merge(con, name, seq, stored, unique_rows)
    return len(frame)


def _stored(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """_stored_columns(con, name), the tables of a warehouse from before converted first (one catalog query)."""
    schemas = {s for (s,) in con.execute(
        "SELECT schema_name FROM duckdb_tables() WHERE database_name = current_database() AND "
        "(schema_name = 'raw' OR schema_name = 'raw_store' AND table_name = ?)", [name]).fetchall()}
    if "raw" in schemas:
        convert_legacy(con)
        return _stored(con, name)
    if "raw_store" not in schemas:
        return []
    # the columns of a query bound, not run: cheaper than querying duckdb_columns()
    return [c for c in con.sql(f"SELECT * FROM raw_store.{ident(name)}").columns if c not in SEQ]


def _merge(con: duckdb.DuckDBPyConnection, name: str, seq: int, columns: list[str], unique_rows: bool) -> None:
    """temp.raw_new's rows into raw_store.<name> as seq `seq`: extending the equal rows of seq-1, inserting the rest.

    `unique_rows`: the release holds no source row twice, so no row twice. If the rows of seq-1 hold none twice
    either, each row of the release equals at most one of them and one MERGE extends and inserts (the new rows in
    the release's order); else the rows are matched in a table first and copies of a row paired."""
    table = f"raw_store.{ident(name)}"
    same = " AND ".join(f"n.{ident(c)} IS NOT DISTINCT FROM s.{ident(c)}"
                        for c in ["source_row"] + [c for c in columns if c != "source_row"])
    if unique_rows and not con.execute(f"SELECT count(*) > count(DISTINCT source_row) FROM {table} "
                                       f"WHERE last_seq = {seq - 1}").fetchone()[0]:
        con.execute(f"""
            MERGE INTO {table} USING (
                SELECT n.*, s.stored_id FROM temp.raw_new n
                LEFT JOIN (SELECT rowid AS stored_id, * FROM {table} WHERE last_seq = {seq - 1}) s ON {same}
                ORDER BY n.rowid
            ) src ON {table}.rowid = src.stored_id
            WHEN MATCHED THEN UPDATE SET last_seq = {seq}
            WHEN NOT MATCHED THEN INSERT ({', '.join(ident(c) for c in columns)}, first_seq, last_seq)
                VALUES ({', '.join('src.' + ident(c) for c in columns)}, {seq}, {seq})""")
        con.execute("DROP TABLE temp.raw_new")
        return
    _match(con, table, seq, same, "")
    if con.execute("SELECT count(*) > count(DISTINCT new_id) OR count(*) > count(DISTINCT stored_id) "
                   "FROM temp.raw_matched").fetchone()[0]:
        # a row repeated whole within a release: its copies paired one to one (numbered among themselves)
        copies = f", row_number() OVER (PARTITION BY {', '.join(ident(c) for c in columns)}) AS copy_"
        _match(con, table, seq, same + " AND n.copy_ = s.copy_", copies)
    con.execute(f"UPDATE {table} SET last_seq = {seq} WHERE rowid IN (SELECT stored_id FROM temp.raw_matched)")
    con.execute(f"INSERT INTO {table} BY NAME SELECT *, CAST({seq} AS BIGINT) AS first_seq, CAST({seq} AS BIGINT) "
                f"AS last_seq FROM temp.raw_new WHERE rowid NOT IN (SELECT new_id FROM temp.raw_matched)")
    con.execute("DROP TABLE temp.raw_matched")
    con.execute("DROP TABLE temp.raw_new")


def _match(con: duckdb.DuckDBPyConnection, table: str, seq: int, on: str, copies: str) -> None:
    """temp.raw_matched (new_id, stored_id): the rows of temp.raw_new equal to a row of `table` ending at seq-1."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE raw_matched AS
        SELECT n.new_id, s.stored_id
        FROM (SELECT rowid AS new_id, *{copies} FROM temp.raw_new) n
        JOIN (SELECT rowid AS stored_id, *{copies} FROM {table} WHERE last_seq = {seq - 1}) s ON {on}""")


def convert_legacy(con: duckdb.DuckDBPyConnection) -> None:
    """Every raw.<table> that is still a table holding each release's rows whole (a warehouse from before
    raw_store) becomes raw_store.<table> and the view, in the caller's transaction; the same rows read back.

    Releases are numbered in publication order (meta.releases: published_on, version, loaded_at); the runs of
    each row are found at once (gaps and islands), each copy of a row repeated within a release apart."""
    for name in _physical_raw(con):
        if _stored_columns(con, name):
            raise RuntimeError(f"raw.{name} is a table, yet raw_store.{name} exists: the warehouse is inconsistent")
        con.execute(f"""
            INSERT INTO raw_store.release_seq
            SELECT {_literal(name)}, t.release_id, row_number() OVER (ORDER BY m.published_on NULLS LAST,
                   m.version NULLS LAST, m.loaded_at NULLS LAST, t.release_id)
            FROM (SELECT DISTINCT release_id FROM raw.{ident(name)}) t LEFT JOIN meta.releases m USING (release_id)""")
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = ? "
            "AND database_name = current_database() ORDER BY column_index", [name]).fetchall() if c != "release_id"]
        cols = ", ".join(ident(c) for c in columns)
        con.execute(f"""
            CREATE TABLE raw_store.{ident(name)} AS
            WITH numbered AS (
                SELECT r.* EXCLUDE (release_id), s.seq,
                       row_number() OVER (PARTITION BY {cols}, s.seq) AS copy_
                FROM raw.{ident(name)} r JOIN raw_store.release_seq s
                  ON s.table_name = {_literal(name)} AND s.release_id = r.release_id),
            runs AS (
                SELECT *, seq - row_number() OVER (PARTITION BY {cols}, copy_ ORDER BY seq) AS run_
                FROM numbered)
            SELECT {cols}, min(seq) AS first_seq, max(seq) AS last_seq
            FROM runs GROUP BY {cols}, copy_, run_ ORDER BY first_seq, source_row""")
        con.execute(f"DROP TABLE raw.{ident(name)}")
        _view(con, name)


def row_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(rows stored: in raw_store, and in raw tables not converted yet; rows the raw views and tables expose)."""
    def count(relation: str) -> int:
        return con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    stored = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw_store' "
                                        "AND database_name = current_database() AND table_name <> 'release_seq'").fetchall()]
    legacy = _physical_raw(con)
    return (sum(count(f"raw_store.{ident(t)}") for t in stored) + sum(count(f"raw.{ident(t)}") for t in legacy),
            sum(count(f"raw.{ident(t)}") for t in sorted(raw_tables(con))))
