"""Spreadsheets read as raw cell grids (calamine), tables found by their header row and cut out."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from flows.errors import FailureCase
from flows.parsing.error_cells import CellError, ErrorCells
from flows.parsing.files import check_archive, check_spreadsheet, spreadsheet_kind
from flows.parsing.labels import MISSING_MARKERS, clean_label, column_name, label_key
from flows.parsing.ods_check import OdsContentScan


# Only an empty cell (calamine's '') is missing here. pandas' NA strings ('#N/A', 'None', 'NULL', 'nan', ...) are
# not publishers' markers: as text in a count they are refused by validation, naming the cell, never blanked.
# What publishers write for "no value" ('-', ':', 'n/a', ...) is labels.MISSING_MARKERS, applied by cut_table.
cell_types = np.frompyfunc(type, 1, 1)      # each cell's Python type, in one call


def _whole_floats_as_ints(values: np.ndarray, floats: np.ndarray) -> None:
    """values[floats] (float cells) that are whole numbers become ints, in place, as pandas.read_excel gives them:
    inside int64's range only (2e19 stays the float it is: cast, it wrapped to -2**63)."""
    numbers = values[floats].astype(float)
    whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (np.abs(numbers) < 2.0**63)
    values[floats[whole]] = numbers[whole].astype(np.int64)


def _grid_column(values: np.ndarray) -> np.ndarray:
    """Calamine cells (a 1-D object array, converted in place) as pandas.read_excel(header=None) gives them, in
    bulk rather than per cell: whole floats become ints, dates become datetimes, empty cells become NaN (pandas'
    NA strings stay the text they are). Cell by cell, so one call can take a whole sheet's cells (see Workbook._read)."""
    types = cell_types(values)
    is_float, is_text = types == float, types == str
    others = np.flatnonzero(~(is_float | is_text))     # empty (None) and date cells: compared apart, being few
    floats = np.flatnonzero(is_float)
    if len(floats):
        _whole_floats_as_ints(values, floats)
    texts = np.flatnonzero(is_text)
    if len(texts):
        # only an empty cell (calamine's '') is missing here; the cells are all str, compared in C (no hash table)
        missing = values[texts] == ""
        values[texts[missing]] = np.nan
    kinds = types[others]
    values[others[kinds == type(None)]] = np.nan
    for i in others[kinds == date]:             # date-only cells (datetime is a subclass, not matched)
        values[i] = datetime(values[i].year, values[i].month, values[i].day)
    return values


def _grid_cells(cells: np.ndarray) -> None:
    """_grid_column on a sheet's cells (a 2-D object array, one row per column, converted in place). A column of
    text only or of numbers only (most of a data sheet's) is recognised by pandas' type inference, at C speed, and
    converted as such (text: '' becomes NaN; floats: whole ones become ints); the others together, cell by cell.
    The same result: the cells are calamine's (Python str, float, int, bool, dates and times, None) or CellError,
    a str whose text is never ''."""
    rest = []
    for j, column in enumerate(cells):
        kind = pd.api.types.infer_dtype(column, skipna=False)
        if kind == "string":
            column[column == ""] = np.nan
        elif kind == "floating":
            _whole_floats_as_ints(column, np.arange(len(column)))
        elif kind != "integer":     # ints are left as they are
            rest.append(j)
    if len(rest) == len(cells):
        _grid_column(cells.reshape(-1))
    elif rest:
        others = cells[rest]      # a copy: converted, then put back
        _grid_column(others.reshape(-1))
        cells[rest] = others


def open_document(path: Path, fmt: str, max_unzipped_bytes: int, name: str | None = None) -> "Workbook | Path":
    """What a parser reads: a Workbook for xlsx/ods (checked first), the checked path for zip,
    the path itself for csv, json and html (already bounded in size by the download).

    A spreadsheet is read as what its content is (xlsx or ods), whatever the catalog's format or the file's
    name say; an ods's grid is checked first (check_ods_grid). Errors name the file as `name`."""
    if fmt in ("xlsx", "ods"):
        content = OdsContentScan()      # an ods's grid checked on the zip check's read of content.xml
        check_spreadsheet(path, max_unzipped_bytes, name, content.read_member)
        kind = spreadsheet_kind(path, name)
        ods_errors_seen = content.result(path, name) if kind == "ods" else None
        return Workbook(path, name=name, kind=kind, ods_errors_seen=ods_errors_seen)
    if fmt == "zip":
        check_archive(path, max_unzipped_bytes, name)
    return path


class Workbook:
    """Sheets read lazily with the calamine engine, as raw cell grids (no header guessing).

    Cells come straight from python-calamine and are converted in bulk, with the
    same result as pandas.read_excel(header=None, keep_default_na=False) (whole floats as ints, dates as datetimes,
    empty cells as NaN; text such as 'NA' or 'None' kept as text) but without its Python call per cell and its text
    parser's copies: for a 400,000-row sheet what remains is calamine's own parse of the XML
    (about 5 s here), and peak memory is about 140 MB lower.
    """

    def __init__(self, path: Path, name: str | None = None, kind: str | None = None,
                 ods_errors_seen: bool | None = None):
        self.path = path
        self.name = name or path.name           # the published file name, for messages
        self.kind = kind or spreadsheet_kind(path, self.name)
        self._book = pd.ExcelFile(path, engine="calamine")   # pandas hands calamine an open file: read by content
        self.sheet_names: list[str] = list(self._book.sheet_names)
        self._cache: dict[str, pd.DataFrame] = {}
        # error cells, which calamine reads as empty (or as 0); whether an ods has any is known from its grid check
        self._errors = ErrorCells(path, self.kind, ods_errors_seen)

    def _read(self, sheet: str, nrows: int | None = None) -> pd.DataFrame:
        rows = self._book.book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=nrows)
        if not rows:
            return pd.DataFrame()
        width = max(map(len, rows))
        grid = np.full((len(rows), width), None, dtype=object)
        try:
            grid[:] = rows                   # calamine's rows are all as wide as the sheet
        except ValueError:
            for i, row in enumerate(rows):   # pad any that are not
                grid[i, :len(row)] = row
        del rows
        for (row, column), error in self._errors.of(sheet).items():   # the grid starts at A1 (skip_empty_area=False)
            if row < grid.shape[0] and column < grid.shape[1]:
                grid[row, column] = CellError(error)
        # every cell converted in one call (a fixed cost per call, not per column: wide sheets with many
        # blank columns, and the 3-row heads read to find titles, were paying it dozens of times)
        cells = np.ascontiguousarray(grid.T)   # a copy, one row per column
        del grid
        _grid_cells(cells)
        frame = pd.DataFrame(dict(zip(range(cells.shape[0]), cells)))
        del cells
        return frame.infer_objects()

    def grid(self, sheet: str) -> pd.DataFrame:
        if sheet not in self._cache:
            if sheet not in self.sheet_names:
                raise ValueError(f"no sheet named {sheet!r} in {self.name}")
            self._cache[sheet] = self._read(sheet)
        return self._cache[sheet]

    def head(self, sheet: str, rows: int = 12) -> pd.DataFrame:
        """The first `rows` rows of a sheet (titles, headers), without reading the rest into a frame."""
        if sheet in self._cache:
            return self._cache[sheet].iloc[:rows]
        return self._read(sheet, nrows=rows)

    def error_cells(self, sheet: str) -> dict[tuple[int, int], str]:
        """The sheet's error cells: (0-based row, 0-based column) -> the error as the spreadsheet shows it."""
        return self._errors.of(sheet)

    def forget(self, sheet: str) -> None:
        """Drop a sheet's cached grid once its table is cut out (large sheets hold hundreds of MB)."""
        self._cache.pop(sheet, None)

    def close(self) -> None:
        self._cache.clear()
        self._errors.close()
        self._book.close()


def head_labels(grid: pd.DataFrame, rows: int) -> list[list[str]]:
    """The first `rows` rows of a grid as cleaned labels (taken out of the frame in one step, not row by row)."""
    cells = grid.iloc[:rows].to_numpy(dtype=object)
    return [[_clean_label_cached(v) for v in row] for row in cells]


# Header rows repeat across sheets and files; grid cells (text, numbers, dates, NaN) are all hashable.
_clean_label_cached = lru_cache(maxsize=8192, typed=True)(clean_label)
# A header's column name, asked for every pair of its labels (alike_columns): the same pure function, once per label.
_column_name_cached = lru_cache(maxsize=8192, typed=True)(column_name)


@dataclass
class HeaderMatch:
    sheet: str
    row: int                        # 0-based position in the grid
    found: list[str]
    missing: list[str]
    labels: list[str] = field(default_factory=list)


def find_header(grid: pd.DataFrame, sheet: str, required: list[str], scan_rows: int = 30) -> HeaderMatch:
    """The row within the first `scan_rows` that holds the most of `required` labels."""
    wanted = {label_key(r): r for r in required}
    best = HeaderMatch(sheet, -1, [], list(required))
    for pos, labels in enumerate(head_labels(grid, scan_rows)):
        keys = {label.casefold() for label in labels}
        found = [wanted[k] for k in wanted if k in keys]
        if len(found) > len(best.found):
            best = HeaderMatch(sheet, pos, found, [wanted[k] for k in wanted if k not in keys], labels)
            if not best.missing:
                break
    return best


def locate_table(book: Workbook, required: list[str], sheet_hint: re.Pattern | str | None = None,
                 other_tables: dict[str, list[str]] | None = None) -> HeaderMatch:
    """Find the sheet and header row of a table by its column names (and, if given, a sheet-name pattern, compiled
    or as text, searched in each sheet's name as clean_label reads it: "Data - Enf_D01" matches "Enf_D01").

    `other_tables` (name -> its required columns): the workbook's other tables that share columns with this one. A
    header row holding every column of one of them is that table, never this one with columns missing: SB_02's
    weekly header has three of SB_01's four daily columns, so a daily sheet emptied or cut was blamed on the good
    weekly sheet ("sheet 'SB_02', row 1, column 'Date' missing")."""
    if isinstance(sheet_hint, str):
        sheet_hint = re.compile(sheet_hint)
    sheets = [s for s in book.sheet_names if sheet_hint is None or sheet_hint.search(clean_label(s))]
    best: HeaderMatch | None = None
    others: list[tuple[HeaderMatch, str]] = []      # rows that are another table's header
    for sheet in sheets:
        match = find_header(book.grid(sheet), sheet, required)
        if not match.missing:
            return match
        if (other := _other_table(match, other_tables or {})) is not None:
            others.append((match, other))
            continue
        if best is None or len(match.found) > len(best.found):
            best = match
    # a header with no more than half the columns is another table (SB_01's shares three of SB_02's six): naming
    # it would blame a good sheet for a table that is not there at all
    if best is None or 2 * len(best.found) <= len(required):
        where = f"sheets matching {sheet_hint.pattern!r}" if sheet_hint is not None else "any sheet"
        nearest = "".join(f"; sheet {m.sheet!r} row {m.row + 1} has {', '.join(m.found)} but is the header of "
                          f"{name} ({', '.join(other_tables[name])})" for m, name in others)
        if best is not None and best.found:
            nearest += f"; the nearest, sheet {best.sheet!r} row {best.row + 1}, has only {', '.join(best.found)}"
        raise TableNotFound([FailureCase(None, None, None, f"no header row with {', '.join(required)} in {where} "
                                                           f"(sheets: {', '.join(book.sheet_names)}){nearest}")])
    raise TableNotFound([FailureCase(best.sheet, best.row + 1, m, f"expected column {m!r} missing from the header row") for m in best.missing])


def _other_table(match: HeaderMatch, other_tables: dict[str, list[str]]) -> str | None:
    """The name of the other table whose every column the matched header row holds, if any."""
    keys = {label.casefold() for label in match.labels}
    return next((name for name, columns in other_tables.items() if all(label_key(c) in keys for c in columns)), None)


class TableNotFound(Exception):
    """A table the parser needs cannot be read as published; `what` says how, for the release's message."""
    what = "table not found where expected"

    def __init__(self, cases: list[FailureCase], what: str | None = None):
        super().__init__("; ".join(c.describe() for c in cases))
        self.cases = cases
        if what:
            self.what = what


class TableCutShort(TableNotFound):
    what = "a table cut short by a blank row"


def read_each(specs: list[dict], read) -> list[Table]:
    """Every table a catalog entry lists, read with `read(spec)` (a Table, a list of them, or None for an
    absent optional table); all missing tables reported together in one TableNotFound."""
    tables: list[Table] = []
    cases: list[FailureCase] = []
    whats: list[str] = []
    for spec in specs:
        try:
            found = read(spec)
        except TableNotFound as exc:
            cases.extend(exc.cases)
            whats += [exc.what] if exc.what not in whats else []
            continue
        tables.extend(found if isinstance(found, list) else [] if found is None else [found])
    if cases:
        raise TableNotFound(cases, "; ".join(whats))
    return tables


@dataclass
class Table:
    """A table cut out of a sheet: columns renamed to warehouse names, index = sheet row number (1-based)."""
    name: str
    sheet: str
    frame: pd.DataFrame
    labels: dict[str, str]          # warehouse column -> label as published
    # category labels the parser did not know: (column, label, rows); kept in the data, reported
    unknown_categories: list[tuple[str, str, int]] = field(default_factory=list)


def map_values(series: pd.Series, func) -> pd.Series:
    """`series.map(func)`, but `func` runs once per distinct value (hash-based), not once per cell.

    Missing cells (NaN/None/NA) stay missing without calling `func`. The result has object dtype.
    Hashing treats True as 1 and False as 0, so a column holding booleans is mapped cell by cell.
    """
    if series.dtype == object and (cell_types(series.to_numpy()) == bool).any():
        return series.map(lambda v: pd.NA if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else func(v)).astype(object)
    return _map_distinct(series, func)


def _map_distinct(series: pd.Series, func) -> pd.Series:
    """map_values for a series without booleans: `func` once per distinct value, missing cells NA."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [func(u) for u in uniques]
    mapped[-1] = pd.NA
    return pd.Series(mapped[codes], index=series.index, dtype=object, name=series.name)


def _cell(value: object) -> object:
    if isinstance(value, str):
        return pd.NA if value.strip().casefold() in MISSING_MARKERS else value.strip()
    return value


def _clean_cells(columns: list[pd.Series]) -> list[pd.Series]:
    """`_cell` on every text cell of the columns (once per distinct text), missing cells as NA, other cells
    unchanged, as object columns. A column of text only (str dtype) is factorised as it is, with no per-cell type
    test nor copy to Python objects first; the others, mixed, in one pass together (_clean_mixed_cells)."""
    text_only = {i: _map_distinct(series, _cell) for i, series in enumerate(columns)
                 if isinstance(series.dtype, pd.StringDtype)}
    # an object column of numbers or dates only, none missing (a table's counts and dates below a text header):
    # nothing to clean, the column as it is (what _clean_mixed_cells would give it, at the cost of a pass per cell)
    done = {i: series for i, series in enumerate(columns) if i not in text_only and _nothing_to_clean(series)}
    done.update(text_only)
    mixed = iter(_clean_mixed_cells([series for i, series in enumerate(columns) if i not in done]))
    return [done[i] if i in done else next(mixed) for i in range(len(columns))]


_NEITHER_TEXT_NOR_MISSING = frozenset({"integer", "boolean", "datetime", "date", "time", "timedelta"})


def _nothing_to_clean(series: pd.Series) -> bool:
    """An object column whose cells are all ints, booleans, dates or times (pandas' type inference, at C speed),
    none of them missing (NaN, None, NaT): no text for `_cell`, nothing to make NA."""
    return (series.dtype == object and pd.api.types.infer_dtype(series, skipna=False) in _NEITHER_TEXT_NOR_MISSING
            and not series.isna().any())


def _clean_mixed_cells(columns: list[pd.Series]) -> list[pd.Series]:
    """_clean_cells for columns that may hold other cells than text: `_cell` once per distinct text across them all.

    Only text needs a Python call: number and date cells are left as they are, so a column of
    thousands of distinct counts with a few '-' markers costs a call per distinct text, not per count.
    """
    if not columns:
        return []
    values = np.empty((len(columns), len(columns[0]) if columns else 0), dtype=object)
    for row, series in zip(values, columns):
        row[:] = series.to_numpy(dtype=object)
    cells = values.reshape(-1)
    texts = np.flatnonzero(cell_types(cells) == str)
    if len(texts):
        cells[texts] = _map_distinct(pd.Series(cells[texts], dtype=object), _cell).to_numpy(dtype=object)
    cells[pd.isna(cells)] = pd.NA
    return [pd.Series(row, index=series.index, name=series.name, dtype=object) for row, series in zip(values, columns)]


def _is_text_column(series: pd.Series) -> bool:
    return _is_text_dtype(series.dtype)


def _is_text_dtype(dtype) -> bool:
    return dtype == object or pd.api.types.is_string_dtype(dtype)


def _unique_names(match: HeaderMatch, keep: list[int], published: list) -> list[str]:
    """The warehouse name of each kept header column. Two published headers that read alike once case, spacing
    and glued footnote markers are normalised ('Migrants arrived', 'Migrants arrived2') make the table ambiguous
    when the parser needs that column: refused, naming both. Other alike columns (a second 'Notes') are told apart
    by their position, as cut_spec_table does."""
    header = match.labels
    names = [_column_name_cached(header[i]) or f"column_{i + 1}" for i in keep]
    needed = {_column_name_cached(label) for label in match.found}
    cases = [FailureCase(match.sheet, match.row + 1, header[i], problem) for i, name in zip(keep, names)
             if name in needed and names.index(name) == keep.index(i) and (problem := alike_columns(header, i, published))]
    if cases:
        raise TableNotFound(cases)
    for position, (i, name) in enumerate(zip(keep, names)):
        if name in names[:position]:
            names[position] = f"{name}_{i + 1}"
    return names


def alike_columns(labels: list, position: int, published: list | None = None) -> str | None:
    """Why the header cell at `position` is ambiguous: other cells of the row read alike once case, spacing and
    glued footnote markers are normalised (None when none do). `published`: the row as published, to quote."""
    name = _column_name_cached(labels[position])
    alike = [i for i, label in enumerate(labels) if label and name and _column_name_cached(label) == name]
    if len(alike) < 2:
        return None
    shown = published if published is not None else labels
    columns = " and ".join(f"{str(shown[i]).strip()!r} (column {_column_letter(i)})" for i in alike)
    return f"the header row has {len(alike)} columns that read alike ({columns}): which one holds the figures is ambiguous"


def _column_letter(position: int) -> str:
    """A 0-based column position as a spreadsheet names it (0 -> A, 27 -> AB)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# A row below a table that starts its notes: nothing under it is more of the table.
_NOTES_START = re.compile(r"(?:end of table|notes?|footnotes?|source|sources)\b", re.IGNORECASE)
_LETTERS, _DIGITS = re.compile(r"[^\W\d_]+"), re.compile(r"\d+")


def _shape(value: object) -> str:
    """A first-column cell's kind, to tell a table's rows from notes below it: text as its runs of letters and
    digits ('2024 Q1' and '2019 Q3' -> '9 a9', 'Q1 2024' -> 'a9 9', 'Total' -> 'a'), other cells by their type."""
    if isinstance(value, str):
        return _DIGITS.sub("9", _LETTERS.sub("a", value))
    return "number" if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) else type(value).__name__


def _published_label(grid: pd.DataFrame, match: HeaderMatch, name: str, column: int) -> str:
    """A table column's header as published (cleaned), for messages; its name when the row is not in the grid."""
    if 0 <= match.row < len(grid) and 0 <= column < grid.shape[1]:
        return clean_label(grid.iat[match.row, column]) or name
    return name


def _refuse_rows_below(body: pd.DataFrame, blank: pd.Series, first_data: int, gap: int, match: HeaderMatch,
                       grid: pd.DataFrame) -> None:
    """TableCutShort when rows like the table's own follow its first blank row (`gap`), before any notes: a first
    cell shaped like the data rows' ('2019 Q3' under '2019 Q2') with other cells filled. Notes, a 'Total' row or
    a note that starts with a quarter ('2025 Q3 figures next quarter') are not such rows."""
    below = body.loc[gap + 1:]
    below = below[~blank.loc[gap + 1:]]
    if below.empty:
        return
    first, rest = below.iloc[:, 0], below.iloc[:, 1:]
    notes = first.map(lambda v: isinstance(v, str) and bool(_NOTES_START.match(v.strip())))
    if notes.any():
        end = notes.idxmax()
        first, rest = first.loc[: end - 1], rest.loc[: end - 1]
    data_first = body.loc[first_data: gap - 1].iloc[:, 0].dropna()
    shapes = set(map_values(data_first, _shape)) if len(data_first) else set()
    like = first.notna() & map_values(first, _shape).isin(shapes) & rest.notna().any(axis=1)
    if not like.any():
        return
    row = like.idxmax()
    cells = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in body.loc[row].tolist() if not pd.isna(v))
    label = _published_label(grid, match, str(body.columns[0]), _first_kept(match))
    raise TableCutShort([FailureCase(match.sheet, int(gap), label,
                                     f"a blank row inside the table, with more of its rows below it (row {row}: {cells}): "
                                     "the table would be cut short here")])


def _first_kept(match: HeaderMatch) -> int:
    return next((i for i, label in enumerate(match.labels) if label), 0)


def cut_table(book: Workbook, match: HeaderMatch, name: str, stop_marker: str | None = None,
              stop_at_blank: bool = False) -> Table:
    """Rows below the header down to `stop_marker` (e.g. 'End of table') or the last non-blank row.

    With `stop_at_blank`, the table ends at its first wholly blank row (notes below it are not data), unless rows
    like the table's own follow it before any notes: then TableCutShort names the blank row (_refuse_rows_below).
    Blank trailing rows and columns are dropped; missing markers become NA; the frame's
    index is the row number a spreadsheet user sees, so errors can point at it.
    Cells are cleaned column by column, once per distinct value, so a sheet of hundreds of
    thousands of rows costs a hash per cell rather than a Python call per cell.
    """
    grid = book.grid(match.sheet)
    header = match.labels
    keep = [i for i, label in enumerate(header) if label]
    names = _unique_names(match, keep, grid.iloc[match.row].tolist() if 0 <= match.row < len(grid) else header)
    body = grid.iloc[match.row + 1:, keep]
    body.columns = names
    labels = {name: header[i] for name, i in zip(names, keep)}
    body.index = pd.RangeIndex(match.row + 2, match.row + 2 + len(body))
    if stop_marker is not None:
        first_columns = [grid.iloc[match.row + 1:, 0]]
        if keep and keep[0] != 0:
            first_columns.append(grid.iloc[match.row + 1:, keep[0]])
        stops: list[int] = []
        for column in first_columns:
            column = column.set_axis(body.index)
            text = column[cell_types(column.to_numpy(dtype=object)) == str] if _is_text_column(column) else column.iloc[0:0]
            keys = map_values(text, label_key) if len(text) else text
            stops.extend(keys.index[keys == stop_marker.casefold()].tolist())
        if not stops:
            last = match.row + 1 + len(body)
            raise TableNotFound([FailureCase(match.sheet, last, None,
                                             f"no closing row reading {stop_marker!r} below the header on row {match.row + 1}: "
                                             "the table may be cut short")])
        body = body.loc[: min(stops) - 1]
    text = [c for c, dtype in body.dtypes.items() if _is_text_dtype(dtype)]
    cleaned = dict(zip(text, _clean_cells([body[c] for c in text])))
    body = pd.DataFrame({c: cleaned[c] if c in cleaned else body[c] for c in body.columns},
                        index=body.index).infer_objects()
    blank = body.isna().all(axis=1)
    if stop_at_blank and blank.any() and not blank.all():
        first_data = blank.idxmin()
        gaps = blank.loc[first_data:]
        if gaps.any():
            gap = gaps.idxmax()
            _refuse_rows_below(body, blank, first_data, gap, match, grid)
            body = body.loc[: gap - 1]
            blank = blank.loc[body.index]
    if blank.any() and not blank.all():
        last = blank[~blank].index[-1]
        body = body.loc[:last]
    elif blank.all():
        body = body.iloc[0:0]
    if errors := book.error_cells(match.sheet):     # most sheets have none: their cells need no check
        _refuse_error_cells(body, match, grid, keep, errors)
    return Table(name, match.sheet, body, labels)


def _refuse_error_cells(body: pd.DataFrame, match: HeaderMatch, grid: pd.DataFrame, keep: list[int],
                        errors: dict[tuple[int, int], str]) -> None:
    """TableNotFound naming every error cell (#REF!, #DIV/0!, #N/A as a formula's result) in the table: its value
    is not known, and read as it came from calamine it was an empty cell (or 0). Found by position, not by the
    cell's value: in a text column the error comes out as its text ('#REF!'), like any other word."""
    if body.empty:
        return
    rows, columns = set(body.index), {grid_column: j for j, grid_column in enumerate(keep)}
    found = sorted((row + 1, columns[column], shown) for (row, column), shown in errors.items()
                   if row + 1 in rows and column in columns)     # body's index: the sheet row, grid row + 1
    if not found:
        return
    raise TableNotFound([FailureCase(match.sheet, row, _published_label(grid, match, str(body.columns[j]), keep[j]),
                                     "an error cell where a value is expected (the formula's result is an error)",
                                     shown) for row, j, shown in found], "a table holds spreadsheet error cells")
