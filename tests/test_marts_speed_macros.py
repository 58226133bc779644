"""Macros of warehouse/marts/00_periods.sql written for less planning give the values of their plain definitions.

DuckDB copies a macro's argument wherever the macro uses it, so nesting macros can make one expression costly to
plan; the first period's due date (due_on of period_end_holding, as marts.pledges.first_compared_end uses it) and
baseline_words are written to name each argument once. Each is checked here against
the plain definition it replaced (kept below as the reference), over every date of several years and every
period type, lag and cadence.
"""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from warehouse.build import MARTS_DIR

REFERENCE = """
CREATE MACRO ref.first_period_due(progress_period, track_from, lag_months, release_every) AS
    staging.due_on(staging.last_period_end(progress_period,
        CAST(track_from + CASE progress_period WHEN 'month' THEN INTERVAL 1 MONTH WHEN 'quarter' THEN INTERVAL 3 MONTH
                                               WHEN 'year_ending' THEN INTERVAL 6 MONTH ELSE INTERVAL 12 MONTH END
             - INTERVAL 1 DAY AS DATE)), lag_months, release_every);

CREATE MACRO ref.baseline_words(baseline, measure, level_on, window_words, target, target_date) AS CASE
    WHEN baseline = 'trajectory'
    THEN 'the line from ' || CASE WHEN measure = 'stock' THEN 'the level ' || staging.level_at(staging.level_label(level_on))
                                  ELSE window_words END
         || ' to ' || format('{:,.0f}', target) || ' on ' || strftime(target_date, '%-d %b %Y')
    WHEN measure = 'stock' THEN staging.level_label(level_on)
    ELSE window_words END;
"""

DAYS = "SELECT unnest(range(DATE '2015-01-01', DATE '2031-01-01', INTERVAL 1 DAY))::DATE AS d UNION ALL SELECT NULL"


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging; CREATE SCHEMA ref")
    con.execute((MARTS_DIR / "00_periods.sql").read_text())
    con.execute(REFERENCE)
    yield con
    con.close()


def test_first_period_due_as_the_last_period_end_of_the_first_period(con):
    rows, differing = con.execute(f"""
        SELECT count(*), count(*) FILTER (WHERE ref.first_period_due(t, d, lag, every)
                                                IS DISTINCT FROM staging.due_on(staging.period_end_holding(t, d), lag, every))
        FROM ({DAYS}),
             (SELECT unnest(['month', 'quarter', 'year', 'year_ending', 'academic_year', NULL]) AS t),
             (SELECT unnest([0, 1, 3, NULL]) AS lag),
             (SELECT unnest(['7 days', '', NULL]) AS every)""").fetchone()
    assert rows > 100_000 and differing == 0


def test_a_day_or_week_is_its_own_period_and_a_range_has_no_next(con):
    """The plain definition took a day's or a week's first period to be a year (its ELSE); a range has none."""
    day, week, rng, newer = con.execute("""
        SELECT staging.due_on(staging.period_end_holding('day', DATE '2024-07-05'), 0, '7 days'),
               staging.due_on(staging.period_end_holding('week', DATE '2024-07-05'), 0, '7 days'),
               staging.period_end_holding('range', DATE '2024-07-05'),
               staging.newer_figures_due('day', DATE '2026-01-22', 0, '7 days')""").fetchone()
    assert (day, week, rng, newer) == (date(2024, 7, 12), date(2024, 7, 18), None, date(2026, 1, 30))


def test_baseline_words_as_before(con):
    rows, differing = con.execute(f"""
        SELECT count(*), count(*) FILTER (WHERE ref.baseline_words(b, m, d, w, target, DATE '2029-12-31')
                                                IS DISTINCT FROM staging.baseline_words(b, m, d, w, target, DATE '2029-12-31'))
        FROM ({DAYS}),
             (SELECT unnest(['trajectory', 'fixed', 'same_period_year_before', NULL]) AS b),
             (SELECT unnest(['stock', 'flow', NULL]) AS m),
             (SELECT unnest(['2019', NULL]) AS w),
             (SELECT unnest([1234.5, NULL]) AS target)""").fetchone()
    assert rows > 100_000 and differing == 0


def test_the_first_period_a_status_can_rest_on(con):
    """marts.pledges.first_compared_end, by hand from the rules of staging.status_rank and 40_pledge_progress.sql: a
    quarter holding 5 Jul 2024 ends 30 Sep; a rolling status rests first on the days since 5 Jul 2024 once they hold
    four weeks (1 Aug), or without that view on the first 12 months from July 2024 (to 30 Jun 2025, as status_rank
    allows); a year ending is compared with a fixed baseline ending 30 Jun 2024 from the year ending 30 Jun 2025."""
    got = con.execute("""
        SELECT staging.first_compared_end('period', [], 'quarter', DATE '2024-07-05', 'same_period_year_before', 'flow', NULL::DATE),
               staging.first_compared_end('rolling_12_months', ['since_track_from'], 'quarter', DATE '2024-07-05',
                                          'same_period_year_before', 'flow', NULL::DATE),
               staging.first_compared_end('rolling_12_months', ['calendar_year_to_date'], 'quarter', DATE '2024-07-05',
                                          'same_period_year_before', 'flow', NULL::DATE),
               staging.first_compared_end('period', [], 'year_ending', DATE '2024-07-01', 'fixed', 'flow', DATE '2024-06-30'),
               staging.first_compared_end('period', [], 'quarter', DATE '2024-07-01', 'fixed', 'stock', DATE '2024-06-30')
        """).fetchone()
    assert got == (date(2024, 9, 30), date(2024, 8, 1), date(2025, 6, 30), date(2025, 6, 30), date(2024, 9, 30))
    # and status_rank takes that rolling window (it starts on 1 Jul 2024) but not the one before it
    assert con.execute("""SELECT staging.status_rank('rolling_12_months', 'rolling_12_months', DATE '2024-07-01',
                                                     DATE '2025-06-30', DATE '2024-07-05'),
                                 staging.status_rank('rolling_12_months', 'rolling_12_months', DATE '2024-06-01',
                                                     DATE '2025-05-31', DATE '2024-07-05')""").fetchone() == (1, None)
