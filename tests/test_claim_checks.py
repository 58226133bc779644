"""Claim checks and pledge progress: the SQL in warehouse/marts/ over small, hand-made observations.

Each test writes a register, fills marts.metric_observations with known values from known
releases, runs the derived-table SQL and compares with figures worked out by hand.
"""
from __future__ import annotations

import textwrap
from datetime import date

import duckdb
import pytest

from warehouse import db
from warehouse.build import MARTS_DIR, build_metric_views
from warehouse.register import write_register

RELEASES = {  # release id -> publication date
    "q/2024-11-28": date(2024, 11, 28),
    "q/2025-02-27": date(2025, 2, 27),
    "q/2025-05-22": date(2025, 5, 22),
}
QUARTERS = {"Q1": ("01-01", "03-31"), "Q2": ("04-01", "06-30"), "Q3": ("07-01", "09-30"), "Q4": ("10-01", "12-31")}


def quarter(label: str) -> tuple[date, date]:
    year, q = label.split()
    start, end = QUARTERS[q]
    return date.fromisoformat(f"{year}-{start}"), date.fromisoformat(f"{year}-{end}")


@pytest.fixture
def derive(tmp_path, monkeypatch):
    """Returns run(register_toml, observations) -> connection with marts built."""
    def run(register: str, observations: list[tuple], stocks: tuple[str, ...] = ()) -> duckdb.DuckDBPyConnection:
        path = tmp_path / "register.toml"
        path.write_text(textwrap.dedent(register))
        monkeypatch.setenv("PLEDGES_REGISTER", str(path))
        con = duckdb.connect()
        db.ensure_meta(con)
        build_metric_views(con)
        for metric in stocks:   # hand-made stock metrics (levels, never summed)
            con.execute("INSERT INTO marts.metrics (metric_id, unit, period_type, measure) VALUES (?, 'people', 'month', 'stock')", [metric])
        for release_id, published in RELEASES.items():
            con.execute("INSERT INTO meta.releases VALUES (?, 'q', 't', 'p', ?, 'f.xlsx', ?, 'sha', 1, ?, ?, 1, 'loaded', NULL, NULL)",
                        [release_id, "u/" + release_id, published, published, published])
        con.execute("CREATE TABLE marts.metric_observations (metric_id VARCHAR, period_type VARCHAR, period_start DATE, "
                    "period_end DATE, value DOUBLE, unit VARCHAR, release_id VARCHAR, published_on DATE, is_latest BOOLEAN)")
        for metric, ptype, start, end, value, release_id in observations:
            con.execute("INSERT INTO marts.metric_observations VALUES (?, ?, ?, ?, ?, 'people', ?, ?, FALSE)",
                        [metric, ptype, start, end, value, release_id, RELEASES[release_id]])
        write_register(con)
        for sql_file in sorted(MARTS_DIR.glob("*.sql")):
            if not sql_file.name.startswith(("10_", "20_")):   # keep the hand-made observations
                con.execute(sql_file.read_text())
        return con
    return run


def quarterly(metric: str, values: dict[str, float], release_id: str) -> list[tuple]:
    return [(metric, "quarter", *quarter(label), value, release_id) for label, value in values.items()]


CLAIM = """
planned_metrics = ["returns_q", "ye_net", "yearly", "nothing_yet"]
[[entry]]
id = "seven_months"
type = "claim"
statement = "A"
said_by = "Minister"
said_on = 2025-02-01
quote = "19,000 returned in seven months"
kind = "quantitative"
metric = "returns_q"
check = "total"
claimed_value = 19000
claim_start = 2024-07-05
claim_end = 2025-01-31
tolerance = 0.05
"""


def one(con, sql, params=None):
    result = con.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return dict(zip(names, result.fetchone()))


def test_total_over_a_seven_month_claim_uses_whole_quarters_and_reports_coverage(derive):
    observations = (quarterly("returns_q", {"2024 Q3": 8700}, "q/2024-11-28")
                    + quarterly("returns_q", {"2024 Q3": 8800, "2024 Q4": 7900}, "q/2025-02-27")
                    + quarterly("returns_q", {"2024 Q3": 9000, "2024 Q4": 8000, "2025 Q1": 7000}, "q/2025-05-22"))
    con = derive(CLAIM, observations)
    row = one(con, "SELECT * FROM marts.claim_checks")
    # Q3 has 88 of its 92 days in the claim, Q4 all 92, 2025 Q1 only 31 of 90: Q3 + Q4 = 180 of 211 days.
    assert row["official_periods"] == "2024 Q3–2024 Q4"
    assert (row["official_value"], row["covered_days"], row["claimed_days"], row["extra_days"]) == (17000, 180, 211, 4)
    assert row["verdict"] == "overstated"
    assert "17,000 against 19,000 claimed (+11.8%)" in row["explanation"]
    assert "180 of the 211 claimed days, plus 4 days outside the claim" in row["explanation"]
    assert row["release_id"] == "q/2025-05-22"
    # When the claim was made (1 Feb 2025) only the November release existed: 88 of 211 days.
    assert row["when_made_verdict"] == "not yet published" and row["when_made_official_value"] == 8700
    # As published by 1 March 2025: the February release's revised figures.
    as_of = one(con, "SELECT * FROM marts.claim_checks_as_of(DATE '2025-03-01')")
    assert as_of["official_value"] == 16700 and as_of["release_id"] == "q/2025-02-27"


def test_pct_change_against_the_same_period_a_year_before(derive):
    register = CLAIM.replace('check = "total"', 'check = "pct_change"').replace("claimed_value = 19000", "claimed_value = 24") \
                    .replace("tolerance = 0.05", "tolerance = 3")
    observations = quarterly("returns_q", {"2023 Q3": 7000, "2023 Q4": 6700, "2024 Q3": 9000, "2024 Q4": 8000}, "q/2025-05-22")
    row = one(derive(register, observations), "SELECT * FROM marts.claim_checks")
    assert row["comparison_value"] == 13700
    assert row["official_measure"] == pytest.approx(24.1)
    assert row["verdict"] == "consistent"
    assert "+24.1% against +24% claimed" in row["explanation"]


def test_highest_since_finds_a_higher_run(derive):
    register = CLAIM.replace('check = "total"', 'check = "highest_since"').replace("claimed_value = 19000", "since = 2018-01-01")
    values = {"2022 Q1": 9500, "2022 Q2": 9000, "2023 Q1": 3000, "2024 Q3": 9000, "2024 Q4": 8000}
    row = one(derive(register, quarterly("returns_q", values, "q/2025-05-22")), "SELECT * FROM marts.claim_checks")
    assert row["verdict"] == "overstated"
    assert "higher in 2022 Q1–2022 Q2 (18,500)" in row["explanation"]
    lower = quarterly("returns_q", {**values, "2022 Q1": 500}, "q/2025-05-22")
    assert one(derive(register, lower), "SELECT verdict FROM marts.claim_checks")["verdict"] == "consistent"


def test_ratio_uses_exact_year_ending_periods_only(derive):
    register = CLAIM.replace('metric = "returns_q"', 'metric = "ye_net"').replace('check = "total"', 'check = "ratio"') \
                    .replace("claimed_value = 19000", "claimed_value = 3\nbase_start = 2019-01-01\nbase_end = 2019-12-31") \
                    .replace("claim_start = 2024-07-05", "claim_start = 2023-01-01").replace("claim_end = 2025-01-31", "claim_end = 2023-12-31")
    observations = [("ye_net", "year_ending", date(2019, 1, 1), date(2019, 12, 31), 200000, "q/2025-05-22"),
                    ("ye_net", "year_ending", date(2018, 10, 1), date(2019, 9, 30), 210000, "q/2025-05-22"),
                    ("ye_net", "year_ending", date(2023, 1, 1), date(2023, 12, 31), 700000, "q/2025-05-22"),
                    ("ye_net", "year_ending", date(2023, 4, 1), date(2024, 3, 31), 650000, "q/2025-05-22")]
    row = one(derive(register, observations), "SELECT * FROM marts.claim_checks")
    assert (row["official_value"], row["comparison_value"], row["official_measure"]) == (700000, 200000, 3.5)
    assert row["verdict"] == "consistent" and row["official_periods"] == "YE Dec 2023"


def test_claims_without_data_or_measure_say_so(derive):
    register = CLAIM.replace('metric = "returns_q"', 'metric = "nothing_yet"') + """
[[entry]]
id = "cost"
type = "claim"
statement = "A"
said_by = "Minister"
said_on = 2025-02-01
quote = "700m for four volunteers"
kind = "qualitative"
status = "fact with sources"
status_on = 2025-02-01
"""
    con = derive(register, quarterly("returns_q", {"2024 Q3": 1}, "q/2025-05-22"))
    rows = dict(con.execute("SELECT claim_id, verdict FROM marts.claim_checks").fetchall())
    assert rows == {"seven_months": "not yet published", "cost": "not measurable"}
    status = dict(con.execute("SELECT pledge_id, status FROM marts.pledge_status").fetchall())
    assert status == {"seven_months": "not yet published", "cost": "not measurable"}


PLEDGE = """
planned_metrics = ["hotels"]
[[entry]]
id = "end_hotels"
type = "pledge"
statement = "A"
said_by = "Government"
said_on = 2024-07-05
quote = "end asylum hotels"
kind = "quantitative"
metric = "hotels"
direction = "down"
target = 0
progress_period = "quarter"
baseline = "fixed"
baseline_start = 2024-04-01
baseline_end = 2024-06-30
track_from = 2024-07-01
"""


def test_pledge_progress_status_rule_and_vintages(derive):
    observations = (quarterly("hotels", {"2024 Q2": 30000, "2024 Q3": 35000}, "q/2024-11-28")
                    + quarterly("hotels", {"2024 Q2": 30000, "2024 Q3": 29000, "2024 Q4": 0}, "q/2025-05-22"))
    con = derive(PLEDGE, observations)
    latest = con.execute("SELECT period_label, value, baseline_value, change_pct, status FROM marts.pledge_progress "
                         "WHERE is_latest_vintage ORDER BY period_start").fetchall()
    assert latest == [("2024 Q3", 29000, 30000, -3.3, "on track"), ("2024 Q4", 0, 30000, -100.0, "met")]
    then = con.execute("SELECT period_label, value, status FROM marts.pledge_progress_as_of(DATE '2025-01-01')").fetchall()
    assert then == [("2024 Q3", 35000, "off track")]
    status = one(con, "SELECT * FROM marts.pledge_status_as_of(DATE '2025-01-01')")
    assert status["status"] == "off track" and status["release_id"] == "q/2024-11-28"


def test_pledge_without_baseline_data_is_awaiting_data(derive):
    con = derive(PLEDGE, quarterly("hotels", {"2024 Q3": 35000}, "q/2025-05-22"))
    assert con.execute("SELECT status, baseline_value FROM marts.pledge_progress").fetchall() == [("awaiting data", None)]


def test_claim_checked_against_the_ad_hoc_note_until_official_statistics_cover_it(derive):
    register = CLAIM.replace('planned_metrics = ["returns_q"', 'planned_metrics = ["note_returns", "returns_q"') \
                    .replace('metric = "returns_q"', 'metric = "returns_q"\nnote_metric = "note_returns"')
    note = [("note_returns", "range", date(2024, 7, 5), date(2025, 1, 31), 18987, "q/2025-02-27"),
            ("note_returns", "range", date(2024, 7, 5), date(2024, 10, 31), 11000, "q/2024-11-28"),   # an earlier note
            ("note_returns", "range", date(2023, 7, 5), date(2024, 1, 31), 16126, "q/2025-02-27")]
    official_q3 = quarterly("returns_q", {"2024 Q3": 8700}, "q/2024-11-28")
    row = one(derive(register, note + official_q3), "SELECT * FROM marts.claim_checks")
    assert (row["official_verdict"], row["note_verdict"], row["verdict"]) == ("not yet published", "consistent", "consistent")
    assert row["note_value"] == 18987                      # exactly the claimed range, never the earlier note's
    assert row["verdict_source"] == "ad-hoc note, release q/2025-02-27"
    official_all = official_q3 + quarterly("returns_q", {"2024 Q3": 9000, "2024 Q4": 8000}, "q/2025-05-22")
    row = one(derive(register, note + official_all), "SELECT * FROM marts.claim_checks")
    assert (row["official_verdict"], row["verdict"]) == ("overstated", "overstated")
    assert row["verdict_source"] == "official statistics, release q/2025-05-22"
    assert "Ad-hoc note: The note's note_returns for 5 Jul 2024 to 31 Jan 2025" in row["explanation"]


def test_stock_pledges_take_the_last_level_not_a_sum(derive):
    months = {(2024, 4): 31000, (2024, 5): 30500, (2024, 6): 30000, (2024, 7): 29000, (2024, 8): 28000}
    observations = [("hotels", "month", date(y, m, 1), date(y, m, 28 if m == 2 else 30 if m in (4, 6, 9, 11) else 31), v, "q/2025-05-22")
                    for (y, m), v in months.items()]
    con = derive(PLEDGE, observations, stocks=("hotels",))
    rows = con.execute("SELECT period_label, complete, value, baseline_value, status FROM marts.pledge_progress").fetchall()
    # 2024 Q3 has July and August only: the level at the end of August; the baseline is the level at the end of June
    assert rows == [("2024 Q3", False, 28000, 30000, "on track")]
