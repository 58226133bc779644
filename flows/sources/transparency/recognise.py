"""A migration transparency workbook recognised by content: every required table's sheet named by its id
(`CP_02`, `ASY_02`; nothing read), dated by the last quarter of its first table plus the lag."""
from __future__ import annotations

import re
from datetime import date

from flows.catalog import Source
from flows.parsing import Workbook, id_pattern, sheet_key
from flows.parsing.content import Heads, every_sheet, last_period, required_table


def _sheet_named(book: Workbook, table_id: str) -> str | None:
    named = re.compile(rf"^{id_pattern(table_id)}(?![a-z0-9])")
    return next((s for s in book.sheet_names if named.match(sheet_key(s))), None)


def by_sheet_names(source: Source, book: Workbook, heads: Heads) -> str | None:
    """Every required table's sheet, named by its id (sheet names only: no sheet is read)."""
    specs = [t for t in source.options.get("tables", []) if t.get("id") and not t.get("optional")]
    return every_sheet(specs, lambda spec: _sheet_named(book, spec["id"]))


def published_on(source: Source, book: Workbook, heads: Heads) -> date | None:
    spec = required_table(source.options)
    if spec is None:
        return None
    return last_period(book, [_sheet_named(book, spec.get("id", ""))], spec, source.publication_lag_months)
