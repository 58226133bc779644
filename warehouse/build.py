"""Derived tables, built inside every publish: in full, or extended by what the new releases change.

The public tables are the SQL files in warehouse/marts/, run in file-name order. A full build (a new warehouse,
`pledges rebuild`, or a register, catalog or SQL that differs from the published build's: the fingerprint in
meta.build_info) drops every derived table and builds it again from every loaded release; otherwise a build
computes only what the releases loaded since the last build change (warehouse/history.py: their metric values,
computed once; the vintages from their publication dates on) and updates the tables in place, so a publish costs
the same however long the history. Data tests (warehouse/marts/tests.toml) run last: a failure raises, and the
caller's building copy is discarded. The warehouse knows metrics only through `Definitions` (the catalog's: one
SELECT per metric over its raw table), so it imports nothing from flows/.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse import datatests, history, raw_store
from warehouse.fingerprint import definitions_fingerprint, published_fingerprint  # noqa: F401  (light: flows/noop.py)
from warehouse.history import MetricDefinition, metric_select  # noqa: F401  (the catalog uses both)
from warehouse.register import write_register

MARTS_DIR = Path(__file__).with_name("marts")


@dataclass(frozen=True)
class Definitions:
    """Everything the derived tables are built from besides the data and the SQL files here: the metrics
    (their SQL and their rows of marts.metrics) and the definition files whose edit must rebuild them."""
    metrics: tuple[MetricDefinition, ...]
    descriptions: tuple[dict, ...]      # one row of marts.metrics per metric
    files: tuple[Path, ...]             # the catalog's files, fingerprinted with the register and the SQL
    tables: tuple[dict, ...] = ()       # each raw table: {table, description} (the tidy views' comments)


_quote = history.quote


def metric_values_view(con: duckdb.DuckDBPyConnection, definitions: Definitions,
                       present: set[str] | None = None) -> None:
    """staging.metric_values: every metric value of every release, as full copies (a view over the raw tables, for
    inspection and tests; builds compute only the values they need, warehouse/history.py). Made on every build: a
    raw table appears with a source's first release. `present`: the raw tables, if the caller has them."""
    present = raw_store.raw_tables(con) if present is None else present
    selects = [metric_select(m) for m in definitions.metrics if m.table in present]
    body = "\nUNION ALL\n".join(selects) if selects else history.EMPTY_VALUES
    con.execute(f"CREATE OR REPLACE VIEW staging.metric_values AS\n{body}")


def build_metric_views(con: duckdb.DuckDBPyConnection, definitions: Definitions | None = None,
                       present: set[str] | None = None) -> None:
    """marts.metrics (one row per catalog metric), and staging.metric_values."""
    definitions = definitions or Definitions((), (), ())
    metric_values_view(con, definitions, present)
    con.execute("CREATE OR REPLACE TABLE marts.metrics (metric_id VARCHAR PRIMARY KEY, title VARCHAR, unit VARCHAR, "
                "period_type VARCHAR, measure VARCHAR, definition VARCHAR, source_id VARCHAR, source_title VARCHAR, "
                "layout_confirmed BOOLEAN, layout_confirmed_by VARCHAR, publisher VARCHAR, page_url VARCHAR, publication_lag_months INTEGER, cadence VARCHAR, release_every VARCHAR, "
                "revision_threshold_pct DOUBLE, revision_threshold_abs DOUBLE)")
    rows = list(definitions.descriptions)
    if rows:   # one list-of-structs parameter: executemany runs a statement per row, a VALUES list binds every value
        con.execute("INSERT INTO marts.metrics BY NAME SELECT metric.* FROM (SELECT unnest($rows) AS metric)", {"rows": rows})


TIDY_COLUMNS = {
    "release_id": "The release the row was published in (marts.releases).",
    "source_id": "The catalog source of that release.",
    "published_on": "When that release was published (marts.releases.published_on).",
    "source_row": "The row of the published sheet it was read from (1-based, as a spreadsheet numbers rows).",
}


def tidy_views(con: duckdb.DuckDBPyConnection, definitions: Definitions, present: set[str], full: bool) -> None:
    """tidy.<table>: every loaded release's rows of one published table, keyed by the release (as first published:
    the earliest release_id of a period; as revised since: the later ones); tidy.<table>_latest: the rows of the
    newest loaded release carrying the table (the latest revision of a source that re-publishes its whole series).
    Made for the raw tables that have none (a table appears with its source's first release; raw_store drops them
    when a table gains a column), and all again in a full build (a catalog edit may change their descriptions)."""
    have = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'tidy' "
                                      "AND database_name = current_database()").fetchall()}
    todo = sorted(present if full else {t for t in present if t not in have or f"{t}_latest" not in have})
    if not todo:
        return
    about = {row["table"]: row for row in definitions.tables}
    statements = []
    for name in todo:
        view, latest = raw_store.ident(name), raw_store.ident(f"{name}_latest")
        statements.append(
            f"CREATE OR REPLACE VIEW tidy.{view} AS SELECT t.release_id, r.source_id, r.published_on, "
            f"t.* EXCLUDE (release_id) FROM raw.{view} t JOIN meta.releases r USING (release_id);")
        statements.append(  # the newest loaded release carrying the table, in the order every "latest" follows
            f"CREATE OR REPLACE VIEW tidy.{latest} AS SELECT * FROM tidy.{view} WHERE release_id = ("
            f"SELECT s.release_id FROM raw_store.release_seq s JOIN staging.release_order o USING (release_id) "
            f"WHERE s.table_name = {_quote(name)} ORDER BY o.release_rank DESC LIMIT 1);")
        what = (about.get(name, {}).get("description") or f"The published table {name}").rstrip(".")
        every = (f"{what}: every loaded release's rows as read from the published sheet (labels and numbers normalised, "
                 "period columns added), keyed by release_id and source_id (filter on release_id, or on published_on, "
                 "for a release as first published and as revised since); columns as the source's schema (schemas/) "
                 "names them.")
        newest = (f"{what}: the rows of the newest loaded release carrying the table (the latest revision, for a "
                  f"source that re-publishes its whole series; periods only older releases carry are in tidy.{name}).")
        statements += [f"COMMENT ON VIEW tidy.{view} IS {_quote(every)};", f"COMMENT ON VIEW tidy.{latest} IS {_quote(newest)};"]
        for column, text in TIDY_COLUMNS.items():
            for target in (view, latest):
                statements.append(f"COMMENT ON COLUMN tidy.{target}.{raw_store.ident(column)} IS {_quote(text)};")
    con.execute("\n".join(statements))


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


# The temporary tables the build leaves for the next step (warehouse/history.py, the SQL files), dropped at its end.
BUILD_TEMP_TABLES = (
    "build_mode", "pending_releases", "release_values", "metric_scope", "metric_seq", "progress_scope", "claim_scope",
    "claim_register", "claim_scope_parts", "claim_vintages", "claim_bases", "claim_latest", "claim_known",
    "claim_windows", "claim_matched", "claim_chosen", "claim_sums", "claim_runs", "claim_best_other",
    "claim_records", "claim_judged", "claim_explained", "claim_verdicts")


def drop_derived(con: duckdb.DuckDBPyConnection) -> None:
    """Every table of the marts and staging schemas (a full build makes them again; views and macros are replaced)."""
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
                         "AND schema_name IN ('marts', 'staging') ORDER BY ALL").fetchall()
    if tables:   # one call: DuckDB drops one table a statement, but a Python round trip each is saved
        con.execute("\n".join(f'DROP TABLE {schema}."{table}";' for schema, table in tables))


def build_marts(con: duckdb.DuckDBPyConnection, definitions: Definitions) -> None:
    """Every derived table, within the caller's transaction (db.building: readers only ever see the published file):
    in full when the definitions differ from the published build's (or nothing was built yet), else extended by the
    releases loaded since. Raises datatests.DataTestFailed (the caller's copy is then discarded) if a data test fails."""
    fingerprint = definitions_fingerprint(definitions)
    full = published_fingerprint(con) != fingerprint or history.needs_full_build(con)
    present = raw_store.raw_tables(con)     # asked once: a catalog query costs a few milliseconds
    if full:
        drop_derived(con)
        build_metric_views(con, definitions, present)
        write_register(con, [m.id for m in definitions.metrics])
    else:
        metric_values_view(con, definitions, present)
    history.prepare(con, definitions.metrics, full, present)
    tidy_views(con, definitions, present, full)
    for sql_file in sorted(MARTS_DIR.glob("*.sql")):
        con.execute(sql_file.read_text())
    con.execute("\n".join(f"DROP TABLE IF EXISTS temp.{table};" for table in BUILD_TEMP_TABLES))
    document_columns(con)
    datatests.run(con)
    if full:
        con.execute("CREATE OR REPLACE TABLE meta.build_info AS SELECT ? AS fingerprint", [fingerprint])


def build_from_values(con: duckdb.DuckDBPyConnection, values: str) -> None:
    """Every derived table from each loaded release's metric values in the relation `values` (all of a release's
    values; columns as metric_select's), with no raw tables: for tests that make their figures by hand. The register
    and marts.metrics must be written first. The build's temporary tables are kept, so a test can run a SQL file
    again after changing its inputs."""
    history.prepare_from_values(con, values)
    for sql_file in sorted(MARTS_DIR.glob("*.sql")):
        con.execute(sql_file.read_text())
