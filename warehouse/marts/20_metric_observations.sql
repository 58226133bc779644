-- Answers: what value did each official release give for each metric and period,
-- and which of those values is the latest revision?
-- Every pledge reads from this table. Values from rejected releases never appear.
--
-- Loaded releases numbered from oldest to newest, the one order every "latest" follows: publication date,
-- then (same day) the file name's _vN version, then the page's updated time where known, then fetch time.
CREATE OR REPLACE VIEW staging.release_order AS
SELECT release_id, published_on,
       row_number() OVER (ORDER BY published_on, coalesce(version, 1), page_updated_at NULLS FIRST, fetched_at,
                                   release_id) AS release_rank
FROM meta.releases WHERE status = 'loaded';

CREATE OR REPLACE TABLE marts.metric_observations AS
WITH releases AS (
    SELECT release_id, published_on, release_rank FROM staging.release_order
),
observations AS (
    SELECT v.metric_id, v.period_type, v.period_start, v.period_end, v.value, v.unit, v.release_id,
           r.published_on, r.release_rank
    FROM staging.metric_values v JOIN releases r USING (release_id)
),
latest AS (   -- the newest release for each metric and period (grouping is much cheaper here than a window)
    SELECT metric_id, period_type, period_start, period_end, max(release_rank) AS release_rank
    FROM observations
    GROUP BY metric_id, period_type, period_start, period_end
)
SELECT o.metric_id, o.period_type, o.period_start, o.period_end, o.value, o.unit, o.release_id, o.published_on,
       l.release_rank IS NOT NULL AS is_latest
FROM observations o
LEFT JOIN latest l ON l.release_rank = o.release_rank AND l.metric_id = o.metric_id
     AND l.period_type IS NOT DISTINCT FROM o.period_type AND l.period_start IS NOT DISTINCT FROM o.period_start
     AND l.period_end IS NOT DISTINCT FROM o.period_end;

COMMENT ON TABLE marts.metric_observations IS 'Long table of every metric value in every release (vintage). Filter is_latest for the latest revision, or published_on <= D for what was known on date D.';
COMMENT ON COLUMN marts.metric_observations.metric_id IS 'Stable metric id; see marts.metrics for title, unit and definition.';
COMMENT ON COLUMN marts.metric_observations.period_type IS 'day, week, month, quarter, year, year_ending, academic_year or range.';
COMMENT ON COLUMN marts.metric_observations.period_start IS 'First day of the period (inclusive).';
COMMENT ON COLUMN marts.metric_observations.period_end IS 'Last day of the period (inclusive).';
COMMENT ON COLUMN marts.metric_observations.value IS 'The official figure; periods not recorded yet have no row (never zero).';
COMMENT ON COLUMN marts.metric_observations.unit IS 'Unit of value: people, boats, returns, GBP, penalties, ...';
COMMENT ON COLUMN marts.metric_observations.release_id IS 'The release (marts.releases) the value was published in.';
COMMENT ON COLUMN marts.metric_observations.published_on IS 'Publication date of that release.';
COMMENT ON COLUMN marts.metric_observations.is_latest IS 'True for the value from the newest release covering this metric and period.';

COMMENT ON TABLE marts.metrics IS 'One row per metric: title, unit, period type, definition and the source it comes from.';
COMMENT ON COLUMN marts.metrics.layout_confirmed IS 'False while the source parser was built from a description, not yet from a real published file.';
