"""Claim checks and pledge progress: the SQL in warehouse/marts/ over small, hand-made observations.

Each test writes a register, fills marts.metric_observations with known values from known
releases, runs the derived-table SQL and compares with figures worked out by hand.
"""
from __future__ import annotations

import textwrap
from datetime import date, timedelta

import duckdb
import pytest

from warehouse import db
from warehouse.build import MARTS_DIR, build_from_values, build_metric_views
from warehouse.register import write_register
from flows.catalog import definitions

RELEASES = {  # release id -> publication date
    "q/2024-11-28": date(2024, 11, 28),
    "q/2025-02-27": date(2025, 2, 27),
    "q/2025-05-22": date(2025, 5, 22),
    "q/2025-07-04": date(2025, 7, 4),
    "q/2025-07-11": date(2025, 7, 11),
    "q/2025-08-14": date(2025, 8, 14),
    "q/2025-11-20": date(2025, 11, 20),
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
        build_metric_views(con, definitions())
        for metric in stocks:   # hand-made stock metrics (levels, never summed)
            con.execute("INSERT INTO marts.metrics (metric_id, unit, period_type, measure) VALUES (?, 'people', 'month', 'stock')", [metric])
        for release_id, published in RELEASES.items():
            con.execute("INSERT INTO meta.releases (release_id, source_id, title, landing_page, file_url, file_name, "
                        "published_on, sha256, bytes, fetched_at, loaded_at, rows, status) "
                        "VALUES (?, 'q', 't', 'p', ?, ?, ?, 'sha', 1, ?, ?, 1, 'loaded')",
                        [release_id, "u/" + release_id, release_id.replace("/", "_") + ".xlsx", published, published, published])
        # every value of each release, as the raw tables would give them (stored as changes by the build)
        con.execute("CREATE TEMP TABLE hand_made (metric_id VARCHAR, period_type VARCHAR, period_start DATE, "
                    "period_end DATE, value DOUBLE, unit VARCHAR, release_id VARCHAR)")
        for metric, ptype, start, end, value, release_id in observations:
            con.execute("INSERT INTO temp.hand_made VALUES (?, ?, ?, ?, ?, 'people', ?)",
                        [metric, ptype, start, end, value, release_id])
        write_register(con, [m.id for m in definitions().metrics])
        build_from_values(con, "temp.hand_made")
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
    # Compared as daily rates, never a 211-day claim against a 184-day total: 17,000 / 184 = 92.4 a day
    # against 19,000 / 211 = 90.0 a day, 2.6% below: consistent within 5%.
    assert row["compared_as"] == "daily rate"
    assert row["official_rate"] == pytest.approx(17000 / 184) and row["claimed_rate"] == pytest.approx(19000 / 211)
    assert row["verdict"] == "consistent"
    assert ": 17,000, 92.4 a day over 184 days, against 19,000 over the 211 claimed days, 90.0 a day" in row["explanation"]
    assert "(180 of the 211 claimed days, plus 4 days outside the claim)" in row["explanation"]
    assert "q_2025-05-22.xlsx, published 22 May 2025" in row["explanation"]
    assert row["release_id"] == "q/2025-05-22"
    # When the claim was made (1 Feb 2025) only the November release existed: 88 of 211 days.
    assert row["when_made_verdict"] == "not yet published" and row["when_made_official_value"] == 8700
    # As published by 1 March 2025: the February release's revised figures.
    as_of = one(con, "SELECT * FROM marts.claim_checks_as_of(DATE '2025-03-01')")
    assert as_of["official_value"] == 16700 and as_of["release_id"] == "q/2025-02-27"


def test_a_total_off_by_more_than_the_tolerance_as_a_daily_rate_is_overstated(derive):
    # 15,000 over 184 days is 81.5 a day; 19,000 over 211 days is 90.0 a day: 10.5% above
    row = one(derive(CLAIM, quarterly("returns_q", {"2024 Q3": 8000, "2024 Q4": 7000}, "q/2025-05-22")),
              "SELECT * FROM marts.claim_checks")
    assert row["verdict"] == "overstated"
    assert "the claimed rate is +10.5% off" in row["explanation"]


def test_a_total_over_exactly_the_official_periods_is_compared_as_a_total(derive):
    register = CLAIM.replace("claim_start = 2024-07-05", "claim_start = 2024-07-01").replace("claim_end = 2025-01-31", "claim_end = 2024-12-31")
    row = one(derive(register, quarterly("returns_q", {"2024 Q3": 9000, "2024 Q4": 8000}, "q/2025-05-22")),
              "SELECT * FROM marts.claim_checks")
    assert (row["compared_as"], row["verdict"]) == ("as published", "overstated")
    assert ": 17,000 against 19,000 claimed (the claim is +11.8% off)" in row["explanation"]


def test_a_change_before_the_claims_second_quarter_is_out_sets_one_quarter_against_one(derive):
    """A release with 2023 Q3, 2023 Q4 and 2024 Q3 only (2024 Q4 not yet out), for a claim over 5 Jul 2024 to 31 Jan
    2025: the change is 2024 Q3 against 2023 Q3 (9,000 / 7,000: +28.6%), the same quarter a year before, never one
    quarter against two (9,000 / 13,700: -34.3%, shown beside a "consistent" verdict in audit 10)."""
    register = CLAIM.replace('check = "total"', 'check = "pct_change"').replace("claimed_value = 19000", "claimed_value = 24") \
                    .replace("tolerance = 0.05", "tolerance = 3")
    observations = quarterly("returns_q", {"2023 Q3": 7000, "2023 Q4": 6700, "2024 Q3": 9000}, "q/2024-11-28")
    con = derive(register, observations)
    row = one(con, "SELECT * FROM marts.claim_checks")
    assert (row["official_periods"], row["comparison_periods"]) == ("2024 Q3", "2023 Q3")
    assert (row["official_value"], row["comparison_value"]) == (9000, 7000)
    assert row["official_measure"] == pytest.approx(round(100 * (9000 - 7000) / 7000, 1))
    assert row["verdict"] == "not yet published"        # 88 of the 211 claimed days: too few to judge


def test_the_same_months_a_year_before_include_february_of_a_leap_year(derive):
    """Monthly figures for a claim over Jan-Feb 2025: set against Jan-Feb 2024, 29 February and all (248 against 200:
    +24.0%). Row 200's first rule matched a year-before period by its exact dates, dropped Feb 2024 (it ends on the
    29th) and gave "248 against 100: +148.0%" (audit 11)."""
    register = CLAIM.replace('check = "total"', 'check = "pct_change"').replace("claimed_value = 19000", "claimed_value = 24") \
                    .replace("tolerance = 0.05", "tolerance = 3").replace("claim_start = 2024-07-05", "claim_start = 2025-01-01") \
                    .replace("claim_end = 2025-01-31", "claim_end = 2025-02-28")
    months = {(2024, 1): 100, (2024, 2): 100, (2025, 1): 124, (2025, 2): 124}
    observations = [("returns_q", "month", date(y, m, 1), date(y, m + 1, 1) - timedelta(days=1), v, "q/2025-05-22")
                    for (y, m), v in months.items()]
    row = one(derive(register, observations), "SELECT * FROM marts.claim_checks")
    assert (row["official_value"], row["comparison_value"]) == (248, 200)
    assert row["official_measure"] == pytest.approx(24.0) and row["verdict"] == "consistent"


def test_pct_change_against_the_same_period_a_year_before(derive):
    register = CLAIM.replace('check = "total"', 'check = "pct_change"').replace("claimed_value = 19000", "claimed_value = 24") \
                    .replace("tolerance = 0.05", "tolerance = 3")
    observations = quarterly("returns_q", {"2023 Q3": 7000, "2023 Q4": 6700, "2024 Q3": 9000, "2024 Q4": 8000}, "q/2025-05-22")
    con = derive(register, observations)
    row = one(con, "SELECT * FROM marts.claim_checks")
    assert row["comparison_value"] == 13700
    assert row["official_measure"] == pytest.approx(24.1)
    assert row["verdict"] == "consistent"
    assert "+24.1% against +24% claimed" in row["explanation"]

    # pledge_status gives the figures in their unit, the periods compared by name, and the measure beside them
    status = one(con, "SELECT * FROM marts.pledge_status")
    assert (status["period_label"], status["value"], status["baseline_label"], status["baseline_value"]) == \
        (row["official_periods"], 17000, row["comparison_periods"], 13700)
    assert row["comparison_periods"] and row["comparison_periods"] != row["official_periods"]
    assert (status["change"], status["change_pct"], status["official_measure"], status["measure_unit"]) == \
        (3300, pytest.approx(24.1), pytest.approx(24.1), "% change")
    # the report's card and claims table, and `pledges status`, say the same in words
    from flows import readmodel
    from flows.cli_output import table_cell
    from flows.report_cards import card_figures, render_claims_table
    [card] = readmodel.register_cards(con)
    assert dict(card_figures(card))["Official"] == "+24.1% (17,000 against 13,700 a year before)"
    assert dict(card_figures(card))["Claimed"] == "+24%"
    assert "<td>+24.1% (17,000 against 13,700 a year before)</td>" in render_claims_table(readmodel.claim_checks(con))
    [listed] = readmodel.pledge_status_as_of(con, date(2026, 1, 1))
    assert table_cell(listed, "claimed_value", 60) == "+24%" and table_cell(listed, "value", 60) == "17,000"


def test_highest_since_finds_a_higher_run(derive):
    register = CLAIM.replace('check = "total"', 'check = "highest_since"').replace("claimed_value = 19000", "since = 2018-01-01")
    every = {f"{y} Q{q}": 3000 for y in range(2018, 2025) for q in range(1, 5)}      # every quarter since the start
    values = {**every, "2022 Q1": 9500, "2022 Q2": 9000, "2024 Q3": 9000, "2024 Q4": 8000}
    row = one(derive(register, quarterly("returns_q", values, "q/2025-05-22")), "SELECT * FROM marts.claim_checks")
    assert row["verdict"] == "overstated"
    assert "higher in 2022 Q1–2022 Q2 (18,500)" in row["explanation"]
    # the run it is set against is in the columns, not only in the sentence
    assert (row["comparison_value"], row["comparison_periods"]) == (18500, "2022 Q1–2022 Q2")
    lower = quarterly("returns_q", {**values, "2022 Q1": 500}, "q/2025-05-22")
    row = one(derive(register, lower), "SELECT * FROM marts.claim_checks")
    # the next highest earlier run: 2022 Q2-Q3, 12,000; 2024 Q2-Q3 (also 12,000) shares 2024 Q3 with the claimed run
    # and is no earlier run (audit 10: "next highest: 2024 Q2–2024 Q3")
    assert row["verdict"] == "consistent" and row["comparison_value"] == 9000 + 3000
    # "earlier": a later run in the same release may be higher, and is not what the claim said (audit 27 F1)
    assert "higher than any earlier run of as many periods since Jan 2018 (the highest before it: 2022 Q2–2022 Q3, 12,000)" \
        in row["explanation"]
    # a claim over one quarter is set against single quarters, each named once (it read "2022 Q1–2022 Q1")
    one_quarter = register.replace("claim_end = 2025-01-31", "claim_end = 2024-09-30")
    row = one(derive(one_quarter, quarterly("returns_q", values, "q/2025-05-22")), "SELECT * FROM marts.claim_checks")
    assert (row["verdict"], row["comparison_value"], row["comparison_periods"]) == ("overstated", 9500, "2022 Q1")


def test_highest_since_needs_consecutive_periods_back_to_its_start(derive):
    """Runs are consecutive periods: with 2024 Q1-Q2 missing, 2023 Q4 and 2024 Q3 are no run (before: 'higher in
    2023 Q4–2024 Q3'). Figures that start after `since` cannot show the claimed run is the highest since then
    (before: consistent, 'the highest of any run since Jan 2018', from figures starting in 2022)."""
    register = CLAIM.replace('check = "total"', 'check = "highest_since"').replace("claimed_value = 19000", "since = 2018-01-01")
    every = {f"{y} Q{q}": 3000 for y in range(2018, 2025) for q in range(1, 5)}
    gap = {k: v for k, v in {**every, "2023 Q4": 11500 - 4000, "2024 Q3": 4000, "2024 Q4": 5000}.items()
           if k not in ("2024 Q1", "2024 Q2")}
    row = one(derive(register, quarterly("returns_q", gap, "q/2025-05-22")), "SELECT * FROM marts.claim_checks")
    # the claimed run (2024 Q3-Q4) 9,000; the real runs before it: at most 2023 Q3-Q4, 3,000 + 7,500 = 10,500
    assert row["verdict"] == "overstated" and row["comparison_value"] == 10500, row["explanation"]
    assert "2023 Q4–2024 Q3" not in row["explanation"]
    late = {k: v for k, v in every.items() if k >= "2022"} | {"2024 Q3": 9000, "2024 Q4": 8000}
    row = one(derive(register, quarterly("returns_q", late, "q/2025-05-22")), "SELECT * FROM marts.claim_checks")
    assert row["verdict"] != "consistent"
    assert "the loaded figures start on 1 Jan 2022, so the runs since Jan 2018 cannot all be compared" in row["explanation"]


def test_a_claim_is_judged_on_the_unrounded_figure(derive):
    """+20.96% is 3.04 points short of a claimed +24% (tolerance 3): overstated, shown with the decimals that say so
    (before: rounded to +21.0% first, then judged consistent). A base of zero gives no percentage change: 'not
    measurable', not 'not loaded here' (before: NULL measure, then 'not yet published', then 'not loaded here')."""
    register = CLAIM.replace('check = "total"', 'check = "pct_change"').replace("claimed_value = 19000", "claimed_value = 24") \
                    .replace("tolerance = 0.05", "tolerance = 3")
    quarters = {"2023 Q3": 5000, "2023 Q4": 5000, "2024 Q3": 6048, "2024 Q4": 6048}      # 12,096 against 10,000
    row = one(derive(register, quarterly("returns_q", quarters, "q/2025-05-22")), "SELECT * FROM marts.claim_checks")
    assert (row["verdict"], row["official_measure"]) == ("overstated", pytest.approx(20.96))
    assert "+20.96% against +24% claimed" in row["explanation"]
    zero = {**quarters, "2023 Q3": 0, "2023 Q4": 0}
    row = one(derive(register, quarterly("returns_q", zero, "q/2025-05-22")), "SELECT * FROM marts.claim_checks")
    assert row["verdict"] == "not measurable" and row["official_measure"] is None, (row["verdict"], row["comparison_value"], row["explanation"])
    assert "no percentage change can be computed from zero" in row["explanation"] and "not loaded here" not in row["explanation"]


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
    assert "3.50 times against more than 3 times claimed" in row["explanation"]
    # 599,000 against 200,000 is 2.995 times: it did not treble, though two decimals would say 3.00 (before: consistent)
    short = [o if o[3] != date(2023, 12, 31) else (*o[:4], 599000, o[5]) for o in observations]
    row = one(derive(register, short), "SELECT * FROM marts.claim_checks")
    assert (row["verdict"], row["official_measure"]) == ("overstated", pytest.approx(2.995))
    assert "2.995 times against more than 3 times claimed" in row["explanation"]
    # exactly three times is not "more than trebled" (before: consistent, worded "at least 3 times claimed"; audit 27)
    exact = [o if o[3] != date(2023, 12, 31) else (*o[:4], 600000, o[5]) for o in observations]
    row = one(derive(register, exact), "SELECT * FROM marts.claim_checks")
    assert (row["verdict"], row["official_measure"]) == ("overstated", 3.0)


def test_ratio_without_the_base_year_uses_the_earliest_period_and_says_so(derive):
    register = CLAIM.replace('metric = "returns_q"', 'metric = "ye_net"').replace('check = "total"', 'check = "ratio"') \
                    .replace("claimed_value = 19000", "claimed_value = 3\nbase_start = 2019-01-01\nbase_end = 2019-12-31") \
                    .replace("claim_start = 2024-07-05", "claim_start = 2023-01-01").replace("claim_end = 2025-01-31", "claim_end = 2023-12-31")
    observations = [("ye_net", "year_ending", date(2020, 1, 1), date(2020, 12, 31), 100000, "q/2025-05-22"),
                    ("ye_net", "year_ending", date(2021, 1, 1), date(2021, 12, 31), 150000, "q/2025-05-22"),
                    ("ye_net", "year_ending", date(2023, 1, 1), date(2023, 12, 31), 700000, "q/2025-05-22")]
    row = one(derive(register, observations), "SELECT * FROM marts.claim_checks")
    assert (row["comparison_value"], row["official_measure"], row["verdict"]) == (100000, 7.0, "consistent")
    assert "100,000 for YE Dec 2020 (the edition's earliest comparable period: it has no figure for the base year)" in row["explanation"]


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
status = "not measurable"
status_on = 2025-02-01
method = "No series."
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
direction_from = "promised"
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


def test_the_verdict_rests_on_the_ministers_note_and_official_statistics_corroborate_by_rate(derive):
    register = CLAIM.replace('planned_metrics = ["returns_q"', 'planned_metrics = ["note_returns", "returns_q"') \
                    .replace('metric = "returns_q"', 'metric = "returns_q"\nnote_metric = "note_returns"')
    note = [("note_returns", "range", date(2024, 7, 5), date(2025, 1, 31), 18987, "q/2025-02-27"),
            ("note_returns", "range", date(2024, 7, 5), date(2024, 10, 31), 11000, "q/2024-11-28"),   # an earlier note
            ("note_returns", "range", date(2023, 7, 5), date(2024, 1, 31), 16126, "q/2025-02-27")]
    official_q3 = quarterly("returns_q", {"2024 Q3": 8700}, "q/2024-11-28")
    row = one(derive(register, note + official_q3), "SELECT * FROM marts.claim_checks")
    assert (row["official_verdict"], row["note_verdict"], row["verdict"]) == ("not yet published", "consistent", "consistent")
    assert row["note_value"] == 18987                      # exactly the claimed range, never the earlier note's
    assert row["verdict_source"] == "Home Office ad-hoc note, release q/2025-02-27"
    assert "the Home Office's ad-hoc note gives" in row["explanation"] and "do not yet cover the claim" in row["explanation"]
    # once the quarters are out: still the note (exactly the claimed days), the official daily rate corroborating
    official_all = official_q3 + quarterly("returns_q", {"2024 Q3": 9000, "2024 Q4": 8000}, "q/2025-05-22")
    row = one(derive(register, note + official_all), "SELECT * FROM marts.claim_checks")
    assert (row["official_verdict"], row["note_verdict"], row["verdict"]) == ("consistent", "consistent", "consistent")
    assert row["verdict_source"] == "Home Office ad-hoc note, release q/2025-02-27"
    assert "Official statistics corroborate: " in row["explanation"] and "92.4 a day" in row["explanation"]
    # a note that differs from the quarters is still the basis, and the difference is said
    low = official_q3 + quarterly("returns_q", {"2024 Q3": 7000, "2024 Q4": 7000}, "q/2025-05-22")
    row = one(derive(register, note + low), "SELECT * FROM marts.claim_checks")
    assert (row["official_verdict"], row["verdict"]) == ("overstated", "consistent")
    assert "Official statistics differ (overstated)" in row["explanation"]
    # the figures beside the verdict are the note's, the basis it rests on; the quarters' own are statistics_*
    # (audit 10: the card read "Claimed 19,000 · Official 14,000 · 2024 Q3–2024 Q4" under "consistent")
    assert (row["official_value"], row["official_periods"], row["covered_days"], row["claimed_days"]) == \
        (18987, "5 Jul 2024 to 31 Jan 2025", 211, 211)
    assert (row["statistics_value"], row["statistics_periods"]) == (14000, "2024 Q3–2024 Q4")
    status = one(derive(register, note + low), "SELECT value, period_label FROM marts.pledge_status")
    assert (status["value"], status["period_label"]) == (18987, "5 Jul 2024 to 31 Jan 2025")


PARTS = """
planned_metrics = ["visits", "arrests"]
[[entry]]
id = "raids"
type = "claim"
statement = "A"
said_by = "Minister"
said_on = 2025-02-14
quote = "raids and arrests up 38 per cent"
kind = "quantitative"
metric = "arrests"
parts = [ { label = "arrests", metric = "arrests" }, { label = "visits", metric = "visits" } ]
combine = "all"
check = "pct_change"
claimed_value = 38
claim_start = 2024-07-01
claim_end = 2024-12-31
tolerance = 3
"""


def test_a_claim_on_two_measures_is_consistent_only_when_both_are(derive):
    both = (quarterly("arrests", {"2023 Q3": 1000, "2023 Q4": 1000, "2024 Q3": 1380, "2024 Q4": 1380}, "q/2025-05-22")
            + quarterly("visits", {"2023 Q3": 2000, "2023 Q4": 2000, "2024 Q3": 2760, "2024 Q4": 2740}, "q/2025-05-22"))
    row = one(derive(PARTS, both), "SELECT * FROM marts.claim_checks")
    assert row["verdict"] == "consistent"
    assert [(p["part"], p["verdict"], p["official_measure"]) for p in row["part_verdicts"]] == \
        [("arrests", "consistent", 38.0), ("visits", "consistent", 37.5)]
    assert "Arrests: " in row["explanation"] and "Visits: " in row["explanation"] and "+37.5%" in row["explanation"]
    visits_flat = [o for o in both if o[0] == "arrests"] + quarterly(
        "visits", {"2023 Q3": 2000, "2023 Q4": 2000, "2024 Q3": 2200, "2024 Q4": 2200}, "q/2025-05-22")
    row = one(derive(PARTS, visits_flat), "SELECT * FROM marts.claim_checks")
    assert row["verdict"] == "overstated" and "+10.0% against +38% claimed" in row["explanation"]
    # "any": some measures bear it out and others do not
    row = one(derive(PARTS.replace('combine = "all"', 'combine = "any"'), visits_flat), "SELECT * FROM marts.claim_checks")
    assert row["verdict"] == "partly consistent"
    # said in words a reader can read: measures named by a noun take "for" (it read "borne out arrests, not visits")
    assert row["explanation"].endswith(" Partly consistent: borne out for arrests, not for visits.")


def test_fall_needs_the_threshold_from_each_base(derive):
    register = PARTS.replace('planned_metrics = ["visits", "arrests"]', 'planned_metrics = ["convictions"]') \
        .replace('metric = "arrests"\nparts', 'metric = "convictions"\nparts') \
        .replace('{ label = "arrests", metric = "arrests" }, { label = "visits", metric = "visits" }',
                 '{ label = "from 2010", metric = "convictions", base_start = 2010-01-01, base_end = 2010-12-31 }, '
                 '{ label = "from 2019", metric = "convictions", base_start = 2019-01-01, base_end = 2019-12-31 }') \
        .replace('combine = "all"', 'combine = "any"').replace('check = "pct_change"', 'check = "fall"') \
        .replace("claimed_value = 38", "claimed_value = 25").replace("claim_start = 2024-07-01", "claim_start = 2022-01-01") \
        .replace("claim_end = 2024-12-31", "claim_end = 2022-12-31")
    yearly = [("convictions", "year", date(y, 1, 1), date(y, 12, 31), v, "q/2025-05-22")
              for y, v in {2010: 200, 2019: 120, 2022: 100}.items()]
    row = one(derive(register, yearly), "SELECT * FROM marts.claim_checks")
    # -50% from 2010 is a plummet; -16.7% from 2019 is not
    assert [(p["verdict"], p["official_measure"]) for p in row["part_verdicts"]] == [("consistent", -50.0), ("overstated", -16.7)]
    assert row["verdict"] == "partly consistent"
    assert "(a plummet needs a fall of at least 25%)" in row["explanation"]
    assert row["explanation"].endswith(" Partly consistent: borne out from 2010, not from 2019.")
    # no figures yet for either base, for one reason: said once, not once per base
    row = one(derive(register, []), "SELECT * FROM marts.claim_checks")
    assert row["verdict"] == "not yet published"
    assert row["explanation"].startswith("No official figures for convictions are loaded for 1 Jan 2022 to 31 Dec 2022.")
    assert "From 2010" not in row["explanation"] and row["explanation"].count("No official figures") == 1


def test_a_base_the_series_cannot_give_whole_is_not_measurable_from_it(derive):
    """smuggling_convictions is set against 2010 and the year ending June 2019, on the MoJ's calendar years. With 2010,
    2018, 2019 and 2022 loaded: from 2010, 170 against 300 (-43.3%), consistent; the year ending June 2019 no
    calendar year gives, so that measure is not measurable (no -29.2% against calendar 2018 printed under its
    heading, and never "not loaded here", as audit 10 found)."""
    from warehouse.register import REGISTER_FILE
    years = {2010: 300, 2018: 240, 2019: 230, 2022: 170}
    observations = [("smuggling_convictions", "year", date(y, 1, 1), date(y, 12, 31), v, "q/2024-11-28") for y, v in years.items()]
    con = derive(REGISTER_FILE.read_text(), observations)
    row = one(con, "SELECT * FROM marts.claim_checks WHERE claim_id = 'smuggling_convictions'")
    parts = [(p["part"], p["verdict"], p["official_measure"]) for p in row["part_verdicts"]]
    assert parts == [("from 2010", "consistent", round(100 * (170 - 300) / 300, 1)),
                     ("from the year ending June 2019", "not measurable", None)]
    assert row["verdict"] == "consistent"
    assert "against 240" not in row["explanation"] and "-29.2%" not in row["explanation"]
    assert "publishes calendar years, which cannot give the base period (1 Jul 2018 to 30 Jun 2019)" in row["explanation"]


def test_record_high_compares_the_peak_with_every_earlier_period(derive):
    register = CLAIM.replace('metric = "returns_q"', 'metric = "ye_net"').replace('check = "total"', 'check = "record_high"') \
                    .replace("claimed_value = 19000\n", "").replace("claim_start = 2024-07-05", "claim_start = 2019-12-13") \
                    .replace("claim_end = 2025-01-31", "claim_end = 2024-07-04")
    values = {date(2013, 6, 30): 180000, date(2016, 6, 30): 330000, date(2023, 3, 31): 944000, date(2024, 6, 30): 650000,
              date(2025, 6, 30): 200000}
    observations = [("ye_net", "year_ending", date(end.year - 1, end.month, 1) if end.month != 3 else date(end.year - 1, 4, 1),
                     end, v, "q/2025-05-22") for end, v in values.items()]
    row = one(derive(register, observations), "SELECT * FROM marts.claim_checks")
    assert (row["verdict"], row["official_value"], row["comparison_value"]) == ("consistent", 944000, 330000)
    assert "peaked at 944,000 in YE Mar 2023, higher than any earlier period since YE Jun 2013" in row["explanation"]
    lower = [o if o[3] != date(2023, 3, 31) else (*o[:4], 300000, o[5]) for o in observations]
    row = one(derive(register, [o for o in lower if o[3] != date(2024, 6, 30)]), "SELECT * FROM marts.claim_checks")
    assert row["verdict"] == "overstated"
    # an edition with no period before the claimed days cannot show a record: not measurable from it, never "not
    # loaded here" with a link to figures already loaded (audit 10)
    late = [o for o in observations if o[3] >= date(2023, 3, 31)]
    row = one(derive(register, late), "SELECT * FROM marts.claim_checks")
    assert (row["verdict"], row["official_value"]) == ("not measurable", 944000)
    assert "the edition has no earlier period to compare" in row["explanation"]
    assert "not loaded here" not in row["explanation"] and "get them from" not in row["explanation"]


def test_at_least_counts_and_shows_the_year_before(derive):
    register = CLAIM.replace('planned_metrics = ["returns_q"', 'planned_metrics = ["flights", "returns_q"') \
                    .replace('metric = "returns_q"', 'metric = "flights"').replace('check = "total"', 'check = "at_least"') \
                    .replace("claimed_value = 19000", "claimed_value = 4")
    note = [("flights", "range", date(2024, 7, 5), date(2025, 1, 31), 40, "q/2025-02-27"),
            ("flights", "range", date(2023, 7, 5), date(2024, 1, 31), 38, "q/2025-02-27")]
    row = one(derive(register, note), "SELECT * FROM marts.claim_checks")
    assert (row["verdict"], row["official_value"], row["comparison_value"]) == ("consistent", 40, 38)
    assert "(38 for the same days a year before), against at least 4 needed" in row["explanation"]


def test_missing_figures_are_not_loaded_here_once_they_must_have_been_published(derive, monkeypatch):
    con = derive(CLAIM.replace('planned_metrics = ["returns_q"', 'planned_metrics = ["returns_q"'),
                 quarterly("returns_q", {"2024 Q3": 8700}, "q/2024-11-28"))
    # returns_q is a planned metric (no catalog lag): it can never be called due
    assert one(con, "SELECT verdict FROM marts.claim_checks")["verdict"] == "not yet published"
    con.execute("INSERT INTO marts.metrics (metric_id, unit, period_type, measure, publisher, page_url, publication_lag_months) "
                "VALUES ('returns_q2', 'returns', 'quarter', 'flow', 'Home Office', 'https://www.gov.uk/x', 2)")
    con.execute("UPDATE staging.claim_parts SET metric_id = 'returns_q2'")
    con.execute("UPDATE marts.metric_observations SET metric_id = 'returns_q2'")
    for sql_file in sorted(MARTS_DIR.glob("5*.sql")):
        con.execute(sql_file.read_text())
    # 2024 Q4 was due by 28 Feb 2025: as of 1 Feb 2025 not yet published, as of 1 Mar 2025 (and today) not loaded here
    early = one(con, "SELECT verdict, explanation FROM marts.claim_checks_as_of(DATE '2025-02-01')")
    assert early["verdict"] == "not yet published" and "are not due until 28 Feb 2025" in early["explanation"]
    late = one(con, "SELECT verdict, explanation FROM marts.claim_checks_as_of(DATE '2025-03-01')")
    assert late["verdict"] == "not loaded here"
    assert "were due by 28 Feb 2025 (Home Office): published, but not loaded here; get them from https://www.gov.uk/x" \
        in late["explanation"]


def test_stock_pledges_take_the_last_level_not_a_sum(derive):
    months = {(2024, 4): 31000, (2024, 5): 30500, (2024, 6): 30000, (2024, 7): 29000, (2024, 8): 28000}
    observations = [("hotels", "month", date(y, m, 1), date(y, m, 28 if m == 2 else 30 if m in (4, 6, 9, 11) else 31), v, "q/2025-05-22")
                    for (y, m), v in months.items()]
    con = derive(PLEDGE, observations, stocks=("hotels",))
    rows = con.execute("SELECT period_label, complete, value, baseline_value, status, baseline_label "
                       "FROM marts.pledge_progress").fetchall()
    # 2024 Q3 has July and August only: the level at the end of August; the baseline is the level at the end of June.
    # A level is named by its date, not by the quarter ('2024 Q3' would read as the quarter's total)
    assert rows == [("end of Aug 2024", False, 28000, 30000, "on track", "end of Jun 2024")]
    status = one(con, "SELECT period_label, baseline_label, explanation FROM marts.pledge_status")
    assert (status["period_label"], status["baseline_label"]) == ("end of Aug 2024", "end of Jun 2024")
    assert "Hotels at the end of Aug 2024: 28,000 against 30,000 at the end of Jun 2024 (-6.7%) (period in progress" \
        in status["explanation"]


def test_stock_baselines_are_named_by_their_date_before_any_figure(derive):
    # levels only before the baseline's window ends early: the baseline is the last level in it (15 Jun), by its day
    observations = [("hotels", "day", date(2024, 6, 15), date(2024, 6, 15), 30000, "q/2025-05-22"),
                    ("hotels", "day", date(2024, 9, 30), date(2024, 9, 30), 27000, "q/2025-05-22")]
    con = derive(PLEDGE, observations, stocks=("hotels",))
    row = one(con, "SELECT period_label, baseline_label, explanation FROM marts.pledge_status")
    assert (row["period_label"], row["baseline_label"]) == ("end of Sep 2024", "15 Jun 2024")
    assert "at the end of Sep 2024: 27,000 against 30,000 on 15 Jun 2024 (-10.0%): on track" in row["explanation"]
    # nothing loaded: the fixed baseline is still named as a level, and a trajectory as the line from it
    empty = derive(PLEDGE, [], stocks=("hotels",))
    assert one(empty, "SELECT baseline_label FROM marts.pledge_status")["baseline_label"] == "end of Jun 2024"
    line = PLEDGE.replace('baseline = "fixed"', 'baseline = "trajectory"\ntarget_date = 2029-07-08')
    assert one(derive(line, [], stocks=("hotels",)), "SELECT baseline_label FROM marts.pledge_status")["baseline_label"] \
        == "the line from the level at the end of Jun 2024 to 0 on 8 Jul 2029"
    yearly = PLEDGE.replace('baseline = "fixed"', 'baseline = "same_period_year_before"')
    assert one(derive(yearly, [], stocks=("hotels",)), "SELECT baseline_label FROM marts.pledge_status")["baseline_label"] \
        == "the same quarter a year before"


def test_trajectory_baseline_is_the_straight_line_to_the_target_date(derive):
    register = PLEDGE.replace('baseline = "fixed"', 'baseline = "trajectory"\ntarget_date = 2029-07-08')
    observations = quarterly("hotels", {"2024 Q2": 30000, "2024 Q3": 29000, "2024 Q4": 26000}, "q/2025-05-22")
    con = derive(register, observations, stocks=("hotels",))
    rows = con.execute("SELECT period_label, value, baseline_value, status, baseline_label FROM marts.pledge_progress "
                       "WHERE is_latest_vintage ORDER BY period_start").fetchall()
    whole = (date(2029, 7, 8) - date(2024, 6, 30)).days
    line_q3 = 30000 * (1 - (date(2024, 9, 30) - date(2024, 6, 30)).days / whole)
    line_q4 = 30000 * (1 - (date(2024, 12, 31) - date(2024, 6, 30)).days / whole)
    assert [r[:4] for r in rows] == [("end of Sep 2024", 29000, pytest.approx(line_q3), "off track"),   # above the line
                                     ("end of Dec 2024", 26000, pytest.approx(line_q4), "on track")]    # at or below it
    assert rows[0][4] == "the line from the level at the end of Jun 2024 to 0 on 8 Jul 2029"
    explanation = one(con, "SELECT explanation FROM marts.pledge_status")["explanation"]
    assert (f"at the end of Dec 2024: 26,000 against {line_q4:,.0f} on the line from the level at the end of Jun 2024 "
            "to 0 on 8 Jul 2029") in explanation


VIEWS = """
planned_metrics = ["daily"]
[[entry]]
id = "boats"
type = "pledge"
statement = "A"
said_by = "Minister"
said_on = 2024-07-05
quote = "fewer boats"
kind = "quantitative"
metric = "daily"
direction = "down"
direction_from = "promised"
progress_period = "quarter"
baseline = "same_period_year_before"
track_from = 2024-07-05
views = ["rolling_12_months", "calendar_year_to_date", "since_track_from"]
status_view = "rolling_12_months"
"""


def test_the_same_days_a_year_before_across_29_february_say_so(derive):
    """"The same days a year before" over 29 Feb are not the same number of days: 1 Jan to 6 Mar 2025 (65 days) against
    1 Jan to 6 Mar 2024 (66), and 5 Jul 2024 to 6 Mar 2025 (245) against 5 Jul 2023 to 6 Mar 2024 (246). The label says
    so (audit 7: it promised the same days)."""
    from datetime import timedelta
    first, last = date(2022, 6, 1), date(2025, 3, 6)
    value = {first + timedelta(days=i): 5 for i in range((last - first).days + 1)}
    con = derive(VIEWS, [("daily", "day", d, d, v, "q/2025-05-22") for d, v in value.items()])
    labels = dict(con.execute("SELECT view, baseline_label FROM marts.pledge_progress WHERE view IN "
                              "('calendar_year_to_date', 'since_track_from')").fetchall())
    ytd_days = (last - date(2025, 1, 1)).days + 1
    ytd_before = (date(2024, 3, 6) - date(2024, 1, 1)).days + 1
    assert (ytd_days, ytd_before) == (65, 66)
    # which side is longer and why, in words (audit 12: "one more: they hold 29 Feb" left it unclear which); the
    # label's own days first, named as its own (audit 18: "66 days against 65" read after "X against Y" reversed them)
    assert labels["calendar_year_to_date"] == \
        f"1 Jan to 6 Mar 2024 ({ytd_before} days, against {ytd_days} in the period compared: 2024 holds 29 Feb)"
    since_days = (last - date(2024, 7, 5)).days + 1
    since_before = (date(2024, 3, 6) - date(2023, 7, 5)).days + 1
    assert since_before == since_days + 1
    assert labels["since_track_from"] == \
        f"5 Jul 2023 to 6 Mar 2024 ({since_before} days, against {since_days} in the period compared: 2024 holds 29 Feb)"
    # and the figures are the sums of those days (5 a day)
    row = con.execute("SELECT value, baseline_value FROM marts.pledge_progress WHERE view = 'calendar_year_to_date'").fetchone()
    assert row == (5 * ytd_days, 5 * ytd_before)


def test_rolling_twelve_months_sets_the_status_with_year_to_date_and_since_start_beside_it(derive):
    """The register names the rolling 12 months as the status view, tracked from 5 Jul 2024. On 10 Feb 2025 every
    12-month window still reaches back before that day (the 12 months to Jan 2025 start on 1 Feb 2024): the status
    rests on the days since 5 Jul 2024 against the same days a year before, the year to date beside it (row 160;
    before, the 12 months to Jan 2025, five of them the previous government's, set it). From the 12 months to Jul
    2025 (1 Aug 2024 on) the rolling window sets it, with the year to date and the days since beside it."""
    from datetime import timedelta
    first = date(2022, 6, 1)

    def values(last: date) -> dict:
        return {first + timedelta(days=i): ((first + timedelta(days=i)).toordinal() % 7)
                + (3 if first + timedelta(days=i) >= date(2024, 1, 1) else 1) for i in range((last - first).days + 1)}
    value = values(date(2025, 2, 10))                 # more crossings from 2024
    con = derive(VIEWS, [("daily", "day", d, d, v, "q/2025-02-27") for d, v in value.items()])
    status = one(con, "SELECT * FROM marts.pledge_status")
    since = sum(v for d, v in value.items() if date(2024, 7, 5) <= d)
    since_before = sum(v for d, v in value.items() if date(2023, 7, 5) <= d <= date(2024, 2, 10))
    assert (status["view"], status["period_label"], status["value"], status["baseline_value"]) == \
        ("since_track_from", "5 Jul 2024 to 10 Feb 2025", since, since_before)
    assert status["status"] == ("off track" if since > since_before else "on track")
    assert ("The status rests on the days since 5 Jul 2024 against the same days a year before: every 12-month "
            "window so far reaches back before July 2024.") in status["explanation"]
    ytd = sum(v for d, v in value.items() if date(2025, 1, 1) <= d)
    ytd_before = sum(v for d, v in value.items() if date(2024, 1, 1) <= d <= date(2024, 2, 10))
    assert f"Beside it: 1 Jan to 10 Feb 2025: {ytd:,} against {ytd_before:,} for 1 Jan to 10 Feb 2024" in status["explanation"]
    assert "12 months to" not in status["explanation"]     # the windows reaching back are drawn, not told
    views = dict(con.execute("SELECT view, count(*) FROM marts.pledge_progress GROUP BY view").fetchall())
    # rolling rows for every complete month from July 2024 to January 2025; one row for each other view
    assert views == {"period": 3, "rolling_12_months": 7, "calendar_year_to_date": 1, "since_track_from": 1}

    # from the 12 months to Jun 2025 (1 Jul 2024 on: 4 of its 365 days before 5 Jul) the rolling window sets it; the
    # days since 5 Jul 2024, past a year by 20 Jul 2025, are compared with the same days two years before and never
    # set the status (row 167; they did for four weeks, said to be "a year before")
    value = values(date(2025, 7, 20))
    con = derive(VIEWS, [("daily", "day", d, d, v, "q/2025-08-14") for d, v in value.items()])
    status = one(con, "SELECT * FROM marts.pledge_status")
    window = sum(v for d, v in value.items() if date(2024, 7, 1) <= d <= date(2025, 6, 30))
    assert (status["view"], status["period_label"], status["value"]) == ("rolling_12_months", "12 months to Jun 2025", window)
    assert "4 of its 365 days come before 5 Jul 2024, when the pledge is tracked from." in status["explanation"]
    assert "(the same days 2 years before: a year before would share days with them; " in status["explanation"].split("Beside it")[1]

    value = values(date(2025, 8, 10))
    con = derive(VIEWS, [("daily", "day", d, d, v, "q/2025-08-14") for d, v in value.items()])
    status = one(con, "SELECT * FROM marts.pledge_status")
    window = sum(v for d, v in value.items() if date(2024, 8, 1) <= d <= date(2025, 7, 31))
    before = sum(v for d, v in value.items() if date(2023, 8, 1) <= d <= date(2024, 7, 31))
    assert (status["view"], status["period_label"], status["value"], status["baseline_value"]) == \
        ("rolling_12_months", "12 months to Jul 2025", window, before)
    since = sum(v for d, v in value.items() if date(2024, 7, 5) <= d)    # 402 days: against the same days 2 years before
    since_before = sum(v for d, v in value.items() if date(2022, 7, 5) <= d <= date(2023, 8, 10))
    assert f"5 Jul 2024 to 10 Aug 2025: {since:,} against {since_before:,} for 5 Jul 2022 to 10 Aug 2023" in status["explanation"]
    assert "The status rests on the days since" not in status["explanation"]


def test_a_claim_with_no_figures_names_its_days_and_what_they_are_compared_with(derive):
    """Before any figure is in, a claim's period_label and baseline_label name the register's windows (the
    claimed days, the same days a year before, the base periods), not "base period" or "same period a year
    before"; as a publisher names them when a window is one period of the series (YE Dec 2019, 2022)."""
    from warehouse.register import REGISTER_FILE
    import tomllib

    con = derive(REGISTER_FILE.read_text(), [])
    entries = {e["id"]: e for e in tomllib.loads(REGISTER_FILE.read_text())["entry"]}
    rows = {r[0]: r[1:] for r in con.execute("SELECT pledge_id, status, period_label, baseline_label "
                                              "FROM marts.pledge_status_as_of(DATE '2026-12-03') WHERE type = 'claim'").fetchall()}

    def days(start: date, end: date) -> str:
        return f"{start.day} {start:%b %Y} to {end.day} {end:%b %Y}"

    returns = entries["enforced_returns_up_24"]       # pct_change: the same days a year before
    start, end = returns["claim_start"], returns["claim_end"]
    assert rows["enforced_returns_up_24"] == ("not loaded here", days(start, end),
                                              days(start.replace(year=start.year - 1), end.replace(year=end.year - 1)))
    trebled = entries["legal_migration_trebled"]      # ratio on a year-ending series: one period each
    assert rows["legal_migration_trebled"][1:] == (f"YE {trebled['claim_end']:%b %Y}", f"YE {trebled['base_end']:%b %Y}")
    convictions = entries["smuggling_convictions"]    # fall on a calendar-year series, two bases
    bases = [(p["base_start"], p["base_end"]) for p in convictions["parts"]]
    assert rows["smuggling_convictions"][1:] == (
        str(convictions["claim_start"].year),
        f"{bases[0][0].year} and YE {bases[1][1]:%b %Y}")     # twelve months to June, as the method names them
    # academic years keep their own names (audit 8: "YE Jul 2020 and YE Jul 2019" before the DfE file was loaded)
    cut = entries["apprenticeships_cut"]
    years = [f"{p['base_start'].year}/{p['base_end'].year % 100:02d}" for p in cut["parts"]]
    assert years == ["2019/20", "2018/19"] and rows["apprenticeships_cut"][2] == " and ".join(years)
    assert bases[1][0] == date(bases[1][1].year - 1, bases[1][1].month + 1, 1)
    assert bases[0] == (date(bases[0][0].year, 1, 1), date(bases[0][0].year, 12, 31))
    assert rows["legal_migration_record"][2] == "highest earlier period"
    # a pledge with no figure yet names its fixed baseline as the publisher would (the year ending June 2024)
    net = entries["net_migration_down"]
    assert (net["baseline"], net["progress_period"]) == ("fixed", "year_ending")
    assert con.execute("SELECT status, baseline_label FROM marts.pledge_status WHERE pledge_id = 'net_migration_down'"
                       ).fetchone() == ("not loaded here", f"YE {net['baseline_end']:%b %Y}")


def test_net_migration_tracks_only_years_ending_after_its_baseline(derive):
    from warehouse.register import REGISTER_FILE
    """The pledge's baseline is the year ending June 2024 (the twelve months before the election). A year ending
    before July 2024 is no progress: it used to be tracked (track_from 2024-01-01), so YE Mar 2024 got a status
    and YE Jun 2024 was compared with itself (0.0%, off track). Nor is a year that shares months with the baseline
    (row 150): YE Dec 2024 holds January to June 2024, half the baseline and before the government, and was "on
    track" against it; the first year compared is YE Jun 2025."""
    ye = {"YE Mar 2024": (date(2023, 4, 1), date(2024, 3, 31), 700_000), "YE Jun 2024": (date(2023, 7, 1), date(2024, 6, 30), 650_000),
          "YE Dec 2024": (date(2024, 1, 1), date(2024, 12, 31), 430_000), "YE Jun 2025": (date(2024, 7, 1), date(2025, 6, 30), 204_000)}
    values = [("net_migration", "year_ending", start, end, value, "q/2025-05-22") for start, end, value in ye.values()]
    con = derive(REGISTER_FILE.read_text(), values)
    rows = con.execute("SELECT period_label, value, baseline_value, status FROM marts.pledge_progress "
                       "WHERE pledge_id = 'net_migration_down' AND is_latest_vintage ORDER BY period_end").fetchall()
    assert rows == [("YE Jun 2025", 204_000, 650_000, "on track")]
    baseline_start, baseline_end = ye["YE Jun 2024"][:2]
    assert all(ye[label][0] > baseline_end for label, *_ in rows)          # none shares a day with the baseline


def test_a_year_sharing_months_with_the_baseline_is_not_compared_with_it(derive):
    """With only years ending up to Dec 2024 published (the ONS edition of May 2025), net migration has no year clear
    of its baseline (YE Jun 2024): it is "not yet published", the first such year (YE Jun 2025) due by the end of
    November 2025 (ONS's five-month lag), and the explanation says why YE Dec 2024 is not compared."""
    from warehouse.register import REGISTER_FILE

    values = [("net_migration", "year_ending", date(2023, 7, 1), date(2024, 6, 30), 650_000, "q/2025-05-22"),
              ("net_migration", "year_ending", date(2024, 1, 1), date(2024, 12, 31), 430_000, "q/2025-05-22")]
    con = derive(REGISTER_FILE.read_text(), values)
    assert con.execute("SELECT first_compared_end FROM marts.pledges WHERE pledge_id = 'net_migration_down'"
                       ).fetchone() == (date(2025, 6, 30),)
    row = one(con, "SELECT status, explanation FROM marts.pledge_status_as_of(DATE '2025-09-01') "
                   "WHERE pledge_id = 'net_migration_down'")
    assert row["status"] == "not yet published", row
    assert ("loaded up to 31 Dec 2024 only; the pledge is tracked from 1 Jul 2024, and compared from the period "
            "ending 30 Jun 2025, the first with no day in the baseline.") in row["explanation"]
    assert "not due until 30 Nov 2025" in row["explanation"], row["explanation"]
    assert con.execute("SELECT status FROM marts.pledge_status_as_of(DATE '2025-12-01') "
                       "WHERE pledge_id = 'net_migration_down'").fetchone() == ("not loaded here",)


def test_a_rolling_window_that_starts_before_tracking_does_not_set_the_status(derive):
    """Small boats are tracked from 5 July 2024 on the rolling 12 months. In the first year every window reaches back
    before the election: the 12 months to Dec 2024 start on 1 Jan 2024, 186 of their 366 days before 5 Jul 2024.
    Row 140 said so beside a status they set; now (row 160) they set none: the status rests on the days since 5 Jul
    2024 against the same days a year before, and says why."""
    from warehouse.register import REGISTER_FILE

    days = [date(2023, 1, 1) + timedelta(days=i) for i in range((date(2024, 12, 31) - date(2023, 1, 1)).days + 1)]
    values = [("small_boat_arrivals", "day", d, d, 100.0 + d.month, "q/2025-02-27") for d in days]
    con = derive(REGISTER_FILE.read_text(), values)
    row = one(con, "SELECT view, period_label, value, baseline_value, explanation FROM marts.pledge_status_as_of(DATE '2025-03-01') "
                   "WHERE pledge_id = 'small_boats'")
    since = sum(100.0 + d.month for d in days if d >= date(2024, 7, 5))
    before = sum(100.0 + d.month for d in days if date(2023, 7, 5) <= d <= date(2023, 12, 31))
    assert (row["view"], row["period_label"], row["value"], row["baseline_value"]) == \
        ("since_track_from", "5 Jul 2024 to 31 Dec 2024", since, before)
    assert "The status rests on the days since 5 Jul 2024 against the same days a year before" in row["explanation"]
    assert "12 months to Dec 2024" not in row["explanation"] and "come before" not in row["explanation"]
    # nor is the year to date of 2024 beside it: 186 of its days came before 5 Jul 2024 (row 167)
    assert "Beside it" not in row["explanation"] and "for 2023 to 31 Dec" not in row["explanation"], row["explanation"]



def test_a_change_names_the_days_since_tracking_in_words(derive):
    """The days since 5 Jul 2024, beside a rolling status once it has one, moved from on track (5 a day against 10 two
    years before) to off track (1,000 a day from 11 Aug 2025): the change list says "the days since 5 Jul 2024", not
    the view's name ("since track from", row 168)."""
    from datetime import timedelta

    def days(last: date) -> list:
        first = date(2022, 6, 1)
        out = []
        for i in range((last - first).days + 1):
            d = first + timedelta(days=i)
            out.append((d, 10 if d < date(2024, 1, 1) else 5 if d <= date(2025, 8, 10) else 1000))
        return out
    observations = [("daily", "day", d, d, v, "q/2025-08-14") for d, v in days(date(2025, 8, 10))]
    observations += [("daily", "day", d, d, v, "q/2025-11-20") for d, v in days(date(2025, 11, 15))]
    con = derive(VIEWS, observations)
    summaries = [s for (s,) in con.execute("SELECT summary FROM marts.changes WHERE kind = 'comparison'").fetchall()]
    moved = [s for s in summaries if "(the days since 5 Jul 2024, shown beside the status): on track → off track" in s]
    assert len(moved) == 1, summaries
    assert not any("since track from" in s for s in summaries)


def test_a_status_waiting_for_four_weeks_of_days_says_how_many_are_in(derive):
    """Small boats are tracked from 5 Jul 2024, the status resting first on the days since then once they hold four
    weeks. With days to 18 Jul 2024 only (in a file of 28 Nov 2024), it has none yet, and says why: 14 of the 28 days
    are loaded (row 173; before, "loaded up to 18 Jul 2024 only; the pledge is tracked from 5 Jul 2024", as if
    nothing tracked were in)."""
    from datetime import timedelta
    from warehouse.register import REGISTER_FILE

    first, last = date(2023, 6, 1), date(2024, 7, 18)
    observations = [("small_boat_arrivals", "day", first + timedelta(days=i), first + timedelta(days=i), 10, "q/2024-11-28")
                    for i in range((last - first).days + 1)]
    con = derive(REGISTER_FILE.read_text(), observations)
    row = one(con, "SELECT status, explanation FROM marts.pledge_status_as_of(DATE '2024-12-01') WHERE pledge_id = 'small_boats'")
    assert row["status"] == "not loaded here"       # the four weeks were due by 8 Aug 2024
    assert ((last - date(2024, 7, 5)).days + 1) == 14
    assert "The status needs four weeks of days since 5 Jul 2024: 14 of 28 are loaded." in row["explanation"], row["explanation"]
    # the weekly series is the Home Office's provisional management information, not official statistics: named by
    # its publisher (it read "Official figures for Migrants detected arriving by small boat are loaded up to ...")
    assert row["explanation"].startswith("Home Office figures for migrants detected arriving by small boat are "
                                         "loaded up to 18 Jul 2024 only"), row["explanation"]


def test_a_comparison_switching_to_two_years_back_is_no_change(derive):
    """The days since 5 Jul 2024 are compared with the same days a year before while they fit in a year, then with the
    same days two years before. With 10 a day in 2022-23, 4 in 2023-24 and 6 since, they are off track on 3 Jul 2025
    (6 against 4) and on track on 10 Jul (6 against 10): the baseline changed, not the figures. The change list tells
    no move for it (row 174; it told "off track → on track", and the feed with it)."""
    from datetime import timedelta

    def days(last: date) -> list:
        first = date(2022, 6, 1)
        out = []
        for i in range((last - first).days + 1):
            d = first + timedelta(days=i)
            out.append((d, 10 if d < date(2023, 7, 5) else 4 if d < date(2024, 7, 5) else 6))
        return out
    observations = [("daily", "day", d, d, v, "q/2025-07-04") for d, v in days(date(2025, 7, 3))]
    observations += [("daily", "day", d, d, v, "q/2025-07-11") for d, v in days(date(2025, 7, 10))]
    con = derive(VIEWS, observations)
    rows = dict(con.execute("SELECT as_of, status FROM marts.pledge_progress WHERE view = 'since_track_from'").fetchall())
    assert rows == {date(2025, 7, 4): "off track", date(2025, 7, 11): "on track"}     # the switch does flip the view
    summaries = [s for (s,) in con.execute("SELECT summary FROM marts.changes WHERE kind = 'comparison'").fetchall()]
    assert not [s for s in summaries if "the days since 5 Jul 2024" in s], summaries
    # a move within the two-year baseline is told, naming that baseline: 300 a day from 11 Jul 2025 lifts the days
    # since 5 Jul 2024 above the same days two years before (audit 7: "46,144 against 46,055" read as a year before)
    later = [(d, 300 if d > date(2025, 7, 10) else v) for d, v in days(date(2025, 7, 17))]
    con = derive(VIEWS, observations + [("daily", "day", d, d, v, "q/2025-08-14") for d, v in later])
    since = sum(v for d, v in later if d >= date(2024, 7, 5))
    two_years_back = sum(v for d, v in later if date(2022, 7, 5) <= d <= date(2023, 7, 17))
    assert since > two_years_back
    [(summary,)] = con.execute("SELECT summary FROM marts.changes WHERE kind = 'comparison'").fetchall()
    assert summary.endswith(f"on track → off track (5 Jul 2024 to 17 Jul 2025: {since:,} against {two_years_back:,} for "
                            "5 Jul 2022 to 17 Jul 2023 (the same days 2 years before: a year before would share days with them); before: 5 Jul 2024 to 10 Jul 2025)"), summary

