"""Parsers by layout family. A catalog entry names one of these; options come from the entry."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flows.parsers import adhoc_notes, dfe, ho_detailed, moj, ons, small_boats, transparency
from flows.parsers.common import Table, Workbook

# a Workbook for xlsx/ods; the (checked) file path for zip, csv, json and html
Parser = Callable[[Workbook | Path, dict], list[Table]]

PARSERS: dict[str, Parser] = {
    "small_boats": small_boats.parse,
    "ho_detailed": ho_detailed.parse,          # Home Office detailed datasets: `Data - <ID>` / `Data_<ID>` sheets
    "transparency": transparency.parse,        # migration transparency data (Immigration Enforcement, UKVI)
    "ons_ltim": ons.parse,                     # ONS long-term international migration, provisional: Table 1
    "dfe_national_totals": dfe.parse,          # DfE explore education statistics CSV: national rows, every filter `Total`
    "moj_outcomes": moj.parse,                 # MoJ outcomes by offence, zipped CSVs, offences selected by description
    "adhoc_notes": adhoc_notes.parse,          # Home Office ad-hoc notes: HTML tables (Content API JSON or saved page)
}
