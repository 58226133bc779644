-- Answers: what value did each official release give for each metric and period,
-- and which of those values is the latest revision?
-- Every pledge reads from this table. Values from rejected releases never appear.
CREATE OR REPLACE TABLE marts.metric_observations AS
SELECT v.metric_id, v.period_type, v.period_start, v.period_end, v.value, v.unit, v.release_id, r.published_on,
       row_number() OVER (PARTITION BY v.metric_id, v.period_type, v.period_start, v.period_end
                          ORDER BY r.published_on DESC, r.fetched_at DESC, v.release_id DESC) = 1 AS is_latest
FROM staging.metric_values v
JOIN meta.releases r ON r.release_id = v.release_id AND r.status = 'loaded';

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
