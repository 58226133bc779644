"""Workbooks in published layouts, built in code from small tables (never copied from ../shared)."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

SB_DAILY_HEADER = ["Date", "Migrants arrived", "Boats arrived", "Boats arrived - involved in uncontrolled landings", "Notes"]
SB_WEEKLY_HEADER = ["Week ending", "Migrants arrived", "Boats arrived", "Boats arrived - involved in uncontrolled landings",
                    "Migrants prevented", "Events prevented", "Notes"]


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Each sheet a grid of cells (no header inference); .ods via odfpy, .xlsx via openpyxl."""
    engine = "odf" if path.suffix == ".ods" else "openpyxl"
    with pd.ExcelWriter(path, engine=engine) as writer:
        for name, grid in sheets.items():
            width = max((len(row) for row in grid), default=0)
            grid = [list(row) + [None] * (width - len(row)) for row in grid]
            pd.DataFrame(grid).to_excel(writer, sheet_name=name, header=False, index=False)
    return path


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


# --- Home Office detailed datasets and transparency workbooks -----------------------------------

def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Like write_workbook for .xlsx, with openpyxl's write-only mode: fast for sheets of many rows."""
    import math

    from openpyxl import Workbook as XlsxWorkbook

    def cell(value):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
            return None
        if hasattr(value, "item") and not isinstance(value, (str, bytes)):
            return value.item()     # numpy scalars
        return value

    book = XlsxWorkbook(write_only=True)
    for name, grid in sheets.items():
        sheet = book.create_sheet(name)
        for row in grid:
            sheet.append([cell(v) for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


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


def transparency_sheet(table_id: str, title: str, header: list[str], rows: list[list], header_row: int = 6,
                       notes: list[str] | None = None) -> list[list]:
    """A transparency data sheet: title with glued footnote markers, 'Back to Contents', blank rows,
    the header on `header_row` (6 in most sheets), rows, then trailing blank rows and notes."""
    grid: list[list] = [[f"{table_id}: {title}1,2"], ["Back to Contents"]]
    grid += [[None]] * (header_row - 3)
    grid.append(header + [None, None])          # trailing blank columns
    grid += [row + [None, None] for row in rows]
    grid += [[None], [None]]
    for note in notes or []:
        grid.append([note])
    width = max(len(row) for row in grid)
    return [row + [None] * (width - len(row)) for row in grid]


def transparency_contents(tables: dict[str, str]) -> list[list]:
    return [["Immigration Enforcement Data"], ["Publication Date: 22 May 2025"], [None], ["Table", "Title"]] + \
           [[t, title] for t, title in tables.items()]


# --- ONS long-term international migration, provisional ----------------------------------------------

LTIM_HEADER = ["Flow", "Period", "All nationalities", "British", "EU+", "Non-EU+"]
LTIM_ACCESSIBLE_HEADER = ["Flow", "Period", "All Nationalities", "British", "EU", "Non-EU"]


def ltim_rows(periods: list[str], immigration: list[int], emigration: list[int], net_label: str = "Net migration",
              flow_on_every_row: bool = True) -> list[list]:
    """Table 1 rows, stacked Immigration / Emigration / Net migration; nationality columns that add up."""
    rows: list[list] = []
    blocks = [("Immigration", immigration), ("Emigration", emigration),
              (net_label, [i - e for i, e in zip(immigration, emigration)])]
    for flow, values in blocks:
        for n, (period, value) in enumerate(zip(periods, values)):
            british = round(value * 0.1, -3)
            eu = round(value * 0.2, -3)
            rows.append([flow if flow_on_every_row or n == 0 else None, period, value, british, eu, value - british - eu])
    return rows


def ltim_sheets(rows: list[list], header: list[str] = LTIM_HEADER, main_sheet: str = "1", header_row: int = 6,
                accessible: bool = False) -> dict[str, list[list]]:
    """An LTIM edition: Cover / Contents / Notes, then numbered sheets; the main table on sheet `main_sheet` with
    its header on `header_row` (6 in May 2026), notes below a blank row. `accessible`: the December 2023
    layout (the main table the fourth sheet)."""
    main: list[list] = [["Table 1: Long-term international migration, provisional, UK, year ending June 2012 to year ending December 2025"],
                        ["This worksheet contains one table."], ["Source: Office for National Statistics"]]
    main += [[None]] * (header_row - 4)
    main.append(list(header))
    main += [list(r) for r in rows]
    main += [[None], ["Notes: figures are rounded to the nearest thousand. P = provisional, R = revised."]]
    uncertainty = [["Table 2: Uncertainty"], [None], ["Flow", "Period", "Estimate", "Lower bound", "Upper bound"],
                   ["Immigration", "YE Dec 25 P", 898000, 850000, 950000]]
    sheets: dict[str, list[list]] = {
        "Cover": [["Long-term international migration, provisional"], ["Released: 27 November 2025"]],
        "Contents": [["Table", "Title"], ["1", "Immigration, emigration and net migration"], ["2", "Uncertainty"]],
        "Notes": [["Note number", "Note text"], ["1", "Year ending (YE) periods; P provisional; R revised."]],
    }
    if accessible:
        sheets["Table_1_accessible"] = main
        sheets["Table_2"] = uncertainty
    else:
        sheets[main_sheet] = main
        sheets["2"] = uncertainty
        sheets["4a"] = [["Table 4a: by reason"], [None], ["Flow", "Period", "Work", "Study"], ["Immigration", "YE Dec 25 P", 1, 2]]
    return sheets


# --- Home Office asylum support: national (Asy_D09) and by local authority (Asy_D11) ------------------

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
