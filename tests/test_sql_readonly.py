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
    path = small_boats_file(tmp_path / "f", date(2024, 9, 13), start=date(2024, 8, 14), days=30)   # to the day before
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


def test_sql_prints_years_ids_and_counts_as_they_are(warehouse, capsys):
    """An analyst copies what `pledges sql` prints: a year is 2024, a count 12345, never 2,024 or 12,345; other
    numbers are not rounded either."""
    query = ("SELECT year(period_start) AS year, count(*) AS days, sum(value)::BIGINT AS arrivals, "
             "12345::BIGINT AS n, 0.125::DOUBLE AS share FROM marts.metric_observations "
             "WHERE metric_id = 'small_boat_arrivals' GROUP BY 1 ORDER BY 1")
    con = duckdb.connect(str(warehouse), read_only=True)
    expected = con.execute(query).fetchall()
    con.close()
    assert expected and all(arrivals >= 1000 for _y, _d, arrivals, _n, _s in expected)
    capsys.readouterr()
    assert sql(warehouse, query) == cli.EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["year", "days", "arrivals", "n", "share"]
    assert [line.split() for line in lines[1:-1]] == [[str(v) for v in row] for row in expected]
    assert "," not in "".join(lines)


@pytest.mark.parametrize("query, words", [
    ("SELECT * FROM marts.nosuch", "Table with name nosuch does not exist"),
    ("SELECT nosuch_column FROM marts.metrics", 'column "nosuch_column" not found'),
    ("SELECT nosuch_function(1)", "nosuch_function does not exist"),
    ("SELECT 'a'::INT", "Could not convert string 'a'"),
    ("SELEC 1", 'syntax error at or near "SELEC"'),
])
def test_a_query_that_cannot_run_is_a_usage_error_naming_the_problem(warehouse, capsys, query, words):
    """A table, column or function that does not exist, a value that does not convert, a syntax error: all usage
    errors (exit 2), saying what is wrong, with no hint of a traceback. Before, all but the syntax error exited 1
    with 'use --debug for the traceback'."""
    before = sha256(warehouse)
    capsys.readouterr()
    assert sql(warehouse, query) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("pledges sql: ") and words in err
    assert "--debug" not in err and "Traceback" not in err
    assert sha256(warehouse) == before


def test_sql_json_writes_nan_as_null(warehouse, capsys):
    """NaN and infinities are not JSON: `pledges sql --json` writes them null (in lists and structs too), so any
    strict JSON reader takes the output."""
    import json

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    capsys.readouterr()
    assert cli.main(["sql", "--warehouse", str(warehouse), "--json",
                     "SELECT 'nan'::DOUBLE AS x, 'inf'::DOUBLE AS y, [1.5, 'nan'::DOUBLE] AS l, "
                     "{'a': '-inf'::DOUBLE} AS s, 2024 AS year"]) == cli.EXIT_OK
    rows = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert rows == [{"x": None, "y": None, "l": [1.5, None], "s": {"a": None}, "year": 2024}]
