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
-- since the pledge was tracked) from the same vintages, kept in staging.pledge_known meanwhile.
CREATE OR REPLACE TABLE staging.pledge_known AS
WITH pledges AS (
    SELECT p.*, coalesce(m.measure, 'flow') AS measure
    FROM marts.pledges p LEFT JOIN marts.metrics m USING (metric_id)
    WHERE p.type = 'pledge' AND p.kind = 'quantitative'
),
observations AS (   -- what tracked periods and their baselines can use (a year-ending period reaches a year back),
                    -- each with the publication date of the release that revised it next
    SELECT p.pledge_id, o.period_type, o.period_start, o.period_end, o.value, o.unit, o.release_id, o.published_on,
           r.release_rank,
           lead(o.published_on) OVER (PARTITION BY p.pledge_id, o.period_start, o.period_end
                                      ORDER BY r.release_rank) AS superseded_on
    FROM pledges p
    JOIN marts.metric_observations o ON o.metric_id = p.metric_id
         AND o.period_end >= least(coalesce(p.baseline_start, p.track_from), p.track_from - INTERVAL 2 YEAR)
    JOIN staging.release_order r ON r.release_id = o.release_id
),
vintages AS (
    SELECT DISTINCT p.pledge_id, o.published_on AS as_of
    FROM pledges p JOIN marts.metric_observations o ON o.metric_id = p.metric_id
),
known AS (   -- each period from the newest release published on or before the vintage (not yet revised by then)
    SELECT v.pledge_id, v.as_of, o.period_type, o.period_start, o.period_end, o.value, o.unit,
           o.release_id, o.published_on, o.release_rank
    FROM vintages v
    JOIN observations o ON o.pledge_id = v.pledge_id AND o.published_on <= v.as_of
         AND (o.superseded_on IS NULL OR o.superseded_on > v.as_of)
)
SELECT * FROM known;

CREATE OR REPLACE TABLE marts.pledge_progress AS
WITH pledges AS (
    SELECT p.*, coalesce(m.measure, 'flow') AS measure
    FROM marts.pledges p LEFT JOIN marts.metrics m USING (metric_id)
    WHERE p.type = 'pledge' AND p.kind = 'quantitative'
),
known AS (
    SELECT * FROM staging.pledge_known
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
       staging.period_label(p.progress_period, b.period_start, b.period_end) AS period_label,
       b.covered_days = staging.days_in(b.period_start, b.period_end)
           OR p.progress_period NOT IN ('month', 'quarter', 'year') AS complete,
       b.covered_end AS data_to,
       b.value, b.unit,
       bv.baseline_start, bv.baseline_end,
       CASE WHEN p.baseline = 'trajectory'
            THEN 'the line from ' || staging.period_label(bv.baseline_period_type, bv.baseline_start, bv.baseline_end)
                 || ' to ' || format('{:,.0f}', p.target) || ' on ' || strftime(p.target_date, '%-d %b %Y')
            ELSE staging.period_label(bv.baseline_period_type, bv.baseline_start, bv.baseline_end) END AS baseline_label,
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
ORDER BY b.pledge_id, b.as_of, b.period_start;

COMMENT ON TABLE marts.pledge_progress IS 'One row per pledge, view, period and vintage: value, baseline, change and status. Filter is_latest_vintage for the current view, or as_of <= D (latest as_of per pledge) for what was known on date D; view = period for the progress periods, or a comparison such as rolling_12_months.';
COMMENT ON COLUMN marts.pledge_progress.view IS 'period (one row per progress period) or a comparison from the register: rolling_12_months (the 12 months to each complete month against the 12 months before), calendar_year_to_date, since_track_from (each to the last published day, against the same days a year before).';
COMMENT ON COLUMN marts.pledge_progress.complete IS 'False for a month/quarter/year still in progress; its baseline then covers the same days a year earlier.';
COMMENT ON COLUMN marts.pledge_progress.data_to IS 'Last day with published data in this period.';
COMMENT ON COLUMN marts.pledge_progress.baseline_value IS 'Value over the baseline period (NULL when published data do not cover all of it); for a trajectory, the line''s value at period_end.';
COMMENT ON COLUMN marts.pledge_progress.change_pct IS 'Change against the baseline, per cent, one decimal.';
COMMENT ON COLUMN marts.pledge_progress.status IS 'awaiting data, met, on track or off track (rule in the table comment and warehouse/pledges.toml).';
COMMENT ON COLUMN marts.pledge_progress.as_of IS 'Vintage: the publication date this row reflects (values from releases published on or before it).';
COMMENT ON COLUMN marts.pledge_progress.release_id IS 'Newest release that supplied a value to this row.';
COMMENT ON COLUMN marts.pledge_progress.is_latest_vintage IS 'True for rows computed from everything published so far.';

-- What was known on a date: each pledge's progress rows from the newest vintage on or before it.
CREATE OR REPLACE MACRO marts.pledge_progress_as_of(as_of_date) AS TABLE
SELECT * FROM marts.pledge_progress
WHERE as_of <= as_of_date
QUALIFY as_of = max(as_of) OVER (PARTITION BY pledge_id);
