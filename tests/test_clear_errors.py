"""Messages that point at the right thing: the cell as published with its sheet, row and column; the published
file's name (not its archive hash) and what the file really is; the register file's path; leftovers of interrupted
runs cleaned with a log line."""
from __future__ import annotations

import logging
import os
import re
import time
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.ingest import load_paths
from tests.sources.transparency.test_transparency import ie_sheets
from tests.sources.small_boats.builders import small_boats_grids
from tests.workbooks import write_workbook, write_xlsx
from warehouse.register import RegisterError, load_register_with_statements

NAME = "02_February_2024_Small_boats_-_time_series.ods"
HASH = re.compile(r"[0-9a-f]{64}")


def load_small_boats(settings, tmp_path, column: int, value) -> str:
    """A small-boats release whose SB_01 row 6 has `value` in column `column` (0 Date, 1 Migrants arrived)."""
    grids = small_boats_grids(start=date(2024, 1, 1), days=20)
    grids["SB_01"][5][column] = value
    [outcome] = load_paths(settings, [write_workbook(tmp_path / NAME, grids)])
    assert outcome.status == "rejected"
    assert "'nan'" not in outcome.error and "-9223372036854775808" not in outcome.error and "1970-01-01" not in outcome.error
    return outcome.error


@pytest.mark.parametrize("value, expected", [
    (12.5, "not a valid Int64 value: not a whole number (value '12.5')"),
    ("+5", "not a valid Int64 value (value '+5')"),
    ("\u0665", "not a valid Int64 value: digits other than 0-9 (value '\u0665')"),                 # Arabic-Indic 5
    ("\u0967\u0968", "not a valid Int64 value: digits other than 0-9 (value '\u0967\u0968')"),     # Devanagari 12
    (2e19, "not a valid Int64 value: beyond the range of a whole-number column (about 9.2 x 10^18) "
           "(value '20000000000000000000')"),
])
def test_a_bad_count_is_reported_as_published_with_its_cell(settings, tmp_path, value, expected):
    error = load_small_boats(settings, tmp_path, 1, value)
    assert f"sheet 'SB_01', row 6, column 'Migrants arrived': {expected}" in error, error


@pytest.mark.parametrize("value, expected", [
    (pd.Timestamp("2300-01-01"), "not a valid date: outside the years 1677 to 2262 that the warehouse stores "
                                 "(value '2300-01-01')"),
    ("01/01/2300", "not a valid date: outside the years 1677 to 2262 that the warehouse stores (value '01/01/2300')"),
    (46045, "not a valid date: a number where a date is expected (as an Excel serial date it would be 2026-01-23) "
            "(value '46045')"),
])
def test_a_bad_date_is_reported_as_published_with_its_cell(settings, tmp_path, value, expected):
    error = load_small_boats(settings, tmp_path, 0, value)
    assert f"sheet 'SB_01', row 6, column 'Date': {expected}" in error, error


def test_other_scripts_digits_are_refused_where_numbers_as_text_are_read(settings, tmp_path):
    """Transparency tables publish counts as text ('1,234'): '\u0661\u0662' (Arabic-Indic 12) was read as 12."""
    rows = [["2025 Q1", 300, 5.5], ["2025 Q2", "\u0661\u0662", 6.0]]
    path = write_xlsx(tmp_path / "IE_Q2_2025_Published.xlsx", ie_sheets(quarters=["2025 Q1", "2025 Q2"], cp02_rows=rows))
    [outcome] = load_paths(settings, [path])
    assert outcome.status == "rejected"
    assert ("sheet 'CP_02', row 8, column 'Number of Penalties Issued': not a valid Int64 value: digits other than 0-9 "
            "(value '\u0661\u0662')") in outcome.error


def test_a_rejection_names_the_published_file_not_its_archive_copy(settings, tmp_path):
    bad = tmp_path / NAME
    bad.write_bytes(b"<html><body>Service unavailable</body></html>")
    [outcome] = load_paths(settings, [bad])
    assert outcome.status == "rejected"
    assert f"{NAME} is not a spreadsheet (not a zip-based xlsx/ods file; truncated or wrong type?)" in outcome.error
    assert not HASH.search(outcome.error.split(": ", 1)[1]), outcome.error     # the release id part aside


def damaged_xlsx(good: Path, path: Path) -> Path:
    """`good` with its first sheet's XML cut in half: the zip's checksums all match (rewritten), the XML is broken."""
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            target.writestr(member.filename, data[: len(data) // 2] if member.filename == "xl/worksheets/sheet1.xml" else data)
    return path


def test_a_spreadsheet_is_named_for_what_its_content_is(settings, tmp_path):
    """IE transparency is catalogued as ods but published as xlsx too: a file is read as what its content is,
    and a message says what it is, under its own name; a damaged sheet fails its release, not the run."""
    folder = tmp_path / "files"
    folder.mkdir()
    good = write_xlsx(tmp_path / "x" / "IE_Q1_2025_Published.xlsx", ie_sheets())
    (folder / "IE_Q1_2025_Published.ods").write_bytes(good.read_bytes())            # xlsx content, .ods name: loads
    with zipfile.ZipFile(folder / "IE_Q2_2025_Published.xlsx", "w") as other:          # a zip of a CSV
        other.writestr("data.csv", "Quarter,Penalties\n2025 Q2,1\n")
    (folder / "IE_Q3_2025_Published.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))   # OLE2
    damaged_xlsx(good, folder / "IE_Q4_2025_Published.xlsx")
    outcomes = {o.name: o for o in load_paths(settings, [folder])}
    assert outcomes["IE_Q1_2025_Published.ods"].status == "loaded", outcomes["IE_Q1_2025_Published.ods"].error
    assert ("IE_Q2_2025_Published.xlsx is not a spreadsheet: it is a zip archive of other files (data.csv), neither "
            "an xlsx workbook nor an ods spreadsheet") in outcomes["IE_Q2_2025_Published.xlsx"].error
    assert ("IE_Q3_2025_Published.xlsx is not a spreadsheet this pipeline reads: it is an OLE2 compound file, a legacy "
            ".xls workbook or a password-protected (encrypted) workbook") in outcomes["IE_Q3_2025_Published.xlsx"].error
    damaged = outcomes["IE_Q4_2025_Published.xlsx"]
    assert damaged.status == "rejected"
    assert "IE_Q4_2025_Published.xlsx (an Excel workbook (xlsx)) is damaged: a sheet cannot be read: XmlError" in damaged.error
    for outcome in outcomes.values():
        assert "cannot be read as ods" not in (outcome.error or "") and not HASH.search((outcome.error or "").split(": ", 1)[-1])


@pytest.mark.parametrize("content, expected", [
    (b"\xff\xfe not text", "the pledge register cannot be read ('utf-8' codec can't decode"),
    (b"entry = 5\n", "entry: expected an array of tables"),
    (b"statements = 3\n", "statements: expected a table per statement"),
    (b'[[entry]]\nid = "a"\n', "entry 'a': field type: Field required"),
    (None, "the pledge register cannot be read (No such file or directory)"),
])
def test_a_register_error_names_the_register_file(tmp_path, content, expected):
    path = tmp_path / "elsewhere" / "my-register.toml"
    if content is not None:
        path.parent.mkdir()
        path.write_bytes(content)
    with pytest.raises(RegisterError) as err:
        load_register_with_statements(path)
    assert str(err.value).startswith(f"{path}: "), str(err.value)
    assert expected in str(err.value)


def test_leftovers_of_interrupted_runs_are_removed_at_the_start_of_a_run(settings, tmp_path, caplog):
    archive = settings.archive_dir
    (archive / "incoming").mkdir(parents=True)
    (archive / "ab").mkdir()
    old_part, new_part = archive / "incoming" / "tmp1a2b.part", archive / "incoming" / "tmp3c4d.part"
    old_tmp = archive / "ab" / ("ab" + "0" * 62 + ".ods.tmp")
    building = settings.warehouse.with_name(settings.warehouse.name + ".building")
    kept_file = archive / "ab" / ("ab" + "0" * 62 + ".ods")
    for path in (old_part, new_part, old_tmp, building, kept_file):
        path.write_bytes(b"x" * 100)
    hours_ago = time.time() - 2 * 3600
    for path in (old_part, old_tmp, kept_file):
        os.utime(path, (hours_ago, hours_ago))
    nothing_new = tmp_path / "empty"          # a run with nothing to publish: no building copy is made
    nothing_new.mkdir()
    with caplog.at_level(logging.WARNING, logger="pledges"):
        assert load_paths(settings, [nothing_new]) == []
    assert not old_part.exists() and not old_tmp.exists() and not building.exists()
    assert new_part.exists(), "a download another run may still be writing is left alone"
    assert kept_file.exists()
    assert "removed 3 file(s) left by interrupted runs" in caplog.text
    assert str(old_part) in caplog.text and str(building) in caplog.text


def test_status_says_how_many_failing_cells_it_leaves_out_and_where_they_all_are(settings, tmp_path, capsys):
    """A release rejected with 12 failing cells: `pledges status` listed the first five and stopped, in text and
    JSON, without a word of the other seven (audit 16), though `pledges load` says "... and N more"."""
    import json

    from flows import cli
    grids = small_boats_grids(start=date(2024, 1, 1), days=20)
    for row in range(2, 14):
        grids["SB_01"][row][1] = "lots"
    [outcome] = load_paths(settings, [write_workbook(tmp_path / NAME, grids)])
    assert outcome.status == "rejected"
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    (total,) = con.execute("SELECT count(*) FROM marts.release_failures WHERE release_id = ?", [outcome.release_id]).fetchone()
    con.close()
    assert total == 12
    capsys.readouterr()
    assert cli.main(["status", "--warehouse", str(settings.warehouse)]) == 0
    out = capsys.readouterr().out
    listed = out[out.index("rejected releases:"):]
    assert listed.count("\n    - ") == 5
    # the line names the release once: not "<id> (<file>): small_boats release <date> (<file>): ..." (audit 20)
    [line] = [l for l in listed.splitlines() if l.startswith(f"  {outcome.release_id} ")]
    assert line.count(NAME) == 1 and " release " not in line.split(f"({NAME}): ")[1], line
    assert line.split(f"({NAME}): ")[1].startswith("12 ")
    assert (f"    ... and 7 more (12 in all: pledges sql \"SELECT * FROM marts.release_failures WHERE release_id = "
            f"'{outcome.release_id}'\")") in listed
    assert cli.main(["status", "--json", "--warehouse", str(settings.warehouse)]) == 0
    [rejected] = json.loads(capsys.readouterr().out)["rejected"]
    assert (len(rejected["failures"]), rejected["failures_total"]) == (5, 12)
