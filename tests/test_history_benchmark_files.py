"""The history benchmark's generated returns workbooks stay loadable: their revisions change counts only."""
from __future__ import annotations

import io
import random
import zipfile

import openpyxl

from benchmarks.history_files import _revise_sheet


def test_revised_returns_workbooks_change_counts_never_the_year():
    """benchmarks/history.py --with-returns revised random numbers near the end of Ret_D01, Year among them; the
    loader refuses a row whose Year is not its Quarter's (reliability row 261), so all 40 workbooks were rejected and
    the benchmark stopped. Only each row's last cell (the count) is revised."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Year", "Quarter", "Nationality", "Number of returns"])
    for i in range(200):
        sheet.append([2015, "2015 Q2", "Albania", 10 + i])
    original = io.BytesIO()
    book.save(original)
    xml = zipfile.ZipFile(original).read("xl/worksheets/sheet1.xml")
    revised = _revise_sheet(xml, random.Random(7), rows=50)
    assert revised != xml
    rewritten = io.BytesIO()
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(rewritten, "w") as out:
        for info in src.infolist():
            out.writestr(info, revised if info.filename == "xl/worksheets/sheet1.xml" else src.read(info))
    rows = list(openpyxl.load_workbook(rewritten).active.iter_rows(min_row=2, values_only=True))
    assert {(year, quarter, nationality) for year, quarter, nationality, _n in rows} == {(2015, "2015 Q2", "Albania")}
    changed = sum(n != 10 + i for i, (*_rest, n) in enumerate(rows))
    assert 0 < changed <= 50
