"""Fetching is bounded: allowed origins (scheme, host and port, redirects included), JSON size as sent and
decoded, one deadline per fetch, and the writer lock held only to publish. Real servers on 127.0.0.1."""
from __future__ import annotations

import dataclasses
import gzip
import json
import threading
import time
from datetime import date

import pytest

from flows.config import Settings
from flows.errors import FetchError
from flows.fetch import _check_host
from flows.ingest import run_sources
from tests.conftest import SMALL_BOATS_PAGE
from tests.mirror import MirrorServer
from tests.warehouse_reads import query, snapshot
from tests.sources.small_boats.builders import small_boats_file
from warehouse import db

PAGE_API = "/api/content" + SMALL_BOATS_PAGE


def _page_bytes(mirror, tmp_path, padding: int = 0) -> bytes:
    """A good small-boats page (its file published on the mirror) as JSON, padded with `padding` spaces."""
    good = small_boats_file(tmp_path / "f", date(2024, 2, 2), start=date(2024, 1, 1), days=10)
    mirror.publish(SMALL_BOATS_PAGE, good.name, good.read_bytes())
    return json.dumps(mirror.pages[SMALL_BOATS_PAGE]).encode() + b" " * padding


# --- origins: scheme, host and port -----------------------------------------------------------------------

def test_official_hosts_only_over_https_on_port_443_and_configured_bases_exactly(mirror):
    port = int(mirror.base.rsplit(":", 1)[1])
    settings = dataclasses.replace(Settings(), govuk_base=mirror.base, extra_hosts=("http://127.0.0.1:9", "example.org"))
    for url in ["https://www.gov.uk/api/content/x", "https://www.gov.uk:443/x", "HTTPS://Assets.Publishing.Service.Gov.UK/media/a/b.ods",
                "https://www.ons.gov.uk/file?uri=/a/b.xlsx", f"{mirror.base}/media/a/b.ods", "http://127.0.0.1:9/x",
                "https://example.org/x"]:
        _check_host(url, settings)       # allowed
    for url in ["http://www.gov.uk/x", "https://www.gov.uk:8443/x", "http://assets.publishing.service.gov.uk:80/x",
                "https://assets.publishing.service.gov.uk:80/x", "ftp://www.gov.uk/x", f"http://127.0.0.1:{port + 1}/x",
                f"https://127.0.0.1:{port}/x", "http://example.org/x", "https://example.org:8443/x", "https://www.gov.uk:99999/x"]:
        with pytest.raises(FetchError, match="refusing"):
            _check_host(url, settings)


def test_redirect_to_another_port_of_the_mirror_host_is_refused_and_never_requested(settings, mirror, tmp_path):
    with MirrorServer() as other:       # a second server on 127.0.0.1, another port: it must receive nothing
        other.files["/internal/admin"] = b"secret"
        good = small_boats_file(tmp_path, date(2024, 2, 2), start=date(2024, 1, 1), days=10)
        url = mirror.publish(SMALL_BOATS_PAGE, good.name, good.read_bytes())
        mirror.fault(url.removeprefix(mirror.base), *[f"redirect:{other.base}/internal/admin?token=x"] * 5)
        [outcome] = run_sources(settings, ["small_boats"])
        assert outcome.status == "failed"
        assert f"refusing {other.base}/internal/admin?token=x" in outcome.error
        assert "is not an allowed scheme and port for 127.0.0.1" in outcome.error
        mirror.fault(PAGE_API, f"redirect:{other.base}/api/content{SMALL_BOATS_PAGE}")   # the page redirected too
        [outcome] = run_sources(settings, ["small_boats"])
        assert outcome.status == "failed" and "not an allowed scheme and port" in outcome.error
        assert other.hits == []


# --- sizes ------------------------------------------------------------------------------------------------

def test_gzip_bomb_json_page_is_refused_without_being_expanded(settings, mirror, tmp_path):
    bomb = gzip.compress(_page_bytes(mirror, tmp_path, padding=64 * 2**20), compresslevel=9)   # 64 MiB in ~64 KB
    assert len(bomb) < 2**20
    mirror.serve(PAGE_API, bomb, "application/json", headers={"Content-Encoding": "gzip"})
    small = dataclasses.replace(settings, max_json_bytes=2**20)
    started = time.monotonic()
    [outcome] = run_sources(small, ["small_boats"])
    assert outcome.status == "failed", outcome
    assert f"{mirror.base}{PAGE_API}: more than 1,048,576 bytes once decompressed (gzip" in outcome.error
    assert time.monotonic() - started < 5


def test_gzip_json_within_the_limit_is_decoded(settings, mirror, tmp_path):
    page = gzip.compress(_page_bytes(mirror, tmp_path, padding=1000))
    mirror.serve(PAGE_API, page, "application/json", headers={"Content-Encoding": "gzip"})
    [outcome] = run_sources(dataclasses.replace(settings, max_json_bytes=2**20), ["small_boats"])
    assert outcome.status == "loaded", outcome.error


def test_oversize_plain_json_page_is_refused(settings, mirror, tmp_path):
    mirror.serve(PAGE_API, _page_bytes(mirror, tmp_path, padding=3 * 2**20), "application/json")
    [outcome] = run_sources(dataclasses.replace(settings, max_json_bytes=2**20), ["small_boats"])
    assert outcome.status == "failed"
    assert "is over the 1,048,576-byte limit for a JSON page (PLEDGES_MAX_JSON_BYTES)" in outcome.error


def test_gzip_bomb_file_is_refused_by_its_decoded_size(settings, mirror, tmp_path):
    good = small_boats_file(tmp_path, date(2024, 2, 2), start=date(2024, 1, 1), days=10)
    url = mirror.publish(SMALL_BOATS_PAGE, good.name, good.read_bytes())
    path = url.removeprefix(mirror.base)
    mirror.serve(path, gzip.compress(b"\0" * (64 * 2**20)), headers={"Content-Encoding": "gzip"})
    [outcome] = run_sources(dataclasses.replace(settings, max_download_bytes=2**20), ["small_boats"])
    assert outcome.status == "failed" and "more than 1,048,576 bytes once decompressed (gzip" in outcome.error
    assert not list((settings.archive_dir / "incoming").glob("*.part"))


# --- time -------------------------------------------------------------------------------------------------

def test_a_dripping_file_is_cut_off_at_the_deadline(settings, mirror, tmp_path):
    good = small_boats_file(tmp_path, date(2024, 2, 2), start=date(2024, 1, 1), days=10)
    url = mirror.publish(SMALL_BOATS_PAGE, good.name, good.read_bytes())
    mirror.fault(url.removeprefix(mirror.base), "drip:8")      # every read well within the read timeout
    started = time.monotonic()
    [outcome] = run_sources(dataclasses.replace(settings, download_deadline=1.5), ["small_boats"])
    assert outcome.status == "failed"
    assert f"{url}: not fetched within the 1.5 s deadline (PLEDGES_DOWNLOAD_DEADLINE)" in outcome.error
    assert time.monotonic() - started < 4
    assert not list((settings.archive_dir / "incoming").glob("*.part"))


def test_a_dripping_json_page_is_cut_off_at_the_deadline(settings, mirror, tmp_path):
    _page_bytes(mirror, tmp_path)
    mirror.fault(PAGE_API, "drip:8")
    started = time.monotonic()
    [outcome] = run_sources(dataclasses.replace(settings, download_deadline=1.5), ["small_boats"])
    assert outcome.status == "failed" and "not fetched within the 1.5 s deadline" in outcome.error
    assert time.monotonic() - started < 4


def test_the_writer_lock_is_not_held_while_downloading(settings, mirror, tmp_path):
    good = small_boats_file(tmp_path, date(2024, 2, 2), start=date(2024, 1, 1), days=10)
    url = mirror.publish(SMALL_BOATS_PAGE, good.name, good.read_bytes())
    path = url.removeprefix(mirror.base)
    mirror.fault(path, "drip:3")
    result: list = []
    run = threading.Thread(target=lambda: result.append(run_sources(settings, ["small_boats"])))
    run.start()
    try:
        while path not in mirror.hits and run.is_alive():
            time.sleep(0.02)
        assert run.is_alive()          # the download has started and is still dripping
        with db.writer_lock(settings.warehouse, 0.5):    # another run (or `pledges load`) can publish meanwhile
            pass
    finally:
        run.join()
    assert [o.status for o in result[0]] == ["loaded"]
    assert query(settings, "SELECT count(*) FROM meta.releases WHERE status = 'loaded'") == [(1,)]
    assert snapshot(settings)
