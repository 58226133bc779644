"""`pledges rebuild` cannot empty or shrink the published warehouse, and refuses archive files and sidecars
that fail their checks: the published file stays byte-identical and the exit code says so."""
from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from flows import cli
from tests.warehouse_reads import query
from tests.sources.small_boats.builders import small_boats_file


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def two_releases(settings, tmp_path) -> dict[str, Path]:
    """Two releases loaded from local files: release id -> the archived file."""
    for published, days in ((date(2024, 2, 2), 20), (date(2024, 2, 9), 27)):
        path = small_boats_file(tmp_path / "files", published, start=date(2024, 1, 1), days=days)
        assert cli.main(["load", "--warehouse", str(settings.warehouse), str(path)]) == cli.EXIT_OK
    rows = query(settings, "SELECT release_id, sha256 FROM meta.releases WHERE status = 'loaded' ORDER BY release_id")
    assert len(rows) == 2
    return {release_id: next(settings.archive_dir.glob(f"*/{sha}.ods")) for release_id, sha in rows}


def rebuild(settings, *extra: str) -> int:
    return cli.main(["rebuild", "--warehouse", str(settings.warehouse), *extra])


def assert_untouched(settings, before: str) -> None:
    assert digest(settings.warehouse) == before
    assert not settings.warehouse.with_name(settings.warehouse.name + ".building").exists()


def test_rebuild_without_an_archive_publishes_nothing(settings, two_releases, capsys):
    shutil.rmtree(settings.archive_dir)
    before = digest(settings.warehouse)
    assert rebuild(settings) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "no raw archive" in err and str(settings.archive_dir) in err and "nothing published" in err
    for release_id in two_releases:
        assert release_id in err
    assert_untouched(settings, before)


def test_rebuild_with_an_archived_file_missing_publishes_nothing(settings, two_releases, capsys):
    gone_id, gone = next(iter(two_releases.items()))
    gone.unlink()
    before = digest(settings.warehouse)
    assert rebuild(settings) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "missing" in err and gone.name in err and gone_id in err and "nothing published" in err
    assert_untouched(settings, before)


def test_rebuild_with_an_archived_file_altered_publishes_nothing(settings, two_releases, capsys):
    altered_id, altered = list(two_releases.items())[1]
    altered.write_bytes(altered.read_bytes() + b"tampered")
    before = digest(settings.warehouse)
    assert rebuild(settings) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "sha256 mismatch" in err and altered.name in err and altered_id in err and "nothing published" in err
    assert_untouched(settings, before)


def test_rebuild_that_would_drop_a_release_publishes_nothing(settings, two_releases, capsys):
    """A release whose file and sidecar are both gone: no file fails its check, but the rebuild has fewer releases."""
    gone_id, gone = next(iter(two_releases.items()))
    gone.unlink()
    gone.with_name(gone.name.replace(".ods", ".meta.json")).unlink()
    before = digest(settings.warehouse)
    assert rebuild(settings) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert gone_id in err and "--force" in err and "nothing published" in err
    assert_untouched(settings, before)


def test_rebuild_force_publishes_what_it_can(settings, two_releases, capsys):
    gone_id, gone = next(iter(two_releases.items()))
    kept_id = next(r for r in two_releases if r != gone_id)
    gone.unlink()
    assert rebuild(settings, "--force") == cli.EXIT_FAILED      # the missing file is still reported as a failure
    assert gone.name in capsys.readouterr().err
    assert query(settings, "SELECT release_id FROM meta.releases WHERE status = 'loaded'") == [(kept_id,)]
    # and with no archive at all, --force publishes an empty warehouse
    shutil.rmtree(settings.archive_dir)
    rebuild(settings, "--force")
    assert query(settings, "SELECT count(*) FROM meta.releases") == [(0,)]


def test_a_good_archive_still_rebuilds(settings, two_releases):
    before = query(settings, "SELECT release_id, published_on, status FROM meta.releases ORDER BY ALL")
    assert rebuild(settings) == cli.EXIT_OK
    assert query(settings, "SELECT release_id, published_on, status FROM meta.releases ORDER BY ALL") == before


# --- item 12: sidecars are protected -----------------------------------------------------------------

def test_rebuild_refuses_a_sidecar_whose_dates_were_edited(settings, two_releases, capsys):
    release_id, archived = next(iter(two_releases.items()))
    sidecar = archived.with_name(archived.name.replace(".ods", ".meta.json"))
    record = json.loads(sidecar.read_text())
    assert record["sightings"][0]["published_on"] == release_id.split("/")[1]
    record["sightings"][0]["published_on"] = "2023-06-30"
    sidecar.write_text(json.dumps(record, indent=2))
    before = digest(settings.warehouse)
    assert rebuild(settings) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert str(sidecar) in err and "edited" in err and "nothing published" in err
    assert_untouched(settings, before)
    assert query(settings, "SELECT count(*) FROM meta.releases WHERE published_on = DATE '2023-06-30'") == [(0,)]


def test_rebuild_refuses_a_sidecar_that_is_not_json(settings, two_releases, capsys):
    _release_id, archived = next(iter(two_releases.items()))
    sidecar = archived.with_name(archived.name.replace(".ods", ".meta.json"))
    sidecar.write_text(sidecar.read_text()[:-40])
    before = digest(settings.warehouse)
    assert rebuild(settings) == cli.EXIT_FAILED
    assert str(sidecar) in capsys.readouterr().err
    assert_untouched(settings, before)



def test_a_sidecar_written_before_checksums_still_rebuilds(settings, two_releases):
    """Archives from before sidecars carried a checksum are read as they are (nothing to check them against)."""
    for sidecar in settings.archive_dir.glob("*/*.meta.json"):
        record = json.loads(sidecar.read_text())
        del record["checksum"]
        sidecar.write_text(json.dumps(record, indent=2))
    assert rebuild(settings) == cli.EXIT_OK
    assert query(settings, "SELECT count(*) FROM meta.releases WHERE status = 'loaded'") == [(2,)]


def test_rebuild_keeps_a_published_release_the_gate_would_now_hold(settings, tmp_path, monkeypatch, capsys):
    """A release published though the gate, run in publication order, holds it (here: loaded with the gate off, as
    before a rule existed; its settled history zeroed): the rebuild loads it again as published, never drops it,
    and records the gate's reasons in held_reasons (accepted_at stays NULL: nobody reviewed it). Before: `nothing
    published: the rebuilt warehouse would hold 1 loaded release(s) fewer`, exit 1, and `--force` dropped it."""
    from flows import gate
    good = small_boats_file(tmp_path / "files", date(2024, 2, 2), start=date(2023, 7, 3), days=214)
    zeroed = small_boats_file(tmp_path / "files", date(2024, 2, 9), start=date(2023, 7, 3), days=221,
                              arrivals=lambda i: 0)
    monkeypatch.setattr(gate, "check", lambda con, cand, tables, around=None: (None, []))     # as before the rule existed
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(good), str(zeroed)]) == cli.EXIT_OK
    monkeypatch.undo()
    before = query(settings, "SELECT metric_id, period_start, value, release_id FROM marts.metric_observations "
                             "ORDER BY ALL")
    capsys.readouterr()
    assert rebuild(settings) == cli.EXIT_OK
    assert "published without review, though the release gate would hold it" in capsys.readouterr().out
    [(status, accepted_at, reasons)] = query(settings, "SELECT status, accepted_at, held_reasons FROM marts.releases "
                                                       "WHERE published_on = DATE '2024-02-09'")
    assert status == "loaded" and accepted_at is None
    assert reasons.startswith("published without review, though the release gate would hold it against "
                              "small_boats/2024-02-02/")
    assert "release gate (max_revised_share): 122 of the 123 settled periods" in reasons
    assert query(settings, "SELECT metric_id, period_start, value, release_id FROM marts.metric_observations "
                           "ORDER BY ALL") == before
    # and with --force too: published data is kept, not dropped
    assert rebuild(settings, "--force") == cli.EXIT_OK
    assert query(settings, "SELECT count(*) FROM marts.releases WHERE status = 'loaded'") == [(2,)]


def test_rebuild_keeps_the_record_of_a_rejected_release_or_refuses(settings, two_releases, tmp_path, capsys):
    """A rejected release's archived sidecar deleted: before, the rebuild said nothing and published a warehouse with
    no record of it (its error and failing cells gone). Now it is refused, naming the release; --force publishes
    without it."""
    from tests.sources.small_boats.builders import small_boats_grids
    from tests.workbooks import write_workbook
    grids = small_boats_grids(start=date(2024, 1, 1), days=34)
    grids["SB_01"][5][1] = -5                                   # a negative count: rejected
    (tmp_path / "bad").mkdir()
    bad = write_workbook(tmp_path / "bad" / "16_February_2024_Small_boats_-_time_series.ods", grids)
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(bad)]) == cli.EXIT_FAILED
    [(rejected_id, sha)] = query(settings, "SELECT release_id, sha256 FROM meta.releases WHERE status = 'rejected'")
    # all there: rebuilt with the rest (exit 1, as any run with a rejected release), its record kept
    assert rebuild(settings) == cli.EXIT_FAILED and "nothing published" not in capsys.readouterr().err
    assert query(settings, "SELECT status FROM meta.releases WHERE release_id = ?", [rejected_id]) == [("rejected",)]
    next(settings.archive_dir.glob(f"*/{sha}.meta.json")).unlink()
    capsys.readouterr()
    before = digest(settings.warehouse)
    assert rebuild(settings) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "would lose the record of 1 held or rejected release(s)" in err and rejected_id in err and "nothing published" in err
    assert_untouched(settings, before)
    assert rebuild(settings, "--force") == cli.EXIT_OK          # the rejected file is not read without its sidecar
    assert query(settings, "SELECT count(*) FROM meta.releases WHERE release_id = ?", [rejected_id]) == [(0,)]
    assert query(settings, "SELECT count(*) FROM meta.releases WHERE status = 'loaded'") == [(2,)]
