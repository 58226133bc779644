"""Data tests (warehouse/datatests.py): asked in one probe statement, each failing test then quoted with its first
failing rows, in the order tests.toml declares them."""
from __future__ import annotations

import duckdb
import pytest

from warehouse import datatests

SPEC = """
[[unique]]
table = "t"
columns = ["id"]

[[accepted_values]]
table = "t"
column = "status"
values = ["ok"]

[[not_null]]
table = "t"
columns = ["id", "status"]

[[empty]]
name = "no negative ids"
query = "SELECT id FROM t WHERE id < 0 ORDER BY ALL"
"""


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'ok'), (2, 'ok')) v(id, status)")
    yield con
    con.close()


def run(con, tmp_path) -> str | None:
    tests = tmp_path / "tests.toml"
    tests.write_text(SPEC)
    try:
        datatests.run(con, tests)
    except datatests.DataTestFailed as failed:
        return str(failed)
    return None


def test_passing_tests_raise_nothing_and_leave_no_temp_table(con, tmp_path):
    assert run(con, tmp_path) is None
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0


def test_each_failing_test_is_named_with_its_rows_in_declared_order(con, tmp_path):
    con.execute("INSERT INTO t VALUES (2, 'bad'), (-1, NULL)")
    text = run(con, tmp_path)
    assert text.startswith("4 data test(s) failed")
    assert text.index("unique t (id): (2, 2)") < text.index("accepted values of t.status: bad") \
        < text.index("not null t (id, status): (-1, None)") < text.index("no negative ids: -1")


def test_only_the_failing_tests_are_reported(con, tmp_path):
    con.execute("INSERT INTO t VALUES (3, 'bad')")
    assert run(con, tmp_path).startswith("1 data test(s) failed, nothing published (the published warehouse is "
                                         "unchanged): accepted values of t.status: bad")


def test_a_test_that_cannot_run_raises_duckdbs_error(con, tmp_path):
    tests = tmp_path / "tests.toml"
    tests.write_text(SPEC + '\n[[empty]]\nname = "broken"\nquery = "SELECT nope FROM t"\n')
    with pytest.raises(duckdb.BinderException, match='"nope"'):
        datatests.run(con, tests)
