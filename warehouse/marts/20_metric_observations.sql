-- Answers: what value did each official release give for each metric and period, and when was each
-- value revised? Every pledge reads from marts.metric_observations. Values from rejected releases never appear.
--
-- Vintages are stored as changes: a value once, from the release that first published it, and again only
-- when a later release revises it (superseded_on: the publication date of the release that revised it, NULL
-- while current). A release that re-publishes a value unchanged adds nothing. A period missing from a
-- release of its metric and published again later starts a new row too.
-- Every "latest" follows staging.release_order (warehouse/meta.sql): publication date, then (same day) the file
-- name's _vN version, then the page's updated time where known, then fetch time.

CREATE TABLE IF NOT EXISTS marts.metric_observations (
    metric_id VARCHAR, period_type VARCHAR, period_start DATE, period_end DATE, value DOUBLE, unit VARCHAR,
    release_id VARCHAR, published_on DATE, is_latest BOOLEAN, superseded_on DATE);

-- The releases whose values the derived tables hold (warehouse/build.py adds the others: temp.pending_releases).
CREATE TABLE IF NOT EXISTS staging.built_releases (release_id VARCHAR PRIMARY KEY);

-- Which releases carried each metric: a metric's vintages are the publication dates of these.
CREATE TABLE IF NOT EXISTS staging.metric_releases (metric_id VARCHAR, release_id VARCHAR);
CREATE OR REPLACE VIEW staging.metric_release_order AS
SELECT m.metric_id, m.release_id, r.published_on, r.release_rank
FROM staging.metric_releases m JOIN staging.release_order r USING (release_id);

-- A stored value whose period was then missing from a release of its metric: the last release that still
-- had it (as-of answers name that release once a later one published without the period).
CREATE TABLE IF NOT EXISTS staging.observation_ends (
    metric_id VARCHAR, period_type VARCHAR, period_start DATE, period_end DATE, release_id VARCHAR, last_release_id VARCHAR);

-- Every stored value with what an as-of answer needs besides the date: the value was published by release_id
-- and is the answer from published_on until superseded_on; the release an answer names is the metric's newest
-- release by then, or last_release_id where the period stopped being published before it.
CREATE OR REPLACE VIEW staging.observation_runs AS
SELECT o.metric_id, o.period_type, o.period_start, o.period_end, o.value, o.unit, o.release_id, o.published_on,
       o.superseded_on, e.last_release_id, l.release_rank AS last_rank, l.published_on AS last_published_on
FROM marts.metric_observations o
LEFT JOIN staging.observation_ends e ON e.metric_id = o.metric_id AND e.period_type = o.period_type
     AND e.period_start = o.period_start AND e.period_end = o.period_end AND e.release_id = o.release_id
LEFT JOIN staging.release_order l ON l.release_id = e.last_release_id;

-- Maintenance, for the metrics of temp.metric_scope (warehouse/build.py: every metric on a full build, else those
-- the new releases carry). temp.release_values holds their values per release: every release of a metric being
-- recomputed (recompute: a new release ranks before one already held), or the new releases only.
DELETE FROM marts.metric_observations WHERE metric_id IN (SELECT metric_id FROM temp.metric_scope WHERE recompute);
DELETE FROM staging.observation_ends WHERE metric_id IN (SELECT metric_id FROM temp.metric_scope WHERE recompute);
DELETE FROM staging.metric_releases WHERE metric_id IN (SELECT metric_id FROM temp.metric_scope WHERE recompute);
INSERT INTO staging.metric_releases SELECT DISTINCT metric_id, release_id FROM temp.release_values;

-- Each scope metric's releases, oldest first, numbered 1, 2, ... (seq); newest_held: the newest already held.
CREATE OR REPLACE TEMP TABLE metric_seq AS
SELECT m.metric_id, m.release_id, m.published_on,
       row_number() OVER (PARTITION BY m.metric_id ORDER BY m.release_rank) AS seq,
       count(*) OVER (PARTITION BY m.metric_id) AS last_seq,
       m.release_id NOT IN (SELECT release_id FROM temp.pending_releases) AS held
FROM staging.metric_release_order m SEMI JOIN temp.metric_scope s USING (metric_id);

-- Each period's value release by release: a value held by consecutive releases of its metric is one run, and a
-- run starts a stored row, superseded when the next run of its period starts. Metrics only appended to take their
-- stored current value, placed at the last release that held it (stored), before the new releases' values. Kept:
-- the rows that start a run or precede a gap; the others, most rows (every release re-publishes its series), only
-- repeat their run's value.
CREATE OR REPLACE TEMP TABLE value_runs AS
WITH newest_held AS (
    SELECT metric_id, arg_max(release_id, seq) AS release_id FROM temp.metric_seq WHERE held GROUP BY metric_id
),
current AS (
    SELECT o.metric_id, o.period_type, o.period_start, o.period_end, o.value, o.unit, o.release_id AS run_release_id,
           coalesce(e.last_release_id, n.release_id) AS at_release_id, e.last_release_id IS NOT NULL AS ended,
           TRUE AS stored
    FROM marts.metric_observations o
    JOIN temp.metric_scope s ON s.metric_id = o.metric_id AND NOT s.recompute
    JOIN newest_held n ON n.metric_id = o.metric_id
    LEFT JOIN staging.observation_ends e ON e.metric_id = o.metric_id AND e.period_type = o.period_type
         AND e.period_start = o.period_start AND e.period_end = o.period_end AND e.release_id = o.release_id
    WHERE o.superseded_on IS NULL
),
numbered AS MATERIALIZED (
    SELECT v.*, q.seq, q.last_seq, q.published_on
    FROM (SELECT metric_id, period_type, period_start, period_end, value, unit, release_id AS run_release_id,
                 release_id AS at_release_id, FALSE AS ended, FALSE AS stored FROM temp.release_values
          UNION ALL SELECT * FROM current) v
    JOIN temp.metric_seq q ON q.metric_id = v.metric_id AND q.release_id = v.at_release_id
),
-- Most periods (every one on a full build of the real files) have the same value in every release from the first
-- that had them (or their stored value) to the last, none missed between, none ended: one run, told from counts.
-- Ordering each period's rows (the windows below) is the costly step of a full build; only the other periods take it.
periods AS (
    SELECT metric_id, period_type, period_start, period_end, min(seq) AS first_seq, max(seq) AS final_seq,
           arg_min(run_release_id, seq) AS first_run_id,
           count(*) = max(seq) - min(seq) + 1 AND count(value) = count(*) AND min(value) = max(value)
           AND NOT bool_or(ended) AS one_run
    FROM numbered GROUP BY ALL
),
marked AS (   -- the other periods, release by release
    SELECT *, stored OR lag(seq) OVER w IS DISTINCT FROM seq - 1 OR lag(value) OVER w IS DISTINCT FROM value AS starts_run,
           coalesce(lead(seq) OVER w, last_seq + 1) > seq + 1 AND NOT ended AS gap_after
    FROM numbered SEMI JOIN (SELECT * FROM periods WHERE NOT one_run) USING (metric_id, period_type, period_start, period_end)
    WINDOW w AS (PARTITION BY metric_id, period_type, period_start, period_end ORDER BY seq)
)
SELECT *,   -- the run a row is in, and when the next run starts: from the kept rows (every run's start is kept)
       last_value(CASE WHEN starts_run THEN run_release_id END IGNORE NULLS) OVER (w ROWS UNBOUNDED PRECEDING) AS run_id,
       lead(CASE WHEN starts_run THEN published_on END IGNORE NULLS) OVER w AS superseded_on
FROM marked
WHERE starts_run OR gap_after
WINDOW w AS (PARTITION BY metric_id, period_type, period_start, period_end ORDER BY seq)
UNION ALL
-- one run: its first row starts it; its last precedes a gap where later releases of the metric lack the period
SELECT n.*, n.seq = p.first_seq AS starts_run, n.seq = p.final_seq AND n.seq < n.last_seq AS gap_after,
       p.first_run_id AS run_id, NULL::DATE AS superseded_on
FROM numbered n JOIN periods p USING (metric_id, period_type, period_start, period_end)
WHERE p.one_run AND (n.seq = p.first_seq OR (n.seq = p.final_seq AND n.seq < n.last_seq));

INSERT INTO marts.metric_observations
SELECT metric_id, period_type, period_start, period_end, value, unit, run_release_id, published_on,
       superseded_on IS NULL AS is_latest, superseded_on
FROM temp.value_runs WHERE starts_run AND NOT stored
ORDER BY metric_id, period_start, period_end, published_on;

UPDATE marts.metric_observations o SET superseded_on = s.superseded_on, is_latest = FALSE
FROM temp.value_runs s
WHERE s.starts_run AND s.stored AND s.superseded_on IS NOT NULL AND o.metric_id = s.metric_id
  AND o.period_type = s.period_type AND o.period_start = s.period_start AND o.period_end = s.period_end
  AND o.release_id = s.run_release_id;

INSERT INTO staging.observation_ends
SELECT metric_id, period_type, period_start, period_end, run_id, at_release_id FROM temp.value_runs WHERE gap_after;

INSERT INTO staging.built_releases SELECT release_id FROM temp.pending_releases;
DROP TABLE temp.value_runs;

COMMENT ON TABLE marts.metric_observations IS 'Every metric value as published, and each revision: a value is stored once, from the release that first published it, and again only when a later release revises it (a release that re-publishes it unchanged adds no row). is_latest (superseded_on IS NULL) for the current value; what was known on date D: published_on <= D AND (superseded_on IS NULL OR superseded_on > D), or marts.observations_as_of(D).';
COMMENT ON COLUMN marts.metric_observations.metric_id IS 'Stable metric id; see marts.metrics for title, unit and definition.';
COMMENT ON COLUMN marts.metric_observations.period_type IS 'day, week, month, quarter, year, year_ending, academic_year or range.';
COMMENT ON COLUMN marts.metric_observations.period_start IS 'First day of the period (inclusive).';
COMMENT ON COLUMN marts.metric_observations.period_end IS 'Last day of the period (inclusive).';
COMMENT ON COLUMN marts.metric_observations.value IS 'The official figure; periods not recorded yet have no row (never zero).';
COMMENT ON COLUMN marts.metric_observations.unit IS 'Unit of value: people, boats, returns, GBP, penalties, ...';
COMMENT ON COLUMN marts.metric_observations.release_id IS 'The release (marts.releases) that first published this value; later releases that re-published it unchanged add no row.';
COMMENT ON COLUMN marts.metric_observations.published_on IS 'Publication date of that release: the value is what was known from this date.';
COMMENT ON COLUMN marts.metric_observations.superseded_on IS 'Publication date of the release that revised this value (the next row for the same metric and period); NULL while it is current. The value was the answer from published_on until the day before superseded_on.';
COMMENT ON COLUMN marts.metric_observations.is_latest IS 'True for the value from the newest release covering this metric and period: its current value (superseded_on IS NULL).';

COMMENT ON TABLE marts.metrics IS 'One row per metric: title, unit, period type, definition and the source it comes from.';
COMMENT ON COLUMN marts.metrics.layout_confirmed IS 'True when the layout is confirmed: by the catalog (a real published file was read when the parser was written) or by a release of the source that loaded here and gave the metric rows (layout_confirmed_by). False while the parser rests on a description of the layout only (for a whole source, or for one table of it no real file has shown).';
COMMENT ON COLUMN marts.metrics.layout_confirmed_by IS 'The first release whose loading confirmed a layout the catalog marks unconfirmed; NULL when the catalog confirms it, or nothing of the source has loaded.';
