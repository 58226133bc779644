"""Home Office ad-hoc transparency notes ("Returns from the UK and illegal working activity since July 2024").

Each note is an HTML attachment of one GOV.UK publication page, read as its Content API JSON
(`title` and the HTML under `details.body`); a saved `.html` page works too. Notes as published
are prose: the figures of their sentences are read by prose.py (period, figure, the same period
12 months prior, the stated change), in document order with the note's tables, into the same
rows. Every `<table>` in the note is read with the standard library's html.parser (html_reading.py),
its column headers' periods by table_periods.py and its figures by table_figures.py:

- rows are measures (returns, enforced returns, voluntary returns, foreign national offender
  returns, asylum-related returns, charter flights, illegal working visits and arrests), the
  first cell the label;
- columns are periods, named by their header text: the current period ("5 July 2024 to
  31 January 2025") and the same period 12 months before ("5 July 2023 to 31 January 2024", or
  just "Same period 12 months prior": then a year before the current one); a percentage change
  column, if any, is checked against the figures (within `pct_tolerance` points), not loaded as a
  measure;
- tables without period columns (a list of nationalities by month, say) are not read.

Each figure becomes a row of raw.<table> with the period it covers (period_start/period_end),
`comparison` (current / year_before / earlier) and the measure: a canonical id for the known
measures (MEASURES), otherwise the label as published, kept and reported as a new category.
A known measure given again in a later table (a summary table, then a detailed one) keeps
`first_mention = false` so metrics count it once; given again with another figure, the note is
rejected.

Failure cases name the table ("table 2"), its row (counting every row of the table, header
included, from 1) and the column header as published. The figures the claims need are checked
by required_figures.py, the measures named by measures.py.
"""
from __future__ import annotations

from pathlib import Path

from flows.errors import FailureCase
from flows.parsing import Table, TableNotFound
from flows.sources.adhoc_notes import prose
from flows.sources.adhoc_notes.html_reading import HtmlTable, html_tables, note_document, note_html
from flows.sources.adhoc_notes.measures import KNOWN, MEASURES, Seen, measure_of
from flows.sources.adhoc_notes.prose_rows import prose_table
from flows.sources.adhoc_notes.required_figures import missing_figures, required_groups
from flows.sources.adhoc_notes.table_figures import table_figures
from flows.sources.adhoc_notes.table_periods import Column, classify, date_columns, header_row, parse_range

# names this module has always offered (tests and callers import them from here)
__all__ = ["parse", "html_tables", "HtmlTable", "note_html", "note_document", "parse_range", "classify", "Column",
           "measure_of", "MEASURES", "KNOWN"]


def _in_document_order(tables: list[HtmlTable], note: prose.NoteText,
                       figures: list[prose.Figure]) -> list[HtmlTable | list[prose.Figure]]:
    """The note's tables and its paragraphs' figures (a list per paragraph) in document order, so that a measure
    given twice is counted where it is first given."""
    paragraphs: dict[int, list[prose.Figure]] = {}
    for figure in figures:
        paragraphs.setdefault(figure.paragraph, []).append(figure)
    before = {b.number: b.tables_before for b in note.blocks}
    items = sorted([((t.number - 1, 1, 0), t) for t in tables] +
                   [((before[n], 0, n), said) for n, said in paragraphs.items()], key=lambda item: item[0])
    return [item for _, item in items]


def parse(path: Path, options: dict) -> list[Table]:
    name = options.get("table", "adhoc_note_figures")
    tolerance = float(options.get("pct_tolerance", 1.0))
    groups = required_groups(options)
    needed = {m for group in groups for m in group}
    title, html = note_document(path)
    tables = html_tables(html)
    note = prose.note_text(html, title)
    written = prose.read_prose(note, tolerance)          # the figures of the note's sentences
    out: list[Table] = []
    cases: list[FailureCase] = list(written.cases)
    given: dict[str, str] = {}              # measure -> first table giving a row for it
    given_prose: dict[str, prose.Figure] = {}   # measure -> first sentence giving it
    skipped = False                         # a table left unread (an unreadable header): measures not looked for
    seen: Seen = {}
    for item in _in_document_order(tables, note, written.figures):
        if isinstance(item, list):
            out.append(prose_table(name, item, seen))
            for figure in item:
                given_prose.setdefault(figure.measure, figure)
            continue
        found = header_row(item)
        if found is None:
            continue
        index, columns = found
        problems = date_columns(item, index, columns)
        if problems:
            cases += problems
            skipped = True
            continue
        read, unread = table_figures(name, item, index, columns, needed, tolerance, seen, given)
        out += read
        cases += unread
    if not skipped:
        cases += missing_figures(groups, given, given_prose, written.figures)
    if cases:
        raise TableNotFound(cases)
    if not out:
        raise TableNotFound([FailureCase(None, None, None, f"no table with period columns ('5 July 2024 to ...') among "
                                         f"the note's {len(tables)} table(s), and no figure in the sentences of its "
                                         f"{len(note.blocks)} paragraph(s) ('Between 5 July 2024 and ..., N returns')")])
    return out
