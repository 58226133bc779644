"""A file replaced at a URL already loaded (ONS `/file?uri=` links keep their address) is downloaded and loaded as a
new release; an unchanged one is not downloaded again: asked conditionally (ETag / Last-Modified, 304) where the
server gives validators, otherwise judged by what the API says of it (size, update time)."""
from __future__ import annotations

import dataclasses
from datetime import date

from flows.ingest import run_sources
from tests.conftest import SMALL_BOATS_PAGE
from tests.sources.ons_ltim.test_ons import NOV25, YE_JUN_25, nov25_rows, publish_edition
from tests.warehouse_reads import metric, query
from tests.sources.ons_ltim.builders import ltim_rows, ltim_sheets
from tests.sources.small_boats.builders import small_boats_file
from tests.workbooks import write_xlsx


def test_a_file_replaced_at_the_same_ons_address_is_loaded_as_a_new_release(settings, mirror, tmp_path):
    mirror.file_validators = True          # like a real file server: ETag and Last-Modified
    settings = dataclasses.replace(settings, ons_base=mirror.base)
    edition, name, released = NOV25
    first = write_xlsx(tmp_path / "a" / name, ltim_sheets(nov25_rows()))
    url = publish_edition(mirror, edition, name, released, first.read_bytes())
    target = url.removeprefix(mirror.base)
    assert [o.status for o in run_sources(settings, ["ons_ltim"])] == ["loaded"]
    assert mirror.downloads.count(target) == 1

    [again] = run_sources(settings, ["ons_ltim"])                   # unchanged: asked conditionally, not downloaded
    assert again.status == "unchanged" and again.release_id.startswith("ons_ltim/2025-11-27/")
    assert mirror.not_modified.count(target) == 1 and mirror.downloads.count(target) == 1

    corrected = ltim_rows(["YE Jun 24", "YE Dec 24 R", "YE Mar 25 P R", "YE Jun 25 P"],       # a correction, same address
                          [1_200_000, 1_000_000, 950_000, 899_000], [450_000, 430_000, 440_000, 431_000])
    second = write_xlsx(tmp_path / "b" / name, ltim_sheets(corrected))
    mirror.serve(target, second.read_bytes(), mirror.routes[target][1])    # the edition's JSON unchanged
    [changed] = run_sources(settings, ["ons_ltim"])
    assert changed.status == "loaded", changed.error
    assert changed.release_id != again.release_id and mirror.downloads.count(target) == 2
    releases = query(settings, "SELECT file_url, status FROM meta.releases WHERE status = 'loaded' ORDER BY fetched_at")
    assert releases == [(url, "loaded"), (url, "loaded")]
    assert metric(settings, "net_migration", changed.release_id)[YE_JUN_25] == 899_000 - 431_000
    latest = query(settings, "SELECT value FROM marts.metric_observations WHERE metric_id = 'net_migration' AND is_latest "
                             "AND period_end = DATE '2025-06-30'")
    assert latest == [(468_000.0,)]

    [after] = run_sources(settings, ["ons_ltim"])                   # and the corrected file is not fetched again
    assert after.status == "unchanged" and after.release_id == changed.release_id
    assert mirror.downloads.count(target) == 2


def test_without_validators_a_change_in_size_or_page_update_time_fetches_the_file_again(settings, mirror, tmp_path):
    assert not mirror.file_validators
    first = small_boats_file(tmp_path / "a", date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    url = mirror.publish(SMALL_BOATS_PAGE, first.name, first.read_bytes())
    path = url.removeprefix(mirror.base)
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["loaded"]
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["unchanged"]
    assert mirror.hits.count(path) == 1                              # nothing said it changed: not requested

    revised = small_boats_file(tmp_path / "b", date(2024, 2, 2), start=date(2024, 1, 1), days=20, revised={3: 399})
    mirror.files[path] = revised.read_bytes()                        # replaced in place, the page updated
    attachment = mirror.pages[SMALL_BOATS_PAGE]["details"]["attachments"][0]
    attachment["file_size"] = len(revised.read_bytes())
    mirror.pages[SMALL_BOATS_PAGE]["public_updated_at"] = "2024-02-02T12:00:00.000+00:00"
    [changed] = run_sources(settings, ["small_boats"])
    assert changed.status == "loaded", changed.error
    assert query(settings, "SELECT count(*), count(DISTINCT sha256) FROM meta.releases WHERE file_url = ? AND status = 'loaded'",
                 [url]) == [(2, 2)]
    assert [o.status for o in run_sources(settings, ["small_boats"])] == ["unchanged"]
    assert mirror.hits.count(path) == 2
