"""ONS long-term international migration editions: cover, contents, notes and Table 1. Built in code from small tables (never copied from ../shared)."""
from __future__ import annotations

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
