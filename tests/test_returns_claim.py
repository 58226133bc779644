"""'19,000 people ... returned in the last seven months' (5 July 2024 - 31 January 2025, 211 days) checked
against a returns workbook built in code in the published Ret_D01 layout: the official quarters that cover
the claim (2024 Q3-Q4, 184 days) are compared as a daily rate, never as a six-month total against seven."""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from flows.ingest import load_paths
from tests.sources.home_office_detailed.test_home_office_sources import returns_file, returns_sheets, small_returns

CLAIM_DAYS = (date(2025, 1, 31) - date(2024, 7, 5)).days + 1        # 211
QUARTER_DAYS = (date(2024, 12, 31) - date(2024, 7, 1)).days + 1      # 184


def returns_workbook(folder, per_group: dict[tuple[str, str], int]):
    """Ret_D01..D04 for 2024 Q3 and Q4; each Ret_D01 row of a (quarter, group) gets half its total."""
    frames = small_returns(("2024 Q3", "2024 Q4"))
    d01 = frames["Ret_D01"]
    counts = []
    for quarter, group in zip(d01["Quarter"], d01["Return type group"]):
        total = per_group[(quarter, group)]
        first = not any(q == quarter and g == group for q, g, _ in counts)
        counts.append((quarter, group, total // 2 + (total % 2 if first else 0)))
    d01["Number of returns"] = [c for _, _, c in counts]
    return returns_file(folder, "returns-datasets-dec-2024.xlsx", returns_sheets(frames)), d01


def check(settings, tmp_path, per_group):
    path, d01 = returns_workbook(tmp_path / "in", per_group)
    [outcome] = load_paths(settings, [path])
    assert outcome.status == "loaded", outcome.error
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    cur = con.execute("SELECT * FROM marts.claim_checks WHERE claim_id = 'returns_seven_months'")
    row = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    con.close()
    # independent read of the workbook's table: enforced + voluntary, port returns left out
    ministers = d01[d01["Return type group"].isin(["Enforced return", "Voluntary return"])]["Number of returns"].sum()
    return row, int(ministers)


def test_seven_months_at_the_official_daily_rate_is_consistent(settings, tmp_path):
    # 16,569 over 184 days is 90.05 a day; 19,000 over 211 days is 90.05 a day
    per_group = {("2024 Q3", "Enforced return"): 2300, ("2024 Q3", "Voluntary return"): 6000,
                 ("2024 Q3", "Refused entry at port and subsequently departed"): 3000,
                 ("2024 Q4", "Enforced return"): 2400, ("2024 Q4", "Voluntary return"): 5869,
                 ("2024 Q4", "Refused entry at port and subsequently departed"): 3100}
    row, ministers = check(settings, tmp_path, per_group)
    assert ministers == 16569 and row["official_value"] == ministers          # port returns are not counted
    assert (row["official_periods"], row["covered_days"], row["claimed_days"]) == ("2024 Q3–2024 Q4", 180, CLAIM_DAYS)
    assert row["official_rate"] == pytest.approx(ministers / QUARTER_DAYS)
    assert row["claimed_rate"] == pytest.approx(19000 / CLAIM_DAYS)
    assert (row["compared_as"], row["verdict"], row["official_verdict"]) == ("daily rate", "consistent", "consistent")
    assert (f"2024 Q3–2024 Q4 (180 of the 211 claimed days, plus 4 days outside the claim): 16,569, "
            f"{ministers / QUARTER_DAYS:.1f} a day over 184 days, against 19,000 over the 211 claimed days, "
            f"{19000 / CLAIM_DAYS:.1f} a day") in row["explanation"]
    # the name gives only the month its data run to, and the workbook no "Published:" date: an estimate, said so
    assert ("returns-datasets-dec-2024.xlsx, a local file dated 28 Feb 2025 by estimate (the month its data run to "
            "plus the usual publication lag; its publication date is not in it)") in row["explanation"]
    assert "published 1 Feb 2025" not in row["explanation"]
    assert "No Home Office ad-hoc note for exactly the claimed days is loaded." in row["explanation"]


def test_seven_months_well_above_the_official_daily_rate_is_overstated(settings, tmp_path):
    # 15,000 over 184 days is 81.5 a day: the claimed 90.0 a day is 10.5% higher
    per_group = {("2024 Q3", "Enforced return"): 2000, ("2024 Q3", "Voluntary return"): 5500,
                 ("2024 Q3", "Refused entry at port and subsequently departed"): 4000,
                 ("2024 Q4", "Enforced return"): 2000, ("2024 Q4", "Voluntary return"): 5500,
                 ("2024 Q4", "Refused entry at port and subsequently departed"): 4000}
    row, ministers = check(settings, tmp_path, per_group)
    assert ministers == 15000
    assert row["verdict"] == "overstated"
    off = 100 * (19000 / CLAIM_DAYS - ministers / QUARTER_DAYS) / (ministers / QUARTER_DAYS)
    assert f"the claimed rate is {off:+.1f}% off" in row["explanation"]
    # had port returns been counted (23,000 over 184 days, 125 a day) the claim would look understated: they are not
    assert row["official_value"] == 15000
