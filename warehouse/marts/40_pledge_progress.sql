-- Answers: for each quantitative pledge, period by period and as each release published it,
-- what was the value, what was the baseline, how much did it change, and is it on track?
--
-- Vintages: for every publication date of the pledge's metric, each period takes its value
-- from the newest release published on or before that date; `is_latest_vintage` marks the
-- current view. Status rule (also in warehouse/pledges.toml): awaiting data (no value or no
-- baseline) > met (target reached) > on track (moving in the promised direction, or at or below a
-- trajectory baseline) > off track.
--
-- These are the rows with view = 'period' (one per progress period: quarters, years ending, ...).
-- 42_pledge_views.sql adds the register's other views (rolling 12 months, calendar year to date,
-- since the pledge was tracked) from the same vintages, kept in temp.pledge_known meanwhile, and
-- 44_pledge_progress_store.sql stores them.
--
-- Built incrementally: only the vintages a publish can change are computed (temp.progress_scope: each pledge
-- whose metric the new releases carry, from the earliest publication date among them; every pledge on a full
-- build); earlier vintages stay as published.
CREATE OR REPLACE TEMP TABLE progress_scope AS
SELECT p.pledge_id, min(s.from_date) AS from_date
FROM marts.pledges p JOIN temp.metric_scope s ON s.metric_id = p.metric_id
WHERE p.type = 'pledge' AND p.kind = 'quantitative'
GROUP BY p.pledge_id;

CREATE OR REPLACE TEMP TABLE pledge_known AS
WITH pledges AS (
    SELECT p.*, s.from_date FROM marts.pledges p JOIN temp.progress_scope s USING (pledge_id)
),
vintages AS (   -- every publication date of the pledge's metric, from the scope's first
    SELECT DISTINCT p.pledge_id, m.published_on AS as_of
    FROM pledges p JOIN staging.metric_release_order m ON m.metric_id = p.metric_id AND m.published_on >= p.from_date
),
latest AS (   -- each vintage's newest release of the metric
    SELECT v.pledge_id, v.as_of, any_value(p.metric_id) AS metric_id,
           least(coalesce(any_value(p.baseline_start), any_value(p.track_from)), any_value(p.track_from) - INTERVAL 2 YEAR) AS reach,
           arg_max(m.release_id, m.release_rank) AS release_id, arg_max(m.published_on, m.release_rank) AS published_on,
           max(m.release_rank) AS release_rank
    FROM vintages v JOIN pledges p USING (pledge_id)
    JOIN staging.metric_release_order m ON m.metric_id = p.metric_id AND m.published_on <= v.as_of
    GROUP BY v.pledge_id, v.as_of
),
known AS (   -- each period as known at the vintage (published by then, not yet superseded), with the release it
             -- was last published in by then; what tracked periods and their baselines can use (a year-ending
             -- period reaches a year back)
    SELECT l.pledge_id, l.as_of, o.period_type, o.period_start, o.period_end, o.value, o.unit,
           CASE WHEN o.last_rank < l.release_rank THEN o.last_release_id ELSE l.release_id END AS release_id,
           CASE WHEN o.last_rank < l.release_rank THEN o.last_published_on ELSE l.published_on END AS published_on,
           least(coalesce(o.last_rank, l.release_rank), l.release_rank) AS release_rank
    FROM latest l
    JOIN staging.observation_runs o ON o.metric_id = l.metric_id AND o.period_end >= l.reach
         AND o.published_on <= l.as_of AND (o.superseded_on IS NULL OR o.superseded_on > l.as_of)
)
SELECT * FROM known;

CREATE OR REPLACE TEMP TABLE progress_new AS
WITH pledges AS (
    SELECT p.*, coalesce(m.measure, 'flow') AS measure
    FROM marts.pledges p LEFT JOIN marts.metrics m USING (metric_id)
    WHERE p.type = 'pledge' AND p.kind = 'quantitative'
),
known AS (
    SELECT * FROM temp.pledge_known
),
buckets AS (   -- flows are summed over the bucket; stocks take their last level in it
    SELECT k.pledge_id, k.as_of,
           staging.bucket_start(p.progress_period, k.period_start) AS period_start,
           staging.bucket_end(p.progress_period, k.period_start, k.period_end) AS period_end,
           CASE WHEN any_value(p.measure) = 'stock' THEN arg_max(k.value, k.period_end) ELSE sum(k.value) END AS value,
           any_value(k.unit) AS unit,
           min(k.period_start) AS covered_start, max(k.period_end) AS covered_end,
           sum(staging.days_in(k.period_start, k.period_end)) AS covered_days,
           arg_max(k.release_id, k.release_rank) AS release_id
    FROM known k JOIN pledges p USING (pledge_id)
    GROUP BY ALL
),
baselines AS (   -- the baseline label is a period of the pledge's type where the baseline is one, else a range of dates
    SELECT *, CASE WHEN baseline IN ('fixed', 'trajectory')
                        OR (staging.bucket_start(progress_period, baseline_start) = baseline_start
                            AND staging.bucket_end(progress_period, baseline_start, baseline_end) = baseline_end)
                   THEN progress_period ELSE 'range' END AS baseline_period_type
    FROM (SELECT b.pledge_id, b.as_of, b.period_start, p.baseline, p.progress_period,
                 CASE WHEN p.baseline IN ('fixed', 'trajectory') THEN p.baseline_start ELSE staging.year_before(b.covered_start) END AS baseline_start,
                 CASE WHEN p.baseline IN ('fixed', 'trajectory') THEN p.baseline_end ELSE staging.year_before(b.covered_end) END AS baseline_end
          FROM buckets b JOIN pledges p USING (pledge_id))
),
baseline_values AS (
    -- the baseline counts only when published periods cover every one of its days
    SELECT bl.pledge_id, bl.as_of, bl.period_start, bl.baseline_start, bl.baseline_end, bl.baseline_period_type,
           coalesce(max(k.period_end), bl.baseline_end) AS baseline_level_on,   -- a stock's baseline: the last level in it
           CASE WHEN any_value(p.measure) = 'stock' THEN arg_max(k.value, k.period_end)
                WHEN sum(staging.days_in(k.period_start, k.period_end)) = staging.days_in(bl.baseline_start, bl.baseline_end)
                THEN sum(k.value) END AS baseline_value
    FROM baselines bl
    JOIN pledges p USING (pledge_id)
    LEFT JOIN known k ON k.pledge_id = bl.pledge_id AND k.as_of = bl.as_of
         AND k.period_start >= bl.baseline_start AND k.period_end <= bl.baseline_end
    GROUP BY bl.pledge_id, bl.as_of, bl.period_start, bl.baseline_start, bl.baseline_end, bl.baseline_period_type
)
SELECT b.pledge_id, p.metric_id, 'period' AS view, p.progress_period AS period_type, b.period_start, b.period_end,
       CASE WHEN p.measure = 'stock' THEN staging.level_label(b.covered_end)     -- a level, by its date
            ELSE staging.period_label(p.progress_period, b.period_start, b.period_end) END AS period_label,
       -- a flow's period is complete when every day of it is covered; a stock's when its level at the end is known
       CASE WHEN p.measure = 'stock' THEN b.covered_end = b.period_end
            ELSE b.covered_days = staging.days_in(b.period_start, b.period_end) END
           OR p.progress_period NOT IN ('month', 'quarter', 'year') AS complete,
       b.covered_end AS data_to,
       b.value, b.unit,
       bv.baseline_start, bv.baseline_end,
       staging.baseline_words(p.baseline, p.measure, bv.baseline_level_on,
                              staging.period_label(bv.baseline_period_type, bv.baseline_start, bv.baseline_end),
                              p.target, p.target_date) AS baseline_label,
       t.baseline_value,
       b.value - t.baseline_value AS change,
       round(100 * (b.value - t.baseline_value) / nullif(t.baseline_value, 0), 1) AS change_pct,
       p.direction, p.target,
       CASE WHEN b.value IS NULL THEN 'awaiting data'
            WHEN p.target IS NOT NULL AND ((p.direction = 'down' AND b.value <= p.target)
                                        OR (p.direction = 'up' AND b.value >= p.target)) THEN 'met'
            WHEN t.baseline_value IS NULL THEN 'awaiting data'
            WHEN (p.direction = 'down' AND b.value < t.baseline_value)
              OR (p.direction = 'up' AND b.value > t.baseline_value)
              OR (p.baseline = 'trajectory' AND b.value = t.baseline_value) THEN 'on track'
            ELSE 'off track' END AS status,
       b.as_of, b.release_id,
       b.as_of = max(b.as_of) OVER (PARTITION BY b.pledge_id) AS is_latest_vintage
FROM buckets b
JOIN pledges p USING (pledge_id)
JOIN baseline_values bv USING (pledge_id, as_of, period_start)
CROSS JOIN LATERAL (   -- a trajectory baseline: the straight line from the level at baseline_end to target at target_date
    SELECT CASE WHEN p.baseline <> 'trajectory' THEN bv.baseline_value
                ELSE bv.baseline_value + (p.target - bv.baseline_value)
                     * least(1.0, date_diff('day', p.baseline_end, b.period_end) / date_diff('day', p.baseline_end, p.target_date)) END
           AS baseline_value
) t
WHERE b.period_end >= p.track_from
  -- a flow is never compared with a fixed baseline it shares days with (a year ending Dec 2024 holds half of the
  -- year ending Jun 2024): periods from marts.pledges.first_compared_end on
  AND NOT (p.baseline = 'fixed' AND p.measure = 'flow' AND b.period_start <= p.baseline_end AND b.period_end >= p.baseline_start)
ORDER BY b.pledge_id, b.as_of, b.period_start;
