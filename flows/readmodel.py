"""The read model: what the published warehouse says, for everything that shows it to people.

`pledges status` (with --json, --explain, --changes, --as-of), the Prefect run's artifacts, the HTML report
and its Atom feed, the data dictionary (`pledges docs`) and the open export read the warehouse through here
and only here: a read-only connection to the published file (a run swapping a new copy in never blocks it),
the public `marts` schema, plain rows (dicts of column name to value).

Three reads fall back on the internal `meta` schema, each in one function that says so:
- `failures_in_recorded_order` reads meta.release_failures, because the order the failing cells and release-gate
  reasons were recorded in (a held release's summary checks first, then example periods) is kept only in that
  table's rowid: marts.release_failures has no column for it;
- `releases_relation` names marts.releases, except on a warehouse whose meta.releases changed under that view
  since it was published (columns the view selects are gone): `pledges status` still answers there, from the
  release log's own columns;
- `parser_faults` reads meta.parser_faults: files the parser failed on are deliberately not releases (nothing is
  recorded of them, so the next run tries them again), and no public table is about them.

This module imports nothing heavier than DuckDB, so `pledges status` starts quickly.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import duckdb

from warehouse import db
from warehouse.errors import NothingPublished

EVERYTHING = date(9999, 12, 31)     # "as of" without a date: everything published
# The order of loaded releases, oldest first, that every "latest" follows (as staging.release_order ranks them):
# publication date, then (same day) the file name's _vN version, the page's updated time, the fetch time.
RELEASE_ORDER = "published_on, coalesce(version, 1), page_updated_at NULLS FIRST, fetched_at, release_id"


# --- connections and rows -------------------------------------------------------------------------

@contextmanager
def published(warehouse: Path) -> Iterator:
    """A read-only connection to the published warehouse, or None when nothing is published yet."""
    con = db.connect_read_only(Path(warehouse))
    try:
        yield con
    finally:
        if con is not None:
            con.close()


def rows(con, sql: str, params: list | dict | None = None) -> list[dict]:
    """The result of one query as dicts (fetched whole, before the connection runs another)."""
    result = con.execute(sql, params or [])
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row)) for row in result.fetchall()]


# marts.pledges columns the readers show beside pledge_status that a warehouse published by an earlier version may
# lack until its next load rebuilds the derived tables (the readers then fall back: flows.formatting.cited_statement)
LATER_PLEDGE_COLUMNS = ("quote_verbatim", "statement_cited_as", "direction_from")


def column_names(con, table: str) -> set[str]:
    """The columns the published marts.<table> has (a warehouse built before a column was added lacks it)."""
    return {column for _table, column, _type, _text in marts_columns(con, table)}


def later_pledge_columns(con) -> str:
    """', p.<column>' for each of LATER_PLEDGE_COLUMNS that the published marts.pledges has."""
    present = column_names(con, "pledges")
    return "".join(f", p.{c}" for c in LATER_PLEDGE_COLUMNS if c in present)


def release_date_basis(con, release_id: str) -> str:
    """', (...) AS release_date_basis' for a select list: how the date of the release whose id is the column
    `release_id` is known (marts.releases.date_basis), where the published warehouse keeps it."""
    if "date_basis" not in column_names(con, "releases"):
        return ""
    return f", (SELECT r.date_basis FROM marts.releases r WHERE r.release_id = {release_id}) AS release_date_basis"


def claim_bases(con, claim_id: str) -> str:
    """', (...) AS base_periods' for a select list: the base periods, with their days, of the claim whose id is the
    column `claim_id` (staging.claim_bases), where the published warehouse has them (one built before them has not,
    until its next load)."""
    found = con.execute("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'staging' AND view_name = 'claim_bases' "
                        "AND database_name = current_database()").fetchone()[0]
    return f", (SELECT b.periods FROM staging.claim_bases b WHERE b.pledge_id = {claim_id}) AS base_periods" if found else ""


def as_text(found: list[dict]) -> list[dict]:
    """Rows with their dates and times as ISO text (for JSON and the terminal); other values as they are."""
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()} for row in found]


# --- pledges status: sources, releases not published, every pledge and claim ------------------------

RELEASE_LOG_COLUMNS = "release_id, source_id, file_name, status, error, published_on, version, page_updated_at, fetched_at"


def releases_relation(con) -> str:
    """What to read releases from: marts.releases; or, when that view no longer binds because meta.releases lost
    columns it selects (a warehouse from before they were added, not published since), the release log's
    columns status needs, from meta.releases itself."""
    try:
        con.execute("SELECT * FROM marts.releases LIMIT 0")
        return "marts.releases"
    except duckdb.BinderException:
        return f"(SELECT {RELEASE_LOG_COLUMNS} FROM meta.releases)"


def status(warehouse: Path, as_of: date | None = None) -> dict:
    """Sources, rejected and held releases and every pledge and claim, as known on `as_of` (default: now)."""
    cutoff = as_of or EVERYTHING
    with published(warehouse) as con:
        if con is None:
            return {"warehouse": str(warehouse), "published": False, "as_of": as_of, "sources": [], "rejected": [],
                    "held": [], "unreviewed": [], "new_categories": [], "parser_faults": [], "pledges": []}
        found = {"sources": source_summaries(con, cutoff), "parser_faults": parser_faults(con, cutoff),
                 "rejected": rejected_releases(con, cutoff),
                 "held": held_releases(con, cutoff), "unreviewed": unreviewed_releases(con, cutoff),
                 "new_categories": new_categories(con, cutoff), "pledges": pledge_status_as_of(con, cutoff)}
    return {"warehouse": str(warehouse), "published": True, "as_of": as_of.isoformat() if as_of else None,
            **{k: as_text(v) for k, v in found.items()}}


def source_summaries(con, cutoff: date) -> list[dict]:
    """Per source: releases loaded, rejected and held, and the latest loaded one, published on or before `cutoff`."""
    releases = releases_relation(con)
    return rows(con, f"""
        WITH ranked AS (SELECT release_id, row_number() OVER (ORDER BY {RELEASE_ORDER}) AS release_rank
                        FROM {releases} WHERE status = 'loaded')
        SELECT source_id,
               count(*) FILTER (WHERE status = 'loaded') AS releases_loaded,
               count(*) FILTER (WHERE status = 'rejected') AS releases_rejected,
               count(*) FILTER (WHERE status = 'held') AS releases_held,
               max(published_on) FILTER (WHERE status = 'loaded') AS latest_published_on,
               arg_max(release_id, o.release_rank) FILTER (WHERE status = 'loaded') AS latest_release
        FROM {releases} LEFT JOIN ranked o USING (release_id)
        WHERE published_on <= ? GROUP BY source_id ORDER BY source_id""", [cutoff])


def rejected_releases(con, cutoff: date) -> list[dict]:
    """Rejected releases, newest first, each with its first five failing cells in words and how many it has."""
    found = rows(con, f"""SELECT release_id, file_name, error FROM {releases_relation(con)}
                          WHERE status = 'rejected' AND published_on <= ? ORDER BY published_on DESC""", [cutoff])
    failures = failures_in_recorded_order(con, [r["release_id"] for r in found])
    return [{**r, "failures": [failure_words(f) for f in failures.get(r["release_id"], [])[:5]],
             "failures_total": len(failures.get(r["release_id"], []))} for r in found]


def parser_faults(con, cutoff: date) -> list[dict]:
    """Files whose last load attempt failed with a parser fault, newest first: not releases (nothing recorded, so a
    load or run that finds the file again tries it, and fails, exit 1), shown until the file is recorded or a release
    of its source as new or newer is (flows.ingest._record)."""
    # a warehouse published before parser faults were kept has no such table: asked anyway, DuckDB would look for a
    # Python object of that name (this function) and fail, and `pledges status` with it (audit 23)
    if not con.execute("SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() "
                       "AND schema_name = 'meta' AND table_name = 'parser_faults'").fetchall():
        return []
    # as of a date: the attempts made by then (a fault found later was not known then)
    return rows(con, """SELECT source_id, file_name, published_on, reason, tried_at, release_id FROM meta.parser_faults
                        WHERE published_on <= $cutoff AND CAST(tried_at AS DATE) <= $cutoff
                        ORDER BY published_on DESC, source_id, file_name""", {"cutoff": cutoff})


def held_releases(con, cutoff: date) -> list[dict]:
    """Releases the release gate held (and held ones a later release superseded), with up to twelve reasons and how
    many it has."""
    found = rows(con, f"""SELECT release_id, source_id, file_name, status, error FROM {releases_relation(con)}
                          WHERE status IN ('held', 'superseded') AND published_on <= ?
                          ORDER BY status, published_on DESC""", [cutoff])
    reasons = failures_in_recorded_order(con, [r["release_id"] for r in found])
    return [{**r, "reasons": [failure_words(f, column_word="") for f in reasons.get(r["release_id"], [])[:12]],
             "reasons_total": len(reasons.get(r["release_id"], []))} for r in found]


def new_categories(con, cutoff: date) -> list[dict]:
    """Labels the newest loaded release of each source uses that its parser did not know: kept, but counted by no
    metric whose filter names another label (a category relabelled: `load` says so once; an operator reading the
    status after a scheduled run sees it here)."""
    try:
        return rows(con, f"""
            WITH ranked AS (SELECT release_id, source_id, row_number() OVER (ORDER BY {RELEASE_ORDER}) AS release_rank
                            FROM {releases_relation(con)} WHERE status = 'loaded' AND published_on <= ?),
                 latest AS (SELECT arg_max(release_id, release_rank) AS release_id FROM ranked GROUP BY source_id)
            SELECT n.release_id, n.table_name, n.column_name, n.label, n.rows
            FROM meta.new_categories n JOIN latest USING (release_id) ORDER BY ALL""", [cutoff])
    except duckdb.CatalogException:     # a warehouse from before new categories were kept
        return []


def unreviewed_releases(con, cutoff: date) -> list[dict]:
    """Loaded releases the release gate would hold, found only after they were published (an older release loaded
    after them, or a rebuild by publication date): they stay published, and are named until reviewed."""
    try:
        return rows(con, """SELECT release_id, source_id, file_name, held_reasons FROM meta.releases
                            WHERE status = 'loaded' AND held_reasons IS NOT NULL AND accepted_at IS NULL
                              AND published_on <= ? ORDER BY published_on DESC""", [cutoff])
    except duckdb.BinderException:      # a warehouse from before the release gate
        return []


def failures_in_recorded_order(con, release_ids: list[str]) -> dict[str, list[dict]]:
    """Each release's failing cells and gate reasons in the order they were recorded.

    Reads the internal `meta` schema (see the module's docstring): that order is only in meta.release_failures'
    rowid (the view marts.release_failures joins it to the releases and keeps no order)."""
    if not release_ids:
        return {}
    out: dict[str, list[dict]] = {}
    for row in rows(con, """SELECT release_id, sheet, row_number, column_name, check_name, value
                            FROM meta.release_failures WHERE release_id IN (SELECT unnest($ids))
                            ORDER BY rowid""", {"ids": release_ids}):
        out.setdefault(row["release_id"], []).append(row)
    return out


def failure_words(failure: dict, column_word: str = "column ") -> str:
    """One failure as a line: "sheet 'SB_01' row 6 column X: check (value '-12')"."""
    f = failure
    return ((f"sheet {f['sheet']} " if f["sheet"] is not None else "")
            + (f"row {f['row_number']} " if f["row_number"] is not None else "")
            + (f"{column_word}{f['column_name']}: " if f["column_name"] is not None else "")
            + f["check_name"]
            + (f" (value {f['value']})" if f["value"] is not None else ""))


def pledge_status_as_of(con, cutoff: date) -> list[dict]:
    """Every pledge and claim as known on `cutoff` (marts.pledge_status_as_of), with a claim's register terms
    (check_type, claimed_direction, since), which say what its claimed_value means."""
    return rows(con, f"""SELECT s.*, p.check_type, p.claimed_direction, p.since{later_pledge_columns(con)}
                        FROM marts.pledge_status_as_of(?) s LEFT JOIN marts.pledges p USING (pledge_id)
                        ORDER BY s.type DESC, s.kind DESC, s.pledge_id""", [cutoff])


# --- the Prefect run's artifacts ----------------------------------------------------------------------

def status_overview(warehouse: Path) -> dict | None:
    """marts.pledge_status as it stands, and each source's latest loaded publication date; None if unpublished."""
    with published(warehouse) as con:
        if con is None:
            return None
        return {"pledges": rows(con, f"SELECT s.*{later_pledge_columns(con)} FROM marts.pledge_status s LEFT JOIN "
                                     "marts.pledges p USING (pledge_id) ORDER BY s.type DESC, s.kind DESC, s.pledge_id"),
                "latest_loaded": rows(con, f"""SELECT source_id, max(published_on) AS published_on
                                               FROM {releases_relation(con)} WHERE status = 'loaded' GROUP BY 1 ORDER BY 1""")}


# --- what changed ---------------------------------------------------------------------------------

def changes_from(con, limit: int | None = None) -> list[dict]:
    """marts.changes, newest first, with the release's address where it has one (flows.feed.read_changes words them)."""
    return rows(con, "SELECT c.*, r.file_url, r.landing_page FROM marts.changes c LEFT JOIN marts.releases r "
                     "USING (release_id) ORDER BY c.changed_on DESC, c.kind, c.subject, c.summary, c.release_id"
                + (f" LIMIT {int(limit)}" if limit else ""))


# --- the tables themselves: the data dictionary and the export ---------------------------------------

def marts_relations(con) -> list[tuple[str, str, str | None]]:
    """(name, 'table' or 'view', description) of every table and view in marts, by name."""
    return con.execute("""
        SELECT table_name, 'table', comment FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name = 'marts'
        UNION ALL
        SELECT view_name, 'view', comment FROM duckdb_views()
        WHERE database_name = current_database() AND schema_name = 'marts' AND NOT internal
        ORDER BY 1""").fetchall()


def marts_columns(con, table: str | None = None) -> list[tuple[str, str, str, str | None]]:
    """(table, column, DuckDB type, description) of the marts tables' columns (or one table's), in order."""
    return con.execute("""
        SELECT table_name, column_name, data_type, comment FROM duckdb_columns()
        WHERE database_name = current_database() AND schema_name = 'marts' AND ($table IS NULL OR table_name = $table)
        ORDER BY table_name, column_index""", {"table": table}).fetchall()


def marts_table_functions(con) -> list[tuple[str, list[str], str | None]]:
    """(name, parameters, description) of the as-of table functions in marts."""
    found = con.execute("""
        SELECT DISTINCT schema_name, function_name, parameters, comment FROM duckdb_functions()
        WHERE database_name = current_database() AND schema_name = 'marts' ORDER BY 2""").fetchall()
    return [(name, params, comment) for _schema, name, params, comment in found]


def catalog_sources(con) -> list[tuple[str, str | None, str | None]]:
    """(title, publisher, page) of every catalog source (marts.metrics)."""
    return con.execute("""
        SELECT DISTINCT source_title, publisher, page_url FROM marts.metrics
        WHERE source_title IS NOT NULL ORDER BY publisher, source_title, page_url""").fetchall()


# --- the HTML report --------------------------------------------------------------------------------

def report_rows(warehouse: Path) -> dict:
    """Everything the report shows, as rows: each source's latest loaded release, rejections, one card per
    register entry, pledge progress, metrics, claim checks, releases, changes, and the figures its charts draw."""
    with published(warehouse) as con:
        if con is None:
            raise NothingPublished(warehouse)
        cards = register_cards(con)
        metrics = rows(con, "SELECT * FROM marts.metrics ORDER BY source_id, metric_id")
        known = {m["metric_id"] for m in metrics}
        charted = chart_metrics(cards)
        observations = latest_observations(con, sorted(m for m in charted["all"] if m in known))
        revised = [m for m in charted["measured"] if m in known and observations.get(m)]
        return {"latest": latest_loaded_releases(con), "rejected": rejected_counts(con), "cards": cards,
                "progress": latest_progress(con), "metric_rows": metrics, "claims": claim_checks(con),
                "releases": rows(con, "SELECT source_id, status, published_on, file_name, file_url, release_id, version "
                                      "FROM marts.releases"),
                "changes": changes_from(con, 500), "observations": observations,
                "revisions": {m: revision_observations(con, m) for m in revised}}


def latest_loaded_releases(con) -> list[dict]:
    """Each source's latest loaded release, with how its date is known (date_basis) where the warehouse keeps it."""
    basis = ", date_basis" if "date_basis" in column_names(con, "releases") else ""
    return rows(con, f"""
        SELECT source_id, published_on, release_id, file_url, title{basis} FROM marts.releases WHERE status = 'loaded'
        QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY published_on DESC, version DESC, page_updated_at DESC NULLS LAST,
                                                     fetched_at DESC, release_id DESC) = 1
        ORDER BY source_id""")


def rejected_counts(con) -> list[dict]:
    """Per source with rejections: how many, and the latest one's publication date."""
    return rows(con, """SELECT source_id, count(*) AS releases, max(published_on) AS latest FROM marts.releases
                        WHERE status = 'rejected' GROUP BY source_id ORDER BY source_id""")


def register_cards(con) -> list[dict]:
    """One row per register entry (pledges, then claims): its status, register entry and claim check."""
    return rows(con, f"""
        SELECT s.*{later_pledge_columns(con)}{release_date_basis(con, "s.release_id")}, p.also_quoted, p.metric_title, p.direction, p.target, p.target_date,
               p.progress_period, p.baseline AS baseline_kind, p.baseline_start, p.baseline_end, p.track_from, p.views,
               p.related_metrics, p.check_type, p.claimed_direction, p.since, p.claim_start, p.claim_end,
               p.base_start, p.base_end, p.manual_status, p.manual_status_on, p.note, p.measurability{claim_bases(con, "s.pledge_id")},
               c.claimed_value, c.official_value, c.comparison_value, c.comparison_periods, c.official_periods, c.covered_days,
               c.claimed_days, c.extra_days, c.part_verdicts, c.verdict_source,
               -- the register's measures (charts draw the official series, whatever basis the verdict rests on)
               (SELECT list({{'metric_id': cp.metric_id, 'part': cp.part_label}} ORDER BY cp.part_no)
                FROM staging.claim_parts cp WHERE cp.pledge_id = s.pledge_id) AS part_metrics,
               -- the measures in words (each part's, for a claim checked on several), for sentences
               coalesce((SELECT string_agg(words, ' or ' ORDER BY first_part)
                         FROM (SELECT staging.metric_words(m.title) AS words, min(cp.part_no) AS first_part
                               FROM staging.claim_parts cp JOIN marts.metrics m ON m.metric_id = cp.metric_id
                               WHERE cp.pledge_id = s.pledge_id GROUP BY ALL)),
                        staging.metric_words(p.metric_title)) AS metric_words
        FROM marts.pledge_status s
        LEFT JOIN marts.pledges p USING (pledge_id)
        LEFT JOIN marts.claim_checks c ON c.claim_id = s.pledge_id
        ORDER BY s.type DESC, s.kind DESC, s.pledge_id""")


def latest_progress(con) -> list[dict]:
    """marts.pledge_progress's latest vintage, every view."""
    return rows(con, """
        SELECT pledge_id, metric_id, view, period_type, period_start, period_end, period_label, complete, data_to,
               value, unit, baseline_label, baseline_value, change, change_pct, status, as_of, release_id
        FROM marts.pledge_progress WHERE is_latest_vintage ORDER BY pledge_id, view, period_start, period_end""")


def claim_checks(con) -> list[dict]:
    return rows(con, f"""SELECT c.*, p.since{claim_bases(con, "c.claim_id")} FROM marts.claim_checks c
                         LEFT JOIN marts.pledges p ON p.pledge_id = c.claim_id ORDER BY c.claim_id""")


def entry_metrics(card: dict) -> list[tuple[str, str | None]]:
    """The metrics a quantitative entry is measured by, with their part labels: a claim's parts, else its metric."""
    parts = [(p["metric_id"], p.get("part")) for p in card.get("part_metrics") or card.get("part_verdicts") or []
             if p and p.get("metric_id")]
    if len({m for m, _label in parts}) > 1:
        seen: dict[str, str | None] = {}
        for metric_id, label in parts:
            seen.setdefault(metric_id, label)
        return list(seen.items())
    return [(card["metric_id"], None)] if card.get("metric_id") else []


def chart_metrics(cards: list[dict]) -> dict[str, set[str]]:
    """The metrics the quantitative entries are measured by ('measured'), and those plus related measures ('all')."""
    quantitative = [c for c in cards if c.get("kind") == "quantitative"]
    measured = {m for c in quantitative for m, _label in entry_metrics(c)}
    return {"measured": measured, "all": measured | {m for c in quantitative for m in c.get("related_metrics") or []}}


def latest_observations(con, metric_ids: list[str]) -> dict[str, list[dict]]:
    """Every metric's latest figures (marts.metric_observations WHERE is_latest), oldest period first."""
    if not metric_ids:
        return {}
    found = rows(con, """SELECT metric_id, period_type, period_start, period_end, value, release_id, published_on
                         FROM marts.metric_observations WHERE is_latest AND metric_id IN (SELECT unnest($ids))
                         ORDER BY metric_id, period_start, period_end""", {"ids": metric_ids})
    out: dict[str, list[dict]] = {}
    for r in found:
        out.setdefault(r["metric_id"], []).append(r)
    return out


def revision_observations(con, metric_id: str) -> list[dict]:
    """All vintages of a metric's revised stretch, from two months before the first revised period (the chart
    shows a little context before it), with each release's rank; [] when no figure was ever revised."""
    first = con.execute("""SELECT min(period_start) FROM (SELECT period_start FROM marts.metric_observations
                           WHERE metric_id = $m GROUP BY period_start, period_end HAVING count(DISTINCT value) > 1)""",
                        {"m": metric_id}).fetchone()[0]
    if first is None:
        return []
    return rows(con, """SELECT o.period_start, o.period_end, o.value, o.published_on, o.release_id,
                               dense_rank() OVER (ORDER BY o.published_on, r.version, r.page_updated_at NULLS FIRST,
                                                  r.fetched_at, o.release_id) AS rank
                        FROM marts.metric_observations o JOIN marts.releases r USING (release_id)
                        WHERE o.metric_id = $m AND o.period_end >= $from ORDER BY o.period_start""",
                {"m": metric_id, "from": first - timedelta(days=62)})
