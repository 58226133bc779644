-- Answers: what was known on a date, pledge by pledge (marts.pledge_progress_as_of)? Stores the vintages that
-- 40_pledge_progress.sql and 42_pledge_views.sql computed (temp.progress_new) in marts.pledge_progress, in place:
-- the scope's vintages replaced, earlier vintages kept as they were published.
CREATE TABLE IF NOT EXISTS marts.pledge_progress AS SELECT * FROM temp.progress_new WITH NO DATA;

DELETE FROM marts.pledge_progress g USING temp.progress_scope s WHERE g.pledge_id = s.pledge_id AND g.as_of >= s.from_date;

-- An earlier vintage stops being the latest once a newer one has rows of the same kind (periods, or the views).
UPDATE marts.pledge_progress g SET is_latest_vintage = FALSE
FROM temp.progress_scope s
WHERE g.pledge_id = s.pledge_id AND g.is_latest_vintage
  AND EXISTS (SELECT 1 FROM temp.progress_new n WHERE n.pledge_id = g.pledge_id AND (n.view = 'period') = (g.view = 'period'));

-- A comparison window reaching back before the month the pledge is tracked from, or holding under four weeks (the
-- year to date on a few days of January), and a flow's progress period still in progress (2026 Q1 on 22 days: a
-- part-period total) are stored, never graded (as the status, the explanations, the change list and the report treat
-- them): their status is 'not graded', not the previous government's grade or a few days' swing. (A stock's latest
-- level in a quarter in progress is a level like any other, and graded.)
INSERT INTO marts.pledge_progress BY NAME
SELECT n.* REPLACE (CASE WHEN staging.before_tracking(n.view, n.period_start, p.track_from)
                              OR (n.view <> 'period' AND staging.days_in(n.period_start, n.period_end) < 28)
                              OR (n.view = 'period' AND NOT n.complete AND coalesce(m.measure, 'flow') = 'flow') THEN 'not graded'
                         ELSE n.status END AS status)
FROM temp.progress_new n JOIN marts.pledges p USING (pledge_id) LEFT JOIN marts.metrics m ON m.metric_id = p.metric_id
ORDER BY n.pledge_id, n.view, n.as_of, n.period_start;

-- Each pledge's vintages and the next one after each: a vintage answers for the dates from its own to the next.
CREATE TABLE IF NOT EXISTS staging.progress_vintages (pledge_id VARCHAR, as_of DATE, next_as_of DATE);
DELETE FROM staging.progress_vintages WHERE pledge_id IN (SELECT pledge_id FROM temp.progress_scope);
INSERT INTO staging.progress_vintages
SELECT pledge_id, as_of, lead(as_of) OVER (PARTITION BY pledge_id ORDER BY as_of)
FROM (SELECT DISTINCT pledge_id, as_of FROM marts.pledge_progress
      WHERE pledge_id IN (SELECT pledge_id FROM temp.progress_scope));

DROP TABLE temp.pledge_known;
DROP TABLE temp.progress_new;

-- What was known on a date: each pledge's progress rows from the newest vintage on or before it
-- (a filter on the vintages, no ranking of every row).
CREATE OR REPLACE MACRO marts.pledge_progress_as_of(as_of_date) AS TABLE
SELECT g.* FROM marts.pledge_progress g
JOIN staging.progress_vintages v ON v.pledge_id = g.pledge_id AND v.as_of = g.as_of
WHERE v.as_of <= as_of_date AND (v.next_as_of IS NULL OR v.next_as_of > as_of_date);

COMMENT ON TABLE marts.pledge_progress IS 'One row per pledge, view, period and vintage: value, baseline, change and status. Filter is_latest_vintage for the current view, or marts.pledge_progress_as_of(D) for what was known on date D (each pledge''s newest vintage on or before D); view = period for the progress periods, or a comparison such as rolling_12_months.';
COMMENT ON COLUMN marts.pledge_progress.view IS 'period (one row per progress period) or a comparison from the register: rolling_12_months (the 12 months to each complete month against the 12 months before), calendar_year_to_date, since_track_from (each to the last published day, against the same days a year before while they fit in a year, then the same days two years before: baseline_label says which).';
COMMENT ON COLUMN marts.pledge_progress.period_type IS 'Progress periods (view period): the period type (quarter, year_ending, academic_year, ...). Comparison rows: the comparison''s name, as in view (rolling_12_months, calendar_year_to_date, since_track_from).';
COMMENT ON COLUMN marts.pledge_progress.complete IS 'Progress periods: false for a month/quarter/year still in progress (a flow: not every day published; a stock: no level at its end yet); a flow''s baseline then covers the same days a year earlier. Comparison views (which run to the last published day): whether published days cover all of the window and its baseline.';
COMMENT ON COLUMN marts.pledge_progress.data_to IS 'Last day with published data in this period.';
COMMENT ON COLUMN marts.pledge_progress.baseline_value IS 'Value over the baseline period (NULL when published data do not cover all of it); for a trajectory, the line''s value at period_end.';
COMMENT ON COLUMN marts.pledge_progress.change_pct IS 'Change against the baseline, per cent, one decimal.';
COMMENT ON COLUMN marts.pledge_progress.status IS 'awaiting data, met, on track or off track (rule in the table comment and warehouse/pledges.toml); not graded for a comparison window reaching back before the month the pledge is tracked from (the 12 months to Jul 2024 for small boats, tracked from 5 Jul 2024: mostly the previous government''s days) or holding under four weeks (1 Jan to 8 Jan 2026), and a flow''s progress period still in progress (complete false: a part-period total): drawn and told, never graded.';
COMMENT ON COLUMN marts.pledge_progress.as_of IS 'Vintage: the publication date this row reflects (values from releases published on or before it).';
COMMENT ON COLUMN marts.pledge_progress.release_id IS 'Newest release that supplied a value to this row.';
COMMENT ON COLUMN marts.pledge_progress.is_latest_vintage IS 'True for rows computed from everything published so far.';

COMMENT ON MACRO TABLE marts.pledge_progress_as_of IS 'marts.pledge_progress as known on date D: each pledge''s newest vintage published on or before D.';
