"""Synthetic release histories for benchmarks/history.py, templated on real published files.

Weekly small-boats releases: the real `23_January_2026_Small_boats_-_time_series.ods` copied member for member
(same styles, cover sheet, notes, cell markup), with `content.xml` rewritten row by row. Release k is published
on the template's date + 7k days; it re-publishes the whole daily series since 2018 (SB_01) and the weekly one
(SB_02), extends the daily series by 7 days (each new day takes the value of the same weekday 52 weeks before)
and revises about 30% of the 14 days up to its predecessor's last day (days with crossings: a few people more
or fewer, the boats unchanged, noted `Revised`); the weeks holding a revised or new day are summed again
from the days, as SB_02 is published. Boats are left alone on purpose: a revision from 0 currently breaks the
change list (see docs/performance.md).

Quarterly returns workbooks: one workbook of the published size built by benchmarks/returns_workbook.py,
then one copy per quarter with a few hundred values of its last sheet rows changed (earlier quarters revised),
named `returns-datasets-<mon>-<yyyy>.xlsx`.
"""
from __future__ import annotations

import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

TEMPLATE_NAME = "23_January_2026_Small_boats_-_time_series.ods"
REVISED_SHARE = 0.30          # of the 14 days before the predecessor's last day
GRID_ROWS = 1_048_576         # the template pads each sheet to a spreadsheet's full height with one repeated row

ROW = re.compile(r"<table:table-row[^>]*>.*?</table:table-row>", re.S)
PAD = re.compile(r'(<table:table-row table:number-rows-repeated=")(\d+)(")')
DATE = re.compile(r'office:date-value="(\d{4}-\d{2}-\d{2})')
CELL = re.compile(r"<table:table-cell (?:office:value-type=\"(\w+)\"(?: office:value=\"([^\"]*)\")?)?[^>]*?(?:/>|>.*?</table:table-cell>)")


def release_name(published: date) -> str:
    """The real pattern: `23_January_2026_Small_boats_-_time_series.ods` (day with two digits, as published)."""
    return f"{published.day:02d}_{published.strftime('%B')}_{published.year}_Small_boats_-_time_series.ods"


def _float(value: int) -> str:
    return (f'<table:table-cell office:value-type="float" office:value="{value}" table:style-name="ce11">'
            f"<text:p>{value}</text:p></table:table-cell>")


def _row(day: date, values: list[int], revised: bool, width: int) -> str:
    """A data row in the template's markup: date cell, numbers, `Revised` in Notes, the padding cell to column XFD."""
    note = ('<table:table-cell office:value-type="string" table:style-name="ce11"><text:p>Revised</text:p>'
            "</table:table-cell>" if revised else "")
    pad = 16384 - 1 - len(values) - (1 if revised else 0)
    return (f'<table:table-row table:style-name="ro15"><table:table-cell office:value-type="date" '
            f'office:date-value="{day.isoformat()}T00:00:00" table:style-name="ce27"><text:p>{day:%d/%m/%Y}</text:p>'
            f"</table:table-cell>{''.join(_float(v) for v in values)}{note}"
            f'<table:table-cell table:number-columns-repeated="{pad}"/></table:table-row>')


def _numbers(row_xml: str, count: int) -> list[int]:
    """The first `count` values after the date cell (`-` and blanks as 0)."""
    cells = CELL.findall(row_xml)[1:count + 1]
    return [int(float(v)) if kind == "float" and v else 0 for kind, v in cells]


@dataclass
class Sheet:
    """One data sheet of the template: markup before the rows, the rows by date, the padding row and after."""
    head: str
    rows: dict[date, str]
    values: dict[date, list[int]]
    pad: int
    tail: str
    width: int
    base_rows: int = 0
    revised: set[date] = field(default_factory=set)

    @classmethod
    def cut(cls, text: str, width: int) -> "Sheet":
        rows = ROW.findall(text)
        data = [r for r in rows if DATE.search(r)]
        start, end = text.index(data[0]), text.index(data[-1]) + len(data[-1])
        pad = PAD.search(text, end)
        by_date = {date.fromisoformat(DATE.search(r).group(1)): r for r in data}
        return cls(text[:start], by_date, {d: _numbers(r, width) for d, r in by_date.items()},
                   int(pad.group(2)), text[end:], width, len(by_date))

    def set(self, day: date, values: list[int], revised: bool = False) -> None:
        """A row's values; `revised` notes it `Revised` (and the note stays in later releases, as published)."""
        self.values[day] = values
        if revised:
            self.revised.add(day)
        self.rows[day] = _row(day, values, day in self.revised, self.width)

    def text(self) -> str:
        body = "".join(self.rows[d] for d in sorted(self.rows))
        grown = len(self.rows) - self.base_rows
        return self.head + body + PAD.sub(lambda m: f"{m.group(1)}{self.pad - grown}{m.group(3)}", self.tail, count=1)


class WeeklyHistory:
    """The template's two data sheets, advanced one weekly release at a time."""

    def __init__(self, template: Path, seed: int = 13):
        self.template = template
        self.published = date(2026, 1, 23)
        with zipfile.ZipFile(template) as book:
            text = book.read("content.xml").decode("utf-8")
        a, b = text.index('table:name="SB_01"'), text.index('table:name="SB_02"')
        c = text.index("</table:table>", b) + len("</table:table>")
        self.prefix, self.suffix = text[:a], text[c:]
        self.daily, self.weekly = Sheet.cut(text[a:b], 3), Sheet.cut(text[b:c], 5)
        self.random = random.Random(seed)

    @property
    def last_day(self) -> date:
        return max(self.daily.values)

    def advance(self) -> date:
        """The next release: revise about 30% of the last 14 days, add 7 days, sum the weeks touched again."""
        last = self.last_day
        window = [last - timedelta(days=i) for i in range(14)]
        touched = set()
        arrivals = [d for d in window if self.daily.values[d][0] > 0]     # a day with crossings, so boats stay put
        for day in self.random.sample(arrivals, min(len(arrivals), round(REVISED_SHARE * len(window)))):
            old, boats, uncontrolled = self.daily.values[day]
            # at most 80 a boat (the real series' busiest day had 89): revisions copied forward a year at a time would
            # otherwise drift upwards for ten years, past the release gate's 150 people a boat
            migrants = min(max(boats, 1, old + self.random.choice([-3, -2, -1, 1, 2, 3, 5, 8, 12])), 80 * max(boats, 1))
            self.daily.set(day, [migrants if migrants != old else old + 1, boats, uncontrolled], revised=True)
            touched.add(day)
        for i in range(1, 8):
            day = last + timedelta(days=i)
            self.daily.set(day, list(self.daily.values[day - timedelta(days=364)]))
            touched.add(day)
        self._weeks(touched)
        self.published += timedelta(days=7)
        return self.published

    def _weeks(self, touched: set[date]) -> None:
        """SB_02: each complete week (ending Sunday) holding a touched day, summed from SB_01; prevented counts of a
        new week from the same week a year before."""
        for end in sorted({d + timedelta(days=6 - d.weekday()) for d in touched}):
            days = [end - timedelta(days=i) for i in range(7)]
            if not all(d in self.daily.values for d in days):
                continue                                  # the week is not complete yet
            sums = [sum(self.daily.values[d][i] for d in days) for i in range(3)]
            prevented = self.weekly.values.get(end, self.weekly.values[end - timedelta(days=364)])[3:5]
            self.weekly.set(end, sums + prevented, revised=end in self.weekly.values)

    def write(self, folder: Path) -> Path:
        """The current release as an ods: the template's members, content.xml rewritten, mimetype first and stored."""
        path = folder / release_name(self.published)
        content = self.prefix + self.daily.text() + self.weekly.text() + self.suffix
        with zipfile.ZipFile(self.template) as src, zipfile.ZipFile(path, "w") as out:
            for info in src.infolist():
                data = content.encode("utf-8") if info.filename == "content.xml" else src.read(info)
                kind = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
                out.writestr(zipfile.ZipInfo(info.filename, info.date_time), data, compress_type=kind, compresslevel=6)
        return path


def weekly_releases(template: Path, folder: Path, count: int) -> list[Path]:
    """`count` consecutive weekly releases after the template's, written into `folder`, oldest first."""
    folder.mkdir(parents=True, exist_ok=True)
    history = WeeklyHistory(template)
    paths = []
    for _ in range(count):
        history.advance()
        paths.append(history.write(folder))
    return paths


# --- quarterly returns workbooks ------------------------------------------------------------------

QUARTER_MONTHS = ("mar", "jun", "sep", "dec")
# a whole number in the last cell of a row (the count: Year, the only other number, must stay the Quarter's year,
# which the loader checks)
NUMBER = re.compile(rb"(<c r=\"[A-Z]+(\d+)\"(?: [a-z]+=\"[^\"]*\")*><v>)(\d+)(</v></c>)(?=</row>)")


def returns_name(first_year: int, i: int) -> str:
    return f"returns-datasets-{QUARTER_MONTHS[i % 4]}-{first_year + i // 4}.xlsx"


def _revise_sheet(xml: bytes, rng: random.Random, rows: int = 400) -> bytes:
    """Change the number in the last cell of `rows` rows near the end of the sheet (revised recent quarters)."""
    tail_start = max(0, len(xml) - 2_000_000)
    head, tail = xml[:tail_start], xml[tail_start:]
    found = len(NUMBER.findall(tail))
    picks = set(rng.sample(range(found), min(rows, found)))
    counter = iter(range(10**9))

    def change(m: re.Match) -> bytes:
        if next(counter) not in picks:
            return m.group(0)
        return m.group(1) + str(int(m.group(3)) + rng.randint(1, 5)).encode() + m.group(4)

    return head + NUMBER.sub(change, tail)


def returns_workbooks(base: Path, folder: Path, count: int, first_year: int = 2026, seed: int = 40) -> list[Path]:
    """`count` quarterly copies of the workbook `base` (built by benchmarks/returns_workbook.py), each with a few
    hundred values of its largest sheet revised, so every quarter's file differs from the one before."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with zipfile.ZipFile(base) as src:
        members = [(info, src.read(info)) for info in src.infolist()]
    largest = max(range(len(members)), key=lambda i: members[i][0].file_size)
    paths = []
    for i in range(count):
        info, data = members[largest]
        members[largest] = (info, _revise_sheet(data, rng))     # revisions accumulate from quarter to quarter
        path = folder / returns_name(first_year, i)
        with zipfile.ZipFile(path, "w") as out:
            for info, data in members:
                out.writestr(zipfile.ZipInfo(info.filename, info.date_time), data, compress_type=zipfile.ZIP_DEFLATED,
                             compresslevel=1)
        paths.append(path)
    return paths
