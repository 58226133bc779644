"""`pledges check`: a dry run of discovery against the local mirror; with --download, layout and validation of the
newest file; never archived, never published, the warehouse only read."""
from __future__ import annotations

import dataclasses
import json
import socket
import time
from datetime import date

import pytest

from flows import check, cli
from flows.catalog import Source, load_catalog
from flows.config import Settings
from flows.ingest import run_sources
from tests.conftest import SMALL_BOATS_PAGE
from tests.warehouse_reads import query
from tests.sources.small_boats.builders import small_boats_file, small_boats_grids
from tests.workbooks import write_workbook

# Published names, one or more per source (whichever its catalog pattern accepts); HTML attachments by their slug
POOL = [
    "23_January_2026_Small_boats_-_time_series.ods",
    "returns-datasets-dec-2025.xlsx",
    "irregular-migration-to-the-uk-detailed-datasets-year-ending-december-2025.xlsx",
    "asylum-claims-awaiting-decision-datasets-dec-2025.xlsx",
    "support-local-authority-datasets-dec-2025.xlsx",
    "asylum-seekers-receipt-support-datasets-dec-2025.xlsx",
    "IE_Q3_2025.ods",
    "UKVI_IP_Q3_2025.xlsx",
    "outcome-by-offence-csvs.zip",
    "outcomes-by-offence-december-2024.zip",
    "ltimnov25.xlsx",
]
HTML_POOL = ["returns-and-illegal-working-activity-in-the-uk-22-march-2025",
             "returns-from-the-uk-from-5-july-2024-to-22-march-2025",
             "migrants-detected-crossing-the-english-channel-in-small-boats-last-7-days"]
TODAYS_SOURCES = {"small_boats", "ho_returns", "ho_irregular_migration", "ho_asylum_awaiting_decision", "ho_asylum_support",
                  "ie_transparency", "ukvi_ip_transparency", "moj_outcomes_by_offence", "ons_ltim", "dfe_apprenticeships",
                  "ho_returns_notes", "ho_asylum_support_national", "small_boats_page"}
UPDATED = "2026-01-23T09:30:00.000+00:00"


@pytest.fixture
def checking(settings, mirror) -> Settings:
    return dataclasses.replace(settings, ons_base=mirror.base, dfe_base=mirror.base + "/statistics/v1")


def example_name(source: Source) -> str | None:
    if source.discovery == "dfe_api":
        return f"{source.options.get('file_stem', 'dfe')}_{source.options['dataset_id']}_v1.0.0.csv"
    if source.discovery == "govuk_html_page":          # the page is the file, named after its slug
        return source.landing_page.rstrip("/").rsplit("/", 1)[-1] + ".json"
    pool = [slug + ".json" for slug in HTML_POOL] if source.discovery == "govuk_html" else POOL
    return next((name for name in pool if source.matches(name)), None)


def govuk_attachment(mirror, source: Source, name: str) -> dict:
    if source.discovery == "govuk_html":
        return {"url": "/government/publications/" + name.removesuffix(".json"), "attachment_type": "html", "title": name}
    return {"url": mirror.asset(name, b"not read: discovery only"), "filename": name, "title": name, "file_size": 24}


def serve_every_source(mirror) -> dict[str, str]:
    """Each catalog source's page on the mirror, shaped as its discovery reads it, listing one file its pattern
    matches (sources sharing a page or collection share it): source id -> that file's name."""
    served, pages, collections = {}, {}, {}
    for source in load_catalog().values():
        name = example_name(source)
        if name is None or source.discovery not in ("govuk_page", "govuk_html", "govuk_html_page", "govuk_collection",
                                                    "ons_dataset", "dfe_api"):
            continue
        served[source.id] = name
        if source.discovery == "govuk_html_page":
            mirror.pages[source.landing_page] = {"base_path": source.landing_page, "title": source.title,
                                                 "public_updated_at": UPDATED, "details": {"body": "<p>figures</p>"}}
        elif source.discovery in ("govuk_page", "govuk_html"):
            pages.setdefault(source.landing_page, []).append(govuk_attachment(mirror, source, name))
        elif source.discovery == "govuk_collection":
            doc = f"/government/statistics/{source.id}-{len(collections.get(source.landing_page, []))}"
            mirror.page(doc, [govuk_attachment(mirror, source, name)])
            collections.setdefault(source.landing_page, []).append({"base_path": doc, "public_updated_at": UPDATED})
        elif source.discovery == "ons_dataset":
            serve_ons_edition(mirror, source, name, b"not read")
        else:
            serve_dfe_version(mirror, source, b"not read")
    for page, attachments in pages.items():
        mirror.page(page, attachments)
    for page, documents in collections.items():
        mirror.page(page, [], links={"documents": documents})
    return served


def serve_ons_edition(mirror, source: Source, name: str, content: bytes) -> None:
    uri = source.landing_page + "/yearendingjune2025"
    mirror.serve_json(source.landing_page + "/data", {"uri": source.landing_page, "datasets": [{"uri": uri}]})
    mirror.serve_json(uri + "/data", {"uri": uri, "description": {"title": source.title, "releaseDate": "2025-11-27"},
                                      "downloads": [{"file": name}, {"file": "ltimsupplementary.csv"}]})
    mirror.serve(f"/file?uri={uri}/{name}", content)


def serve_dfe_version(mirror, source: Source, content: bytes) -> None:
    base = f"/statistics/v1/data-sets/{source.options['dataset_id']}"
    mirror.serve_json(f"{base}/versions?page=1&pageSize=20",
                      {"results": [{"version": "1.0.0", "published": "2025-07-17T08:30:00+00:00"}]})
    mirror.serve(f"{base}/csv?dataSetVersion=1.0.0", content, "text/csv")


def row_line(out: str, source_id: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(f"  {source_id} "))


def test_every_source_served_correctly_passes_and_each_row_says_what_was_found(checking, mirror, capsys):
    served = serve_every_source(mirror)
    catalog = load_catalog()
    assert TODAYS_SOURCES & set(catalog) <= set(served), "a source the mirror cannot serve: add its name to POOL"
    assert {catalog[s].discovery for s in served} >= {"govuk_page", "govuk_html", "govuk_collection", "ons_dataset", "dfe_api"}
    ids = None if set(served) == set(catalog) else sorted(served)       # a source added since: checked by id
    assert check.main(checking, ids) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    for source_id, name in served.items():
        line = row_line(out, source_id)
        assert " read " in line and f" {name[:79]}" in line and line.rstrip().endswith(" ok"), line
    assert "summary: " in out and "failed" not in out.split("summary: ")[1]
    rows = {r.source_id: r for r in check.check_sources(checking, sorted(served))}
    for source_id, name in served.items():
        r = rows[source_id]
        assert (r.page, r.matched, r.newest, r.new, r.layout, r.result) == ("read", [name], name, "yes", "not checked", "ok")
        assert name in r.found
    returns_page = catalog["ho_returns"].landing_page
    assert sorted(rows["ho_returns"].found) == sorted(a["filename"] for a in mirror.pages[returns_page]["details"]["attachments"])
    assert rows["ons_ltim"].found == ["ltimnov25.xlsx", "ltimsupplementary.csv"] and "2/1" in row_line(out, "ons_ltim")


def test_every_catalog_source_is_checked_by_default(checking, mirror, capsys):
    rows = check.check_sources(checking)                     # nothing served: every page answers 404
    assert [r.source_id for r in rows] == list(load_catalog())
    assert {(r.page, r.result) for r in rows} == {("not read", "page not read")}
    assert all("HTTP 404" in r.problems[0] for r in rows)


def test_an_attachment_renamed_by_the_publisher_fails_naming_the_source_and_what_was_found(checking, mirror, monkeypatch,
                                                                                            capsys, tmp_path):
    serve_every_source(mirror)
    renamed = "23_January_2026_Small_boats_time_series_renamed.ods"
    mirror.page(SMALL_BOATS_PAGE, [{"url": mirror.asset(renamed, b"x"), "filename": renamed, "title": "Small boats"},
                                   {"url": mirror.asset("notes.pdf", b"x"), "filename": "notes.pdf", "title": "Notes"}])
    for name, value in [("PLEDGES_GOVUK_BASE", mirror.base), ("PLEDGES_ONS_BASE", mirror.base),
                        ("PLEDGES_DFE_BASE", mirror.base + "/statistics/v1"), ("PLEDGES_RETRIES", "1")]:
        monkeypatch.setenv(name, value)
    args = ["check", "--source", "small_boats", "--source", "ho_returns", "--warehouse", str(tmp_path / "wh.duckdb")]
    assert cli.main(args) == 1
    out = capsys.readouterr().out
    assert "read" in row_line(out, "small_boats") and "2/0" in row_line(out, "small_boats")
    assert row_line(out, "small_boats").rstrip().endswith("no attachment matches")
    assert row_line(out, "ho_returns").rstrip().endswith(" ok")
    assert f"attachments found: {renamed}, notes.pdf" in out
    assert "small_boats: no attachment on " in out and "summary: 2 source(s) checked, 1 ok, 1 failed: small_boats" in out
    assert cli.main([*args, "--json"]) == 1
    rows = {r["source_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows["small_boats"]["found"], rows["small_boats"]["matched"], rows["small_boats"]["ok"]) == \
        ([renamed, "notes.pdf"], [], False)
    assert rows["ho_returns"]["ok"] and rows["ho_returns"]["newest"] == "returns-datasets-dec-2025.xlsx"


def warehouse_state(settings) -> tuple:
    """Every file beside the warehouse (bytes, size, time) and the releases it records."""
    folder = settings.warehouse.parent
    files = sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns, p.read_bytes())
                   for p in folder.rglob("*") if p.is_file())
    return files, query(settings, "SELECT release_id, status, sha256 FROM meta.releases ORDER BY ALL")


def test_download_validates_the_newest_file_and_leaves_the_warehouse_untouched(checking, mirror, tmp_path, capsys):
    first = small_boats_file(tmp_path / "a", date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    mirror.publish(SMALL_BOATS_PAGE, first.name, first.read_bytes())
    assert [o.status for o in run_sources(checking, ["small_boats"])] == ["loaded"]
    before = warehouse_state(checking)
    [row] = check.check_sources(checking, ["small_boats"], download_files=True)
    assert (row.new, row.layout, row.result, row.downloaded) == ("no", "ok", "ok", True)
    assert row.known_release == before[1][0][0]
    newer = small_boats_file(tmp_path / "b", date(2024, 2, 9), start=date(2024, 1, 1), days=27)
    mirror.publish(SMALL_BOATS_PAGE, newer.name, newer.read_bytes())
    assert check.main(checking, ["small_boats"], download_files=True) == 0
    out = capsys.readouterr().out
    line = row_line(out, "small_boats")
    assert newer.name in line and " yes " in line and " ok " in line and line.rstrip().endswith(" ok")
    assert "2 table(s), 30 rows valid: small_boats_daily (sheet 'SB_01'), small_boats_weekly (sheet 'SB_02')" in out
    assert warehouse_state(checking) == before              # no new release, nothing archived, no cache written


def test_download_of_a_file_whose_layout_changed_fails_naming_sheet_and_column(checking, mirror, tmp_path, capsys):
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_01"][0][1] = "People arrived"
    path = write_workbook(tmp_path / "09_February_2024_Small_boats_-_time_series.ods", grids)
    mirror.publish(SMALL_BOATS_PAGE, path.name, path.read_bytes())
    assert check.main(checking, ["small_boats"], download_files=True) == 1
    out = capsys.readouterr().out
    assert "changed" in row_line(out, "small_boats") and row_line(out, "small_boats").rstrip().endswith("layout changed")
    assert "sheet 'SB_01', row 1, column 'Migrants arrived'" in out
    assert "summary: 1 source(s) checked, 0 ok, 1 failed: small_boats" in out
    assert not checking.warehouse.parent.exists()              # no warehouse, no archive made


def test_download_of_a_file_that_fails_validation_keeps_its_layout_ok(checking, mirror, tmp_path, capsys):
    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_01"][5][1] = -12          # sheet row 6
    path = write_workbook(tmp_path / "09_February_2024_Small_boats_-_time_series.ods", grids)
    mirror.publish(SMALL_BOATS_PAGE, path.name, path.read_bytes())
    [row] = check.check_sources(checking, ["small_boats"], download_files=True)
    assert (row.layout, row.result) == ("ok", "invalid")
    assert "sheet 'SB_01', row 6, column 'Migrants arrived'" in row.problems[0]


def closed_port() -> str:
    with socket.socket() as s:          # nothing listens here once closed: connection refused
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_an_unreachable_host_is_reported_at_once(checking, capsys):
    refused = closed_port()
    settings = dataclasses.replace(checking, govuk_base="http://nonexistent.invalid", ons_base=refused,
                                   dfe_base=refused + "/statistics/v1", retries=4, backoff=1.0)
    started = time.monotonic()
    code = check.main(settings, download_files=True)
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 1 and elapsed < 10, elapsed
    rows = check.check_sources(settings)
    assert {r.result for r in rows} == {"unreachable"}
    assert {r.page for r in rows} == {"unreachable", "not tried"}
    assert sum(r.page == "unreachable" for r in rows) == 2       # each host tried once
    assert "cannot reach nonexistent.invalid at all (its name does not resolve" in out
    assert f"cannot reach 127.0.0.1:{refused.rsplit(':', 1)[1]} at all (connection refused" in out
    assert "pledges load PATH" in out and "gave up after" not in out
