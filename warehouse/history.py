"""What a build adds: the releases not yet in the derived tables, and each metric's values in them.

The SQL files in warehouse/marts/ read four temporary tables made here, before they run:

- temp.build_mode        full: every derived table is built again (a new warehouse, `pledges rebuild`, a changed
                         register, catalog or SQL: warehouse/build.py); else only what the new releases change.
- temp.pending_releases  the loaded releases the derived tables do not hold yet (all of them on a full build).
- temp.release_values    each metric's values per release, as metric_select computes them: the pending releases'
                         only, computed once here; every release of a metric to recompute.
- temp.metric_scope      the metrics whose stored values change (metric_id), from which publication date the
                         vintages built on them change (from_date), and whether the metric's stored changes are
                         recomputed from every release (recompute: a full build, or a new release that ranks before
                         one already held, as an older file loaded after a newer one or a `_v1` after its `_v2`)
                         rather than extended by the new releases.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import duckdb

from warehouse import raw_store


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


EMPTY_VALUES = ("SELECT NULL::VARCHAR AS metric_id, NULL::VARCHAR AS period_type, NULL::DATE AS period_start, "
                "NULL::DATE AS period_end, NULL::DOUBLE AS value, NULL::VARCHAR AS unit, NULL::VARCHAR AS release_id "
                "WHERE FALSE")


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def metric_select(metric: MetricDefinition, releases: Iterable[str] | None = None) -> str:
    """One metric's long rows: summed over the breakdowns of its raw table, per release and period (only the
    given releases' when `releases` is given: a filter the scan of the raw table applies).

    A period whose every contributing cell is missing ('-', ':') yields no row rather than 0.
    """
    only = "" if releases is None else f" AND release_id IN ({', '.join(quote(r) for r in releases) or 'NULL'})"
    return (
        f"SELECT {quote(metric.id)} AS metric_id, {quote(metric.period_type)} AS period_type, "
        f"CAST({metric.period_start} AS DATE) AS period_start, CAST({metric.period_end} AS DATE) AS period_end, "
        f"CAST(sum({metric.value}) AS DOUBLE) AS value, {quote(metric.unit)} AS unit, release_id\n"
        f"FROM raw.{metric.table} WHERE ({metric.where}){only}\n"
        f"GROUP BY release_id, period_start, period_end HAVING count({metric.value}) > 0"
    )


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = ? AND database_name = current_database()",
                       [schema]).fetchall()
    return {r[0] for r in rows}


def _values(con: duckdb.DuckDBPyConnection, metrics: list[MetricDefinition], releases: list[str] | None) -> None:
    """Append the metrics' values (of `releases` only, if given) to temp.release_values."""
    selects = [metric_select(m, releases) for m in metrics]
    for start in range(0, len(selects), 20):     # a few metrics a statement: one plan per UNION stays small
        con.execute("INSERT INTO temp.release_values " + "\nUNION ALL\n".join(selects[start:start + 20]))


def prepare(con: duckdb.DuckDBPyConnection, metrics: Iterable[MetricDefinition], full: bool,
            present: set[str] | None = None) -> None:
    """temp.build_mode, temp.pending_releases, temp.release_values and temp.metric_scope (see the module's doc).
    `present`: the raw tables, if the caller has them."""
    present = raw_store.raw_tables(con) if present is None else present
    metrics = [m for m in metrics if m.table in present]
    built = "staging.built_releases" if not full and "built_releases" in _tables(con, "staging") else None
    con.execute("CREATE OR REPLACE TEMP TABLE build_mode AS SELECT CAST(? AS BOOLEAN) AS full", [full])
    con.execute("CREATE OR REPLACE TEMP TABLE pending_releases AS SELECT release_id, published_on, release_rank "
                "FROM staging.release_order"
                + (f" WHERE release_id NOT IN (SELECT release_id FROM {built})" if built else ""))
    con.execute(f"CREATE OR REPLACE TEMP TABLE release_values AS {EMPTY_VALUES}")
    if full:
        _values(con, metrics, None)
        con.execute("CREATE OR REPLACE TEMP TABLE metric_scope AS SELECT unnest(CAST(? AS VARCHAR[])) AS metric_id, "
                    "DATE '-infinity' AS from_date, TRUE AS recompute", [[m.id for m in metrics]])
        return
    pending = [r for (r,) in con.execute("SELECT release_id FROM temp.pending_releases ORDER BY release_id").fetchall()]
    if pending:
        _values(con, metrics, pending)
    # A metric is recomputed when a new release ranks before one of its releases already held.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE metric_scope AS
        SELECT v.metric_id, min(p.published_on) AS from_date,
               coalesce(min(p.release_rank) < any_value(h.newest), FALSE) AS recompute
        FROM (SELECT DISTINCT metric_id, release_id FROM temp.release_values) v
        JOIN temp.pending_releases p USING (release_id)
        LEFT JOIN (SELECT metric_id, max(release_rank) AS newest FROM staging.metric_release_order GROUP BY metric_id) h
             USING (metric_id)
        GROUP BY v.metric_id""")
    again = {r for (r,) in con.execute("SELECT metric_id FROM temp.metric_scope WHERE recompute").fetchall()}
    if again:
        con.execute("DELETE FROM temp.release_values WHERE metric_id IN (SELECT unnest(CAST(? AS VARCHAR[])))", [sorted(again)])
        _values(con, [m for m in metrics if m.id in again], None)


def prepare_from_values(con: duckdb.DuckDBPyConnection, values: str) -> None:
    """As `prepare` for a full build, from each loaded release's metric values in the relation `values` (columns as
    metric_select's) rather than from the raw tables: for tests that make their figures by hand."""
    con.execute("CREATE OR REPLACE TEMP TABLE build_mode AS SELECT TRUE AS full")
    con.execute("CREATE OR REPLACE TEMP TABLE pending_releases AS SELECT release_id, published_on, release_rank "
                "FROM staging.release_order")
    con.execute(f"CREATE OR REPLACE TEMP TABLE release_values AS SELECT metric_id, period_type, period_start, period_end, "
                f"value, unit, release_id FROM {values}")
    con.execute("CREATE OR REPLACE TEMP TABLE metric_scope AS SELECT DISTINCT metric_id, DATE '-infinity' AS from_date, "
                "TRUE AS recompute FROM temp.release_values")


def needs_full_build(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the derived tables cannot be extended: never built this way, or holding a release no longer loaded."""
    if not {"built_releases", "metric_releases", "observation_ends", "progress_vintages", "claim_check_vintages"} \
            <= _tables(con, "staging"):
        return True
    gone = con.execute("SELECT count(*) FROM staging.built_releases WHERE release_id NOT IN "
                       "(SELECT release_id FROM staging.release_order)").fetchone()[0]
    return gone > 0
