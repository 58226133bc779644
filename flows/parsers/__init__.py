"""Parsers by layout family. A catalog entry names one of these; options come from the entry."""
from __future__ import annotations

from collections.abc import Callable

from flows.parsers import ho_detailed, small_boats, transparency
from flows.parsers.common import Table, Workbook

Parser = Callable[[Workbook, dict], list[Table]]

PARSERS: dict[str, Parser] = {
    "small_boats": small_boats.parse,
    "ho_detailed": ho_detailed.parse,          # Home Office detailed datasets: `Data - <ID>` / `Data_<ID>` sheets
    "transparency": transparency.parse,        # migration transparency data (Immigration Enforcement, UKVI)
}
