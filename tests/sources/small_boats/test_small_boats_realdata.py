"""Real-data tier: the ten published small-boats releases in ../shared/realdata/small_boats."""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from flows import cli


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from tests.conftest import REALDATA
    folder = REALDATA / "small_boats"
    if not folder.is_dir():
        pytest.skip(f"real published files not present at {folder} (the ../shared/realdata tier runs in CI)")
    warehouse = tmp_path_factory.mktemp("real") / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(warehouse), str(folder)]) == 0
    return folder, warehouse


def sheet(path, name):
    """An independent read of a published sheet: header on row 1, `-` as missing."""
    return pd.read_excel(path, sheet_name=name, engine="calamine", na_values=["-"])


def test_ten_releases_loaded_then_nothing_new(loaded, capsys):
    folder, warehouse = loaded
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT sha256) FROM meta.releases WHERE status = 'loaded'").fetchall() == [(10, 10)]
    con.close()
    before = warehouse.read_bytes()
    capsys.readouterr()
    assert cli.main(["load", "--warehouse", str(warehouse), str(folder)]) == 0
    assert "10 unchanged" in capsys.readouterr().out
    assert warehouse.read_bytes() == before


def test_2024_total_matches_the_latest_sheet(loaded):
    folder, warehouse = loaded
    latest = max(folder.glob("*.ods"), key=lambda p: pd.to_datetime(p.name[:-len("_Small_boats_-_time_series.ods")], format="%d_%B_%Y"))
    daily = sheet(latest, "SB_01")
    expected = daily.loc[daily["Date"].dt.year == 2024, "Migrants arrived"].sum()
    con = duckdb.connect(str(warehouse), read_only=True)
    got = con.execute("SELECT sum(value) FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals' AND is_latest "
                      "AND period_start BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'").fetchall()[0][0]
    assert got == expected == 36816   # the official 2024 total
    weekly = sheet(latest, "SB_02")
    expected_prevented = weekly["Migrants prevented"].sum()
    got_prevented = con.execute("SELECT sum(value), min(period_end) FROM marts.metric_observations "
                                "WHERE metric_id = 'small_boat_prevented_migrants' AND is_latest").fetchall()[0]
    con.close()
    assert got_prevented[0] == expected_prevented
    assert got_prevented[1] == date(2024, 5, 5)   # '-' before then: not recorded, never zero


def test_every_vintage_kept_with_its_own_values(loaded):
    """Each release keeps its own rows (these ten do not revise values, but mark rows `Revised`)."""
    folder, warehouse = loaded
    con = duckdb.connect(str(warehouse), read_only=True)
    per_release = con.execute("""
        SELECT r.file_name, count(*), max(o.period_end)
        FROM marts.metric_vintages('small_boat_arrivals') o JOIN meta.releases r USING (release_id)
        GROUP BY r.file_name""").fetchall()
    assert len(per_release) == 10
    for file_name, days, last_day in per_release:
        daily = sheet(folder / file_name, "SB_01").dropna(subset=["Migrants arrived"])
        assert (days, last_day) == (len(daily), daily["Date"].max().date())
    revised = con.execute("SELECT count(DISTINCT release_id), count(*) FROM raw.small_boats_daily WHERE notes = 'Revised'").fetchall()
    con.close()
    assert revised[0][0] == 10 and revised[0][1] > 0
