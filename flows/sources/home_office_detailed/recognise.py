"""A Home Office detailed dataset recognised by content: its data sheets named by table id (`Data - Irr_D01`,
`Data_Ret_D01`; nothing read), dated by the last quarter (or as-at date) of its first table plus the lag."""
from __future__ import annotations

from datetime import date

from flows.catalog import Source
from flows.parsing import Workbook
from flows.parsing.content import Heads, every_sheet, last_period, required_table
from flows.sources.home_office_detailed.parser import find_data_sheet


def _ids(spec: dict) -> list[str]:
    return spec["ids"] if isinstance(spec.get("ids"), list) else [spec["ids"]]


def by_sheet_names(source: Source, book: Workbook, heads: Heads) -> str | None:
    specs = [t for t in source.options.get("tables", []) if not t.get("optional")]
    return every_sheet(specs, lambda spec: find_data_sheet(book, _ids(spec)))


def published_on(source: Source, book: Workbook, heads: Heads) -> date | None:
    spec = required_table(source.options)
    if spec is None:
        return None
    return last_period(book, [find_data_sheet(book, _ids(spec))], spec, source.publication_lag_months)
