"""Cell values: numbers published as text, text cleaned, periods and dates as UK publishers write them."""
from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd

from flows.parsing.labels import _WS
from flows.errors import FailureCase
from flows.parsing.workbook import Table, TableNotFound, _is_text_column, map_values


# --- cell values -------------------------------------------------------------------------

# Numbers published as text: '1,234', ' 56 ', '1,234.5'. Anything else (e.g. '12a') is left
# as published, so validation rejects it and names its sheet, row and column.
# ASCII digits only: other scripts' digits ('\u0665') are left as published, so validation names them.
_NUMBER_TEXT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$", re.ASCII)


def _number(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER_TEXT.match(text):
            number = float(text.replace(",", ""))
            return int(number) if number.is_integer() and "." not in text else number
    return value


def parse_numbers(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Count and amount columns: numbers stored as text become numbers (once per distinct value)."""
    for column in columns:
        if column in frame.columns and _is_text_column(frame[column]):
            frame[column] = map_values(frame[column], _number).infer_objects()
    return frame


def _text(value: object) -> object:
    return _WS.sub(" ", value).strip() if isinstance(value, str) else value


def clean_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns: surrounding and repeated whitespace (including non-breaking spaces) removed."""
    for column in columns:
        if column in frame.columns and _is_text_column(frame[column]):
            frame[column] = map_values(frame[column], _text)
    return frame


# --- periods ------------------------------------------------------------------------------

# a quarter published without its year ('Q3', 'q3'), beside a year column
_QUARTER_ALONE = re.compile(r"^\s*Q([1-4])\s*$", re.IGNORECASE)
QUARTER_UNREADABLE = "quarter labels that cannot be read"


def add_quarter_periods(data: "pd.DataFrame | Table", quarter: str = "quarter", year: str | None = "year") -> pd.DataFrame:
    """Quarter labels made canonical ('Q3 2023' -> '2023 Q3'; 'Q3' or 3 beside year 2023 -> '2023 Q3') and
    period_start/period_end added.

    Given the parser's Table (`add_quarter_periods(table)`), a cell that gives no quarter ('Q5', 'Q3' with no
    year beside it, a blank) is refused: TableNotFound naming its sheet, row, column and label, never a period
    left empty for validation to blame on period_start. Given only a frame (the families whose schemas check the
    quarter column's labels themselves), such a label is kept as published, with no period."""
    from flows import periods   # lazy: flows.periods imports the catalog, which imports the parsers

    table = data if isinstance(data, Table) else None
    frame = table.frame if table is not None else data
    published = frame[quarter]
    labels = map_values(published, lambda v: periods.quarter_label(v) or v)
    number = None
    if year is not None and year in frame.columns:
        alone = map_values(labels, lambda v: int(m.group(1)) if isinstance(v, str) and (m := _QUARTER_ALONE.match(v)) else v)
        number = pd.to_numeric(alone.where(alone.map(type) != str), errors="coerce")
        years = pd.to_numeric(frame[year], errors="coerce")
        combine = number.isin([1, 2, 3, 4]) & years.notna() & (years % 1 == 0)
        if combine.any():
            labels = labels.astype(object)
            labels[combine] = (years[combine].astype("int64").astype(str) + " Q" + number[combine].astype("int64").astype(str))
    read = map_values(labels, lambda v: periods.parse_quarter(v) is not None).fillna(False).astype(bool)
    if table is not None and not read.all():
        raise TableNotFound(_unreadable_quarters(table, quarter, year, published[~read], number), QUARTER_UNREADABLE)
    frame[quarter] = labels
    starts = map_values(labels, lambda v: periods.quarter_bounds(v)[0] if periods.parse_quarter(v) else pd.NA)
    ends = map_values(labels, lambda v: periods.quarter_bounds(v)[1] if periods.parse_quarter(v) else pd.NA)
    frame["period_start"] = pd.to_datetime(starts)
    frame["period_end"] = pd.to_datetime(ends)
    if table is not None:    # a period's problems (a quarter after publication) are the quarter cell's
        table.labels.setdefault("period_start", table.labels.get(quarter, quarter))
        table.labels.setdefault("period_end", table.labels.get(quarter, quarter))
    return frame


def _unreadable_quarters(table: Table, quarter: str, year: str | None, bad: pd.Series,
                         number: pd.Series | None) -> list[FailureCase]:
    """Each cell of `bad` (row -> quarter as published) named: the year cell where the quarter alone was
    readable ('Q3' beside a blank or '2023r' year), else the quarter cell."""
    quarter_label = table.labels.get(quarter, quarter)
    cases = []
    for row, value in bad.items():
        if number is not None and number.get(row) in (1, 2, 3, 4):
            cell = table.frame.at[row, year]
            cases.append(FailureCase(table.sheet, int(row), table.labels.get(year, year),
                                     f"no year for quarter {value!r}: not a whole year",
                                     None if pd.isna(cell) else str(cell)))
        elif pd.isna(value):
            cases.append(FailureCase(table.sheet, int(row), quarter_label, "blank: no quarter"))
        else:
            alone = " (a quarter without a year, and the table has no year column)" \
                if isinstance(value, str) and _QUARTER_ALONE.match(value) else ""
            cases.append(FailureCase(table.sheet, int(row), quarter_label,
                                     f"not a quarter{alone}: expected Q1 to Q4 beside a year, or a label such as "
                                     "'2023 Q3' or 'Q3 2023'", str(value)))
    return cases


# Date text as UK publishers write it: day first, or ISO year first. Four-digit years only. Nothing else
# is read as a date: '02/23/2026' (month first), '5/2/26' (which century?), '2026/05/02' are refused, not guessed.
_DATE_TEXT_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
                      "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?,? (\d{4})", re.IGNORECASE)


def parse_date_text(value: str) -> pd.Timestamp | None:
    """A date written as text, read day first ('05/02/2026' is 5 February; '5 Feb 2026', '5 Sept 2026',
    '2026-02-05' too); None for anything else, including month-first and invalid dates."""
    text = _WS.sub(" ", value).strip()
    m = _DAY_MONTH_YEAR.fullmatch(text)
    if m:
        from flows.periods import MONTHS
        month = MONTHS.get(m.group(2).casefold())
        try:
            return pd.Timestamp(date(int(m.group(3)), month, int(m.group(1)))) if month else None
        except ValueError:
            return None
    for fmt in _DATE_TEXT_FORMATS:
        try:
            return pd.Timestamp(datetime.strptime(text, fmt)).normalize()
        except ValueError:
            continue
    return None


def day_of_page_time(text: object) -> date | None:
    """The day of a time a web page gives: an ISO 8601 date-time as GOV.UK writes it (its own offset: London's date,
    as discovery reads a page's), or '31 March 2025'; None for anything else."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    if re.match(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    parsed = parse_date_text(text)
    return parsed.date() if parsed is not None else None


def _as_timestamp(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.normalize()
    if hasattr(value, "year") and hasattr(value, "month"):
        return pd.Timestamp(value).normalize()
    if isinstance(value, str):
        parsed = parse_date_text(value)     # UK day-first, never US
        if parsed is not None:
            return parsed
    return value    # left as published: the loader refuses it, naming the cell


def add_stock_periods(frame: pd.DataFrame, as_at: str = "as_at", quarter: str = "quarter", year: str | None = "year") -> pd.DataFrame:
    """A stock counted at a date: the quarter it closes gives period_start/period_end.

    From a quarter label where the table has one (as_at then defaults to the quarter's last day),
    otherwise from the as-at date (the quarter containing it; validation checks it is the quarter's end).
    """
    from flows import periods

    has_quarter = quarter in frame.columns and frame[quarter].notna().any()
    if as_at in frame.columns:
        frame[as_at] = map_values(frame[as_at], _as_timestamp).infer_objects()
    if has_quarter:
        add_quarter_periods(frame, quarter, year)
        if as_at not in frame.columns or frame[as_at].isna().all():
            frame[as_at] = frame["period_end"]
        return frame
    dates = frame[as_at] if as_at in frame.columns else pd.Series(pd.NA, index=frame.index, dtype=object)
    def bounds(value: object, which: int) -> object:
        return pd.Timestamp(periods.quarter_containing(value.date())[which]) if isinstance(value, pd.Timestamp) else pd.NA
    frame["period_start"] = pd.to_datetime(map_values(dates, lambda v: bounds(v, 0)))
    frame["period_end"] = pd.to_datetime(map_values(dates, lambda v: bounds(v, 1)))
    frame[quarter] = map_values(dates, lambda v: f"{v.year} Q{(v.month - 1) // 3 + 1}" if isinstance(v, pd.Timestamp) else pd.NA)
    return frame
