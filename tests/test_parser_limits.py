"""Files that would make the parser abort or grow without bound (ods repeat bombs): each file is parsed in a process
of its own under memory and time limits, after a cheap check of the ods grid, so the bomb is rejected, the good
files of the same batch publish, and `pledges rebuild` of the archive completes. Real `pledges` processes."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest

from tests.sources.small_boats.builders import small_boats_file

ROOT = Path(__file__).resolve().parents[1]
BOMB_NAME = "06_March_2026_Small_boats_-_time_series.ods"

MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')


def text_cell(text: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def number_cell(value: int, repeated: int = 1) -> str:
    repeat = f' table:number-columns-repeated="{repeated}"' if repeated > 1 else ""
    return f'<table:table-cell{repeat} office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'


def write_ods(path: Path, rows: str, sheets: int = 1) -> Path:
    """A minimal ods written by hand (mimetype first and stored, META-INF/manifest.xml, content.xml): sheet SB_01
    (and SB_02 ... up to `sheets`) with the small-boats header row, then `rows`."""
    header = "<table:table-row>" + "".join(text_cell(t) for t in ("Date", "Migrants arrived", "Boats arrived")) + \
             "</table:table-row>"
    tables = "".join(f'<table:table table:name="SB_{n:02d}">{header}{rows}</table:table>' for n in range(1, sheets + 1))
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", MANIFEST)
        archive.writestr("content.xml", content)
    return path


def repeated_row(times: int, cells: str) -> str:
    return f'<table:table-row table:number-rows-repeated="{times}">{cells}</table:table-row>'


BOMBS = {
    # a row whose cell repeats a value 16,000,000 times (5,000 rows of it): calamine asks for 4 GB at once and
    # aborts the process (SIGABRT) on the 3 GB machine MACHINE_BYTES stands for
    "columns_repeated": repeated_row(5_000, number_cell(1, repeated=16_000_000)),
    # a row of values repeated 5,000,000 times: over 180 s and 2.1 GB before
    "rows_repeated": repeated_row(5_000_000, number_cell(45000) + number_cell(7) + number_cell(1)),
}
# Within the spreadsheet grid and the pre-check's 5,000,000 cells a sheet, so only the parse process's limits stop
# them: 300 rows of 16,384 values (about 600 MB to read), and three sheets of 1,000,000 rows of 4 values (about
# 8 s to read here, 40 times a good file's parse; no machine limit, so that memory is not what stops it first)
WITHIN_GRID = {
    "memory": (write_ods, repeated_row(300, number_cell(1, repeated=16_384)), {"PLEDGES_PARSE_MEMORY_MB": "150"},
               "exceeded parser limits: memory", True),
    "time": (lambda path, rows: write_ods(path, rows, sheets=3),
             repeated_row(1_000_000, number_cell(45000) + number_cell(7, repeated=3)),
             {"PLEDGES_PARSE_TIMEOUT": "2", "PLEDGES_PARSE_MEMORY_MB": "4096"},
             "exceeded parser limits: time: parsing took longer than 2 s (PLEDGES_PARSE_TIMEOUT)", False),
}


# The run's whole address space, as on a machine with 3 GB (this one has more: a bomb would take minutes and
# gigabytes to fail here instead of aborting as it does on a smaller machine). A normal load needs under 1.5 GB.
MACHINE_BYTES = 3 * 2**30


def as_on_a_small_machine() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MACHINE_BYTES, MACHINE_BYTES))


def pledges(warehouse: Path, *args: str, env: dict[str, str], timeout: float = 120,
            small_machine: bool = True) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "flows.cli", *args, "--warehouse", str(warehouse)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env}, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=as_on_a_small_machine if small_machine else None)
    return done, time.monotonic() - started


def a_batch_with(folder: Path, bomb_rows: str, write=write_ods) -> Path:
    folder.mkdir(parents=True)
    for published, days in ((date(2026, 2, 27), 50), (date(2026, 3, 13), 64)):
        small_boats_file(folder, published, start=date(2026, 1, 1), days=days)
    write(folder / BOMB_NAME, bomb_rows)
    return folder


def releases(warehouse: Path) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("SELECT file_name, status FROM meta.releases ORDER BY file_name").fetchall()
    finally:
        con.close()


def load_then_rebuild(tmp_path: Path, bomb_rows: str, env: dict[str, str], expected: str, limit_s: float,
                      write=write_ods, small_machine: bool = True) -> None:
    folder = a_batch_with(tmp_path / "files", bomb_rows, write)
    warehouse = tmp_path / "wh" / "pledges.duckdb"
    for command in (["load", str(folder)], ["rebuild"]):
        done, took = pledges(warehouse, *command, env=env, small_machine=small_machine)
        output = done.stdout + done.stderr
        assert done.returncode == 1, (command, done.returncode, output[-3000:])   # rejected, never -6 (SIGABRT)
        assert took < limit_s, (command, took)
        assert BOMB_NAME in output and expected in output, output[-3000:]
        assert "Traceback" not in output
        assert releases(warehouse) == [("06_March_2026_Small_boats_-_time_series.ods", "rejected"),
                                       ("13_March_2026_Small_boats_-_time_series.ods", "loaded"),
                                       ("27_February_2026_Small_boats_-_time_series.ods", "loaded")], command


@pytest.mark.parametrize("workers", ["0", "2"])
@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_a_repeat_bomb_is_rejected_and_the_rest_of_the_batch_publishes(tmp_path, bomb, workers):
    env = {"PLEDGES_PARSE_WORKERS": workers, "PLEDGES_PARSE_MEMORY_MB": "1024", "PLEDGES_PARSE_TIMEOUT": "20"}
    load_then_rebuild(tmp_path, BOMBS[bomb], env, "a decompression bomb", limit_s=60)


@pytest.mark.parametrize("limit", sorted(WITHIN_GRID))
def test_a_parse_past_its_limits_is_rejected_and_the_rest_of_the_batch_publishes(tmp_path, limit):
    write, rows, env, expected, small_machine = WITHIN_GRID[limit]
    load_then_rebuild(tmp_path, rows, {"PLEDGES_PARSE_WORKERS": "1", **env}, expected, limit_s=60, write=write,
                      small_machine=small_machine)


def test_the_pre_check_passes_every_real_ods_and_takes_the_fast_path(realdata, tmp_path):
    """Every published ods passes; its fast path (regular expressions, a row at a time) is taken and finds each
    sheet's extent exactly as the XML parser does."""
    from flows.parsing.ods_check import _OdsGrid, _parse_ods_xml, _scan_ods_tags, check_ods_grid

    class Sheets(_OdsGrid):
        def __init__(self) -> None:
            super().__init__()
            self.extents: list[tuple] = []

        def table_end(self) -> None:
            if self.depth == 1:
                self.extents.append((self.sheet, self.last_row, self.last_col, self.row))
            super().table_end()

    files = sorted(realdata.rglob("*.ods")) + [small_boats_file(tmp_path, date(2024, 2, 2), start=date(2024, 1, 1), days=40)]
    assert len(files) > 1
    for path in files:
        check_ods_grid(path)
        fast, parsed = Sheets(), Sheets()
        with zipfile.ZipFile(path) as archive:
            with archive.open("content.xml") as content:
                assert _scan_ods_tags(content, fast) is True, path
            with archive.open("content.xml") as content:
                _parse_ods_xml(content, parsed)
        assert fast.extents == parsed.extents and any(rows for _, rows, _, _ in fast.extents), path


def test_the_pre_check_reads_unusual_xml_with_the_xml_parser(tmp_path):
    """A comment could hide or fake tags from the fast scan: such a document goes through expat, which still
    refuses the bomb (and a DOCTYPE)."""
    from flows.parsing import UnsafeFile, check_ods_grid

    bomb = write_ods(tmp_path / BOMB_NAME, "<!-- </table:table> -->" + BOMBS["rows_repeated"])
    with pytest.raises(UnsafeFile, match=r"row 2: a row with values repeated 5,000,000 times \(table:number-rows-repeated\)"):
        check_ods_grid(bomb)
    fine = write_ods(tmp_path / "fine.ods", "<!-- a note -->" + repeated_row(3, number_cell(45000) + number_cell(7)))
    check_ods_grid(fine)


@pytest.mark.parametrize("hiding", ["<?note <table:table-row> ?>",
                                    "<table:table-row>" + number_cell(1) + "</table:table-row >"])
def test_the_pre_check_sees_a_repeat_behind_markup_that_hides_it(tmp_path, hiding):
    """A processing instruction holding a row's start tag, or a row's end tag written with a space, made the fast
    scan take the bomb's row, and its repeat, for part of another row: such documents go to the XML parser."""
    from flows.parsing import UnsafeFile, check_ods_grid

    bomb = write_ods(tmp_path / BOMB_NAME, hiding + BOMBS["rows_repeated"])
    with pytest.raises(UnsafeFile, match=r"a row with values repeated 5,000,000 times \(table:number-rows-repeated\)"):
        check_ods_grid(bomb)
