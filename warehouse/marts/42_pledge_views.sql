-- Answers: for pledges that name extra views in the register (small boats), how does each vintage
-- compare over longer, like-for-like windows than one period?
--   rolling_12_months      the 12 months to each complete calendar month (from the pledge's
--                          track_from) against the same 12 months a year before
--   calendar_year_to_date  1 January to the last published day, against the same days a year before
--   since_track_from       track_from (5 July 2024 for small boats) to the last published day,
--                          against the same days a year before while the window fits in a year; once
--                          longer, those days would overlap it, so against the same days two (or more)
--                          whole years before: the same length and seasons, no day in both
-- Rows go into marts.pledge_progress (44_pledge_progress_store.sql) with view set to the view's name; a window counts only when
-- published days cover all of it and all of its baseline. Flow metrics only (stocks are not summed).
INSERT INTO temp.progress_new BY NAME
WITH pledges AS (
    SELECT p.*
    FROM marts.pledges p LEFT JOIN marts.metrics m USING (metric_id)
    WHERE p.type = 'pledge' AND p.kind = 'quantitative' AND len(p.views) > 0 AND coalesce(m.measure, 'flow') = 'flow'
),
known AS (
    SELECT k.* FROM temp.pledge_known k JOIN pledges p USING (pledge_id)
),
data_to AS (   -- the last published day of each vintage
    SELECT pledge_id, as_of, max(period_end) AS data_to FROM known GROUP BY ALL
),
monthly AS (   -- each vintage's figures per calendar month (daily or weekly series fall inside one month each)
    SELECT pledge_id, as_of, CAST(date_trunc('month', period_start) AS DATE) AS month, sum(value) AS value,
           sum(staging.days_in(period_start, period_end)) AS days, arg_max(release_id, release_rank) AS release_id
    FROM known GROUP BY ALL
),
month_ends AS (   -- every complete month from track_from to the last complete month of the vintage
    SELECT m.pledge_id, m.as_of, m.month
    FROM monthly m JOIN data_to d USING (pledge_id, as_of) JOIN pledges p USING (pledge_id)
    WHERE list_contains(p.views, 'rolling_12_months')
      AND staging.bucket_end('month', m.month, m.month) <= d.data_to
      AND staging.bucket_end('month', m.month, m.month) >= p.track_from
),
windows AS (
    SELECT e.pledge_id, e.as_of, 'rolling_12_months' AS view,
           CAST(e.month - INTERVAL 11 MONTH AS DATE) AS period_start, staging.bucket_end('month', e.month, e.month) AS period_end
    FROM month_ends e
    UNION ALL
    SELECT d.pledge_id, d.as_of, 'calendar_year_to_date', CAST(date_trunc('year', d.data_to) AS DATE), d.data_to
    FROM data_to d JOIN pledges p USING (pledge_id) WHERE list_contains(p.views, 'calendar_year_to_date')
    UNION ALL
    SELECT d.pledge_id, d.as_of, 'since_track_from', p.track_from, d.data_to
    FROM data_to d JOIN pledges p USING (pledge_id) WHERE list_contains(p.views, 'since_track_from') AND d.data_to >= p.track_from
),
framed AS (   -- each window's baseline: the same days as many whole years before as it takes not to overlap the
              -- window (one year for a window within a year; two for the 567 days from 5 Jul 2024): same seasons
    SELECT *, CAST(period_start - to_years(years_back) AS DATE) AS baseline_start,
              CAST(period_end - to_years(years_back) AS DATE) AS baseline_end
    FROM (SELECT *, CAST(list_min(list_filter(range(1, 100), lambda k: CAST(period_end - to_years(CAST(k AS INTEGER)) AS DATE)
                                                                       < period_start)) AS INTEGER) AS years_back
          FROM windows)
),
summed AS (   -- the window and its baseline summed over the vintage's published days
    SELECT f.pledge_id, f.as_of, f.view, f.period_start, f.period_end, f.baseline_start, f.baseline_end, f.years_back,
           sum(k.value) FILTER (WHERE k.period_start >= f.period_start AND k.period_end <= f.period_end) AS value,
           sum(staging.days_in(k.period_start, k.period_end))
               FILTER (WHERE k.period_start >= f.period_start AND k.period_end <= f.period_end) AS days,
           sum(k.value) FILTER (WHERE k.period_start >= f.baseline_start AND k.period_end <= f.baseline_end) AS baseline_value,
           sum(staging.days_in(k.period_start, k.period_end))
               FILTER (WHERE k.period_start >= f.baseline_start AND k.period_end <= f.baseline_end) AS baseline_days,
           arg_max(k.release_id, k.release_rank) FILTER (WHERE k.period_start >= f.period_start AND k.period_end <= f.period_end) AS release_id
    FROM framed f
    JOIN known k ON k.pledge_id = f.pledge_id AND k.as_of = f.as_of
         AND k.period_end >= f.baseline_start AND k.period_start <= f.period_end
    GROUP BY ALL
),
judged AS (
    SELECT s.*,
           CASE WHEN s.days = staging.days_in(s.period_start, s.period_end) THEN s.value END AS full_value,
           CASE WHEN s.baseline_days = staging.days_in(s.baseline_start, s.baseline_end) THEN s.baseline_value END AS full_baseline
    FROM summed s
)
SELECT j.pledge_id, p.metric_id, j.view, j.view AS period_type, j.period_start, j.period_end,
       CASE j.view WHEN 'rolling_12_months' THEN '12 months to ' || strftime(j.period_end, '%b %Y')
            -- '1 Jan to 13 Nov 2025' ("2025 to 13 Nov" read as a range from a year)
            WHEN 'calendar_year_to_date' THEN strftime(j.period_start, '%-d %b') || ' to ' || strftime(j.period_end, '%-d %b %Y')
            ELSE strftime(j.period_start, '%-d %b %Y') || ' to ' || strftime(j.period_end, '%-d %b %Y') END AS period_label,
       j.full_value IS NOT NULL AS complete,
       j.period_end AS data_to,
       j.full_value AS value, m.unit,
       j.baseline_start, j.baseline_end,
       CASE j.view WHEN 'rolling_12_months' THEN '12 months to ' || strftime(j.baseline_end, '%b %Y')
            WHEN 'calendar_year_to_date' THEN strftime(j.baseline_start, '%-d %b') || ' to ' || strftime(j.baseline_end, '%-d %b %Y')
            ELSE strftime(j.baseline_start, '%-d %b %Y') || ' to ' || strftime(j.baseline_end, '%-d %b %Y')
                 -- why not a year before: a reader seeing the base jump (to 2022-23, a record year) is told
                 || CASE WHEN j.years_back > 1 THEN ' (the same days ' || j.years_back || ' years before: a year before would share days with them)' ELSE '' END
            END
            -- "the same days" across 29 February are one day more or fewer: said (months are compared as months)
            || CASE WHEN j.view <> 'rolling_12_months'
                         AND staging.days_in(j.baseline_start, j.baseline_end) <> staging.days_in(j.period_start, j.period_end)
                    -- the label's own days first, then the other side's, and the year whose 29 February makes the
                    -- difference: '(318 days, against 317 in the period compared: 2024 holds 29 Feb)'
                    THEN ' (' || format('{:,d}', staging.days_in(j.baseline_start, j.baseline_end)) || ' days, against '
                         || format('{:,d}', staging.days_in(j.period_start, j.period_end)) || ' in the period compared: '
                         || CASE WHEN staging.days_in(j.baseline_start, j.baseline_end) > staging.days_in(j.period_start, j.period_end)
                                 THEN staging.leap_year_in(j.baseline_start, j.baseline_end)
                                 ELSE staging.leap_year_in(j.period_start, j.period_end) END || ' holds 29 Feb)'
                    ELSE '' END AS baseline_label,
       j.full_baseline AS baseline_value,
       j.full_value - j.full_baseline AS change,
       round(100 * (j.full_value - j.full_baseline) / nullif(j.full_baseline, 0), 1) AS change_pct,
       p.direction, p.target,
       CASE WHEN j.full_value IS NULL OR j.full_baseline IS NULL THEN 'awaiting data'
            WHEN p.target IS NOT NULL AND ((p.direction = 'down' AND j.full_value <= p.target)
                                        OR (p.direction = 'up' AND j.full_value >= p.target)) THEN 'met'
            WHEN (p.direction = 'down' AND j.full_value < j.full_baseline)
              OR (p.direction = 'up' AND j.full_value > j.full_baseline) THEN 'on track'
            ELSE 'off track' END AS status,
       j.as_of, j.release_id,
       j.as_of = max(j.as_of) OVER (PARTITION BY j.pledge_id) AS is_latest_vintage
FROM judged j
JOIN pledges p USING (pledge_id)
LEFT JOIN marts.metrics m USING (metric_id)
ORDER BY j.pledge_id, j.view, j.as_of, j.period_start;

