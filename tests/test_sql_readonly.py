"""`pledges sql` is truly read-only: one read statement, on the file itself opened read-only, with no
file system, network, extension or setting access; and the CLI's usage errors exit 2."""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows import cli
from tests.sources.small_boats.builders import small_boats_file
from warehouse import db


@pytest.fixture
def warehouse(settings, tmp_path):
    path = small_boats_file(tmp_path / "f", date(2024, 9, 13), start=date(2024, 6, 1), days=30)
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(path)]) == 0
    return settings.warehouse


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def beside(warehouse: Path) -> set[str]:
    return {p.name for p in warehouse.parent.iterdir()}


def sql(warehouse: Path, query: str) -> int:
    return cli.main(["sql", "--warehouse", str(warehouse), query])


# Each: a query that wrote the published file, wrote or read other files, or tried the network, and
# the words the refusal must contain. The target of COPY and the file read are given as templates.
REFUSED = {
    "detach-attach-delete": ("USE memory; DETACH wh; ATTACH '{wh}' AS x; DELETE FROM x.marts.pledges", "4 statements"),
    "two selects": ("SELECT 1; SELECT 2", "2 statements"),
    "attach": ("ATTACH '{wh}' AS x", "refused ATTACH:"),
    "attach read-write": ("ATTACH '{wh}' AS x (READ_ONLY false)", "refused ATTACH:"),
    "delete": ("DELETE FROM marts.pledges", "read-only"),
    "use memory": ("USE memory", "refused SET:"),
    "copy to file": ("COPY (SELECT * FROM marts.pledges) TO '{out}'", "refused COPY:"),
    "export database": ("EXPORT DATABASE '{dir}'", "refused EXPORT:"),
    "install httpfs": ("INSTALL httpfs", "refused LOAD:"),
    "load httpfs": ("LOAD httpfs", "refused LOAD:"),
    "set external access": ("SET enable_external_access = true", "refused SET:"),
    "temp table": ("CREATE TEMP TABLE t AS SELECT 1", "refused CREATE:"),
    "explain analyze delete": ("EXPLAIN ANALYZE DELETE FROM marts.pledges", "refused EXPLAIN:"),
    "read_csv": ("SELECT * FROM read_csv('/etc/passwd')", "no files"),
    "read_blob": ("SELECT * FROM read_blob('/etc/passwd')", "no files"),
    "read_text": ("SELECT content FROM read_text('/etc/hostname')", "no files"),
    "glob": ("SELECT * FROM glob('/root/**')", "no files"),
    "select httpfs url": ("SELECT * FROM read_csv('https://example.com/x.csv')", "no files"),
    "empty": ("", "no SQL statement given"),
    "blank": ("  \n ", "no SQL statement given"),
    "only a semicolon": (";", "no SQL statement given"),
    "syntax error": ("SELEC 1", "syntax error"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_sql_refuses_anything_but_one_read_statement(warehouse, tmp_path, capsys, case):
    query, words = REFUSED[case]
    out_file, export_dir = tmp_path / "x.csv", tmp_path / "export"
    query = query.format(wh=warehouse, out=out_file, dir=export_dir)
    before, files_before = sha256(warehouse), beside(warehouse)
    assert sql(warehouse, query) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert words in captured.err
    assert "root:" not in captured.out + captured.err          # nothing of /etc/passwd shown
    assert sha256(warehouse) == before and beside(warehouse) == files_before
    assert not out_file.exists() and not export_dir.exists()
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.pledges").fetchone()[0] > 0
    con.close()


@pytest.mark.parametrize("query", [
    "SELECT count(*) AS n FROM marts.metric_observations",
    "WITH m AS (SELECT * FROM marts.metrics) SELECT count(*) FROM m",
    "FROM marts.releases SELECT release_id",
    "DESCRIBE marts.pledges",
    "SHOW TABLES",
    "SUMMARIZE marts.metric_observations",
    "PRAGMA table_info('marts.pledges')",
    "EXPLAIN SELECT * FROM marts.pledges",
    "-- a comment first\nEXPLAIN ANALYZE SELECT count(*) FROM marts.pledges;",
    "SELECT * FROM marts.observations_as_of(DATE '2024-12-31') LIMIT 3",
])
def test_sql_runs_read_statements(warehouse, capsys, query):
    before = sha256(warehouse)
    assert sql(warehouse, query) == cli.EXIT_OK, capsys.readouterr().err
    assert "row" in capsys.readouterr().out
    assert sha256(warehouse) == before


def test_query_connection_itself_is_locked_down(warehouse, tmp_path):
    """Even a statement that got past the check could not write, read files, reach the network or unlock."""
    before = sha256(warehouse)
    con = db.connect_query_only(warehouse)
    try:
        assert con.execute("SELECT count(*) FROM marts.pledges").fetchone()[0] > 0
        with pytest.raises(duckdb.Error):
            con.execute("USE memory")                                   # no in-memory catalog to switch to
        with pytest.raises(duckdb.Error):
            con.execute("ATTACH ':memory:' AS m")
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM marts.pledges")
        con.execute(f"ATTACH {db.sql_string(warehouse)} AS x")          # the same file, same read-only instance
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM x.marts.pledges")
        with pytest.raises(duckdb.Error):
            con.execute(f"ATTACH {db.sql_string(tmp_path / 'other.duckdb')} AS o")
        for statement in ["SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_blob('/etc/passwd')",
                          "SELECT * FROM glob('/root/**')", f"COPY (SELECT 1) TO '{tmp_path / 'x.csv'}'",
                          "INSTALL httpfs", "LOAD httpfs"]:
            with pytest.raises(duckdb.PermissionException):
                con.execute(statement)
        for setting in ["SET enable_external_access = true", "SET autoload_known_extensions = true",
                        "SET lock_configuration = false"]:
            with pytest.raises(duckdb.Error, match="locked"):
                con.execute(setting)
    finally:
        con.close()
    assert sha256(warehouse) == before
    assert not (tmp_path / "other.duckdb").exists() and not (tmp_path / "x.csv").exists()


def test_as_of_that_is_not_a_date_is_a_usage_error(warehouse, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["status", "--warehouse", str(warehouse), "--as-of", "2025-13-01"])
    assert exited.value.code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "--as-of" in err and "'2025-13-01' is not a date" in err and "YYYY-MM-DD" in err
    assert cli.main(["status", "--warehouse", str(warehouse), "--as-of", "2024-12-31"]) == cli.EXIT_OK
