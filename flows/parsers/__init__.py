"""Parsers by layout family. A catalog entry names one of these; options come from the entry."""
from __future__ import annotations

from collections.abc import Callable

from flows.parsers import small_boats
from flows.parsers.common import Table, Workbook

Parser = Callable[[Workbook, dict], list[Table]]

PARSERS: dict[str, Parser] = {
    "small_boats": small_boats.parse,
}
