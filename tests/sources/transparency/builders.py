"""Migration transparency workbooks: a contents sheet and one sheet per table id. Built in code from small tables (never copied from ../shared)."""
from __future__ import annotations


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
