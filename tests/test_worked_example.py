"""The worked example in flows/sources/README.md ("Adding a source"), run as written: its source.toml, parser.py and
schema blocks installed as a family `detention`, the catalog loaded and checked from them, and an ordinary workbook
in the example's layout (a title row, a header, data rows, a blank row, notes) parsed, validated and summed by the
metric's SQL. A newcomer follows that text to the letter, so it must load such a file."""
from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import flows.sources
import schemas
from flows import catalog
from flows.validate import parse_and_validate
from tests.workbooks import write_workbook
from warehouse.history import metric_select

README = Path(__file__).resolve().parents[1] / "flows" / "sources" / "README.md"
FILE_NAME = "12_March_2026_detained_on_arrival.ods"
DAYS = [(datetime(2026, 3, 2), 14), (datetime(2026, 3, 3), 0), (datetime(2026, 3, 4), "1,024"),
        (datetime(2026, 3, 5), ":"), (datetime(2026, 3, 6), 37)]


def example_blocks() -> dict[str, str]:
    """The example's fenced blocks: the toml one as 'source.toml', each python one by the path on its first line."""
    section = README.read_text().split("## Adding a source", 1)[1].split("\n## ", 1)[0]
    blocks = {}
    for language, body in re.findall(r"```(toml|python)\n(.*?)```", section, re.DOTALL):
        lines = [line[3:] if line.startswith("   ") else line for line in body.splitlines()]   # list indentation
        code = "\n".join(lines) + "\n"
        key = "source.toml" if language == "toml" else lines[0].removeprefix("# ").strip()
        blocks[key] = code
    return blocks


@pytest.fixture
def example_family(tmp_path, monkeypatch):
    """The README's blocks installed as flows/sources/detention and schemas/detention.py (in tmp_path, on the
    packages' search paths), and the catalog read from them."""
    blocks = example_blocks()
    assert {"source.toml", "flows/sources/detention/parser.py", "schemas/detention.py"} <= set(blocks), sorted(blocks)
    family = tmp_path / "sources" / "detention"
    family.mkdir(parents=True)
    (family / "__init__.py").write_text("")
    (family / "source.toml").write_text(blocks["source.toml"])
    (family / "parser.py").write_text(blocks["flows/sources/detention/parser.py"])
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "detention.py").write_text(blocks["schemas/detention.py"])
    monkeypatch.setattr(flows.sources, "__path__", [*flows.sources.__path__, str(tmp_path / "sources")])
    monkeypatch.setattr(schemas, "__path__", [*schemas.__path__, str(tmp_path / "schemas")])
    monkeypatch.setattr(catalog, "SOURCES_DIR", tmp_path / "sources")
    monkeypatch.setattr(catalog, "SCHEMAS_DIR", tmp_path / "schemas")
    yield tmp_path / "sources"
    for name in ("flows.sources.detention", "flows.sources.detention.parser", "schemas.detention"):
        sys.modules.pop(name, None)


def published_workbook(path: Path) -> Path:
    """DT_01 as the example describes it: title, header, five days (one count as text, one ':'), a blank row, notes."""
    grid = [["DT_01: People detained on arrival, by day"], [], ["Date", "People detained"],
            *[[day, count] for day, count in DAYS], [], ["Notes:"], ["1. Figures for the latest week are provisional."]]
    return write_workbook(path, {"Cover": [["People detained on arrival"]], "DT_01": grid})


def test_the_readme_example_loads_an_ordinary_workbook_with_notes_below_the_table(example_family, tmp_path, settings):
    sources = catalog.load_catalog(example_family)
    catalog.check_tables(sources)                       # the metric's table is one the schema declares
    source = sources["detention_weekly"]
    assert source.matches(FILE_NAME)
    path = published_workbook(tmp_path / FILE_NAME)

    tables, notes = parse_and_validate(source, path, "detention_weekly/2026-03-12", settings, file_name=FILE_NAME)

    assert notes == []
    [daily] = tables
    assert (daily.name, daily.sheet) == ("detention_daily", "DT_01")
    frame = daily.frame
    assert [d.to_pydatetime() for d in frame["date"]] == [day for day, _ in DAYS]     # no notes as rows
    assert str(frame["people_detained"].dtype) == "Int64"
    assert frame["people_detained"].tolist() == [14, 0, 1024, pd.NA, 37]
    assert list(frame.index) == [4, 5, 6, 7, 8]          # the sheet's row numbers, for messages

    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    raw = frame.assign(release_id="r1")
    con.register("parsed", raw)
    con.execute("CREATE TABLE raw.detention_daily AS SELECT * FROM parsed")
    [metric] = source.metrics
    rows = con.execute(f"SELECT period_start, value FROM ({metric_select(metric)}) ORDER BY period_start").fetchall()
    assert [(str(day), value) for day, value in rows] == \
        [("2026-03-02", 14.0), ("2026-03-03", 0.0), ("2026-03-04", 1024.0), ("2026-03-06", 37.0)]   # ':' is no figure
