"""DfE explore education statistics: a data set's CSV, kept as its national totals.

The API's CSV (`/data-sets/{id}/csv?dataSetVersion=X`) has one row per time period, geography
and combination of filter values; every filter has a `Total` member, so most rows are subtotals
of others and summing raw rows double-counts. This parser keeps the National rows with every
filter at `Total` (one row per academic year), with the filter columns (all `Total`) so the
choice stays visible in the warehouse. A column the catalog does not list that holds `Total` in
national rows is taken for a filter added in a later version and must be `Total` too.

Measures are text: `low` (rounds to zero but is not zero), `c` (confidential), `z` (not
applicable), `x` (not available), `u` (low reliability) are missing, never zero; '1,234' parses;
anything else is left as published so validation names its line and column.

Figures for an academic year Y/Y+1 are final from `final_from` (a month-day in Y+1; 1 November
for apprenticeships, when DfE publishes the full-year final figures) and provisional (part year)
in releases published before it: `is_final` is decided from the release's publication date, which
the loader passes as `options["published_on"]`. Where that date is only the local file's
modification time (`options["date_basis"] == "file_time"`: a CSV loaded by hand, without the API's
version date), it is no more than an upper bound on when DfE published the file, so the newest
academic year in the file is never counted final (a part-year release downloaded after 1 November
would otherwise pass for the final one); an earlier year is final by the same date rule (a later
year's figures are only published after its final ones). The real extract in
../shared/realdata/dfe (2017/18 to 2025/26) thus gives 2017/18-2024/25 final, 2025/26 provisional.
Rows may be national totals only (an extract) or the whole data set with its subtotals.

Options in the catalog entry:

    table = "apprenticeships_national"
    columns = { time_period = "time_period", ... }          # required headers
    optional_columns = { achievement_count = "achievement_count", ... }
    filters = ["apprenticeship_level", ...]                  # must be in the header; kept at `Total`
    numbers = ["start_count", ...]
    missing_markers = ["low", "c", "z", "x", "u"]
    final_from = "11-01"
    country = { country_code = "E92000001", country_name = "England" }   # the national rows' country, else refused
"""
from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pandas as pd

from flows.errors import FailureCase
from flows.parsing import (Table, TableNotFound, clean_label, column_specs, is_missing, label_key, map_values,
                           parse_numbers)

SHEET = "csv"
CHUNK_ROWS = 100_000
_GEOGRAPHY = re.compile(r"_(?:code|name)$")


def read_header(path: Path, encoding: str = "utf-8-sig", limit: int = 1 << 16) -> list[str]:
    """The CSV's header row, from at most `limit` bytes."""
    with open(path, "rb") as handle:
        head = handle.read(limit)
    text = head.decode(encoding, errors="replace")
    first = text.splitlines()[0] if text else ""
    return next(csv.reader([first]), [])


def header_columns(header: list[str], specs, filters: list[str], what: str) -> dict[str, str]:
    """published header -> warehouse name for every header cell (spec names first); missing required ones raise."""
    names: dict[str, str] = {}
    cases = []
    for spec in specs:
        found = next((h for h in header if h not in names and spec.matches(clean_label(h))), None)
        if found is not None:
            names[found] = spec.name
        elif spec.required:
            cases.append(FailureCase(SHEET, 1, spec.published, f"{what}: expected column {spec.describe()} missing from the header row"))
    for name in filters:
        found = next((h for h in header if h not in names and label_key(h) == label_key(name)), None)
        if found is None:
            cases.append(FailureCase(SHEET, 1, name, f"{what}: expected filter column {name!r} missing from the header row"))
        else:
            names[found] = name
    if cases:
        raise TableNotFound(cases)
    for h in header:
        names.setdefault(h, re.sub(r"[^0-9a-z]+", "_", label_key(h)).strip("_") or h)
    return names


def final_from(first_year: int, option: str) -> date:
    month, day = (int(part) for part in option.split("-"))
    return date(first_year + 1, month, day)


def parse(path: Path, options: dict) -> list[Table]:
    name = options.get("table", "apprenticeships_national")
    specs = column_specs(options.get("columns")) + column_specs(options.get("optional_columns"), required=False)
    filters = list(options.get("filters") or [])
    names = header_columns(read_header(path), specs, filters, f"table {name}")
    frame = _national_totals(path, options, names, specs, filters)
    _add_academic_years(frame, options)
    labels = {v: k for k, v in names.items()}
    for column in ("academic_year", "is_final", "figure_status", "period_start", "period_end"):
        labels[column] = labels.get("time_period", "time_period")
    for spec in specs:
        labels.setdefault(spec.name, spec.published)
    return [Table(name, SHEET, frame, labels)]


def _national_totals(path: Path, options: dict, names: dict[str, str], specs, filters: list[str]) -> pd.DataFrame:
    """The National rows with every filter (and any filter column added since) at Total, cells cleaned and
    numbers parsed; the index is the CSV line number."""
    national_label = label_key(options.get("geographic_level", "National"))
    total = label_key(options.get("total", "Total"))
    markers = {m.casefold() for m in options.get("missing_markers", [])}
    national_parts = []
    start_line = 2                         # line 1 is the header
    reader = pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=CHUNK_ROWS, encoding="utf-8-sig",
                         encoding_errors="replace", on_bad_lines="error")
    for chunk in reader:
        chunk.index = pd.RangeIndex(start_line, start_line + len(chunk))
        start_line += len(chunk)
        chunk.columns = [names.get(c, c) for c in chunk.columns]
        keep = chunk["geographic_level"].str.strip().str.casefold() == national_label
        national_parts.append(chunk.loc[keep])
    frame = pd.concat(national_parts) if national_parts else pd.DataFrame(columns=list(names.values()))
    known = {s.name for s in specs} | set(filters)
    added = [c for c in frame.columns if c not in known and not _GEOGRAPHY.search(c)
             and (frame[c].str.strip().str.casefold() == total).any()]
    for column in filters + added:
        frame = frame.loc[frame[column].str.strip().str.casefold() == total]
    frame = frame.copy()
    for column in frame.columns:
        frame[column] = frame[column].str.strip().replace("", pd.NA)      # an empty cell is missing
    _refuse_other_countries(frame, options.get("country") or {}, {v: k for k, v in names.items()},
                            f"table {options.get('table', 'apprenticeships_national')}")
    numbers = [c for c in options.get("numbers", []) if c in frame.columns]
    for column in numbers:
        frame[column] = map_values(frame[column], lambda v: pd.NA if is_missing(v) or v.casefold() in markers else v)
    parse_numbers(frame, numbers)
    for spec in specs:
        if spec.name not in frame.columns:
            frame[spec.name] = pd.Series(pd.NA, index=frame.index, dtype=object)
    return frame


def _refuse_other_countries(frame: pd.DataFrame, country: dict[str, str], published: dict[str, str], what: str) -> None:
    """TableNotFound naming each national total row whose country (code or name) is not the data set's (England's
    for apprenticeships): Wales's national rows would otherwise pass for England's starts. A blank cell claims no
    country and is not refused."""
    cases = []
    for column, expected in country.items():
        if column not in frame.columns:
            continue
        values = frame[column]
        other = values.notna() & (values.str.casefold() != expected.casefold())
        cases += [FailureCase(SHEET, int(line), published.get(column, column),
                              f"a national total of another country: this data set's national rows are {expected!r}",
                              value) for line, value in values[other].items()]
    if cases:
        cases.sort(key=lambda c: c.row)
        raise TableNotFound(cases, what=f"{what}: national rows of a country other than "
                                        f"{' / '.join(country.values())}")


def _year_of(label: object) -> int | None:
    text = str(label)
    return int(text[:4]) if re.fullmatch(r"\d{6}", text) else None


def _add_academic_years(frame: pd.DataFrame, options: dict) -> None:
    """academic_year, period bounds and whether each year's figure is final on the publication date."""
    from flows import periods    # lazy: keeps the parser's import light

    published_on = options.get("published_on")
    rule = options.get("final_from", "11-01")
    first_years = frame["time_period"].map(_year_of)
    # a file's modification time is not the publisher's date: the newest year is never final on it (module doc)
    newest = max((y for y in first_years if y is not None), default=None) \
        if options.get("date_basis") == "file_time" else None
    frame["academic_year"] = [f"{y}/{str(t)[4:]}" if y is not None else pd.NA for y, t in zip(first_years, frame["time_period"])]
    frame["is_final"] = [bool(published_on and y is not None and published_on >= final_from(y, rule) and y != newest)
                         for y in first_years]
    frame["figure_status"] = ["final" if f else "provisional" for f in frame["is_final"]]
    bounds = [periods.academic_year_bounds(t) if y is not None else (None, None) for y, t in zip(first_years, frame["time_period"])]
    frame["period_start"] = pd.to_datetime([b[0] for b in bounds])
    frame["period_end"] = pd.to_datetime([b[1] for b in bounds])
