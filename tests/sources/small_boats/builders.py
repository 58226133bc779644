"""Small boats time series (SB_01 daily, SB_02 weekly) in the published ODS layout. Built in code from small tables (never copied from ../shared)."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from tests.workbooks import write_workbook


SB_DAILY_HEADER = ["Date", "Migrants arrived", "Boats arrived", "Boats arrived - involved in uncontrolled landings", "Notes"]

SB_WEEKLY_HEADER = ["Week ending", "Migrants arrived", "Boats arrived", "Boats arrived - involved in uncontrolled landings",
                    "Migrants prevented", "Events prevented", "Notes"]


def small_boats_grids(start: date, days: int, arrivals=lambda i: (i * 37) % 400, revised: dict[int, int] | None = None) -> dict[str, list[list]]:
    """SB_01 daily rows from `start` for `days` days, SB_02 weekly sums; `-` for uncontrolled landings before 2023."""
    revised = revised or {}
    daily = [list(SB_DAILY_HEADER)]
    values = []
    for i in range(days):
        d = start + timedelta(days=i)
        n = revised.get(i, arrivals(i))
        values.append((d, n))
        daily.append([pd.Timestamp(d), n, (n + 49) // 50, "-" if d < date(2023, 1, 1) else 0, "Revised" if i in revised else None])
    weekly = [list(SB_WEEKLY_HEADER)]
    week: list[int] = []
    for d, n in values:
        week.append(n)
        if d.weekday() == 6:  # weeks end on Sunday
            weekly.append([pd.Timestamp(d), sum(week), sum((x + 49) // 50 for x in week), 0,
                           "-" if d < date(2024, 5, 5) else 2 * sum(week), "-" if d < date(2024, 5, 5) else 3, None])
            week = []
    return {
        "Cover_sheet": [["Migrants detected crossing the English Channel in small boats"], ["Frequency: published weekly"]],
        "Notes": [["Notes"], ["1. These statistics are taken from provisional operational data."]],
        "SB_01": daily,
        "SB_02": weekly,
    }


def small_boats_file(folder: Path, published: date, **kwargs) -> Path:
    name = f"{published.day:02d}_{published.strftime('%B')}_{published.year}_Small_boats_-_time_series.ods"
    folder.mkdir(parents=True, exist_ok=True)
    return write_workbook(folder / name, small_boats_grids(**kwargs))
