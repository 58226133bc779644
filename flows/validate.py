"""Stage 2, parse and validate: a published file read by its family's parser, every table checked against its
Pandera schema, every problem collected (sheet, row, column, check, the cell as published) into one SourceError.

Cells that validation's coercion would misreport (text or fractions in whole-number columns, numbers in date
columns, dates beyond what the warehouse stores, dates written month first) are failed here first, each named.
Runs in a parse process, never in the run, during a load (flows.parse_workers); `pledges check` runs it too.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from python_calamine import CalamineError

from flows.catalog import Source
from flows.config import Settings
from flows.errors import FailureCase, ParserFault, SourceError
from flows.parsing import (SPREADSHEET_KINDS, TableNotFound, UnsafeFile, cell_types, open_document, parse_date_text,
                           spreadsheet_kind)


@dataclass
class LoadedTable:
    name: str
    sheet: str
    frame: pd.DataFrame
    unknown_categories: list[tuple[str, str, int]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)    # column -> its label as published (messages name it)


def _cases_from_schema_errors(err: pa.errors.SchemaErrors, sheet: str, labels: dict[str, str]) -> list[FailureCase]:
    cases: list[FailureCase] = []
    coerce_failed: set[tuple[str, object]] = set()
    frame = err.failure_cases
    for rec in frame.to_dict("records"):
        if str(rec["check"]).startswith("coerce_dtype"):
            coerce_failed.add((rec["column"], rec["index"]))
    repeated: dict[int, dict[str, object]] = {}     # Config.unique: row -> {column: value}, said per row below
    for rec in frame.to_dict("records"):
        check, column, index, value = str(rec["check"]), rec["column"], rec["index"], rec["failure_case"]
        if check == "multiple_fields_uniqueness" and index is not None and not pd.isna(index):
            repeated.setdefault(int(index), {})[str(column)] = value
            continue
        if rec["schema_context"] == "DataFrameSchema" and check == "column_in_dataframe":
            cases.append(FailureCase(sheet, None, labels.get(str(value), str(value)), "required column missing"))
            continue
        if check.startswith("dtype(") and (column, index) in coerce_failed:
            continue   # the coercion failure already names this cell
        if index is None or (isinstance(index, float) and pd.isna(index)):
            if isinstance(value, str) and value.startswith("TypeError"):
                continue   # a side effect of a cell that failed to convert
            if check.startswith("coerce_dtype") and (value is None or (isinstance(value, float) and pd.isna(value))):
                # Pandera could not say which cells: never `value 'nan'`, which reads as a cell holding nan
                dtype = check.split("(")[1].rstrip(")").strip(chr(39))
                cases.append(FailureCase(sheet, None, labels.get(str(column), str(column)),
                                         f"some cells cannot be read as {dtype} (Pandera did not name them)"))
                continue
            cases.append(FailureCase(sheet, None, labels.get(str(column), str(column)), check, str(value)))
            continue
        if check.startswith("coerce_dtype"):
            check = f"not a valid {check.split('(')[1].rstrip(')').strip(chr(39))} value"
        elif check == "field_uniqueness":
            check = "duplicate value"
        cases.append(FailureCase(sheet, int(index), labels.get(str(column), str(column)), check,
                                 None if value is None else str(value)))
    cases.extend(_repeated_rows(repeated, sheet, labels))
    cases.sort(key=lambda c: (c.row is not None, c.row or 0))
    return cases


def _repeated_rows(repeated: dict[int, dict[str, object]], sheet: str, labels: dict[str, str]) -> list[FailureCase]:
    """Rows that repeat an earlier row over the columns that make a row (Config.unique), each named with the row it
    repeats: 'row 9 repeats row 5 over columns ...', not Pandera's multiple_fields_uniqueness per cell."""
    def shown(value: object) -> str:
        return str(value).removesuffix(" 00:00:00")     # a period's date, not a midnight time

    first: dict[tuple, int] = {}
    cases = []
    for row in sorted(repeated):
        values = repeated[row]
        key = tuple(sorted((column, shown(value)) for column, value in values.items()))
        if key not in first:
            first[key] = row
            continue
        columns = ", ".join(repr(labels.get(column, column)) for column in values)
        cases.append(FailureCase(sheet, row, None,
                                 f"repeats row {first[key]} over columns {columns} (its figures would be counted twice)",
                                 ", ".join(f"{labels.get(column, column)} {shown(value)}" for column, value in values.items())))
    return cases


DATE_TEXT_CHECK = ("not a date as UK publishers write one: day first (DD/MM/YYYY, 5 February 2026) or YYYY-MM-DD; "
                   "month-first, two-digit-year or invalid dates are refused, never guessed")


def _read_date_text(table, model) -> tuple[list[FailureCase], set[tuple[int, str]]]:
    """Date columns of the schema: text cells read day first (parse_date_text), in place, before validation (whose
    own coercion would read '05/02/2026' month first). Text that is no such date fails with its cell named; the
    cell is left empty so validation does not report it twice. Returns the cases and their (row, column label)."""
    cases: list[FailureCase] = []
    failed: set[tuple[int, str]] = set()
    frame = table.frame
    for column, spec in model.to_schema().columns.items():
        if column not in frame.columns or not str(spec.dtype).startswith("datetime64") or \
                not (frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column].dtype)):
            continue
        values = frame[column].astype(object)
        texts = values[values.map(lambda v: isinstance(v, str))]
        if texts.empty:
            continue
        parsed = texts.map(parse_date_text)
        label = table.labels.get(column, column)
        for row, text in texts[parsed.isna()].items():
            cases.append(FailureCase(table.sheet, int(row), label, DATE_TEXT_CHECK, text))
            failed.add((int(row), label))
        beyond = parsed.map(lambda v: v is not None and not _storable_date(v))
        for row, text in texts[beyond].items():
            cases.append(FailureCase(table.sheet, int(row), label, DATE_RANGE_CHECK, text))
            failed.add((int(row), label))
        parsed = parsed.where(~beyond, None)
        frame[column] = values.where(~values.index.isin(texts.index), parsed.reindex(values.index))
    return cases, failed


DATE_RANGE_CHECK = "not a valid date: outside the years 1677 to 2262 that the warehouse stores"
_FIRST_DATE, _LAST_DATE = datetime(1677, 9, 22), datetime(2262, 4, 11)    # pandas' nanosecond timestamps, a day in
_INT64_LIMIT = 2.0 ** 63
_FLOAT_TYPES = (float, np.float64, np.float32, np.float16)
_INT_TYPES = (int, np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8)
_DATE_TYPES = (pd.Timestamp, datetime, date)


def _storable_date(value) -> bool:
    return _FIRST_DATE <= datetime(value.year, value.month, value.day) <= _LAST_DATE


def _time_of_day(value) -> str:
    """A date-time cell's time of day as a spreadsheet shows it ('12:00', '00:00:30'); '' at midnight or for a date."""
    if not isinstance(value, datetime):
        return ""
    if not (value.hour or value.minute or value.second or value.microsecond or getattr(value, "nanosecond", 0)):
        return ""
    return f"{value.hour:02d}:{value.minute:02d}" + (f":{value.second:02d}" if value.second or value.microsecond else "")


def _cell_text(value) -> str:
    """A number, date or boolean as the spreadsheet shows it: 20000000000000000000, 12.5, 2300-01-01,
    2025-06-10 12:00, TRUE."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, _DATE_TYPES):
        time = _time_of_day(value)
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}" + (f" {time}" if time else "")
    if isinstance(value, _FLOAT_TYPES) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _excel_serial(value) -> str:
    days = float(value)
    if np.isfinite(days) and 1 <= days <= 2958465:
        return f" (as an Excel serial date it would be {(datetime(1899, 12, 30) + timedelta(days=int(days))).date()})"
    return ""


def _bad_cell(value, kind: str, dtype: str) -> str | None:
    """Why validation's coercion would fail (or garble) this cell, in words; None if it is fine or missing.

    Without this, Pandera names such cells as `value 'nan'` with no row (text or a fraction in a whole-number
    column), wraps 2e19 to -9223372036854775808, reads a number in a date column as nanoseconds after 1970
    and a date after 2262 as missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):     # a TRUE/FALSE cell: coercion would read it as 1 or 0
        expected = "a date" if kind == "date" else "a number"
        return f"not a valid {'date' if kind == 'date' else dtype} value: TRUE or FALSE where {expected} is expected"
    if isinstance(value, _FLOAT_TYPES) and np.isnan(value):
        return None
    if kind == "date":
        if isinstance(value, _DATE_TYPES):
            if not _storable_date(value):
                return DATE_RANGE_CHECK
            if _time_of_day(value):     # the warehouse stores the day: two cells of one day would be two rows
                return f"not a valid date: a time of day ({_time_of_day(value)}) where a whole day is expected"
            return None
        if isinstance(value, _FLOAT_TYPES + _INT_TYPES):
            return f"not a valid date: a number where a date is expected{_excel_serial(value)}"
        return None
    invalid = f"not a valid {dtype} value"
    if isinstance(value, str):
        if any(ch.isdigit() and not ch.isascii() for ch in value):
            return f"{invalid}: digits other than 0-9"
        return invalid if kind == "int" else None     # text that is a number is read by Pandera for decimals
    if kind != "int":
        return None
    if isinstance(value, _DATE_TYPES):
        return f"{invalid}: a date where a whole number is expected"
    if isinstance(value, _FLOAT_TYPES + _INT_TYPES):
        if isinstance(value, _FLOAT_TYPES) and not np.isfinite(value):
            return f"{invalid}: not a finite number"
        if isinstance(value, _FLOAT_TYPES) and not float(value).is_integer():
            return f"{invalid}: not a whole number"
        if not -_INT64_LIMIT <= float(value) < _INT64_LIMIT:
            return f"{invalid}: beyond the range of a whole-number column (about 9.2 x 10^18)"
    return None


def _check_cells(table, model) -> tuple[list[FailureCase], set[tuple[int, str]]]:
    """Whole-number, decimal and date columns of the schema: cells validation would misreport are failed here with
    their sheet, row, column and the cell as published (`_bad_cell`), and left empty so validation does not report
    them again. Work per distinct value. Returns the cases and their (row, column label)."""
    cases: list[FailureCase] = []
    failed: set[tuple[int, str]] = set()
    frame = table.frame
    for column, spec in model.to_schema().columns.items():
        dtype = str(spec.dtype)
        kind = ("int" if dtype.lower().startswith(("int", "uint")) else "float" if dtype.lower().startswith("float")
                else "date" if dtype.startswith("datetime64") else None)
        if kind is None or column not in frame.columns:
            continue
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            # calamine's dates arrive as datetime64[us]: years past 2262 fit there, not in the warehouse's [ns];
            # and a date-time with a time of day is not a day
            if kind != "date" or not _dates_to_check(series):
                continue
        elif kind != "date" and pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
            continue
        if kind == "float" and pd.api.types.is_float_dtype(series.dtype):
            continue
        values = series if series.dtype == object else series.astype(object)     # read here, never written
        # booleans apart: hashing makes TRUE and 1 (FALSE and 0) one distinct value
        booleans = np.isin(cell_types(values.to_numpy()), (bool, np.bool_))
        codes, uniques = pd.factorize(values.where(~booleans, None) if booleans.any() else values, use_na_sentinel=True)
        reasons = [_bad_cell(u, kind, dtype) for u in uniques]
        if not any(reasons) and not booleans.any():
            continue
        label = table.labels.get(column, column)
        bad = np.array([r is not None for r in reasons] + [False])[codes] | booleans
        for position in np.flatnonzero(bad):
            row, value = values.index[position], values.iloc[position]
            reason = _bad_cell(value, kind, dtype) if booleans[position] else reasons[codes[position]]
            cases.append(FailureCase(table.sheet, int(row), label, reason, _cell_text(value)))
            failed.add((int(row), label))
        frame[column] = values.where(~bad, None)
    return cases, failed


def _dates_to_check(series: pd.Series) -> bool:
    """Whether a datetime column holds a date the warehouse cannot store (beyond 1677 to 2262, for a unit other than
    [ns]) or a time of day: on the column's integer ticks for a plain datetime64 column (a few numpy passes rather
    than pandas' comparisons and dt.floor, the same answer), with pandas for any other (time-zone aware)."""
    dtype = series.dtype
    if not isinstance(dtype, np.dtype):
        beyond = str(dtype) != "datetime64[ns]" and \
            ((series < pd.Timestamp(_FIRST_DATE)) | (series > pd.Timestamp(_LAST_DATE))).any()
        return bool(beyond) or bool((series.notna() & (series != series.dt.floor("D"))).any())
    values = series.to_numpy()
    unit = np.datetime_data(dtype)[0]
    if str(dtype) != "datetime64[ns]" and \
            ((values < np.datetime64(_FIRST_DATE, unit)) | (values > np.datetime64(_LAST_DATE, unit))).any():
        return True      # NaT compares false, as in pandas
    ticks_a_day = int(np.timedelta64(1, "D") / np.timedelta64(1, unit))
    return bool(((values.view("i8") % ticks_a_day != 0) & ~np.isnat(values)).any())   # floored: the day's midnight


def _kind_of(path: Path) -> str | None:
    try:
        return spreadsheet_kind(path)
    except (UnsafeFile, OSError):
        return None


# A metric's period_start in the catalog that names a column of its table, maybe less whole days
# (`date`, `period_start`, `week_ending - INTERVAL 6 DAY`): the periods whose start the loader can check.
_PERIOD_START = re.compile(r"\s*([a-z_][a-z0-9_]*)\s*(?:-\s*INTERVAL\s*'?(\d+)'?\s*DAYS?)?\s*", re.IGNORECASE)


def _periods_after_publication(source: Source, table: LoadedTable, labels: dict[str, str],
                               published_on: date) -> list[FailureCase]:
    """Rows whose period starts after the release's publication date (a typo like 2099, or a file misdated)."""
    starts: dict[str, int] = {}
    for metric in source.metrics:
        m = _PERIOD_START.fullmatch(metric.period_start)
        if metric.table == table.name and m:
            starts.setdefault(m.group(1), int(m.group(2) or 0))
    starts.setdefault("period_start", 0)
    cases = []
    limit = pd.Timestamp(published_on)
    for column, days in starts.items():
        if column not in table.frame.columns or not pd.api.types.is_datetime64_any_dtype(table.frame[column]):
            continue
        values = table.frame[column]
        late = values > limit + pd.Timedelta(days=days)     # the period's start, value - days, after the limit
        if not late.any():
            continue
        for row, value in values[late].items():
            cases.append(FailureCase(table.sheet, int(row), labels.get(column, column),
                                     f"period starts after the publication date {published_on.isoformat()}",
                                     value.date().isoformat()))
    return cases


def parse_and_validate(source: Source, path: Path, release: str, settings: Settings,
                       published_on: date | None = None, file_name: str | None = None) -> tuple[list[LoadedTable], list[str]]:
    """Every table of the file, validated; all problems collected into one SourceError.

    Parsers receive the catalog entry's options plus `published_on` (some sources mark the
    newest periods provisional relative to the release date). Date text is read day first; with
    `published_on`, a period that starts after it is a failure. Messages name the file as `file_name`
    (the published name; the archived copy at `path` is named by its hash).
    """
    name = file_name or path.name

    def fail(message: str, cases: list[FailureCase] | None = None) -> SourceError:
        return SourceError(source.id, release, message, cases or [])

    book = _open_book(source, path, settings, name, fail)
    try:
        tables = _parse_tables(source, book, name, release, published_on, fail)
        models = source.tables
        loaded, cases, notes = [], [], []
        for table in tables:
            valid, table_cases, table_notes = _validate_table(source, table, models[table.name], published_on)
            cases.extend(table_cases)
            notes.extend(table_notes)
            if valid is not None:
                loaded.append(valid)
        if cases:
            raise fail(f"{len(cases)} validation failure(s)", cases)
        return loaded, notes
    finally:
        if hasattr(book, "close"):
            book.close()


Fail = Callable[..., SourceError]    # (message, cases=None): the release's SourceError


def _open_book(source: Source, path: Path, settings: Settings, name: str, fail: Fail):
    """The file opened as its catalog entry's format (zip bombs refused); SourceError if it cannot be read."""
    try:
        return open_document(path, source.format, settings.max_unzipped_bytes, name)
    except UnsafeFile as exc:
        raise fail(str(exc)) from None
    except MemoryError:
        raise
    except Exception as exc:  # calamine's own errors for unreadable files
        what = SPREADSHEET_KINDS.get(_kind_of(path), source.format)
        raise fail(f"{name} cannot be read as {what}: {exc}") from None


def _parse_tables(source: Source, book, name: str, release: str, published_on: date | None, fail: Fail) -> list:
    """The family's parser on the opened file: its tables, or SourceError (a table not found, a damaged sheet).
    Anything else the parser raises, or a result that is not a list of the schema's tables, is a ParserFault: a
    bug in the parser or something in the file it does not handle (which one is not known here), so the release is not
    rejected for it: the file is tried again on the next run."""
    try:
        tables = source.parse(book, {**source.options, "published_on": published_on})
    except TableNotFound as exc:
        raise fail(exc.what, exc.cases) from None
    except CalamineError as exc:     # a sheet's XML damaged past the zip's checksums
        what = SPREADSHEET_KINDS.get(getattr(book, "kind", None), source.format)
        raise fail(f"{name} ({what}) is damaged: a sheet cannot be read: {type(exc).__name__}: {exc}") from None
    except (MemoryError, SourceError):
        raise
    except Exception as exc:
        import traceback
        raise ParserFault(source.id, release, name, _fault_line(source, exc), f"{type(exc).__name__}: {exc}",
                          "".join(traceback.format_exception(exc))) from exc
    parser = _shown(_parser_file(source))
    if not isinstance(tables, (list, tuple)):
        raise ParserFault(source.id, release, name, parser,
                          f"parse() returned {type(tables).__name__}, not a list of Tables", raised=False)
    schema = f"schemas/{source.family}.py TABLES ({', '.join(sorted(source.tables))})"
    for table in tables:
        if not (hasattr(table, "name") and hasattr(table, "frame")):
            raise ParserFault(source.id, release, name, parser,
                              f"parse() returned a {type(table).__name__} in its list, not a Table", raised=False)
        if table.name not in source.tables:
            raise ParserFault(source.id, release, name, parser,
                              f"parse() returned table {table.name!r}, not in {schema}", raised=False)
    return list(tables)


def _fault_line(source: Source, exc: BaseException) -> str:
    """Where in the code a parser's exception arose: the last line in the family's folder on its traceback (the
    parser's own line, not the toolkit function it called wrongly), else the last line of the code it called,
    else the parser module (parse() called with the wrong signature fails at the call itself)."""
    import traceback

    parser = _parser_file(source)
    if isinstance(exc, SyntaxError) and exc.filename:     # parser.py does not compile: its line, not the import's
        frames = [(exc.filename, exc.lineno)]
    else:     # the first frame is the call in _parse_tables: not where the fault is
        frames = [(f.filename, f.lineno) for f in traceback.extract_tb(exc.__traceback__)][1:]
    ours = [f for f in frames if Path(f[0]).parent == parser.parent] or frames
    path, line = (Path(ours[-1][0]), ours[-1][1]) if ours else (parser, None)
    return f"{_shown(path)} line {line}" if line else _shown(path)


def _parser_file(source: Source) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(f"flows.sources.{source.family}.parser")
    return Path(spec.origin) if spec and spec.origin else Path(f"flows/sources/{source.family}/parser.py")


def _shown(path: Path) -> str:
    """A path as the project names it (flows/sources/x/parser.py), absolute when outside the project."""
    root = Path(__file__).resolve().parents[1]
    return str(path.relative_to(root)) if path.is_absolute() and path.is_relative_to(root) else str(path)


def _validate_table(source: Source, table, model, published_on: date | None
                    ) -> tuple[LoadedTable | None, list[FailureCase], list[str]]:
    """One parsed table against its schema: (the validated table or None, its failures, its notes)."""
    if table.frame.empty:
        return None, [FailureCase(table.sheet, None, None, f"table {table.name} has no data rows")], []
    notes = []
    expected = set(model.to_schema().columns)
    extra = [table.labels.get(c, c) for c in table.frame.columns if c not in expected]
    if extra:
        notes.append(f"sheet {table.sheet!r}: new column(s) not loaded: {', '.join(extra)}")
    date_cases, date_cells = _read_date_text(table, model)
    cell_cases, cells = _check_cells(table, model)
    date_cases, date_cells = date_cases + cell_cases, date_cells | cells
    try:
        frame = model.validate(table.frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return None, date_cases + [c for c in _cases_from_schema_errors(exc, table.sheet, table.labels)
                                   if (c.row, c.column) not in date_cells], notes
    if date_cases:
        return None, date_cases, notes
    if published_on is not None:
        late = _periods_after_publication(source, LoadedTable(table.name, table.sheet, frame), table.labels, published_on)
        if late:
            return None, late, notes
    for column, label, rows in table.unknown_categories:
        notes.append(f"sheet {table.sheet!r} column {table.labels.get(column, column)!r}: new category {label!r} ({rows} rows), kept")
    return LoadedTable(table.name, table.sheet, frame, table.unknown_categories, dict(table.labels)), [], notes
