"""Period arithmetic: published labels to dates (Python) and ranges, overlaps and labels (SQL macros)."""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from flows.periods import academic_year_bounds, quarter_bounds, year_ending_bounds
from warehouse.build import MARTS_DIR


@pytest.mark.parametrize("label, bounds", [
    ("2024 Q1", (date(2024, 1, 1), date(2024, 3, 31))),
    ("2024 Q4", (date(2024, 10, 1), date(2024, 12, 31))),
    (" 2023  Q3 ", (date(2023, 7, 1), date(2023, 9, 30))),
])
def test_quarter_bounds(label, bounds):
    assert quarter_bounds(label) == bounds


@pytest.mark.parametrize("label, bounds", [
    ("YE Jun 25", (date(2024, 7, 1), date(2025, 6, 30))),
    ("YE Dec 24 R", (date(2024, 1, 1), date(2024, 12, 31))),
    ("YE Mar 2025 P R", (date(2024, 4, 1), date(2025, 3, 31))),
    ("YE Feb 24", (date(2023, 3, 1), date(2024, 2, 29))),      # leap year end
])
def test_year_ending_bounds(label, bounds):
    assert year_ending_bounds(label) == bounds


def test_academic_year_bounds():
    assert academic_year_bounds("202425") == (date(2024, 8, 1), date(2025, 7, 31))
    assert academic_year_bounds("2023/24") == (date(2023, 8, 1), date(2024, 7, 31))


@pytest.mark.parametrize("bad", ["2024 Q5", "Q3", "24 Q1"])
def test_bad_quarter_labels_are_refused(bad):
    with pytest.raises(ValueError, match="not a quarter label"):
        quarter_bounds(bad)


@pytest.fixture(scope="module")
def sql():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute((MARTS_DIR / "00_periods.sql").read_text())
    yield lambda q: con.execute(q).fetchall()[0]
    con.close()


def test_overlap_days(sql):
    assert sql("SELECT staging.overlap_days(DATE '2024-07-01', DATE '2024-09-30', DATE '2024-07-05', DATE '2025-01-31')") == (88,)
    assert sql("SELECT staging.overlap_days(DATE '2025-01-01', DATE '2025-03-31', DATE '2024-07-05', DATE '2025-01-31')") == (31,)
    assert sql("SELECT staging.overlap_days(DATE '2023-01-01', DATE '2023-03-31', DATE '2024-07-05', DATE '2025-01-31')") == (0,)


def test_year_before_handles_leap_days(sql):
    assert sql("SELECT staging.year_before(DATE '2024-02-29'), staging.year_before(DATE '2025-03-01')") == (date(2023, 2, 28), date(2024, 3, 1))


def test_labels(sql):
    assert sql("SELECT staging.period_label('quarter', DATE '2024-07-01', DATE '2024-09-30'), "
               "staging.period_label('year_ending', DATE '2024-07-01', DATE '2025-06-30'), "
               "staging.period_label('academic_year', DATE '2024-08-01', DATE '2025-07-31'), "
               "staging.period_label('week', DATE '2024-01-01', DATE '2024-01-07')") == (
        "2024 Q3", "YE Jun 2025", "2024/25", "week ending 7 Jan 2024")


def test_a_window_is_named_as_one_period_of_its_series_only_when_it_is_one(sql):
    windows = [("quarter", "2024-07-01", "2024-09-30"), ("quarter", "2024-07-05", "2024-09-30"),
               ("year", "2010-01-01", "2010-12-31"), ("year", "2018-07-01", "2019-06-30"),
               ("year_ending", "2019-01-01", "2019-12-31"), ("year_ending", "2019-01-02", "2019-12-31"),
               ("academic_year", "2019-08-01", "2020-07-31"), ("month", "2024-02-01", "2024-02-29"),
               (None, "2023-07-05", "2024-01-31")]
    got = sql("SELECT " + ", ".join(f"staging.window_label({'NULL' if t is None else repr(t)}, DATE '{s}', DATE '{e}')"
                                    for t, s, e in windows))
    assert got == ("2024 Q3", "5 Jul 2024 to 30 Sep 2024", "2010", "1 Jul 2018 to 30 Jun 2019", "YE Dec 2019",
                   "2 Jan 2019 to 31 Dec 2019", "2019/20", "Feb 2024", "5 Jul 2023 to 31 Jan 2024")


def test_buckets(sql):
    assert sql("SELECT staging.bucket_start('quarter', DATE '2024-08-15'), "
               "staging.bucket_end('quarter', DATE '2024-08-15', DATE '2024-08-15'), "
               "staging.bucket_end('month', DATE '2024-02-10', DATE '2024-02-10'), "
               "staging.bucket_start('year_ending', DATE '2024-07-01'), "
               "staging.bucket_end('year_ending', DATE '2024-07-01', DATE '2025-06-30')") == (
        date(2024, 7, 1), date(2024, 9, 30), date(2024, 2, 29), date(2024, 7, 1), date(2025, 6, 30))
