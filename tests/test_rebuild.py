"""`pledges rebuild`: the warehouse recreated from the raw archive alone equals the incremental one."""
from __future__ import annotations

from datetime import date

import duckdb

from flows import cli
from flows.ingest import run_sources
from tests.conftest import SMALL_BOATS_PAGE
from tests.sources.small_boats.builders import small_boats_file, small_boats_grids
from tests.warehouse_reads import query
from tests.workbooks import write_workbook

VOLATILE = {"loaded_at"}   # when a row was loaded is, by definition, different in a rebuild


def contents(path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
                             "ORDER BY 1, 2").fetchall()
        out = {}
        for schema, table in tables:
            columns = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                                                 "ORDER BY column_index", [schema, table]).fetchall() if c not in VOLATILE]
            out[f"{schema}.{table}"] = con.execute(
                f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)} FROM {schema}.{table} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def test_rebuild_from_archive_matches_incremental_build(settings, mirror, tmp_path, capsys):
    files = tmp_path / "files"
    first = small_boats_file(files, date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    mirror.publish(SMALL_BOATS_PAGE, first.name, first.read_bytes())
    run_sources(settings, ["small_boats"])
    second = small_boats_file(files, date(2024, 2, 9), start=date(2024, 1, 1), days=27, revised={2: 77})
    mirror.publish(SMALL_BOATS_PAGE, second.name, second.read_bytes())
    run_sources(settings, ["small_boats"])
    # the same content re-uploaded under a _v2 name: recorded as unchanged
    mirror.publish(SMALL_BOATS_PAGE, second.name.replace(".ods", "_v2.ods"), second.read_bytes())
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["unchanged"]
    grids = small_boats_grids(start=date(2024, 1, 1), days=34)
    grids["SB_01"][3][2] = -4
    bad = write_workbook(files / "16_February_2024_Small_boats_-_time_series.ods", grids)
    mirror.publish(SMALL_BOATS_PAGE, bad.name, bad.read_bytes())
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["rejected"]
    incremental = contents(settings.warehouse)
    assert len(incremental["meta.releases"]) == 4

    mirror.pages.clear()
    mirror.files.clear()         # nothing can come from the network now
    hits = len(mirror.hits)
    code = cli.main(["rebuild", "--warehouse", str(settings.warehouse)])
    assert code == cli.EXIT_FAILED          # the rejected release is rejected again, and said so
    assert "rejected" in capsys.readouterr().out
    assert len(mirror.hits) == hits
    assert contents(settings.warehouse) == incremental


def test_rebuild_refuses_an_altered_archive_file(settings, tmp_path, capsys):
    path = small_boats_file(tmp_path / "f", date(2024, 2, 2), start=date(2024, 1, 1), days=10)
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(path)]) == 0
    [archived] = [p for p in settings.archive_dir.glob("*/*.ods")]
    archived.write_bytes(archived.read_bytes() + b"tampered")
    assert cli.main(["rebuild", "--warehouse", str(settings.warehouse)]) == cli.EXIT_FAILED
    assert "sha256 mismatch" in capsys.readouterr().err


def test_a_newer_release_loaded_before_an_older_one_is_rebuilt_as_published(settings, tmp_path, capsys):
    """A newer release (history cut to its last 20 days) loaded first passed the gate with nothing to compare it
    with; the older full release arrived after it (held, then accepted). The rebuild loads in publication order, so the gate compares the
    newer with the older and would hold it: it is loaded all the same, as it was published, with the gate's reasons
    in held_reasons (the same the incremental load recorded), and the rebuilt warehouse equals the incremental one
    (before: `nothing published: the rebuilt warehouse would hold 1 loaded release(s) fewer`, exit 1)."""
    newer = small_boats_file(tmp_path / "new", date(2024, 2, 9), start=date(2024, 1, 20), days=20)
    older = small_boats_file(tmp_path / "old", date(2024, 2, 2), start=date(2023, 7, 1), days=216)
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(newer)]) == cli.EXIT_OK
    # the older arrival is held against the newer (row 256), and published once accepted after review
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(older)]) == cli.EXIT_FAILED
    [(held,)] = query(settings, "SELECT release_id FROM meta.releases WHERE status = 'held'")
    assert cli.main(["accept", "--warehouse", str(settings.warehouse), held]) == cli.EXIT_OK
    incremental, raw_before = contents(settings.warehouse), raw_rows(settings)
    [(status, reasons)] = query(settings, "SELECT status, held_reasons FROM meta.releases "
                                          "WHERE published_on = DATE '2024-02-09'")
    assert status == "loaded" and "release gate (dropped)" in reasons
    capsys.readouterr()

    assert cli.main(["rebuild", "--warehouse", str(settings.warehouse)]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert f"loaded    small_boats    {newer.name}" in out
    assert "note: loaded as published (the published warehouse had it loaded); published without review, though " \
           "the release gate would hold it against small_boats/2024-02-02/" in out
    # the same warehouse; raw_store's rows are stored in load order, so compared as the raw views give them
    rebuilt = contents(settings.warehouse)
    assert {k: v for k, v in rebuilt.items() if not k.startswith("raw_store.")} == \
        {k: v for k, v in incremental.items() if not k.startswith("raw_store.")}
    assert raw_rows(settings) == raw_before


def raw_rows(settings) -> dict[str, list]:
    return {table: query(settings, f"SELECT * FROM raw.{table} ORDER BY ALL")
            for table in ("small_boats_daily", "small_boats_weekly")}
