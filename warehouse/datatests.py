"""Data tests of the derived tables, declared in warehouse/marts/tests.toml beside the SQL that builds them.

`run` is the last step of every build (warehouse/build.py), inside the publish's transaction: a failing test
raises DataTestFailed, so db.building discards the new copy and the published file stays as it was.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

import duckdb

from warehouse.register import REGISTER_FILE

TESTS_FILE = Path(__file__).with_name("marts") / "tests.toml"
EXAMPLES = 5     # failing rows quoted per test


class DataTestFailed(Exception):
    """One or more data tests failed; nothing was published."""

    def __init__(self, failures: list[str]):
        self.failures = failures
        super().__init__(f"{len(failures)} data test(s) failed, nothing published (the published warehouse is "
                         "unchanged): " + "; ".join(failures))


def _columns(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def test_queries(spec: dict) -> list[tuple[str, str]]:
    """(name, query) per declared test: each query returns the failing rows."""
    tests = []
    for t in spec.get("unique", []):
        cols = _columns(t["columns"])
        where = f" WHERE {t['where']}" if t.get("where") else ""
        tests.append((f"unique {t['table']} ({', '.join(t['columns'])}){where}",
                      f"SELECT {cols}, count(*) AS n FROM {t['table']}{where} GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL"))
    for t in spec.get("accepted_values", []):
        values = ", ".join(_literal(v) for v in t["values"])
        tests.append((f"accepted values of {t['table']}.{t['column']}",
                      f"SELECT DISTINCT \"{t['column']}\" FROM {t['table']} WHERE \"{t['column']}\" NOT IN ({values}) ORDER BY ALL"))
    for t in spec.get("not_null", []):
        nulls = " OR ".join(f'"{c}" IS NULL' for c in t["columns"])
        tests.append((f"not null {t['table']} ({', '.join(t['columns'])})",
                      f"SELECT {_columns(t['columns'])} FROM {t['table']} WHERE {nulls}"))
    for t in spec.get("empty", []):
        tests.append((t["name"], t["query"]))
    return tests


def planned_metrics() -> list[str]:
    """The register's planned_metrics: metric ids an entry may name before their source is in the catalog."""
    path = Path(os.environ.get("PLEDGES_REGISTER") or REGISTER_FILE)
    return list(tomllib.loads(path.read_text()).get("planned_metrics", []))


def failing_tests(con: duckdb.DuckDBPyConnection, tests: list[tuple[str, str]]) -> list[int]:
    """Indexes of the tests whose query returns rows, asked in one statement: nearly every build passes them all,
    and each statement costs DuckDB a fixed overhead. A query that cannot run fails the probe with DuckDB's error."""
    if not tests:
        return []
    probe = "\nUNION ALL\n".join(f"SELECT {i} AS test WHERE EXISTS ({query}\n)" for i, (_, query) in enumerate(tests))
    return sorted(i for (i,) in con.execute(probe).fetchall())


def run(con: duckdb.DuckDBPyConnection, tests_file: Path | None = None) -> None:
    """Every declared test; DataTestFailed naming each failure and its first failing rows."""
    spec = tomllib.loads((tests_file or TESTS_FILE).read_text())
    con.execute("CREATE OR REPLACE TEMP TABLE planned_metrics AS SELECT unnest(CAST(? AS VARCHAR[])) AS metric_id",
                [planned_metrics()])
    failures = []
    try:
        tests = test_queries(spec)
        for name, query in (tests[i] for i in failing_tests(con, tests)):
            result = con.execute(f"SELECT * FROM ({query}) LIMIT {EXAMPLES + 1}")
            rows = result.fetchall()
            if rows:
                shown = ", ".join(str(r if len(r) > 1 else r[0]) for r in rows[:EXAMPLES])
                failures.append(f"{name}: {shown}{' and more' if len(rows) > EXAMPLES else ''}")
    finally:
        con.execute("DROP TABLE IF EXISTS temp.planned_metrics")
    if failures:
        raise DataTestFailed(failures)
