"""Sheets found by table id, and headers found by column specs (a label, its variants, required or not)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from flows.errors import FailureCase
from flows.parsing.labels import _WS, column_name, label_key
from flows.parsing.workbook import HeaderMatch, Table, TableNotFound, Workbook, alike_columns, cut_table, head_labels


# --- sheets found by table id ------------------------------------------------------------

def sheet_key(name: object) -> str:
    """A sheet name for matching: single spaces, case-folded. Digits are kept ('Data_Ret_D01')."""
    return _WS.sub(" ", str(name)).strip().casefold()


def id_pattern(table_id: str) -> str:
    """A regex fragment for a table id that tolerates '_' vs '-' vs ' ' ('Ret_D01', 'Ret-D01')."""
    parts = [re.escape(p) for p in re.split(r"[_\- ]+", table_id.casefold()) if p]
    return r"[_\- ]?".join(parts)


# --- headers found by column specs --------------------------------------------------------

@dataclass(frozen=True)
class ColumnSpec:
    """A warehouse column and the published headers that may carry it.

    `labels` match a header exactly after clean_label and case-folding (so glued footnote
    digits, bracketed notes, case and spacing do not matter); `pattern` is a regex searched
    in the case-folded header. `required` columns must be in the header row.
    """
    name: str
    labels: tuple[str, ...] = ()
    pattern: re.Pattern | None = None
    required: bool = True

    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset(label_key(a) for a in self.labels)

    def matches(self, label: str) -> bool:
        key = label.casefold()
        if key in self.keys:
            return True
        return bool(self.pattern is not None and self.pattern.search(key))

    def describe(self) -> str:
        names = [repr(a) for a in self.labels] + ([f"/{self.pattern.pattern}/"] if self.pattern is not None else [])
        return " or ".join(names) or repr(self.name)

    @property
    def published(self) -> str:
        return self.labels[0] if self.labels else self.name


def column_specs(columns: dict | None, required: bool = True) -> list[ColumnSpec]:
    """Column specs from a catalog `options` table: name = "Label" | ["Label", ...] | {labels = [...], pattern = "..."}."""
    specs = []
    for name, value in (columns or {}).items():
        if isinstance(value, str):
            specs.append(ColumnSpec(name, (value,), None, required))
        elif isinstance(value, list):
            specs.append(ColumnSpec(name, tuple(value), None, required))
        elif isinstance(value, dict):
            labels = value.get("labels", [])
            labels = (labels,) if isinstance(labels, str) else tuple(labels)
            pattern = re.compile(value["pattern"], re.IGNORECASE) if value.get("pattern") else None
            specs.append(ColumnSpec(name, labels, pattern, bool(value.get("required", required))))
        else:
            raise ValueError(f"column {name!r}: expected a label, a list of labels or a table, not {value!r}")
    return specs


def one_of_groups(spec: dict) -> list[list[str]]:
    """A spec's `one_of`: ["a", "b"] (one group) or [["a", "b"], ["c", "d"]]; each group needs one column present."""
    one_of = spec.get("one_of") or []
    return [one_of] if one_of and isinstance(one_of[0], str) else one_of


@dataclass
class SpecHeader:
    sheet: str
    row: int                              # 0-based position in the grid; -1 if no row matched
    labels: list[str]                     # every header cell, cleaned
    positions: dict[str, int]             # spec name -> column position
    missing: list[ColumnSpec]             # required specs not in the header row


def match_columns(labels: list[str], specs: list[ColumnSpec]) -> dict[str, int]:
    """Spec name -> position of the header cell it matches; each cell serves at most one spec, in spec order."""
    positions: dict[str, int] = {}
    for spec in specs:
        for i, label in enumerate(labels):
            if label and i not in positions.values() and spec.matches(label):
                positions[spec.name] = i
                break
    return positions


def find_spec_header(grid: pd.DataFrame, sheet: str, specs: list[ColumnSpec], scan_rows: int = 15) -> SpecHeader:
    """The row within the first `scan_rows` holding the most required columns (then the most optional ones).

    Each header cell serves at most one spec, taken in the order given.
    """
    required = [s for s in specs if s.required]
    best = SpecHeader(sheet, -1, [], {}, required)
    best_score = (0, 0)
    for pos, labels in enumerate(head_labels(grid, scan_rows)):
        positions = match_columns(labels, specs)
        score = (sum(s.name in positions for s in required), len(positions))
        if score > best_score:
            best_score = score
            best = SpecHeader(sheet, pos, labels, positions, [s for s in required if s.name not in positions])
    return best


def header_problems(header: SpecHeader, spec: dict, specs: list[ColumnSpec], what: str) -> list[FailureCase]:
    """What is wrong with a table's header row: required columns missing, or none of a `one_of` group."""
    if header.missing or header.row < 0:
        return header_failures(header, what)
    for group in one_of_groups(spec):
        if not any(c in header.positions for c in group):
            wanted = " or ".join(s.describe() for s in specs if s.name in group)
            return [FailureCase(header.sheet, header.row + 1, None, f"{what}: none of the columns {wanted} in the header row")]
    return []


def header_failures(header: SpecHeader, what: str) -> list[FailureCase]:
    if header.row < 0:
        wanted = ", ".join(s.describe() for s in header.missing)
        return [FailureCase(header.sheet, None, None, f"{what}: no header row with {wanted} in the first rows")]
    return [FailureCase(header.sheet, header.row + 1, spec.published,
                        f"{what}: expected column {spec.describe()} missing from the header row")
            for spec in header.missing]


def cut_spec_table(book: Workbook, header: SpecHeader, name: str, specs: list[ColumnSpec],
                   stop_marker: str | None = None, stop_at_blank: bool = False) -> Table:
    """cut_table with spec columns renamed to their warehouse names; other published columns keep
    column_name(label) (the loader reports them as new columns). Optional spec columns absent
    from this release are added empty, so a raw table keeps one shape across releases."""
    by_position = {pos: spec_name for spec_name, pos in header.positions.items()}
    published = book.grid(header.sheet).iloc[header.row].tolist() if header.row >= 0 else None
    alike = [FailureCase(header.sheet, header.row + 1, header.labels[pos], problem)
             for pos in sorted(by_position) if (problem := alike_columns(header.labels, pos, published))]
    if alike:
        raise TableNotFound(alike)
    names: list[str] = []
    for i, label in enumerate(header.labels):
        if not label:
            names.append("")
            continue
        candidate = by_position.get(i) or column_name(label) or f"column_{i + 1}"
        if candidate in names or (i not in by_position and candidate in header.positions):
            candidate = f"{candidate}_{i + 1}"
        names.append(candidate)
    match = HeaderMatch(header.sheet, header.row, [], [], names)
    table = cut_table(book, match, name, stop_marker=stop_marker, stop_at_blank=stop_at_blank)
    table.labels = {names[i]: header.labels[i] for i in range(len(names)) if names[i]}
    for spec in specs:
        if spec.name not in table.frame.columns:
            table.frame[spec.name] = pd.Series(pd.NA, index=table.frame.index, dtype=object)
            table.labels[spec.name] = spec.published
    return table
