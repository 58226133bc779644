"""Derived tables, rebuilt inside every publish.

`staging.metric_values` is compiled from the metric definitions the caller passes (the catalog's:
one SELECT per metric over its raw table); the public tables are the SQL files in warehouse/marts/,
run in file-name order. The warehouse knows metrics only through `Definitions`, so it imports
nothing from flows/.
"""
from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb

from warehouse.register import REGISTER_FILE, write_register

MARTS_DIR = Path(__file__).with_name("marts")


class MetricDefinition(Protocol):
    """What the warehouse needs of one metric (flows.catalog.Metric is one)."""
    id: str
    period_type: str
    unit: str
    table: str
    period_start: str
    period_end: str
    value: str
    where: str


@dataclass(frozen=True)
class Definitions:
    """Everything the derived tables are built from besides the data and the SQL files here: the metrics
    (their SQL and their rows of marts.metrics) and the definition files whose edit must rebuild them."""
    metrics: tuple[MetricDefinition, ...]
    descriptions: tuple[dict, ...]      # one row of marts.metrics per metric
    files: tuple[Path, ...]             # the catalog's files, fingerprinted with the register and the SQL


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def metric_select(metric: MetricDefinition) -> str:
    """One metric's long rows: summed over the breakdowns of its raw table, per release and period.

    A period whose every contributing cell is missing ('-', ':') yields no row rather than 0.
    """
    return (
        f"SELECT {_quote(metric.id)} AS metric_id, {_quote(metric.period_type)} AS period_type, "
        f"CAST({metric.period_start} AS DATE) AS period_start, CAST({metric.period_end} AS DATE) AS period_end, "
        f"CAST(sum({metric.value}) AS DOUBLE) AS value, {_quote(metric.unit)} AS unit, release_id\n"
        f"FROM raw.{metric.table} WHERE {metric.where}\n"
        f"GROUP BY release_id, period_start, period_end HAVING count({metric.value}) > 0"
    )


def existing_tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = ? AND database_name = current_database()",
                       [schema]).fetchall()
    return {r[0] for r in rows}


def build_metric_views(con: duckdb.DuckDBPyConnection, definitions: Definitions) -> None:
    metrics = definitions.metrics
    present = existing_tables(con, "raw")
    selects = [metric_select(m) for m in metrics if m.table in present]
    empty = ("SELECT NULL::VARCHAR AS metric_id, NULL::VARCHAR AS period_type, NULL::DATE AS period_start, "
             "NULL::DATE AS period_end, NULL::DOUBLE AS value, NULL::VARCHAR AS unit, NULL::VARCHAR AS release_id WHERE FALSE")
    body = "\nUNION ALL\n".join(selects) if selects else empty
    con.execute(f"CREATE OR REPLACE VIEW staging.metric_values AS\n{body}")
    con.execute("CREATE OR REPLACE TABLE marts.metrics (metric_id VARCHAR PRIMARY KEY, title VARCHAR, unit VARCHAR, "
                "period_type VARCHAR, measure VARCHAR, definition VARCHAR, source_id VARCHAR, source_title VARCHAR, "
                "layout_confirmed BOOLEAN, publisher VARCHAR, page_url VARCHAR, publication_lag_months INTEGER, cadence VARCHAR, release_every VARCHAR, "
                "revision_threshold_pct DOUBLE, revision_threshold_abs DOUBLE)")
    rows = list(definitions.descriptions)
    if rows:   # one list-of-structs parameter: executemany runs a statement per row, a VALUES list binds every value
        con.execute("INSERT INTO marts.metrics BY NAME SELECT metric.* FROM (SELECT unnest($rows) AS metric)", {"rows": rows})


def document_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Describe every public column the SQL files left without a comment, from marts/columns.toml."""
    docs = tomllib.loads((MARTS_DIR / "columns.toml").read_text())
    missing = con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'marts' "
                          "AND database_name = current_database() AND comment IS NULL").fetchall()
    comments = []
    for table, column in missing:
        text = docs.get(table, {}).get(column) or docs["any"].get(column)
        if text:
            comments.append(f'COMMENT ON COLUMN marts.{table}."{column}" IS {_quote(text)};')
    if comments:   # one call for all (saves a Python round trip each; DuckDB still runs them one by one)
        con.execute("\n".join(comments))


def definitions_fingerprint(definitions: Definitions) -> str:
    """A hash of everything the derived tables are built from besides the data: the pledge register, the
    catalog (metric definitions), the SQL files and column descriptions. A load with no new release still
    rebuilds the derived tables when it differs from the published one's (an edited register is applied)."""
    register = Path(os.environ.get("PLEDGES_REGISTER") or REGISTER_FILE)
    files = [register, *definitions.files, MARTS_DIR / "columns.toml", *sorted(MARTS_DIR.glob("*.sql"))]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def published_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The definitions fingerprint the published derived tables were built with (None before it was recorded)."""
    if "build_info" not in existing_tables(con, "meta"):
        return None
    row = con.execute("SELECT fingerprint FROM meta.build_info").fetchone()
    return row[0] if row else None


def build_marts(con: duckdb.DuckDBPyConnection, definitions: Definitions) -> None:
    """Every derived table, within the caller's transaction (db.building: readers only ever see the published file)."""
    build_metric_views(con, definitions)
    write_register(con, [m.id for m in definitions.metrics])
    for sql_file in sorted(MARTS_DIR.glob("*.sql")):
        con.execute(sql_file.read_text())
    document_columns(con)
    con.execute("CREATE OR REPLACE TABLE meta.build_info AS SELECT ? AS fingerprint",
                [definitions_fingerprint(definitions)])
