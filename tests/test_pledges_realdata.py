"""With the real small-boats releases loaded: pledge rows, a claim between two dates, and as-of answers."""
from __future__ import annotations

import json
import textwrap
from datetime import date

import duckdb
import pandas as pd
import pytest

from flows import cli
from tests.conftest import REALDATA
from tests.test_register import BRIEF_IDS

FOLDER = REALDATA / "small_boats"
pytestmark = pytest.mark.skipif(not FOLDER.is_dir(), reason=f"real published files not present at {FOLDER}")
LATEST = FOLDER / "23_January_2026_Small_boats_-_time_series.ods"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("pledges") / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(path), str(FOLDER)]) == 0
    return path


def daily_sheet() -> pd.Series:
    frame = pd.read_excel(LATEST, sheet_name="SB_01", engine="calamine", na_values=["-"])
    return frame.set_index("Date")["Migrants arrived"]


def test_small_boats_pledge_rows_match_the_sheet(warehouse):
    daily = daily_sheet()
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("SELECT period_start, period_end, value, baseline_value, status, complete FROM marts.pledge_progress "
                       "WHERE pledge_id = 'small_boats' AND is_latest_vintage ORDER BY period_start").fetchall()
    con.close()
    assert rows[0][0] == date(2024, 7, 1)
    for start, end, value, baseline, status, complete in rows:
        last = min(pd.Timestamp(end), daily.index.max())
        expected = daily[pd.Timestamp(start):last].sum()
        expected_baseline = daily[pd.Timestamp(start) - pd.DateOffset(years=1):last - pd.DateOffset(years=1)].sum()
        assert (value, baseline) == (expected, expected_baseline)
        assert status == ("on track" if expected < expected_baseline else "off track")
        assert complete == (last == pd.Timestamp(end))


def test_claim_about_arrivals_between_two_dates(warehouse, tmp_path, monkeypatch, capsys):
    """A claim checked against the daily series: the exact days, the sum computed from the sheet."""
    register = tmp_path / "register.toml"
    register.write_text(textwrap.dedent("""
        [[entry]]
        id = "arrivals_since_election"
        type = "claim"
        statement = "test"
        said_by = "Minister"
        said_on = 2025-12-01
        quote = "30,000 arrived since the election"
        kind = "quantitative"
        metric = "small_boat_arrivals"
        check = "total"
        claimed_value = 30000
        claim_start = 2024-07-05
        claim_end = 2025-06-30
        tolerance = 0.05
    """))
    monkeypatch.setenv("PLEDGES_REGISTER", str(register))
    copy = tmp_path / "copy.duckdb"
    assert cli.main(["load", "--warehouse", str(copy), str(FOLDER)]) == 0
    expected = daily_sheet()["2024-07-05":"2025-06-30"].sum()
    con = duckdb.connect(str(copy), read_only=True)
    row = con.execute("SELECT official_value, covered_days, claimed_days, verdict, explanation, when_made_verdict "
                      "FROM marts.claim_checks").fetchone()
    con.close()
    assert row[0] == expected and row[1] == row[2] == 361
    assert row[3] == ("consistent" if abs(30000 - expected) <= 0.05 * expected else
                      "overstated" if 30000 > expected else "understated")
    assert f"{expected:,.0f}" in row[4]
    assert row[5] == row[3]   # the releases before 1 Dec 2025 already covered the whole period


def test_status_lists_every_pledge_and_claim(warehouse, capsys):
    assert cli.main(["status", "--warehouse", str(warehouse), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {p["pledge_id"] for p in data["pledges"]} == BRIEF_IDS
    for p in data["pledges"]:
        assert p["status"] and p["explanation"], p   # a value or an explicit reason why none exists
    small = next(p for p in data["pledges"] if p["pledge_id"] == "small_boats")
    assert small["value"] is not None and small["release_id"].startswith("small_boats/2026-01-23")


def test_as_of_answers_differ_by_vintage(warehouse, capsys):
    assert cli.main(["status", "--warehouse", str(warehouse), "--json", "--as-of", "2025-11-20"]) == 0
    early = {p["pledge_id"]: p for p in json.loads(capsys.readouterr().out)["pledges"]}
    assert cli.main(["status", "--warehouse", str(warehouse), "--json"]) == 0
    late = {p["pledge_id"]: p for p in json.loads(capsys.readouterr().out)["pledges"]}
    assert early["small_boats"]["release_id"].startswith("small_boats/2025-11-14")
    assert (early["small_boats"]["period_label"], late["small_boats"]["period_label"]) == ("2025 Q3", "2025 Q4")
    assert cli.main(["status", "--warehouse", str(warehouse), "--as-of", "2025-11-20"]) == 0
    assert "as published on or before 2025-11-20" in capsys.readouterr().out
