"""Bad releases and network faults: a clear error, a rejected release row, published data unchanged."""
from __future__ import annotations

from datetime import date

import pytest

from flows import cli
from flows.ingest import run_sources
from tests.conftest import SMALL_BOATS_PAGE
from tests.warehouse_reads import query, snapshot
from tests.sources.small_boats.builders import small_boats_file, small_boats_grids
from tests.workbooks import write_workbook


@pytest.fixture
def published(settings, mirror, tmp_path):
    """A warehouse with one good release published from the mirror."""
    good = small_boats_file(tmp_path / "good", date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    mirror.publish(SMALL_BOATS_PAGE, good.name, good.read_bytes())
    outcomes = run_sources(settings, ["small_boats"])
    assert [o.status for o in outcomes] == ["loaded"], outcomes
    return snapshot(settings)


def publish_bad(mirror, tmp_path, grids=None, content: bytes | None = None, name="09_February_2024_Small_boats_-_time_series.ods"):
    if content is None:
        path = write_workbook(tmp_path / name, grids)
        content = path.read_bytes()
    return mirror.publish(SMALL_BOATS_PAGE, name, content)


def test_http_500_then_success(settings, mirror, tmp_path):
    good = small_boats_file(tmp_path, date(2024, 2, 2), start=date(2024, 1, 1), days=10)
    url = mirror.publish(SMALL_BOATS_PAGE, good.name, good.read_bytes())
    mirror.fault("/api/content" + SMALL_BOATS_PAGE, "status:500")
    mirror.fault(url.split(mirror.base)[1], "status:503", "status:500")
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["loaded"]


def test_persistent_503_fails_clearly_and_keeps_data(settings, mirror, tmp_path, published):
    mirror.fault("/api/content" + SMALL_BOATS_PAGE, *["status:503"] * 5)
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "failed" and "HTTP 503" in outcome.error and "gave up after 3 attempts" in outcome.error
    assert snapshot(settings) == published


def test_truncated_download_is_retried(settings, mirror, tmp_path):
    good = small_boats_file(tmp_path, date(2024, 2, 2), start=date(2024, 1, 1), days=10)
    url = mirror.publish(SMALL_BOATS_PAGE, good.name, good.read_bytes())
    mirror.fault(url.split(mirror.base)[1], "truncate")
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "loaded"
    sha = query(settings, "SELECT sha256 FROM meta.releases")[0][0]
    import hashlib
    assert sha == hashlib.sha256(good.read_bytes()).hexdigest()


def test_truncated_file_published_as_such_is_rejected(settings, mirror, tmp_path, published):
    good = small_boats_file(tmp_path / "t", date(2024, 2, 9), start=date(2024, 1, 1), days=27)
    content = good.read_bytes()
    publish_bad(mirror, tmp_path, content=content[: len(content) // 2])
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "rejected"
    assert "small_boats release 2024-02-09" in outcome.error and "not a spreadsheet" in outcome.error
    assert query(settings, "SELECT status FROM meta.releases WHERE published_on = DATE '2024-02-09'") == [("rejected",)]
    assert snapshot(settings) == published


def test_file_that_is_not_a_spreadsheet_is_rejected(settings, mirror, tmp_path, published):
    publish_bad(mirror, tmp_path, content=b"<html><body>Service unavailable</body></html>")
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "rejected" and "not a spreadsheet" in outcome.error
    assert snapshot(settings) == published


def test_renamed_column_names_sheet_row_and_column(settings, mirror, tmp_path, published):
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_01"][0][1] = "People arrived"
    publish_bad(mirror, tmp_path, grids)
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "rejected"
    assert "sheet 'SB_01', row 1, column 'Migrants arrived'" in outcome.error
    failures = query(settings, "SELECT sheet, row_number, column_name FROM meta.release_failures")
    assert failures == [("SB_01", 1, "Migrants arrived")]
    assert snapshot(settings) == published


@pytest.mark.parametrize("sheet, column", [("SB_01", 3), ("SB_02", 3)])
def test_renamed_uncontrolled_landings_column_is_named_as_published(settings, mirror, tmp_path, published, sheet, column):
    """The uncontrolled-landings column renamed ('Boats involved in uncontrolled landings'): named like any renamed
    column, as published, on its sheet's header row. Before: "column 'boats_arrived_involved_in_uncontrolled_landings':
    required column missing", the schema's internal name with no row."""
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids[sheet][0][column] = "Boats involved in uncontrolled landings"
    publish_bad(mirror, tmp_path, grids)
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "rejected"
    assert f"sheet '{sheet}', row 1, column 'Boats arrived - involved in uncontrolled landings'" in outcome.error
    assert "boats_arrived_involved" not in outcome.error
    assert snapshot(settings) == published


def test_a_missing_weekly_sheet_is_said_missing_not_blamed_on_the_daily_one(settings, mirror, tmp_path, published):
    """SB_02 left out: the weekly table is not there at all. Before, the error blamed the good daily sheet ("sheet
    'SB_01', row 1, column 'Week ending' ... missing"), whose header shares three of the weekly table's six columns."""
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    del grids["SB_02"]
    publish_bad(mirror, tmp_path, grids)
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "rejected"
    assert "no header row with Week ending, Migrants arrived" in outcome.error
    assert "in any sheet (sheets: Cover_sheet, Notes, SB_01)" in outcome.error
    assert "column 'Week ending'" not in outcome.error                # SB_01 is not blamed, but named for what it is
    assert ("sheet 'SB_01' row 1 has Migrants arrived, Boats arrived, Boats arrived - involved in uncontrolled "
            "landings but is the header of the daily table (Date, ") in outcome.error
    assert snapshot(settings) == published


DAILY_COLUMNS = "Date, Migrants arrived, Boats arrived, Boats arrived - involved in uncontrolled landings"
WEEKLY_COLUMNS = ("Week ending, Migrants arrived, Boats arrived, Boats arrived - involved in uncontrolled landings, "
                  "Migrants prevented, Events prevented")


@pytest.mark.parametrize("break_daily, nearest", [
    (lambda rows: [], ""),
    (lambda rows: [[None] * len(rows[0])] + rows[1:], ""),
    (lambda rows: [row[:1] for row in rows], "; the nearest, sheet 'SB_01' row 1, has only Date"),
], ids=["emptied", "header-blanked", "cut-to-date"])
def test_a_broken_daily_sheet_is_said_missing_not_blamed_on_the_weekly_one(settings, mirror, tmp_path, published,
                                                                          break_daily, nearest):
    """SB_01 emptied, its header blanked, or cut to its Date column: the weekly header (SB_02), which has three of
    the daily table's four columns, was taken for the daily one with 'Date' missing ("sheet 'SB_02', row 1, column
    'Date'"), pointing the operator at the good weekly sheet. No sheet has the daily header: said so, with the
    columns expected, the weekly sheet named as the weekly table's, and what SB_01 still has."""
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_01"] = break_daily(grids["SB_01"])
    publish_bad(mirror, tmp_path, grids)
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "rejected"
    assert (f"no header row with {DAILY_COLUMNS} in any sheet (sheets: Cover_sheet, Notes, SB_01, SB_02); sheet "
            "'SB_02' row 1 has Migrants arrived, Boats arrived, Boats arrived - involved in uncontrolled landings but "
            f"is the header of the weekly table ({WEEKLY_COLUMNS}){nearest}") in outcome.error
    assert "column 'Date'" not in outcome.error
    assert query(settings, "SELECT sheet, row_number, column_name FROM meta.release_failures") == [(None, None, None)]
    assert snapshot(settings) == published


def test_two_columns_that_read_alike_name_both_and_keep_the_data(settings, mirror, tmp_path, published):
    """A second 'Migrants arrived' column with a glued footnote marker reads as the first once normalised: which
    holds the figures is ambiguous, so the release is rejected naming sheet, row and both columns (not a bare
    AttributeError from the parse process). A second column that the parser does not need (Notes) is loaded."""
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    for row in grids["SB_01"]:
        row.append("Migrants arrived2" if row is grids["SB_01"][0] else 1)
    publish_bad(mirror, tmp_path, grids)
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "rejected", outcome
    assert ("sheet 'SB_01', row 1, column 'Migrants arrived': the header row has 2 columns that read alike "
            "('Migrants arrived' (column B) and 'Migrants arrived2' (column F))") in outcome.error
    assert query(settings, "SELECT sheet, row_number, column_name FROM meta.release_failures") == [("SB_01", 1, "Migrants arrived")]
    assert snapshot(settings) == published

    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    for row in grids["SB_01"]:
        row.append("Notes" if row is grids["SB_01"][0] else None)
    publish_bad(mirror, tmp_path, grids, name="16_February_2024_Small_boats_-_time_series.ods")
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["loaded"]


def test_negative_count_names_row_and_column(settings, mirror, tmp_path, published, capsys):
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_01"][5][1] = -12          # sheet row 6
    grids["SB_02"][2][4] = "12a"        # not a number
    publish_bad(mirror, tmp_path, grids)
    code = cli.main(["run", "--no-prefect", "--source", "small_boats", "--warehouse", str(settings.warehouse),
                     "--govuk-base", mirror.base])
    assert code == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "small_boats release 2024-02-09 (09_February_2024_Small_boats_-_time_series.ods)" in err
    assert "sheet 'SB_01', row 6, column 'Migrants arrived': greater_than_or_equal_to(0) (value '-12')" in err
    assert "sheet 'SB_02', row 3, column 'Migrants prevented'" in err and "'12a'" in err
    assert snapshot(settings) == published
    cli.main(["status", "--warehouse", str(settings.warehouse)])
    out = capsys.readouterr().out
    assert "rejected releases" in out and "row 6" in out


def test_rejected_release_is_retried_and_loads_once_fixed(settings, mirror, tmp_path, published):
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_01"][5][1] = -12
    publish_bad(mirror, tmp_path, grids)
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["rejected"]
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["rejected"]   # told again, not forgotten
    assert query(settings, "SELECT count(*) FROM meta.releases WHERE status = 'rejected'") == [(1,)]


def test_duplicate_dates_are_rejected(settings, mirror, tmp_path, published):
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_01"][8][0] = grids["SB_01"][7][0]
    publish_bad(mirror, tmp_path, grids)
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "rejected" and "duplicate value" in outcome.error and "row 9" in outcome.error


def test_empty_sheet_is_rejected(settings, mirror, tmp_path, published):
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_02"] = grids["SB_02"][:1]
    publish_bad(mirror, tmp_path, grids)
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "rejected" and "has no data rows" in outcome.error


def test_missing_attachments_in_content_api(settings, mirror, published):
    mirror.pages[SMALL_BOATS_PAGE] = {"title": "moved", "details": {}}
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "failed" and "details.attachments" in outcome.error
    assert snapshot(settings) == published


def test_landing_page_gone(settings, mirror, published):
    del mirror.pages[SMALL_BOATS_PAGE]
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "failed" and "HTTP 404" in outcome.error and "moved or removed" in outcome.error


def test_attachment_on_foreign_host_is_refused(settings, mirror, tmp_path, published):
    url = publish_bad(mirror, tmp_path, small_boats_grids(start=date(2024, 1, 1), days=27))
    mirror.pages[SMALL_BOATS_PAGE]["details"]["attachments"][0]["url"] = url.replace("127.0.0.1", "evil.example.com")
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "failed" and "evil.example.com" in outcome.error and "not an official source" in outcome.error


def test_redirect_to_foreign_host_is_refused(settings, mirror, tmp_path, published):
    url = publish_bad(mirror, tmp_path, small_boats_grids(start=date(2024, 1, 1), days=27))
    mirror.fault(url.split(mirror.base)[1], *["redirect:https://evil.example.com/x.ods"] * 5)
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "failed" and "evil.example.com" in outcome.error
    assert snapshot(settings) == published


def test_timeout_is_retried_then_reported(settings, mirror, published):
    mirror.fault("/api/content" + SMALL_BOATS_PAGE, *["timeout"] * 5)
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "failed" and "Timeout" in outcome.error


def test_zip_bomb_is_refused_before_parsing(settings, mirror, tmp_path, published):
    import zipfile
    bomb = tmp_path / "bomb.ods"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", b"\0" * (64 * 2**20))
    import dataclasses
    small = dataclasses.replace(settings, max_unzipped_bytes=16 * 2**20)
    publish_bad(mirror, tmp_path, content=bomb.read_bytes())
    [outcome] = run_sources(small, ["small_boats"])
    assert outcome.status == "rejected" and "over the 16,777,216-byte limit" in outcome.error
    assert snapshot(settings) == published


def test_corrupt_zip_is_rejected(settings, mirror, tmp_path, published):
    good = small_boats_file(tmp_path / "c", date(2024, 2, 9), start=date(2024, 1, 1), days=27)
    content = bytearray(good.read_bytes())
    import zipfile
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("content.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start, start + 40):       # damage the compressed bytes of content.xml
        content[i] ^= 0xFF
    publish_bad(mirror, tmp_path, content=bytes(content))
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "rejected" and "corrupt" in outcome.error
    assert snapshot(settings) == published


def test_new_column_is_loaded_and_reported(settings, mirror, tmp_path, published):
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    for i, row in enumerate(grids["SB_01"]):
        row.insert(3, "Boats intercepted" if i == 0 else 1)
    publish_bad(mirror, tmp_path, grids)
    [outcome] = run_sources(settings, ["small_boats"])
    assert outcome.status == "loaded"
    assert outcome.notes == ["sheet 'SB_01': new column(s) not loaded: Boats intercepted"]


DISK_FULL_WRITER = """
import dataclasses, resource, signal, sys
from pathlib import Path
from flows import ingest
from flows.config import Settings
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)            # a failed write raises instead of killing us
limit = Path(sys.argv[1]).stat().st_size + 4096
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # no file may grow beyond this: a full disk
settings = dataclasses.replace(Settings(), warehouse=Path(sys.argv[1]))
try:
    ingest.load_paths(settings, [Path(sys.argv[2])])
except Exception as exc:
    print("failed:", type(exc).__name__, exc)
    sys.exit(1)
"""


def test_disk_write_failure_during_publish(settings, tmp_path):
    import subprocess
    import sys
    first = small_boats_file(tmp_path / "a", date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(first)]) == 0
    before = settings.warehouse.read_bytes()
    big = small_boats_file(tmp_path / "b", date(2024, 9, 6), start=date(2018, 1, 1), days=2400)
    done = subprocess.run([sys.executable, "-c", DISK_FULL_WRITER, str(settings.warehouse), str(big)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "failed:" in done.stdout, done.stdout + done.stderr
    assert settings.warehouse.read_bytes() == before
    assert not settings.warehouse.with_name(settings.warehouse.name + ".building").exists()
    assert snapshot(settings)   # still readable


def test_unreachable_host_is_tried_once_per_run(settings, mirror):
    import dataclasses
    import socket
    with socket.socket() as s:        # a port nothing listens on: connection refused
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    down = dataclasses.replace(settings, govuk_base=dead)
    first, second = run_sources(down, ["small_boats", "ho_returns"])
    host = dead.removeprefix("http://")
    assert first.status == "failed" and first.error.startswith(f"small_boats: cannot reach {host} at all (connection refused")
    assert "gave up" not in first.error and "pledges load PATH" in first.error       # not retried: no backoff
    assert second.status == "failed" and second.error.startswith(f"not tried: ho_returns: cannot reach {host} at all")


DISK_FULL_CLI = """
import resource, signal, sys
from pathlib import Path
from flows import cli
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)            # a failed write raises instead of killing us
limit = Path(sys.argv[1]).stat().st_size + int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # no file may grow beyond this: a full disk
sys.exit(cli.main(["load", "--warehouse", sys.argv[1], sys.argv[2]]))
"""


@pytest.mark.parametrize("room", [-4096, 4096])    # the copy itself fails; the copy is made, then the load fails
def test_a_full_disk_during_publish_leaves_nothing_behind_and_says_what_is_safe(settings, tmp_path, room):
    """The disk filling up while the building copy is made left a partial `pledges.duckdb.building` (or, failing in
    DuckDB's checkpoint, a `.building.wal`), and the error ("No space left on device", "the database has been
    invalidated") did not say the published warehouse was untouched (audit 16)."""
    import subprocess
    import sys
    first = small_boats_file(tmp_path / "a", date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(first)]) == 0
    before = settings.warehouse.read_bytes()
    big = small_boats_file(tmp_path / "b", date(2024, 9, 6), start=date(2018, 1, 1), days=2400)
    done = subprocess.run([sys.executable, "-c", DISK_FULL_CLI, str(settings.warehouse), str(big), str(room)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"Nothing was published: {settings.warehouse} is unchanged, and the half-built copy beside it was removed." \
        in done.stderr, done.stderr
    assert settings.warehouse.read_bytes() == before
    left = [p.name for p in settings.warehouse.parent.iterdir() if p.name.endswith((".building", ".building.wal"))]
    assert not left, left
