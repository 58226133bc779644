-- Answers: what did the official figures say on a given date, before later revisions?
-- What was known on a date: each metric and period from the newest release published on or before it.
--
-- A filter on the stored changes (published by then, not yet superseded), no ranking of vintages. The release
-- named is the newest release of the metric published by then (same-day releases ranked as in
-- staging.release_order: _vN version, page time, fetch time), or the last one that had the period where it
-- stopped being published before that.
CREATE OR REPLACE MACRO marts.observations_as_of(as_of_date) AS TABLE
WITH latest AS (   -- each metric's newest release published on or before the date
    SELECT metric_id, arg_max(release_id, release_rank) AS release_id, arg_max(published_on, release_rank) AS published_on,
           max(release_rank) AS release_rank
    FROM staging.metric_release_order WHERE published_on <= as_of_date GROUP BY metric_id
)
SELECT o.metric_id, o.period_type, o.period_start, o.period_end, o.value, o.unit,
       CASE WHEN o.last_rank < l.release_rank THEN o.last_release_id ELSE l.release_id END AS release_id,
       CASE WHEN o.last_rank < l.release_rank THEN o.last_published_on ELSE l.published_on END AS published_on
FROM staging.observation_runs o JOIN latest l USING (metric_id)
WHERE o.published_on <= as_of_date AND (o.superseded_on IS NULL OR o.superseded_on > as_of_date);

-- Answers: what did each release give for a metric, period by period? Every value of every release that
-- carried the metric, as the release published it (one row per release and period: the full copies that
-- marts.metric_observations no longer stores), for a chart of revisions or a comparison of two releases.
-- A stored value stands for each release of its metric from the one that published it to the one before the
-- next revision, and not for releases after the period stopped being published.
CREATE OR REPLACE MACRO marts.metric_vintages(metric) AS TABLE
WITH runs AS (
    SELECT o.*, r.release_rank,
           lead(r.release_rank) OVER (PARTITION BY o.period_type, o.period_start, o.period_end ORDER BY r.release_rank) AS next_rank
    FROM staging.observation_runs o JOIN staging.release_order r USING (release_id)
    WHERE o.metric_id = metric
)
SELECT u.metric_id, u.period_type, u.period_start, u.period_end, u.value, u.unit, m.release_id, m.published_on
FROM runs u
JOIN staging.metric_release_order m ON m.metric_id = u.metric_id AND m.release_rank >= u.release_rank
     AND (u.next_rank IS NULL OR m.release_rank < u.next_rank) AND (u.last_rank IS NULL OR m.release_rank <= u.last_rank);

COMMENT ON MACRO TABLE marts.observations_as_of IS 'What the official figures said on date D: each metric and period with the value known then (published on or before D, not yet revised by then), and the release it was last published in by then. Columns as marts.metric_observations without is_latest and superseded_on.';
COMMENT ON MACRO TABLE marts.metric_vintages IS 'Every value of one metric as each release that carried it published it (one row per release and period), for a chart of revisions or a comparison of two releases.';
