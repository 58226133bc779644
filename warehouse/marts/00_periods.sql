-- Period arithmetic for the derived tables, in one place: how many days two periods share,
-- a period's label as publishers write it, a date a year earlier, and buckets for aggregation.
-- (Turning published labels such as '2024 Q3' or 'YE Jun 25' into dates happens once, at parse
-- time, in flows/periods.py.)

CREATE OR REPLACE MACRO staging.days_in(p_start, p_end) AS date_diff('day', p_start, p_end) + 1;
-- The year whose 29 February falls within a span of at most two years (the first, if two do).
CREATE OR REPLACE MACRO staging.leap_year_in(p_start, p_end) AS
    CASE WHEN day(last_day(make_date(year(p_start), 2, 1))) = 29 AND make_date(year(p_start), 3, 1) > p_start
              AND make_date(year(p_start), 3, 1) <= p_end + INTERVAL 1 DAY THEN year(p_start)
         ELSE year(p_end) END;

CREATE OR REPLACE MACRO staging.overlap_days(a_start, a_end, b_start, b_end) AS
    greatest(0, date_diff('day', greatest(a_start, b_start), least(a_end, b_end)) + 1);

-- 29 February a year later or earlier becomes 28 February.
CREATE OR REPLACE MACRO staging.year_before(d) AS CAST(d - INTERVAL 1 YEAR AS DATE);

CREATE OR REPLACE MACRO staging.period_label(ptype, p_start, p_end) AS CASE ptype
    WHEN 'day' THEN strftime(p_start, '%-d %b %Y')
    WHEN 'week' THEN 'week ending ' || strftime(p_end, '%-d %b %Y')
    WHEN 'month' THEN strftime(p_start, '%b %Y')
    WHEN 'quarter' THEN year(p_start) || ' Q' || quarter(p_start)
    WHEN 'year' THEN CAST(year(p_start) AS VARCHAR)
    WHEN 'year_ending' THEN 'YE ' || strftime(p_end, '%b %Y')
    WHEN 'academic_year' THEN year(p_start) || '/' || lpad(CAST((year(p_start) + 1) % 100 AS VARCHAR), 2, '0')
    ELSE strftime(p_start, '%-d %b %Y') || ' to ' || strftime(p_end, '%-d %b %Y') END;

-- A stock's level by its date, as publishers say it: 'end of Jun 2024' for a month's last day, else the day
-- ('30 Aug 2024'); `level_at` puts it in a sentence ('at the end of Jun 2024', 'on 30 Aug 2024'). A level is
-- not a period: '2024 Q2' would read as a quarter's total.
CREATE OR REPLACE MACRO staging.level_label(d) AS
    CASE WHEN d = last_day(d) THEN 'end of ' || strftime(d, '%b %Y') ELSE strftime(d, '%-d %b %Y') END;
CREATE OR REPLACE MACRO staging.level_at(label) AS
    CASE WHEN label LIKE 'end of %' THEN 'at the ' || label ELSE 'on ' || label END;

-- A pledge's baseline by name: a trajectory as the line from its start to the target; a stock's level by its date
-- (level_on: the day of the baseline level); else `window_words`, the baseline period as its caller names it.
CREATE OR REPLACE MACRO staging.baseline_words(baseline, measure, level_on, window_words, target, target_date) AS
    -- window_words named once: a macro's argument is copied (and planned) wherever it is used
    CASE WHEN baseline = 'trajectory' THEN 'the line from ' ELSE '' END
    || CASE WHEN measure = 'stock' THEN CASE WHEN baseline = 'trajectory' THEN 'the level ' || staging.level_at(staging.level_label(level_on))
                                             ELSE staging.level_label(level_on) END
            ELSE window_words END
    || CASE WHEN baseline = 'trajectory' THEN ' to ' || format('{:,.0f}', target) || ' on ' || strftime(target_date, '%-d %b %Y')
            ELSE '' END;

-- Start and end of the month, quarter or year holding a period; other period types keep their own bounds.
CREATE OR REPLACE MACRO staging.bucket_start(ptype, d) AS
    CAST(date_trunc(CASE WHEN ptype IN ('month', 'quarter', 'year') THEN ptype ELSE 'day' END, d) AS DATE);
CREATE OR REPLACE MACRO staging.bucket_end(ptype, p_start, p_end) AS CASE ptype
    WHEN 'month' THEN CAST(date_trunc('month', p_start) + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)
    WHEN 'quarter' THEN CAST(date_trunc('quarter', p_start) + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE)
    WHEN 'year' THEN CAST(date_trunc('year', p_start) + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE)
    ELSE p_end END;

-- A window of days by name (a claim's period, or the one it is compared with, before any figure is in): as the
-- publisher names one period of the series' type when the window is exactly one (2019, YE Dec 2019, 2018/19,
-- 2024 Q3), else by its first and last days.
CREATE OR REPLACE MACRO staging.window_label(ptype, w_start, w_end) AS CASE
    WHEN (ptype IN ('month', 'quarter', 'year') AND w_start = staging.bucket_start(ptype, w_start)
          AND w_end = staging.bucket_end(ptype, w_start, w_end))
      OR (ptype = 'academic_year' AND month(w_start) = 8 AND day(w_start) = 1 AND w_end = make_date(year(w_start) + 1, 7, 31))
      OR (ptype = 'year_ending' AND w_end = last_day(w_end) AND w_start = CAST(w_end + INTERVAL 1 DAY - INTERVAL 1 YEAR AS DATE))
    THEN staging.period_label(ptype, w_start, w_end)
    ELSE strftime(w_start, '%-d %b %Y') || ' to ' || strftime(w_end, '%-d %b %Y') END;

-- The end of the last whole period of a type that ends on or before d (for "must already be published"):
-- year-ending series are published for years ending June and December.
CREATE OR REPLACE MACRO staging.last_period_end(ptype, d) AS CASE ptype
    WHEN 'quarter' THEN CAST(date_trunc('quarter', d + INTERVAL 1 DAY) - INTERVAL 1 DAY AS DATE)
    WHEN 'month' THEN CAST(date_trunc('month', d + INTERVAL 1 DAY) - INTERVAL 1 DAY AS DATE)
    WHEN 'year' THEN CAST(date_trunc('year', d + INTERVAL 1 DAY) - INTERVAL 1 DAY AS DATE)
    WHEN 'year_ending' THEN CASE WHEN month(d + INTERVAL 1 DAY) >= 7 AND NOT (month(d) = 12 AND day(d) = 31)
                                 THEN make_date(year(d), 6, 30) ELSE make_date(year(d + INTERVAL 1 DAY) - 1, 12, 31) END
    WHEN 'academic_year' THEN make_date(year(d + INTERVAL 1 DAY) - CASE WHEN month(d + INTERVAL 1 DAY) >= 8 THEN 0 ELSE 1 END, 7, 31)
    ELSE d END;

-- The date by which figures for a period ending on period_end must be out: the end of the month
-- publication_lag_months later; for a source with no lag in months (each day is in the next weekly file), the
-- period's end plus the time between its releases (release_every, '7 days'): a day's figure is never out that
-- day. NULL when the lag is unknown.
CREATE OR REPLACE MACRO staging.due_on(period_end, lag_months, release_every) AS CASE
    WHEN lag_months = 0 AND coalesce(release_every, '') <> '' THEN CAST(period_end + CAST(release_every AS INTERVAL) AS DATE)
    ELSE CAST(last_day(period_end + to_months(CAST(lag_months AS INTEGER))) AS DATE) END;

-- The last day of the period of a type that holds d: its day; its week (the seven days from d); its month,
-- quarter or year; its half-year to June or December (year-ending series: years ending June and December); its
-- academic year (August to July). A range (a Home Office ad-hoc note) has no next period: NULL. Any other type: the day
-- before d a year later.
CREATE OR REPLACE MACRO staging.period_end_holding(ptype, d) AS CASE
    WHEN ptype = 'day' THEN d
    WHEN ptype = 'week' THEN CAST(d + INTERVAL 6 DAY AS DATE)
    WHEN ptype = 'range' THEN NULL
    WHEN ptype IN ('month', 'quarter', 'year') THEN staging.bucket_end(ptype, d, d)
    WHEN ptype = 'year_ending' THEN CASE WHEN month(d) <= 6 THEN make_date(year(d), 6, 30) ELSE make_date(year(d), 12, 31) END
    WHEN ptype = 'academic_year' THEN make_date(year(d) + CASE WHEN month(d) >= 8 THEN 1 ELSE 0 END, 7, 31)
    ELSE CAST(d + INTERVAL 12 MONTH - INTERVAL 1 DAY AS DATE) END;

-- A window a series of months, quarters or years cannot give whole: it starts or ends inside one of its periods (the
-- year ending June 2019 from calendar years). A claim's base like that is not measurable from the series.
CREATE OR REPLACE MACRO staging.off_the_grid(ptype, w_start, w_end) AS
    ptype IN ('month', 'quarter', 'year')
    AND (staging.bucket_start(ptype, w_start) <> w_start
         OR staging.bucket_start(ptype, CAST(w_end + INTERVAL 1 DAY AS DATE)) <> CAST(w_end + INTERVAL 1 DAY AS DATE));

-- A comparison window (not a progress period) reaching back before the month tracking starts: mostly the previous
-- government's days (the 12 months to Jul 2024, the year to date in 2024 for a pledge tracked from 5 Jul 2024). It
-- is drawn, never graded: it sets no status, is not told beside one, and is no change. (A window from the first of
-- that month, like a quarter, counts: its few days before tracking are said.)
CREATE OR REPLACE MACRO staging.before_tracking(view, period_start, track_from) AS
    view <> 'period' AND period_start < staging.bucket_start('month', track_from);

-- Which rows of marts.pledge_progress a pledge's status may rest on, best first (NULL: none): its status view's
-- (the latest), never one before_tracking; until the rolling 12 months start in the month tracking started (the 12
-- months to Jun 2025 for 5 Jul 2024), the days since tracking started against the same days a year before (view
-- since_track_from), once they hold four weeks (and while they fit in a year: the window does by then).
CREATE OR REPLACE MACRO staging.status_rank(view, status_view, period_start, period_end, track_from) AS
    CASE WHEN view = status_view AND NOT staging.before_tracking(view, period_start, track_from) THEN 1
         WHEN view = 'since_track_from' AND status_view = 'rolling_12_months'
              AND staging.days_in(period_start, period_end) BETWEEN 28 AND 365 THEN 2 END;

-- The end of the first period a pledge's status can rest on (marts.pledges.first_compared_end; status_rank's
-- first row): the period of its progress type holding track_from; for a rolling 12 months status, the day the
-- days since tracking hold four weeks (or, without that view, the end of the first window from the month holding
-- track_from); for the year to date or the days since tracking, the day itself; for a flow against a fixed
-- baseline, never one sharing days with the baseline: years ending are 12 months long whatever their end, so the
-- first clear of a baseline ending 30 Jun 2024 ends on 30 Jun 2025, not 31 Dec 2024.
CREATE OR REPLACE MACRO staging.first_compared_end(status_view, views, progress_period, track_from, baseline, measure, baseline_end) AS
    greatest(CASE WHEN status_view = 'period' THEN staging.period_end_holding(progress_period, track_from)
                  WHEN status_view <> 'rolling_12_months' THEN track_from
                  WHEN list_contains(views, 'since_track_from') THEN CAST(track_from + INTERVAL 27 DAY AS DATE)
                  ELSE CAST(staging.bucket_start('month', track_from) + INTERVAL 12 MONTH - INTERVAL 1 DAY AS DATE) END,
             CASE WHEN status_view = 'period' AND baseline = 'fixed' AND measure = 'flow'
                  THEN staging.period_end_holding(progress_period, CAST(baseline_end + CASE progress_period
                           WHEN 'month' THEN INTERVAL 1 MONTH WHEN 'quarter' THEN INTERVAL 3 MONTH ELSE INTERVAL 12 MONTH END
                       AS DATE)) END);

-- When figures newer than a series' last day (data_to: its next period) must be out.
CREATE OR REPLACE MACRO staging.newer_figures_due(ptype, data_to, lag_months, release_every) AS
    staging.due_on(staging.period_end_holding(ptype, CAST(data_to + INTERVAL 1 DAY AS DATE)), lag_months, release_every);

-- A release in words, for explanations: its file name and publication date, or, for a local file whose
-- publication date is not known (date_basis file_time: its modification time; estimated: the month its data run
-- to plus the source's usual lag), the date it is dated by, said for what it is.
CREATE OR REPLACE MACRO staging.release_words(file_name, published_on, date_basis) AS
    coalesce(file_name, 'an unnamed file')
    || CASE WHEN date_basis = 'file_time' THEN ', a local file dated ' || strftime(published_on, '%-d %b %Y')
                                               || ' by its modification time (its publication date is not in it)'
            WHEN date_basis = 'estimated' THEN ', a local file dated ' || strftime(published_on, '%-d %b %Y')
                                               || ' by estimate (the month its data run to plus the usual publication lag;'
                                               || ' its publication date is not in it)'
            ELSE ', published ' || strftime(published_on, '%-d %b %Y') END;
