"""Workbooks written from grids of cells (ods via odfpy, xlsx via openpyxl). Each family's builders of its
published layout are in tests/sources/<family>/builders.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Each sheet a grid of cells (no header inference); .ods via odfpy, .xlsx via openpyxl."""
    engine = "odf" if path.suffix == ".ods" else "openpyxl"
    with pd.ExcelWriter(path, engine=engine) as writer:
        for name, grid in sheets.items():
            width = max((len(row) for row in grid), default=0)
            grid = [list(row) + [None] * (width - len(row)) for row in grid]
            pd.DataFrame(grid).to_excel(writer, sheet_name=name, header=False, index=False)
    return path


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


def cover_published(path: Path):
    """An independent read of a real workbook's cover (openpyxl, not the project's reader): the date of its
    "Published: 23 November 2023" line, or None."""
    from datetime import datetime

    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        for row in book.worksheets[0].iter_rows(max_row=30, values_only=True):
            for cell in row:
                if isinstance(cell, str) and cell.strip().startswith("Published:"):
                    return datetime.strptime(cell.split(":", 1)[1].strip(), "%d %B %Y").date()
    finally:
        book.close()
    return None
