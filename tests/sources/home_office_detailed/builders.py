"""Home Office detailed datasets (`Data - <ID>` / `Data_<ID>` sheets), asylum support D09/D11. Built in code from small tables (never copied from ../shared)."""
from __future__ import annotations

from datetime import date

import pandas as pd


def data_sheet_name(table_id: str, style: str = "2024") -> str:
    """`Data - Ret_D01` (releases to 2024) or `Data_Ret_D01` (from 2025)."""
    return f"Data - {table_id}" if style == "2024" else f"Data_{table_id}"


def ho_dataset_sheets(tables: dict[str, tuple[str, pd.DataFrame]], style: str = "2024", header_row: int = 2,
                      end_marker: bool = True) -> dict[str, list[list]]:
    """A detailed dataset workbook in the published layout: cover and contents sheets, then for each
    table id a pivot sheet `<ID>` (not data) beside its flat sheet: title in row 1, header in row
    `header_row` (2 as published), rows, and `End of table` last."""
    sheets: dict[str, list[list]] = {
        "Cover_sheet": [[None], ["Immigration system statistics"], ["Detailed datasets"]],
        "Contents": [["Contents"], [None], [None], ["Sheet", "Title"]] + [[data_sheet_name(t, style), title]
                                                                          for t, (title, _) in tables.items()],
    }
    for table_id, (title, frame) in tables.items():
        sheets[table_id] = [[f"{title} - pivot table"], [None], ["Year", "(All)"], [None], ["Sum of values", "Total"],
                            ["Grand Total", 1]]
        grid: list[list] = [[f"{title} - dataset"]]
        grid += [[None]] * (header_row - 2)
        grid.append(list(frame.columns))
        grid += frame.astype(object).where(frame.notna(), None).values.tolist()
        if end_marker:
            grid.append(["End of table"])
        sheets[data_sheet_name(table_id, style)] = grid
    return sheets


def quarter_label(year, quarter) -> str:
    return f"{int(year)} Q{int(quarter)}"


def published_returns(frame: pd.DataFrame) -> pd.DataFrame:
    """A derived returns CSV (Date added, Quarter an integer, floats) back in the published layout:
    no Date, Quarter as 'YYYY Qn', counts and years as integers."""
    out = frame.drop(columns=[c for c in ("Date",) if c in frame.columns]).copy()
    out["Year"] = out["Year"].astype(int)
    out["Quarter"] = [quarter_label(y, q) for y, q in zip(out["Year"], out["Quarter"])]
    count = out.columns[-1]
    out[count] = out[count].astype(int)
    return out

# The headers of the 2025-26 editions (`Data_Asy_D09`, `Data_Asy_D11`): the date column says what it is in brackets
# and holds text dates ('31 Dec 2025'); 'Region' in Asy_D09 is the nationality's world region, the UK's is
# 'UK Region / Nation'.
ASY_D09_HEADER = ["Date (as at\u2026)", "Nationality", "Region", "Support Type", "Accommodation Type", "UK Region / Nation", "People"]

ASY_D11_HEADER = ["Date (as at\u2026)", "Support Type", "UK Region / Nation", "Local Authority", "LAD Code", "Accommodation Type",
                  "People"]

SECTION_4_LEGACY = "N/A - Section 4 (pre-2018)"

# (UK region, local authority, LAD code, share of each accommodation type's people)
SUPPORT_AREAS = [("London", "Hillingdon", "E09000017", 0.5), ("North West", "Manchester", "E08000003", 0.3),
                 ("Scotland", "Glasgow City", "S12000049", 0.2)]

SUPPORT_NATIONALITIES = [("Iran", "Middle East", 0.6), ("Afghanistan", "Asia Central", 0.4)]


def _shares(total: int, weights: list[float]) -> list[int]:
    """`total` split by `weights`, the remainder on the last part: the parts always add up to `total`."""
    parts = [int(total * w) for w in weights[:-1]]
    return parts + [total - sum(parts)]


def asylum_support_frames(hotels: dict[date, int], date_text: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Asy_D09 and Asy_D11 data frames, in the 2025-26 headers, built from one set of cells so that they agree:
    for each quarter-end date, `hotels[d]` people in 'Contingency Accommodation - Hotel' (split across three local
    authorities and, in Asy_D09, two nationalities), beside section 95 dispersal accommodation, subsistence only and
    section 98 initial accommodation; a date before 2018 adds the legacy section 4 row whose area cells read
    'N/A - Section 4 (pre-2018)'. Dates as text ('31 Dec 2025') unless `date_text` is false.

    Returns (d09, d11). Summed over everything but the date, support type and accommodation type, they are equal."""
    d11: list[list] = []
    for day, hotel in sorted(hotels.items()):
        stamp = f"{day.day} {day.strftime('%b')} {day.year}" if date_text else pd.Timestamp(day)
        cells = [("Section 95", "Contingency Accommodation - Hotel", hotel),
                 ("Section 95", "Dispersal Accommodation", 2 * hotel + 1001),
                 ("Section 95", "Subsistence Only", hotel // 10 + 7),
                 ("Section 98", "Initial Accommodation", hotel // 20 + 3)]
        for support, accommodation, people in cells:
            for (region, authority, code, _w), n in zip(SUPPORT_AREAS, _shares(people, [a[3] for a in SUPPORT_AREAS])):
                d11.append([stamp, support, region, authority, code, accommodation, n])
        if day < date(2018, 1, 1):
            d11.append([stamp, "Section 4", SECTION_4_LEGACY, SECTION_4_LEGACY, SECTION_4_LEGACY, "Dispersal Accommodation", 321])
    d11_frame = pd.DataFrame(d11, columns=ASY_D11_HEADER)
    d09: list[list] = []
    for stamp, support, region, _authority, _code, accommodation, people in d11:
        for (nationality, world_region, _w), n in zip(SUPPORT_NATIONALITIES, _shares(people, [n[2] for n in SUPPORT_NATIONALITIES])):
            if n:
                d09.append([stamp, nationality, world_region, support, accommodation, region, n])
    return pd.DataFrame(d09, columns=ASY_D09_HEADER), d11_frame
