"""Errors that name where bad input is: source, release, sheet, row, column."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FailureCase:
    """One bad cell (or a whole missing sheet/column when row is None)."""
    sheet: str | None
    row: int | None          # 1-based row number as a spreadsheet shows it
    column: str | None       # the column's label as published
    check: str
    value: str | None = None

    def describe(self) -> str:
        where = []
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = ", ".join(where) or "file"
        value = f" (value {self.value!r})" if self.value not in (None, "") else ""
        return f"{text}: {self.check}{value}"


@dataclass(eq=False)
class SourceError(Exception):
    """A published file that cannot be accepted. `cases` lists every problem found."""
    source: str
    release: str
    message: str
    cases: list[FailureCase] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{self.source} release {self.release}: {self.message}"
        if not self.cases:
            return head
        shown = "\n".join("  - " + c.describe() for c in self.cases[:20])
        more = f"\n  ... and {len(self.cases) - 20} more" if len(self.cases) > 20 else ""
        return f"{head}\n{shown}{more}"


class FetchError(Exception):
    """Discovery or download failed after retries (network, HTTP status, host not allowed, size)."""


class WarehouseBusy(Exception):
    """Another run holds the warehouse lock."""
