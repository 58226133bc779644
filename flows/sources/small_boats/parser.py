"""Small boats time series (ODS): SB_01 daily and SB_02 weekly, each found by its header."""
from __future__ import annotations

import re

from flows.parsing import Table, Workbook, cut_table, locate_table

# Every column the schema needs (schemas/small_boats.py): one renamed is then named as published, on its sheet's
# header row, like any other, not by the schema's internal name
UNCONTROLLED = "Boats arrived - involved in uncontrolled landings"
DAILY = ["Date", "Migrants arrived", "Boats arrived", UNCONTROLLED]
WEEKLY = ["Week ending", "Migrants arrived", "Boats arrived", UNCONTROLLED, "Migrants prevented", "Events prevented"]


def parse(book: Workbook, options: dict) -> list[Table]:
    # SB_02's header holds three of the daily table's four columns: it is the weekly table, never the daily one with
    # 'Date' missing (a daily sheet emptied or cut is said to be missing, not blamed on SB_02), and the other way round
    daily = locate_table(book, DAILY, re.compile(r"SB_01|daily", re.I) if options.get("strict_sheets") else None,
                         other_tables={"the weekly table": WEEKLY})
    weekly = locate_table(book, WEEKLY, other_tables={"the daily table": DAILY})
    return [cut_table(book, daily, "small_boats_daily"), cut_table(book, weekly, "small_boats_weekly")]
