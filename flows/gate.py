"""The release gate: a parsed and validated release, checked for plausibility before it is published.

Validation (schemas/) checks each cell on its own. The gate checks the release as a whole, with the
catalog's rules (flows/sources/<family>/source.toml, `gate` tables; flows/sources/README.md documents every key):

- bounds      each period's value of a metric within [min, max] (`gate = { bounds = [0, 5000] }` on a metric);
- at_least    each period's value at least another metric's value for the same period (migrants >= boats);
- at_most_per each period's value at most a multiple of another metric's for the same period (at most 150 people a
              boat: the real series' highest day is 89; a day's 217 people re-published as 2,170 on 3 boats fails);
- sum_of      each period's value equal (within `sum_tolerance`) to the sum of another metric's values over
              the same days, where that series covers every day of the period (SB_02 weeks vs SB_01 days);
- revisions   against the previous loaded release of the same source: of the periods both hold that had
              settled in it (ending more than `revision_window_days` before its last period), at most
              `max_revised_share` may change (all history zeroed is held; recent provisional days may move);
- max_settled_revision
              against the previous loaded release too: no settled period may be revised by more than
              `max_settled_revision_pct` percent of its previous value AND more than `max_settled_revision_abs`
              (in the metric's unit): one settled day revised from 370 to 4,900 is held, however few days moved;
- dropped     at most `max_dropped_share` of the previous release's periods may be missing (history that
              shrinks to the last 10 days is held);
- dropped_settled, dropped_recent
              no period of the previous release may be missing between this release's first and last periods,
              settled or recent (a settled day left blank, a quarter's row deleted, twenty recent days blanked: the
              old figures would stay "latest" unseen, and the statuses rest on the newest days); periods after this
              release's last one (provisional days not in it yet) are free, and so are a note's recent windows
              (period type range: a note need not repeat an earlier note's window);
- metric_missing
              a metric the previous release had figures for must have some in this one (a category relabelled,
              'Small boat arrivals' become 'Small boats': its filter finds no row, and its old figures would stay
              "latest" unseen); not for a note's window (period type range), each note its own, nor for a metric
              whose `gate` says `may_be_absent = true` (Asy_D03 counts people or claims: each release feeds one);
- newest_jump
              each period this release adds after the previous release's newest, for metrics counted by month,
              quarter, year or academic year, within `max_newest_ratio` (100) times, either way, of the period
              before it (in this release, else the previous release's newest), unless within
              `max_settled_revision_abs` of it: a new quarter in thousands, or multiplied by 1,000 (the newest
              period is the one every status reads, and nothing older is there to compare it with); a series
              growing from 17 to 271 a quarter, or hotels emptying from 1,500 to 120, is not held;
- categories_missing
              each period this release adds after the previous release's newest must keep the categories (the labels
              of each text column that breaks the metric's rows down, two labels or more in the period before: methods
              of entry, nationalities, sexes; not a day's one row and its note) that each of the CATEGORY_PERIODS (4)
              periods up to that newest had in this release (two at least: a quarter's own label is in one only),
              unless those it lacks made up at most `max_lost_category_share` (0.10) of the period before: a metric
              sums its rows, so a new quarter of Irr_D01 holding 'Small boat arrivals' alone would publish
              irregular_detections (every method) as small boats only. Real churn (a region absent one quarter, 'Not currently recorded' dropped) is under 4% of a
              quarter in the real Irr_D01; `max_lost_category_share = 1` on a metric turns the check off;
- after_publication
              no period may start after the release's publication date, nor a whole one (a quarter, a year
              ending, a note's window) end after it (a 2099 typo, "YE Jun 26" in an edition of Nov 2025; whatever SQL
              computes the metric's periods, unlike the loader's check on date columns);
- newest_moved_back
              no metric's newest period may end before the previous release's newest (every quarter relabelled a year
              early, or the latest weeks cut off); not for a note's window (period type range), each its own;
- stale       the release's newest period must not end long before its publication date: more than the source's
              publication lag plus two release intervals and a month (a weekly file dated 12 Nov 2026 whose figures
              end 11 Dec 2025: a year typo in its name, or a stale copy).

Bounds, at_least and sum_of apply wherever a metric declares them. The dropped and revised shares apply to sources
with a `[<source>.gate]` table (ONS and the quarterly Home Office datasets revise years of history every edition);
every other source gets gate_rules.BASELINE: no share limits, but a settled period revised by more than 50% and more
than 100 is held (377 penalties re-uploaded as 3,770). after_publication, newest_moved_back, dropped_settled,
dropped_recent, metric_missing, newest_jump, categories_missing and stale apply to every source. A metric's own `gate` table overrides its source's thresholds.

"The previous loaded release" is the loaded release of the same source that ranks just before this one
(publication date, `_vN`, page time, fetch time: staging.release_order's order); held and rejected releases
are never compared against. A release with no loaded release before it gets the checks on itself only.

Releases may arrive out of order (`pledges load` of an older file after a newer one). Before an older release is
published, the loaded release of its source that ranks just after it is checked against it (`check_later`): what
fails holds the arrival, whose figures would otherwise enter the history unreviewed. Once an older release loads
(accepted after review, or against a newer release itself accepted after review), the newer one is checked again
(`recheck`, from its raw rows): it stays published, but what the gate finds is recorded in its `held_reasons`
(`published_note`) and said in the run's notes. `pledges rebuild` loads every release the published warehouse had loaded even where the gate, run
in publication order, would hold it, recording the same `held_reasons`: a rebuild never loses published data.

A release that fails is *held* (flows.ingest): recorded in meta.releases with status `held`, its reasons in
meta.release_failures, nothing of it published, the run exits 1. Later runs report it again (status `held`,
exit 1) without parsing it again, until `pledges accept RELEASE_ID` publishes it, or a release of the same
source that ranks after it is loaded: it is then `superseded` (kept, never published, no longer a failure).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from flows.errors import IN_LATER_RELEASE, FailureCase

from flows.catalog import add_interval
from flows.gate_rules import BASELINE, DEFAULTS, METRIC_KEYS, config_problems  # noqa: F401  (re-exported)
from warehouse import raw_store

EXAMPLES = 5     # failing periods listed per check (each check also says how many there are)
# period types published only once over: such a period ending after the publication date is a typo ("YE Jun 26" in an
# edition of November 2025); a week or an academic year may be published part way through
WHOLE_PERIODS = ("quarter", "year", "year_ending", "month", "range")
# period types whose next period is expected within a few times the last one (days and weeks swing with the weather)
STEADY_PERIODS = ("month", "quarter", "year", "year_ending", "academic_year")


def applies(source) -> bool:
    """Whether the gate has anything to check for this source: every source with metrics (the baseline checks)."""
    return bool(source.metrics)


def _select(metric, relation: str) -> str:
    """A metric's value per period, as build.metric_select computes it (summed over breakdowns; a period whose
    every cell is missing has none), with the first sheet row that contributed."""
    return (f"SELECT {_quote(metric.id)} AS metric_id, period_start, period_end, CAST(sum(v) AS DOUBLE) AS value, "
            f"min(source_row) AS source_row FROM ({_metric_rows(metric, relation, 'source_row')}) "
            f"GROUP BY period_start, period_end HAVING count(v) > 0")


def _metric_rows(metric, relation: str, columns: str) -> str:
    """The rows a metric sums: its period, its value as `v`, and `columns`, where its filter holds."""
    return (f"SELECT CAST({metric.period_start} AS DATE) AS period_start, CAST({metric.period_end} AS DATE) AS period_end, "
            f"{metric.value} AS v, {columns} FROM {relation} WHERE ({metric.where})")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _number(value) -> str:
    return repr(float(value))


EMPTY = ("SELECT NULL::VARCHAR AS metric_id, NULL::DATE AS period_start, NULL::DATE AS period_end, "
         "NULL::DOUBLE AS value, NULL::BIGINT AS source_row WHERE FALSE")
NO_CATEGORIES = ("SELECT NULL::VARCHAR AS metric_id, NULL::DATE AS period_start, NULL::DATE AS period_end, "
                 "NULL::VARCHAR AS column_name, NULL::VARCHAR AS category, NULL::DOUBLE AS value WHERE FALSE")
# categories_missing: the periods before a new one whose categories it must keep (a year of quarters)
CATEGORY_PERIODS = 4


def _categories(metric, relation: str, columns: list[str]) -> str | None:
    """A metric's value per period and category: each text column of its table (`columns`) unpivoted, the value
    summed over the rows of each of its labels (categories_missing); None for a note's window (each its own) or a
    table without text columns."""
    if not columns or metric.period_type == "range":
        return None
    names = ", ".join(_ident(c) for c in columns)
    return (f"SELECT {_quote(metric.id)} AS metric_id, period_start, period_end, column_name, category, "
            f"CAST(sum(v) AS DOUBLE) AS value FROM ({_metric_rows(metric, relation, names)}) "
            f"UNPIVOT (category FOR column_name IN ({names})) GROUP BY ALL HAVING count(v) > 0")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """The text (VARCHAR) columns of a table as stored: the categories a metric's rows may be broken down by."""
    return [name for name, kind, *_ in con.execute(f"DESCRIBE {relation}").fetchall()
            if kind == "VARCHAR" and name != "release_id"]


def _new_values(con: duckdb.DuckDBPyConnection, metrics, tables, role: str = "new"
                ) -> tuple[list[str], list[str], list[str], list[str]]:
    """The release being checked, from its parsed (not yet inserted) tables: the CTEs reading each table once, as
    raw_store stores it (release_id, the index as source_row, datetimes as DATE), each metric's select from them,
    the views registered for them (the caller unregisters them) and each metric's categories select. `role` "old":
    the same, as the release a loaded one is compared against (check_later)."""
    by_name: dict[str, list] = {}
    for t in tables:                     # a release may hold one table name several times (a note's tables)
        by_name.setdefault(t.name, []).append(t.frame)
    ctes, selects, views, categories = [], [], [], []
    try:
        for i, name in enumerate(sorted({m.table for m in metrics if m.table in by_name})):
            view = f"gate_{role}_frame_{name}"
            frames = by_name[name]
            frame, stored = raw_store.as_stored(frames[0] if len(frames) == 1 else _concat(frames), view)
            con.register(view, frame)
            views.append(view)
            ctes.append(f"{role}_{i} AS MATERIALIZED (SELECT CAST($new AS VARCHAR) AS release_id, s.* FROM ({stored}) s)")
            selects += [_select(m, f"{role}_{i}") for m in metrics if m.table == name]
            text = _text_columns(con, f"({stored})")
            categories += [c for m in metrics if m.table == name if (c := _categories(m, f"{role}_{i}", text))]
    except BaseException:
        _unregister(con, views)
        raise
    return ctes, selects, views, categories


def _concat(frames: list):
    """The frames of one table name as one (each keeps its own sheet rows as index)."""
    import pandas as pd
    return pd.concat(frames)


def _unregister(con: duckdb.DuckDBPyConnection, views: list[str]) -> None:
    for view in views:
        con.unregister(view)


def _old_values(con: duckdb.DuckDBPyConnection, history, previous: str | None) -> tuple[list[str], list[str]]:
    """The previous release's rows of the raw tables the `history` metrics read, each table read once (CTEs), and
    each metric's select from them (none without a previous release)."""
    if previous is None:
        return [], []
    present = raw_store.raw_tables(con)     # views over raw_store (tables in a warehouse not converted yet)
    names = sorted({m.table for m in history if m.table in present})
    ctes = [f"old_{i} AS MATERIALIZED (SELECT * FROM raw.{name} WHERE release_id = $release)"
            for i, name in enumerate(names)]
    return ctes, [_select(m, f"old_{names.index(m.table)}") for m in history if m.table in present]


@dataclass(frozen=True)
class Neighbours:
    """Where a candidate ranks among the loaded and held releases of its source (staging.release_order's order:
    publication date, `_vN` version, page time, fetch time, id)."""
    previous: str | None            # the loaded release just before it: the one the gate compares it with
    next: str | None                # the loaded release just after it (an older release loaded after a newer one)
    held_before: list[str]          # held releases before it, nearest first: a loaded candidate supersedes them


def neighbours(con: duckdb.DuckDBPyConnection, cand) -> Neighbours:
    """The candidate's neighbours among its source's releases, in one query (asked once per release loaded: a
    rebuild asks it hundreds of times)."""
    rows = con.execute("""
        WITH ranked AS (
            SELECT release_id, status, row_number() OVER (ORDER BY published_on, coalesce(version, 1),
                                                          page_updated_at NULLS FIRST, fetched_at, release_id) AS r
            FROM (SELECT release_id, status, published_on, version, page_updated_at, fetched_at FROM meta.releases
                  WHERE source_id = ? AND status IN ('loaded', 'held') AND release_id <> ?
                  UNION ALL       -- the candidate, its status NULL
                  SELECT ?, NULL, CAST(? AS DATE), CAST(? AS INTEGER), CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP)))
        SELECT release_id, status, r < (SELECT r FROM ranked WHERE status IS NULL) AS before
        FROM ranked WHERE status IS NOT NULL ORDER BY r""",
        [cand.source.id, cand.release_id, cand.release_id, cand.published_on, cand.version, cand.page_updated_at,
         cand.fetched_at]).fetchall()
    before = [(release_id, status) for release_id, status, is_before in rows if is_before][::-1]
    after = [release_id for release_id, status, is_before in rows if not is_before and status == "loaded"]
    return Neighbours(previous=next((r for r, status in before if status == "loaded"), None),
                      next=after[0] if after else None,
                      held_before=[r for r, status in before if status == "held"])


def _period(start: date, end: date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()} to {end.isoformat()}"


def _n(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _change(new: float, old: float) -> str:
    """A revision as an amount and a percentage of the old value: `+4,530, +1,224.3%`."""
    amount = f"{'+' if new >= old else '-'}{_n(abs(new - old))}"
    return f"{amount}, {(new - old) / abs(old):+,.1%}" if old else amount


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


@dataclass(frozen=True)
class Rules:
    """What a release is checked against: the catalog's gate settings for the metrics its tables hold."""
    metrics: list                 # the source's metrics whose table the release has
    by_id: dict                   # metric id -> metric
    history: list                 # the metrics compared with the previous release (revisions, dropped periods)
    limits: dict                  # metric id -> its history thresholds (DEFAULTS, the source's gate, the metric's)
    bounds: list[tuple]           # (metric id, low, high)
    at_least: list[tuple]         # (metric id, other metric id)
    at_most_per: list[tuple]      # (metric id, other metric id, multiple)
    sum_of: list[tuple]           # (metric id, other metric id, tolerance)
    windows: list[tuple]          # (metric id, revision_window_days)


def rules_for(source, tables) -> Rules:
    """The rules a release of `source` with these parsed tables is checked against."""
    return _rules(source, {t.name for t in tables})


def _rules(source, names: set[str]) -> Rules:
    """The rules a release of `source` holding the tables `names` is checked against."""
    metrics = [m for m in source.metrics if m.table in names]
    by_id = {m.id: m for m in metrics}
    history = metrics             # every metric is compared with the previous release (BASELINE without a gate table)
    base = DEFAULTS if source.gate is not None else BASELINE
    limits = {m.id: {**base, **(source.gate or {}), **{k: v for k, v in m.gate.items() if k in DEFAULTS}}
              for m in history}
    bounds = [(m.id, *m.gate["bounds"]) for m in metrics if "bounds" in m.gate]
    at_least = [(m.id, m.gate["at_least"]) for m in metrics if m.gate.get("at_least") in by_id]
    at_most_per = [(m.id, *m.gate["at_most_per"]) for m in metrics if (m.gate.get("at_most_per") or [None])[0] in by_id]
    sum_of = [(m.id, m.gate["sum_of"], m.gate.get("sum_tolerance", 0)) for m in metrics if m.gate.get("sum_of") in by_id]
    windows = [(m, limits[m]["revision_window_days"]) for m in limits]
    return Rules(metrics, by_id, history, limits, bounds, at_least, at_most_per, sum_of, windows)


def _per_metric(values: list[tuple], column: str = "metric_id") -> str:
    """A catalog setting per metric as an SQL expression of the metric id `column` (NULL for the other metrics)."""
    whens = " ".join(f"WHEN {_quote(metric_id)} THEN {value}" for metric_id, value in values)
    return f"CASE {column} {whens} ELSE NULL END" if values else "NULL"


def _ids(rows: list[tuple]) -> str:
    return ", ".join(_quote(row[0]) for row in rows)


def _within(metric_id: str, other: str) -> str:
    """Each period of `metric_id` with each period of `other` within it (starting on or after its start, ending on or
    before its end): an equi-join on the days of the period (a range join costs more), and a range join for the
    other's periods that end before they start, if any."""
    pair = ("a.metric_id, a.period_start, a.period_end, a.value, a.source_row, o.value AS o_value, "
            "datediff('day', o.period_start, o.period_end) + 1 AS o_days")
    a, o = (f"(SELECT * FROM gate_new WHERE metric_id = {_quote(m)})" for m in (metric_id, other))
    return f"""SELECT {pair}
                FROM (SELECT *, CAST(unnest(generate_series(period_start, period_end, INTERVAL 1 DAY)) AS DATE) AS day
                      FROM {a}) a
                JOIN {o} o ON o.period_start = a.day AND o.period_end <= a.period_end AND o.period_start <= o.period_end
                UNION ALL
                SELECT {pair} FROM {a} a JOIN {o} o ON o.period_start >= a.period_start AND o.period_end <= a.period_end
                WHERE o.period_start > o.period_end"""


def verdict_sql(rules: Rules, ctes: list[str], new: list[str], old: list[str], dated: bool = False,
                categories: list[str] | None = None) -> str:
    """The one query that stages the values (gate_new: the release's, from `new`; gate_old: the previous release's
    history metrics, from `old`; `ctes`: the tables they read) and runs every check on them. One row: `failing`,
    every check's failing periods (rule, metric id, period start, period end, value, sheet row, the other value
    compared, how many periods fail that check), the first EXAMPLES periods of each check only; `stats`, per metric
    with history (metric id, periods in the previous release, the settled cutoff, periods in this release, this
    release's first period start, settled periods both releases hold, the newest period end in this release and in
    the previous); `newest`, this release's newest period end; `lost`, the categories each new period lacks
    (categories_missing: metric id, period start and end, column, its labels, their share of the period before).
    `dated`: the query takes the publication date as $published (periods starting after it fail, and whole periods
    ending after it). `categories`: each metric's value per period and category (_categories), staged as gate_cats."""
    days = _per_metric([(m, _number(d)) for m, d in rules.windows])
    lost_share = _per_metric([(m, _number(limit["max_lost_category_share"])) for m, limit in rules.limits.items()],
                             "f.metric_id")
    return f"""
            WITH {''.join(c + ', ' for c in ctes)}gate_new AS MATERIALIZED ({' UNION ALL '.join(new) or EMPTY}),
            gate_old AS MATERIALIZED ({' UNION ALL '.join(old) or EMPTY}),
            gate_cats AS MATERIALIZED ({' UNION ALL '.join(categories or []) or NO_CATEGORIES}),
            -- the previous release's periods ending before the cutoff had settled
            cutoffs AS (SELECT metric_id, max(period_end) - CAST({days} AS INTEGER) AS cutoff FROM gate_old
                        GROUP BY metric_id),
            -- every period of either release once (each holds a period once per metric), both values side by side
            -- this release's span per metric, and the previous release's newest period and its value
            spans AS (SELECT metric_id, min(period_start) AS first, max(period_end) AS last FROM gate_new GROUP BY metric_id),
            newest_old AS (SELECT metric_id, max(period_end) AS ref_end, arg_max(value, period_end) AS ref_value
                           FROM gate_old GROUP BY metric_id),
            -- each period of this release with the one before it in this release (newest_jump)
            new_before AS (SELECT metric_id, period_start, period_end,
                                  lag(value) OVER (PARTITION BY metric_id ORDER BY period_start, period_end) AS before
                           FROM gate_new),
            pairs AS MATERIALIZED (
                SELECT metric_id, period_start, period_end, n.value, n.source_row, o.value AS old,
                       n.metric_id IS NOT NULL AS is_new, o.metric_id IS NOT NULL AS is_old, c.cutoff
                FROM gate_new n FULL JOIN gate_old o USING (metric_id, period_start, period_end)
                LEFT JOIN cutoffs c USING (metric_id)),
            -- categories_missing: the last {CATEGORY_PERIODS} periods up to the previous release's newest, in this release;
            -- the categories every one of them has; the new periods (after that newest) lacking some of them
            recent AS (SELECT n.metric_id, n.period_start, n.period_end, n.value,
                              row_number() OVER (PARTITION BY n.metric_id ORDER BY n.period_end DESC, n.period_start DESC) AS k
                       FROM gate_new n JOIN newest_old r USING (metric_id) WHERE n.period_end <= r.ref_end
                       QUALIFY k <= {CATEGORY_PERIODS}),
            recent_count AS (SELECT metric_id, count(*) AS periods FROM recent GROUP BY metric_id),
            usual AS (SELECT c.metric_id, c.column_name, c.category
                      FROM gate_cats c JOIN recent USING (metric_id, period_start, period_end)
                      JOIN recent_count n USING (metric_id) GROUP BY ALL
                      -- two periods at least: a period's own label (its quarter) is in one period only
                      HAVING count(*) = any_value(n.periods) AND any_value(n.periods) >= 2),
            -- a breakdown: a column with two labels or more in the period before (a day's single row and its note,
            -- or a label every row shares, break nothing down)
            breakdowns AS (SELECT c.metric_id, c.column_name FROM gate_cats c
                           JOIN recent r ON r.metric_id = c.metric_id AND r.period_start = c.period_start
                                AND r.period_end = c.period_end AND r.k = 1
                           GROUP BY ALL HAVING count(*) >= 2),
            fresh AS (SELECT p.metric_id, p.period_start, p.period_end FROM pairs p JOIN newest_old r USING (metric_id)
                      WHERE p.is_new AND NOT p.is_old AND p.period_start > r.ref_end),
            lost AS (SELECT f.metric_id, f.period_start, f.period_end, u.column_name,
                            list(u.category ORDER BY b.value DESC, u.category) AS labels, sum(b.value) / any_value(r.value) AS share
                     FROM fresh f JOIN usual u USING (metric_id) JOIN breakdowns USING (metric_id, column_name)
                     JOIN recent r ON r.metric_id = f.metric_id AND r.k = 1
                     JOIN gate_cats b ON b.metric_id = r.metric_id AND b.period_start = r.period_start
                          AND b.period_end = r.period_end AND b.column_name = u.column_name AND b.category = u.category
                     WHERE NOT EXISTS (SELECT 1 FROM gate_cats c WHERE c.metric_id = f.metric_id
                                       AND c.period_start = f.period_start AND c.period_end = f.period_end
                                       AND c.column_name = u.column_name AND c.category = u.category)
                       AND r.value > 0
                     GROUP BY ALL HAVING sum(b.value) > ({lost_share}) * any_value(r.value)),
            failing (rule, metric_id, period_start, period_end, value, source_row, other) AS (
                {' UNION ALL '.join(_failing(rules, dated))}),
            examples AS (
                SELECT *, count(*) OVER (PARTITION BY rule, metric_id) AS n FROM failing
                QUALIFY row_number() OVER (PARTITION BY rule, metric_id ORDER BY period_start, period_end)
                        <= {EXAMPLES}),
            stats AS (
                SELECT metric_id, count(*) FILTER (is_old) AS periods, any_value(cutoff) AS cutoff,
                       count(*) FILTER (is_new) AS now, min(period_start) FILTER (is_new) AS first,
                       count(*) FILTER (is_new AND is_old AND period_end < cutoff) AS settled,
                       max(period_end) FILTER (is_new) AS newest, max(period_end) FILTER (is_old) AS newest_before
                FROM pairs GROUP BY metric_id HAVING bool_or(is_old))
            SELECT (SELECT list((rule, metric_id, period_start, period_end, value, source_row, other, n)
                                ORDER BY rule, metric_id, period_start, period_end) FROM examples) AS failing,
                   (SELECT list((metric_id, periods, cutoff, now, first, settled, newest, newest_before)) FROM stats) AS stats,
                   (SELECT max(period_end) FROM gate_new) AS newest,
                   (SELECT list((metric_id, period_start, period_end, column_name, labels, share)
                                ORDER BY metric_id, period_start, share DESC, column_name) FROM lost) AS lost"""


def _failing(rules: Rules, dated: bool = False) -> list[str]:
    """The selects of each check's failing periods (rule, metric id, period start, period end, value, sheet row,
    the other value compared), over gate_new and pairs."""
    selects = []
    if dated:     # a whole period (a quarter, a year ending) cannot end after it either; a week or part-year may
        whole = [m.id for m in rules.metrics if m.period_type in WHOLE_PERIODS]
        ends = f" OR (metric_id IN ({', '.join(_quote(m) for m in whole)}) AND period_end > $published)" if whole else ""
        selects.append("SELECT 'after_publication', metric_id, period_start, period_end, value, source_row, NULL "
                       f"FROM gate_new WHERE period_start > $published{ends}")
    if rules.bounds:
        low = _per_metric([(m, _number(low)) for m, low, _high in rules.bounds])
        high = _per_metric([(m, _number(high)) for m, _low, high in rules.bounds])
        selects.append(f"SELECT 'bounds' AS rule, metric_id, period_start, period_end, value, source_row, "
                       f"NULL::DOUBLE AS other FROM gate_new WHERE metric_id IN ({_ids(rules.bounds)}) "
                       f"AND NOT (value BETWEEN {low} AND {high})")
    if rules.at_least:
        other = _per_metric([(m, _quote(other)) for m, other in rules.at_least], "a.metric_id")
        selects.append(f"""SELECT 'at_least', a.metric_id, a.period_start, a.period_end, a.value, a.source_row, o.value
                FROM gate_new a JOIN gate_new o ON o.metric_id = {other} AND o.period_start = a.period_start
                                                AND o.period_end = a.period_end
                WHERE a.metric_id IN ({_ids(rules.at_least)}) AND a.value < o.value""")
    if rules.at_most_per:
        other = _per_metric([(m, _quote(other)) for m, other, _k in rules.at_most_per], "a.metric_id")
        multiple = _per_metric([(m, _number(k)) for m, _other, k in rules.at_most_per], "a.metric_id")
        selects.append(f"""SELECT 'at_most_per', a.metric_id, a.period_start, a.period_end, a.value, a.source_row, o.value
                FROM gate_new a JOIN gate_new o ON o.metric_id = {other} AND o.period_start = a.period_start
                                                AND o.period_end = a.period_end
                WHERE a.metric_id IN ({_ids(rules.at_most_per)}) AND a.value > {multiple} * o.value""")
    for metric_id, other, tolerance in rules.sum_of:     # compared only where the other covers all the period's days
        selects.append(f"""SELECT 'sum_of', metric_id, period_start, period_end, value, source_row, total FROM (
                    SELECT metric_id, period_start, period_end, value, source_row, sum(o_value) AS total,
                           sum(o_days) AS days
                    FROM ({_within(metric_id, other)}) GROUP BY ALL)
                WHERE days = datediff('day', period_start, period_end) + 1
                  AND abs(value - total) > {_number(tolerance)}""")
    # a note's windows (period type range) are its own: a later note need not repeat an earlier one's
    windows = [m.id for m in rules.metrics if m.period_type == "range"]
    recent = (f"p.period_end < f.last AND p.metric_id NOT IN ({', '.join(map(_quote, windows))})" if windows
              else "p.period_end < f.last")
    selects += [
        "SELECT 'dropped', metric_id, period_start, period_end, old, NULL, NULL FROM pairs WHERE NOT is_new",
        # a period the previous release had, missing inside this release's own span: blanked or deleted (settled,
        # or recent: the days a status reads); periods after the span's last are provisional days not in it yet
        "SELECT CASE WHEN p.period_end < p.cutoff THEN 'dropped_settled' ELSE 'dropped_recent' END, p.metric_id, "
        "p.period_start, p.period_end, p.old, NULL, NULL FROM pairs p JOIN spans f USING (metric_id) "
        f"WHERE NOT p.is_new AND p.period_start > f.first AND (p.period_end < p.cutoff OR ({recent}))",
        "SELECT 'max_revised_share', metric_id, period_start, period_end, value, source_row, old FROM pairs "
        "WHERE is_new AND is_old AND period_end < cutoff AND value <> old"]
    steady = [(m, limit) for m, limit in rules.limits.items() if rules.by_id[m].period_type in STEADY_PERIODS]
    if steady:              # a period after the previous release's newest, many times the period before it, either way
        ratio = _per_metric([(m, _number(limit["max_newest_ratio"])) for m, limit in steady], "p.metric_id")
        amount = _per_metric([(m, _number(limit["max_settled_revision_abs"])) for m, limit in steady], "p.metric_id")
        selects.append(f"SELECT 'newest_jump', metric_id, period_start, period_end, value, source_row, ref FROM ("
                       f"SELECT p.*, coalesce(b.before, r.ref_value) AS ref FROM pairs p "
                       f"JOIN newest_old r USING (metric_id) JOIN new_before b USING (metric_id, period_start, period_end) "
                       f"WHERE p.is_new AND NOT p.is_old AND p.period_start > r.ref_end "
                       f"AND p.metric_id IN ({', '.join(_quote(m) for m, _l in steady)})) p "
                       f"WHERE sign(value) = sign(ref) AND abs(value - ref) > {amount} "
                       f"AND (abs(value) > {ratio} * abs(ref) OR abs(value) * {ratio} < abs(ref))")
    if rules.limits:        # a new period without categories every recent period had (a breakdown lost)
        selects.append("SELECT 'categories_missing', n.metric_id, n.period_start, n.period_end, n.value, n.source_row, "
                       "max(l.share) FROM lost l JOIN gate_new n USING (metric_id, period_start, period_end) GROUP BY ALL")
    if rules.limits:        # a settled period revised by more than both the percentage and the amount
        pct = _per_metric([(m, _number(limit["max_settled_revision_pct"])) for m, limit in rules.limits.items()])
        amount = _per_metric([(m, _number(limit["max_settled_revision_abs"])) for m, limit in rules.limits.items()])
        selects.append(f"SELECT 'max_settled_revision', metric_id, period_start, period_end, value, source_row, old "
                       f"FROM pairs WHERE is_new AND is_old AND period_end < cutoff "
                       f"AND abs(value - old) > {amount} AND abs(value - old) * 100 > {pct} * abs(old)")
    return selects


def check(con: duckdb.DuckDBPyConnection, cand, tables, around: Neighbours | None = None
          ) -> tuple[str | None, list[FailureCase]]:
    """The gate's verdict on a parsed, validated release about to be inserted into the building warehouse:
    (the previous release compared against, or None) and the failure cases (empty: it passes). `around`: the
    candidate's neighbours, if the caller has them.

    The release's tables are registered once and every check runs in one query (verdict_sql): only counts and
    the first EXAMPLES failing periods of each check come back."""
    source = cand.source
    if not applies(source):
        return None, []
    rules = rules_for(source, tables)
    previous = (around or neighbours(con, cand)).previous if rules.history else None
    new_ctes, new, views, categories = _new_values(con, rules.metrics, tables)
    try:
        return previous, _verdict(con, rules, new_ctes, new, cand.release_id, previous, {t.name: t.sheet for t in tables},
                                  cand.published_on, source if _dated_by_its_own_words(cand) else None,
                                  _published_columns(rules, tables),
                                  # categories_missing compares with the periods up to the previous release's newest:
                                  # without a previous release nothing is new to it, and the unpivot is not paid for
                                  categories=categories if previous else None,
                                  labels={t.name: getattr(t, "labels", {}) or {} for t in tables})
    finally:
        _unregister(con, views)


def _verdict(con: duckdb.DuckDBPyConnection, rules: Rules, new_ctes: list[str], new: list[str], release_id: str,
             previous: str | None, sheets: dict[str, str], published_on: date | None = None,
             source=None, columns: dict[str, str] | None = None,
             old_parts: tuple[list[str], list[str]] | None = None, sides: Sides | None = None,
             categories: list[str] | None = None, labels: dict[str, dict] | None = None) -> list[FailureCase]:
    """Every check of `rules` in one query (verdict_sql), the new values from `new_ctes` against `previous`'s (read
    from raw, or given as `old_parts`: CTEs and selects): the failure cases, described (the same for a release about
    to load and one re-checked from raw, which passes no publication date: its dates were checked when it loaded)."""
    old_ctes, old = old_parts if old_parts is not None else _old_values(con, rules.history, previous)
    params = {**({"new": release_id} if new_ctes or old_parts else {}),
              **({"release": previous} if old_ctes and old_parts is None else {}),
              **({"published": published_on} if published_on and new else {})}
    [(failing, stats, newest, lost)] = con.execute(
        verdict_sql(rules, new_ctes + old_ctes, new, old, "published" in params, categories or []), params).fetchall()
    history = {row[0]: row[1:] for row in stats or []}
    cases = describe(rules, failing or [], history, previous, sheets, columns, sides, _lost_categories(lost, rules, labels))
    late = _stale(source, newest, published_on) if source is not None and published_on and newest else None
    return ([late] if late else []) + cases


def _published_columns(rules: Rules, tables) -> dict[str, str]:
    """Each metric's value column as published ('Migrants arrived'), where its value is one column of its table: the
    examples name it, not the metric id."""
    labels = {t.name: getattr(t, "labels", {}) or {} for t in tables}
    return {m.id: labels[m.table][m.value.strip()] for m in rules.metrics
            if m.table in labels and m.value.strip() in labels[m.table]}


def _dated_by_its_own_words(cand) -> bool:
    """Whether the release's date is the file's own claim (the day in its name, a date on its cover), which a typo or
    a stale copy can get wrong, so the stale check applies. Not an estimate from the data's month or a file's
    modification time (they say nothing of publication), nor GOV.UK's own date for an attachment or page (an older
    attachment left on a page updated later keeps the page's date)."""
    basis = getattr(cand, "date_basis", None)
    if basis is not None:
        return basis in ("file_name", "content")
    source, name = cand.source, getattr(cand, "file_name", "") or ""
    return source.date_from == "file_name" and bool(name) and source.name_gives_day(name)


def _stale(source, newest: date, published_on: date) -> FailureCase | None:
    """A release whose newest figures end long before its publication date: more than the source's publication lag
    plus two release intervals (a year without one) and a month. A misdated file (a year typo in its name) or a
    stale copy would otherwise publish old figures as new, and date them a year late in every as-of answer."""
    every = source.release_every or "1 year"
    due = add_interval(newest, f"{source.publication_lag_months} months") if source.publication_lag_months else newest
    expected_by = add_interval(add_interval(add_interval(due, every), every), "1 month")
    if published_on <= expected_by:
        return None
    lag = (f"about {source.publication_lag_months} month(s) after a period ends" if source.publication_lag_months
           else "days after a period ends")
    return FailureCase(None, None, None,
                       f"release gate (stale): its newest figures end {newest.isoformat()}, {(published_on - newest).days} "
                       f"days before the publication date it is given ({published_on.isoformat()}); "
                       f"{source.id} publishes figures {lag}, every {every}, so a release with these figures was due by "
                       f"{due.isoformat()} and one dated after {expected_by.isoformat()} would hold newer ones: misdated "
                       f"(a typo in the year of its name?) or a stale copy")


def recheck(con: duckdb.DuckDBPyConnection, source, release_id: str, previous: str) -> list[FailureCase]:
    """The gate's verdict on a release already loaded (`release_id`, read from raw) against `previous`, a release
    of the same source loaded after it that ranks just before it: the failure cases (empty: it passes). The
    examples name the sheet row and the metric, not the sheet or column (raw keeps no sheet or column names)."""
    if not applies(source):
        return []
    rules, new_ctes, new, categories = _loaded_values(con, source, release_id)
    return _verdict(con, rules, new_ctes, new, release_id, previous, {}, categories=categories)


def _loaded_values(con: duckdb.DuckDBPyConnection, source, release_id: str, within: set[str] | None = None
                   ) -> tuple[Rules, list[str], list[str], list[str]]:
    """A loaded release, read from raw, as the release being checked: the rules for the tables it holds (of
    `within`, if given), the CTEs reading each once, each metric's select from them and its categories select."""
    candidates = {m.table for m in source.metrics} & raw_store.raw_tables(con)
    names = {name for name in (candidates & within if within is not None else candidates)
             if con.execute(f"SELECT 1 FROM raw.{name} WHERE release_id = ? LIMIT 1", [release_id]).fetchall()}
    rules = _rules(source, names)
    tables = sorted({m.table for m in rules.metrics})
    new_ctes = [f"new_{i} AS MATERIALIZED (SELECT * FROM raw.{name} WHERE release_id = $new)"
                for i, name in enumerate(tables)]
    text = {name: _text_columns(con, f"raw.{name}") for name in tables}
    categories = [c for m in rules.metrics
                  if (c := _categories(m, f"new_{tables.index(m.table)}", text[m.table]))]
    return rules, new_ctes, [_select(m, f"new_{tables.index(m.table)}") for m in rules.metrics], categories


def check_later(con: duckdb.DuckDBPyConnection, cand, tables, later: str) -> list[FailureCase]:
    """An older release arriving after a newer one (`later`, loaded and ranking just after it): `later` checked
    against the candidate's parsed tables as its previous release, as a load in rank order would have checked it.
    What fails is the arrival's to answer for: `later` is published and was never compared with it, so the arrival
    is held (flows.ingest), rather than published into the history with `later` blamed. The words are the arrival's
    operator's (Sides.later): `later`'s periods read against "this release"; the examples begin "in the later
    release <later>:" and name no sheet row: the rows are `later`'s, in another file."""
    source = cand.source
    if not applies(source):
        return []
    rules, new_ctes, new, categories = _loaded_values(con, source, later, within={t.name for t in tables})
    if not rules.metrics:
        return []
    old_ctes, old, views, _ = _new_values(con, rules.history, tables, role="old")
    try:
        cases = _verdict(con, rules, new_ctes, new, later, cand.release_id, {}, old_parts=(old_ctes, old),
                         sides=Sides.later(later), categories=categories)
    finally:
        _unregister(con, views)
    return [FailureCase(c.sheet, None, c.column, c.check if _is_summary(c) else f"{IN_LATER_RELEASE}{later}: {c.check}",
                        c.value) for c in cases]


class _Cases:
    """The failure cases being described: every failed check's summary comes before all the examples."""

    def __init__(self, found: list[tuple], sheets: dict[str, str], columns: dict[str, str]):
        self.failing: dict[tuple[str, str], tuple[int, list[tuple]]] = {}
        for rule, metric_id, start, end, value, row, other, count in found:
            self.failing.setdefault((rule, metric_id), (count, []))[1].append((start, end, value, row, other))
        self.sheets = sheets
        self.columns = columns         # metric id -> its value column as published, where one column holds it
        self.summaries: list[FailureCase] = []
        self.examples: list[FailureCase] = []

    def count(self, rule: str, metric) -> int:
        """How many periods fail `rule` for `metric` (0: it passes)."""
        return self.failing.get((rule, metric.id), (0,))[0]

    def note(self, metric, rule: str, summary: str) -> None:
        """A failed check with no example periods of its own (it is about the release's periods as a whole)."""
        self.summaries.append(self._summary(metric, rule, summary))

    def _summary(self, metric, rule: str, summary: str) -> FailureCase:
        """A check's summary, where it is published: the metric's sheet and value column as published (none where no
        one column holds it, or a release is re-checked from raw, which keeps no sheet or column names), and the
        metric named in the words (one column can hold several metrics: small boats and all routes in Irr_D01)."""
        return FailureCase(self.sheets.get(metric.table), None, self.columns.get(metric.id),
                           f"release gate ({rule}): {summary} (metric {metric.id})")

    def failed(self, metric, rule: str, summary: str, text, detail: dict | None = None) -> None:
        """One summary case for a failed check (`rule`: the catalog key), and its first EXAMPLES periods with their
        sheet row (`text(value, other)` describes one, followed by `detail`'s words for its (metric id, start, end));
        every check's summary comes before all the examples."""
        self.summaries.append(self._summary(metric, rule, summary))
        for start, end, value, row, other in self.failing[rule, metric.id][1]:
            # a period the release no longer has has no row, but its sheet is where it was missed
            words = text(value, other) + (detail.get((metric.id, start, end), "") if detail else "")
            self.examples.append(FailureCase(self.sheets.get(metric.table), row, self.columns.get(metric.id),
                                             f"{_period(start, end)}: {metric.id} {words}"))


def _describe_rules(cases: _Cases, metric, by_id: dict) -> None:
    """The failed checks of the release on itself (after_publication, bounds, at_least, sum_of) for one metric."""
    unit, rules = metric.unit, metric.gate
    if (n := cases.count("after_publication", metric)):
        whole = metric.period_type in WHOLE_PERIODS
        cases.failed(metric, "after_publication", f"{n} period(s) {'starting or ending' if whole else 'starting'} after "
                                                  "the release's publication date (a typo in a year, or the file misdated?)",
                     lambda v, _o: f"{_n(v)} {unit}, for a period not {'over' if whole else 'begun'} when the release "
                                   "was published")
    if (n := cases.count("bounds", metric)):
        low, high = rules["bounds"]
        cases.failed(metric, "bounds", f"{n} period(s) outside the plausible range {_n(low)} to {_n(high)} {unit} "
                                       f"per {metric.period_type}",
                     lambda v, _o: f"{_n(v)} {unit} is outside {_n(low)} to {_n(high)}")
    if (n := cases.count("at_least", metric)):
        other, other_unit = rules["at_least"], by_id[rules["at_least"]].unit
        cases.failed(metric, "at_least", f"{n} period(s) where {metric.id} is less than {other} (it cannot be: "
                                         "columns swapped or misread?)",
                     lambda v, o: f"{_n(v)} {unit} but {_n(o)} {other_unit} ({other})")
    if (n := cases.count("at_most_per", metric)):
        other, multiple = rules["at_most_per"]
        other_unit = by_id[other].unit
        cases.failed(metric, "at_most_per", f"{n} period(s) with more than {_n(multiple)} {unit} per one of {other} "
                                            "(implausible: a digit slipped, or columns misread?)",
                     lambda v, o: f"{_n(v)} {unit} on {_n(o)} {other_unit} ({other}): "
                                  + (f"{v / o:,.0f} per one" if o else f"none of {other}"))
    if (n := cases.count("sum_of", metric)):
        other = rules["sum_of"]
        cases.failed(metric, "sum_of", f"{n} period(s) that differ from the sum of {other} over the same days by "
                                       f"more than {_n(rules.get('sum_tolerance', 0))}",
                     lambda v, o: f"{_n(v)} but {other} sums to {_n(o)} over these days")


@dataclass(frozen=True)
class Sides:
    """How the words of the checks against another release name the two releases: the one checked (its periods,
    its span) and the one it is read against. A load in rank order checks this release against the previous one; an
    older release arriving late (check_later) has the later release checked against it, and its operator reads
    about the later release's periods, in the later release's file, compared with this one's."""
    other: str          # the release read against: "the previous release P" | "this release"
    other_short: str    # "P" | "this release"
    other_plain: str    # the same without its id: "the previous release" | "this release"
    other_had: str      # "had" | "has"
    checked: str        # the release checked: "this release" | "the later release L"
    here: str           # where the checked release's periods are, in an example: "here" | "there"
    added: str          # the checked release's periods after the other's newest: "new period(s) (after P's newest)"
    of_checked: str     # "" | " in the later release L"
    shrank: str         # how many periods the checked release holds: "history shrank to" | "it holds"

    @classmethod
    def previous(cls, previous: str | None) -> "Sides":
        """This release, checked against the previous loaded release."""
        return cls(f"the previous release {previous}", f"{previous}", "the previous release", "had", "this release", "here",
                   f"new period(s) (after {previous}'s newest)", "", "history shrank to")

    @classmethod
    def later(cls, later: str) -> "Sides":
        """The later release `later`, checked against this (older) release that arrived after it."""
        return cls("this release", "this release", "this release", "has", f"the later release {later}", "there",
                   f"period(s) the later release {later} adds after this release's newest", f" in the later release {later}",
                   "it holds")


def _describe_history(cases: _Cases, metric, stats: tuple, limit: dict, sides: Sides) -> None:
    """The failed checks against the other release (dropped periods, revised settled periods) for one metric."""
    before, cutoff, now, first, settled, newest, newest_before = stats
    s = sides
    # a Home Office ad-hoc note covers 5 Jul 2024 to its own cut-off: a correction of an older note, published after a newer
    # one, ends earlier by design (period type range: each release is its own window)
    if newest is not None and newest_before is not None and newest < newest_before and metric.period_type != "range":
        cases.note(metric, "newest_moved_back",
                   f"its newest period{s.of_checked} ends {newest.isoformat()}, before {s.other}'s newest "
                   f"({newest_before.isoformat()}): periods relabelled (a year early?) or the latest figures cut off")
    if not now and metric.period_type != "range" and not metric.gate.get("may_be_absent"):
        cases.note(metric, "metric_missing",
                   f"none of its periods is in {s.checked}, though {s.other} {s.other_had} {before}: "
                   "its rows were not found (a category relabelled, a column renamed?), and its figures would stay "
                   f"those of {s.other_short}, unseen")
    if (n := cases.count("dropped_recent", metric)):
        cases.failed(metric, "dropped_recent",
                     f"{n} recent period(s) that {s.other_short} {s.other_had} are missing inside "
                     f"{s.checked}'s own span (from {first.isoformat()} to {newest.isoformat()}): figures "
                     "blanked or rows deleted",
                     lambda v, _o: f"in {s.other_short} ({_n(v)}), missing {s.here}")
    if (n := cases.count("newest_jump", metric)):
        cases.failed(metric, "newest_jump",
                     f"{n} {s.added} more than {_n(limit['max_newest_ratio'])} times, "
                     "either way, the period before (max_newest_ratio): a unit slipped (thousands?)",
                     lambda v, o: f"{_n(v)} {metric.unit}, against {_n(o)} for the period before it")
    if (n := cases.count("categories_missing", metric)):
        share = limit["max_lost_category_share"]
        cases.failed(metric, "categories_missing",
                     f"{n} {s.added} without categories (labels of a text column) that each of the "
                     f"{CATEGORY_PERIODS} periods before had, which made up more than {share:.0%} of the period "
                     f"before (max_lost_category_share): its value, a sum over the categories left, would be published "
                     "as the whole (a breakdown not filled in yet, or rows lost?)",
                     lambda v, _o: f"{_n(v)} {metric.unit}, without ",
                     {key: "; ".join(words) for key, words in cases.lost.items()})
    if (n := cases.count("dropped_settled", metric)):
        cases.failed(metric, "dropped_settled",
                     f"{n} settled period(s) (ending before {cutoff.isoformat()}) that {s.other_short} {s.other_had} "
                     f"are missing inside {s.checked}'s own span (from {first.isoformat()}): a figure "
                     "blanked or a row deleted",
                     lambda v, _o: f"in {s.other_short} ({_n(v)}), missing {s.here}")
    if (n := cases.count("dropped", metric)) > limit["max_dropped_share"] * before:
        cases.failed(metric, "dropped", f"{n} of the {before} periods of {s.other} are missing{s.of_checked} "
                                        f"({_share(n, before)}; at most {limit['max_dropped_share']:.0%} may be: "
                                        f"max_dropped_share); {s.shrank} {now} period(s)"
                                        + (f" from {first.isoformat()}" if first else ""),
                     lambda v, _o: f"in {s.other_short} ({_n(v)}), missing {s.here}")
    if settled and (n := cases.count("max_revised_share", metric)) > limit["max_revised_share"] * settled:
        cases.failed(metric, "max_revised_share",
                     f"{n} of the {settled} settled periods (ending before {cutoff.isoformat()}, "
                     f"{limit['revision_window_days']} days before {s.other_plain}'s last period) revised since "
                     f"{s.other_short} ({_share(n, settled)}; at most {limit['max_revised_share']:.0%} may be: "
                     f"max_revised_share)", lambda v, o: f"{_n(o)} in {s.other_short}, now {_n(v)}")
    if settled and (n := cases.count("max_settled_revision", metric)):
        pct, amount = limit["max_settled_revision_pct"], limit["max_settled_revision_abs"]
        cases.failed(metric, "max_settled_revision",
                     f"{n} settled period(s) (ending before {cutoff.isoformat()}) revised since {s.other_short} by more than "
                     f"{_n(pct)}% and more than {_n(amount)} {metric.unit} (max_settled_revision_pct, "
                     f"max_settled_revision_abs)",
                     lambda v, o: f"{_n(o)} {metric.unit} in {s.other_short}, now {_n(v)} ({_change(v, o)})")


def _lost_categories(lost, rules: Rules, labels: dict[str, dict] | None) -> dict[tuple, list[str]]:
    """verdict_sql's `lost` rows as words per (metric id, period start, period end): each column (its label as
    published, where known) with the categories the period lacks and their share of the period before."""
    words: dict[tuple, list[str]] = {}
    for metric_id, start, end, column, categories, share in lost or []:
        label = ((labels or {}).get(rules.by_id[metric_id].table) or {}).get(column, column)
        shown = ", ".join(repr(c) for c in categories[:EXAMPLES]) + (f" and {len(categories) - EXAMPLES} more"
                                                                     if len(categories) > EXAMPLES else "")
        words.setdefault((metric_id, start, end), []).append(f"{label} {shown} ({share:.0%} of the period before)")
    return words


def describe(rules: Rules, found: list[tuple], stats: dict[str, tuple], previous: str | None,
             sheets: dict[str, str], columns: dict[str, str] | None = None, sides: Sides | None = None,
             lost: dict[tuple, list[str]] | None = None) -> list[FailureCase]:
    """The failure cases of the failing periods `found` (failing_sql's rows) and the history `stats`: each failed
    check's summary, metric by metric, then the example periods of each, in the same order. `lost`: the categories
    each period failing categories_missing lacks, in words (_lost_categories)."""
    cases = _Cases(found, sheets, columns or {})
    cases.lost = lost or {}
    for metric in rules.metrics:
        _describe_rules(cases, metric, rules.by_id)
        if metric.id in stats:
            _describe_history(cases, metric, stats[metric.id], rules.limits[metric.id],
                              sides or Sides.previous(previous))
    return cases.summaries + cases.examples


def _is_summary(case: FailureCase) -> bool:
    """A failed check's summary (`release gate (rule): ...`), not one of its example periods."""
    return case.row is None and case.check.startswith("release gate (")    # an example begins with its period


def summary(cand, previous: str | None, cases: list[FailureCase], later: str | None = None) -> str:
    """The held release's error: how many checks failed, against what, and how to publish it after review. `later`:
    held against the later release it arrived after (check_later), not against `previous`."""
    checks = sum(1 for c in cases if _is_summary(c))
    against = (f"against the later release {later}, published before it arrived, which it ranks before (an older "
               f"release arriving late: the checks are {later}'s, read against this one as its previous release)"
               if later else f"against the previous release {previous}" if previous
               else "on its own (no earlier release loaded)")
    return (f"held by the release gate: {checks} check(s) failed {against}; not published. Review it, then "
            f"`pledges accept {cand.release_id}` publishes it")


def accepted_note(previous: str | None, cases: list[FailureCase]) -> str:
    """What the gate said about a release accepted after review (kept in meta.releases.held_reasons)."""
    # the checks' own words (each names its metric): the same whether the release was checked as parsed, with its
    # sheets and columns, or again from raw, without them (a rebuild reaches the same words)
    lines = [c.check for c in cases if _is_summary(c)]
    return (f"against {previous}: " if previous else "") + "; ".join(lines)


def published_note(previous: str | None, cases: list[FailureCase]) -> str:
    """What the gate says about a release that was published without review though it would hold it (loaded before
    an older release it ranks after, or before a rule that now holds it): kept in meta.releases.held_reasons, with
    accepted_at NULL."""
    return f"published without review, though the release gate would hold it{' ' if previous else ': '}" \
        + accepted_note(previous, cases)


def now() -> datetime:
    return datetime.now().replace(microsecond=0)
