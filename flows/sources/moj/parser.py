"""MoJ criminal justice statistics: outcomes by offence, as zipped CSVs.

The zip (already checked for corruption and its expanded size by the loader) holds one or more
CSV members; the ones read are found by their header row (Year, Offence and a count column),
not by name. Published columns: Year, Sex, Age Group (older: Age group), Police Force Area,
Offence Group (older: Offence group), Offence, Sentence Outcome, Custodial Sentence Length,
Sentenced (a prosecutions file would carry Convicted). Category values carry code prefixes
(`01: Male`) and are kept as published; the Offence value starts with its offence code and a
space (`62.1 Assisting unlawful immigration ...`), split here into offence_code and
offence_description.

Only the offences the catalog's `offence_match` (a case-insensitive regex over the Offence
value) selects are kept: the files hold every offence, hundreds of thousands of rows, of which
the tracker needs a handful. Members are read in chunks, so memory stays bounded whatever the
member's size; the header is sniffed from the first 64 KB.

`convictions` is the Convicted column where the file has one, else Sentenced; `count_basis` says
which, per row.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from flows.errors import FailureCase
from flows.parsing import (Table, TableNotFound, clean_label, column_specs, is_missing, map_values, match_columns,
                           one_of_groups, parse_numbers)

CHUNK_ROWS = 200_000
SNIFF_BYTES = 1 << 16
_OFFENCE = re.compile(r"^(?P<code>\S*\d\S*)\s+(?P<description>.+)$")


def _encoding(sample: bytes) -> str:
    try:
        sample.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:        # a character cut at the end of the sample
            return "utf-8-sig"
        return "cp1252"


def _header(archive: zipfile.ZipFile, member: str) -> tuple[list[str], str]:
    with archive.open(member) as handle:
        sample = handle.read(SNIFF_BYTES)
    encoding = _encoding(sample)
    text = sample.decode(encoding, errors="replace")
    first = text.splitlines()[0] if text else ""
    return [clean_label(h) for h in next(csv.reader([first]), [])], encoding


def find_members(archive: zipfile.ZipFile, specs, groups: list[list[str]], what: str) -> list[tuple[str, list[str], dict[str, int], str]]:
    """CSV members whose header has every required column and one column of each `one_of` group."""
    required = [s for s in specs if s.required]
    found, best = [], None
    members = [m.filename for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(".csv")]
    for member in members:
        header, encoding = _header(archive, member)
        positions = match_columns(header, specs)
        missing = [s for s in required if s.name not in positions]
        for group in groups:
            if not any(c in positions for c in group):
                missing += [s for s in specs if s.name == group[0]]
        if not missing:
            found.append((member, header, positions, encoding))
        elif best is None or len(missing) < len(best[1]):
            best = (member, missing)
    if found:
        return found
    if best is None:
        raise TableNotFound([FailureCase(None, None, None, f"{what}: no CSV member in the zip "
                                         f"(members: {', '.join(archive.namelist()) or 'none'})")])
    member, missing = best
    cases = []
    for spec in missing:
        alternatives = [s for g in groups if spec.name in g for s in specs if s.name in g]
        described = " or ".join(s.describe() for s in alternatives) if alternatives else spec.describe()
        cases.append(FailureCase(member, 1, spec.published, f"{what}: expected column {described} missing from the header row"))
    raise TableNotFound(cases)


def _split_offence(value: object) -> tuple[object, object]:
    if not isinstance(value, str):
        return pd.NA, pd.NA
    m = _OFFENCE.match(value)
    return (m.group("code"), m.group("description")) if m else (pd.NA, value)


def read_member(archive: zipfile.ZipFile, member: str, header: list[str], positions: dict[str, int], encoding: str,
                match: re.Pattern, name: str, numbers: list[str]) -> Table:
    by_position = {pos: col for col, pos in positions.items()}
    usecols = sorted(by_position)
    parts = []
    start = 2                                  # line 1 is the header
    with archive.open(member) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        for chunk in pd.read_csv(text, dtype=str, keep_default_na=False, usecols=usecols, chunksize=CHUNK_ROWS,
                                 header=0):
            chunk.index = pd.RangeIndex(start, start + len(chunk))
            start += len(chunk)
            chunk.columns = [by_position[p] for p in usecols]     # usecols keeps the file's order
            offence = chunk["offence"].str.strip()
            parts.append(chunk.loc[offence.str.contains(match, na=False)])
    frame = pd.concat(parts) if parts else pd.DataFrame(columns=[by_position[p] for p in usecols])
    frame = frame.copy()
    for column in frame.columns:
        frame[column] = map_values(frame[column], lambda v: pd.NA if is_missing(v) else re.sub(r"\s+", " ", v).strip())
    parse_numbers(frame, numbers + ["year"])
    split = frame["offence"].map(_split_offence)
    frame["offence_code"] = split.map(lambda p: p[0])
    frame["offence_description"] = split.map(lambda p: p[1])
    count = "convicted" if "convicted" in positions else "sentenced"
    frame["convictions"] = frame[count]
    frame["count_basis"] = "Convicted" if count == "convicted" else "Sentenced"
    years = pd.to_numeric(frame["year"], errors="coerce")
    whole = years.notna() & (years % 1 == 0) & years.between(1900, 2100)
    frame["period_start"] = pd.to_datetime([f"{int(y)}-01-01" if ok else None for y, ok in zip(years, whole)])
    frame["period_end"] = pd.to_datetime([f"{int(y)}-12-31" if ok else None for y, ok in zip(years, whole)])
    labels = {col: header[pos] for col, pos in positions.items()}
    labels.update({"offence_code": labels["offence"], "offence_description": labels["offence"],
                   "convictions": header[positions[count]], "count_basis": header[positions[count]],
                   "period_start": labels["year"], "period_end": labels["year"]})
    return Table(name, member, frame, labels)


def parse(path: Path, options: dict) -> list[Table]:
    name = options.get("table", "immigration_facilitation_outcomes")
    what = f"table {name}"
    specs = column_specs(options.get("columns")) + column_specs(options.get("optional_columns"), required=False)
    groups = one_of_groups(options)
    match = re.compile(options["offence_match"], re.IGNORECASE)
    numbers = list(options.get("numbers") or [])
    tables: list[Table] = []
    with zipfile.ZipFile(path) as archive:
        for member, header, positions, encoding in find_members(archive, specs, groups, what):
            table = read_member(archive, member, header, positions, encoding, match, name, numbers)
            for spec in specs:                 # one shape across releases: absent optional columns empty
                if spec.name not in table.frame.columns:
                    table.frame[spec.name] = pd.Series(pd.NA, index=table.frame.index, dtype=object)
                    table.labels[spec.name] = spec.published
            tables.append(table)
    kept = [t for t in tables if not t.frame.empty]
    if not kept:
        raise TableNotFound([FailureCase(t.sheet, None, t.labels.get("offence", "Offence"),
                                         f"{what}: no offence matching /{match.pattern}/ (the s.25 Immigration Act 1971 "
                                         "facilitation offences): description changed?") for t in tables])
    return kept
