"""An ONS long-term international migration workbook recognised by content: the main table's header row
(sheet `1` / `Table 1` first); dated by its last year-ending period plus the publication lag."""
from __future__ import annotations

from datetime import date

from flows.catalog import Source
from flows.parsing import Workbook, column_specs, find_spec_header, label_key
from flows.parsing.content import MAX_HEADER_SHEETS, Heads, last_period, listed, required_table
from flows.sources.ons_ltim.parser import parse_period


def _sheets(source: Source, book: Workbook, default: list[str]) -> list[str]:
    preferred = {label_key(s) for s in source.options.get("sheets") or default}
    first = [s for s in book.sheet_names if label_key(s) in preferred]
    return first + [s for s in book.sheet_names if s not in first]


def by_headers(source: Source, book: Workbook, heads: Heads) -> str | None:
    specs = (column_specs(source.options.get("columns"))
             + column_specs(source.options.get("optional_columns"), required=False))
    for sheet in _sheets(source, book, ["1", "Table 1"])[:MAX_HEADER_SHEETS]:
        header = find_spec_header(heads(sheet), sheet, specs, scan_rows=Heads.ROWS)
        if header.row >= 0 and not header.missing:
            return f"a header row with {listed([s.published for s in specs if s.required])} (sheet {sheet})"
    return None


def published_on(source: Source, book: Workbook, heads: Heads) -> date | None:
    spec = required_table(source.options)
    if spec is None:
        return None
    def period_end(value: object) -> date | None:
        parsed = parse_period(value)
        return parsed[4] if parsed is not None else None
    return last_period(book, _sheets(source, book, []), spec, source.publication_lag_months, period_end)
