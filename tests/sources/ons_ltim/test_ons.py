"""ONS long-term international migration, provisional (parser ons_ltim): editions built in code in the
published layout, discovered through the ONS site's JSON (`<page>/data`, `<edition>/data`, `/file?uri=`)
on the local mirror, one release per edition; the accessible December 2023 layout; bad input."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from flows.catalog import load_catalog
from flows.ingest import load_paths, run_sources
from flows.sources.ons_ltim.parser import parse_period
from tests.warehouse_reads import metric, query, snapshot
from tests.sources.ons_ltim.builders import LTIM_ACCESSIBLE_HEADER, ltim_rows, ltim_sheets
from tests.workbooks import write_xlsx

PAGE = load_catalog()["ons_ltim"].landing_page
NOV25 = ("yearendingjune2025", "ltimnov25.xlsx", "2025-11-27T07:00:00.000Z")
MAY26 = ("yearendingdecember2025", "may2026publicationspreadsheet.xlsx", "2026-05-21T07:00:00.000Z")
YE_JUN_25 = (date(2024, 7, 1), date(2025, 6, 30))


def nov25_rows() -> list[list]:
    return ltim_rows(["YE Jun 24", "YE Dec 24 R", "YE Mar 25 P R", "YE Jun 25 P"],
                     [1_200_000, 1_000_000, 950_000, 898_000], [450_000, 430_000, 440_000, 431_000])


def may26_rows() -> list[list]:   # YE Jun 25 revised, two new periods
    return ltim_rows(["YE Jun 24", "YE Dec 24 R", "YE Mar 25 R", "YE Jun 25 R", "YE Sep 25 P", "YE Dec 25 P"],
                     [1_200_000, 1_010_000, 955_000, 905_000, 850_000, 800_000],
                     [450_000, 430_000, 440_000, 435_000, 440_000, 445_000])


def publish_edition(mirror, edition: str, file_name: str, released: str, content: bytes) -> str:
    """The edition's `/data` JSON and its file at `/file?uri=<edition uri>/<file>`; the page lists the edition."""
    uri = f"{PAGE}/{edition}"
    mirror.serve_json(uri + "/data", {"type": "dataset", "uri": uri,
                                       "description": {"title": "Long-term international migration, provisional",
                                                       "edition": edition, "releaseDate": released},
                                       "downloads": [{"file": file_name}, {"file": "ltimsupplementary.csv"}]})
    listing = mirror.routes.get(PAGE + "/data")
    editions = [] if listing is None else __import__("json").loads(listing[0])["datasets"]
    mirror.serve_json(PAGE + "/data", {"type": "dataset_landing_page", "uri": PAGE,
                                       "datasets": editions + [{"uri": uri}]})   # oldest first: discovery sorts
    return mirror.serve(f"/file?uri={uri}/{file_name}", content,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def ons(settings, mirror, tmp_path):
    """Two editions published; the ONS base URL pointed at the mirror."""
    settings = dataclasses.replace(settings, ons_base=mirror.base)
    for (edition, name, released), rows in [(NOV25, nov25_rows()), (MAY26, may26_rows())]:
        path = write_xlsx(tmp_path / "files" / name, ltim_sheets(rows))
        publish_edition(mirror, edition, name, released, path.read_bytes())
    outcomes = run_sources(settings, ["ons_ltim"])
    return settings, outcomes


def test_editions_discovered_and_loaded_as_vintages(ons, mirror):
    settings, outcomes = ons
    assert sorted((o.name, o.status, o.notes) for o in outcomes) == \
        [("ltimnov25.xlsx", "loaded", []), ("may2026publicationspreadsheet.xlsx", "loaded", [])], [o.error for o in outcomes]
    assert any(h == "/file" for h in mirror.hits)                              # fetched through /file?uri=...
    releases = query(settings, "SELECT file_name, published_on, file_url FROM meta.releases ORDER BY published_on")
    assert [(r[0], r[1]) for r in releases] == [("ltimnov25.xlsx", date(2025, 11, 27)),
                                               ("may2026publicationspreadsheet.xlsx", date(2026, 5, 21))]
    assert releases[0][2] == f"{mirror.base}/file?uri={PAGE}/yearendingjune2025/ltimnov25.xlsx"

    first = metric(settings, "net_migration", "ons_ltim/2025-11-27/%")
    second = metric(settings, "net_migration", "ons_ltim/2026-05-21/%")
    assert first[YE_JUN_25] == 898_000 - 431_000 and second[YE_JUN_25] == 905_000 - 435_000    # revised, both kept
    assert first[(date(2024, 1, 1), date(2024, 12, 31))] == 570_000
    assert len(first) == 4 and len(second) == 6
    assert metric(settings, "immigration", "ons_ltim/2026-05-21/%")[(date(2025, 1, 1), date(2025, 12, 31))] == 800_000
    assert metric(settings, "emigration", "ons_ltim/2025-11-27/%")[YE_JUN_25] == 431_000
    latest = query(settings, "SELECT value FROM marts.metric_observations WHERE metric_id = 'net_migration' AND is_latest "
                             "AND period_end = DATE '2025-06-30'")
    assert latest == [(470_000.0,)]
    assert query(settings, "SELECT DISTINCT unit, period_type FROM marts.metric_observations WHERE metric_id IN "
                           "('net_migration', 'immigration', 'emigration')") == [("people", "year_ending")]
    # flags and nationality columns kept as published
    flags = query(settings, "SELECT period, year_ending, provisional, revised, british, eu_plus, eu FROM raw.ltim_flows "
                            "WHERE release_id LIKE 'ons_ltim/2025-11-27/%' AND flow = 'Immigration' ORDER BY period_start")
    assert flags[2][:4] == ("YE Mar 25 P R", "YE Mar 2025", True, True)
    assert flags[1][:4] == ("YE Dec 24 R", "YE Dec 2024", False, True) and flags[0][4:] == (120_000, 240_000, None)
    # header on row 6: the first data row is sheet row 7
    assert query(settings, "SELECT min(source_row) FROM raw.ltim_flows") == [(7,)]
    # unconfirmed in the catalog; the first edition loaded here confirms the layout, and is named
    assert query(settings, "SELECT DISTINCT layout_confirmed, layout_confirmed_by LIKE 'ons_ltim/2025-11-27/%' FROM marts.metrics "
                           "WHERE source_id = 'ons_ltim'") == [(True, True)]


def test_a_newer_edition_that_is_bad_is_rejected_and_nothing_is_lost(ons, mirror, tmp_path):
    settings, _ = ons
    before = snapshot(settings)
    sheets = ltim_sheets(may26_rows())
    sheets["1"][5][2] = "All"                                     # 'All nationalities' renamed (header on row 6)
    sheets["1"][9][3] = "12a"                                      # and a count that is not a number
    path = write_xlsx(tmp_path / "bad" / "nov2026publicationspreadsheet.xlsx", sheets)
    publish_edition(mirror, "yearendingjune2026", path.name, "2026-11-26T07:00:00.000Z", path.read_bytes())
    outcomes = {o.name: o for o in run_sources(settings, ["ons_ltim"])}
    bad = outcomes[path.name]
    assert bad.status == "rejected"
    assert "ons_ltim release 2026-11-26 (nov2026publicationspreadsheet.xlsx): table not found" in bad.error
    assert "sheet '1', row 6, column 'All nationalities': main LTIM table: expected column 'All nationalities'" in bad.error
    assert outcomes["ltimnov25.xlsx"].status == "unchanged"
    assert snapshot(settings) == before

    sheets = ltim_sheets(may26_rows())
    sheets["1"][9][3] = "12a"                                      # Immigration, YE Jun 25 R: sheet row 10, British
    path = write_xlsx(tmp_path / "bad2" / "nov2026publicationspreadsheet.xlsx", sheets)
    publish_edition(mirror, "yearendingjune2026", path.name, "2026-11-26T07:00:00.000Z", path.read_bytes())
    mirror.serve_json(f"{PAGE}/data", {"datasets": [{"uri": f"{PAGE}/yearendingjune2026"}]})
    [bad] = run_sources(settings, ["ons_ltim"])
    assert bad.status == "rejected"
    assert "sheet '1', row 10, column 'British': not a valid Int64 value (value '12a')" in bad.error
    assert query(settings, "SELECT sheet, row_number, column_name FROM marts.release_failures WHERE check_name LIKE 'not a valid%'") == \
        [("1", 10, "British")]
    assert snapshot(settings) == before


def test_accessible_december_2023_layout_loads_from_a_local_file(settings, tmp_path):
    rows = ltim_rows(["YE Dec 2022", "YE Jun 2023 R", "YE Dec 2023 P"], [1_300_000, 1_200_000, 1_218_000],
                     [550_000, 508_000, 532_000], net_label="Net", flow_on_every_row=False)
    path = write_xlsx(tmp_path / "ltimdec23accessible.xlsx",
                      ltim_sheets(rows, header=LTIM_ACCESSIBLE_HEADER, accessible=True, header_row=4))
    [outcome] = load_paths(settings, [path])
    assert (outcome.source_id, outcome.status, outcome.notes) == ("ons_ltim", "loaded", []), outcome.error
    # the name gives the month of publication only, and this cover's "Released:" line (the builder's, 27 Nov 2025)
    # is not in it: dated the month's last day, by estimate, never its first (before: 1 Dec 2023)
    assert query(settings, "SELECT published_on, date_basis FROM meta.releases") == [(date(2023, 12, 31), "estimated")]
    net = metric(settings, "net_migration")
    assert net == {(date(2022, 1, 1), date(2022, 12, 31)): 750_000, (date(2022, 7, 1), date(2023, 6, 30)): 692_000,
                   (date(2023, 1, 1), date(2023, 12, 31)): 686_000}
    # 'Net' is read as net migration; EU / Non-EU kept in their own columns
    assert query(settings, "SELECT DISTINCT flow FROM raw.ltim_flows ORDER BY 1") == [("Emigration",), ("Immigration",), ("Net migration",)]
    assert query(settings, "SELECT count(*) FROM raw.ltim_flows WHERE eu IS NULL OR eu_plus IS NOT NULL") == [(0,)]
    assert query(settings, "SELECT count(*) FROM meta.new_categories") == [(0,)]


def test_a_local_edition_is_dated_by_its_release_line_never_before_it(settings, tmp_path):
    """`ltimnov25.xlsx` names only its month; its cover says "Released: 27 November 2025", as the ONS page's
    releaseDate does for a download. Before, a local copy was dated 1 Nov 2025, so as-of answers from 1 to 26 November
    used an edition not yet released."""
    [outcome] = load_paths(settings, [write_xlsx(tmp_path / "ltimnov25.xlsx", ltim_sheets(nov25_rows()))])
    assert outcome.status == "loaded", outcome.error
    assert query(settings, "SELECT published_on, date_basis FROM meta.releases") == [(date(2025, 11, 27), "content")]
    assert query(settings, "SELECT count(*) FROM marts.observations_as_of(DATE '2025-11-26') WHERE metric_id = 'net_migration'") == [(0,)]
    assert query(settings, "SELECT count(*) > 0 FROM marts.observations_as_of(DATE '2025-11-27') WHERE metric_id = 'net_migration'") == [(True,)]
    # no release line on the cover: the end of the named month, by estimate
    sheets = ltim_sheets(nov25_rows())
    sheets["Cover"] = [["Long-term international migration, provisional"]]
    other = dataclasses.replace(settings, warehouse=tmp_path / "other" / "pledges.duckdb")
    [outcome] = load_paths(other, [write_xlsx(tmp_path / "bare" / "ltimnov25.xlsx", sheets)])
    assert outcome.status == "loaded", outcome.error
    assert query(other, "SELECT published_on, date_basis FROM meta.releases") == [(date(2025, 11, 30), "estimated")]


def test_a_new_flow_label_is_kept_and_reported(settings, tmp_path):
    rows = nov25_rows() + [["Asylum-related immigration", "YE Jun 25 P", 100_000, 0, 0, 100_000]]
    [outcome] = load_paths(settings, [write_xlsx(tmp_path / "ltimnov25.xlsx", ltim_sheets(rows))])
    assert outcome.status == "loaded", outcome.error
    assert "sheet '1' column 'Flow': new category 'Asylum-related immigration' (1 rows), kept" in outcome.notes
    assert metric(settings, "net_migration")[YE_JUN_25] == 467_000


@pytest.mark.parametrize("label, expected", [
    ("YE Jun 25", ("YE Jun 2025", False, False, date(2024, 7, 1), date(2025, 6, 30))),
    ("YE Dec 24 R", ("YE Dec 2024", False, True, date(2024, 1, 1), date(2024, 12, 31))),
    ("YE Mar 25 P R", ("YE Mar 2025", True, True, date(2024, 4, 1), date(2025, 3, 31))),
    ("YE June 2012", ("YE Jun 2012", False, False, date(2011, 7, 1), date(2012, 6, 30))),
    ("Year ending Dec 2025 (P)", ("YE Dec 2025", True, False, date(2025, 1, 1), date(2025, 12, 31))),
    ("2025 Q2", None), ("YE Foo 25", None),
])
def test_period_labels(label, expected):
    assert parse_period(label) == expected


def test_discovery_takes_the_newest_editions_whatever_the_listing_order(settings, mirror):
    from flows.fetch import discover_ons
    settings = dataclasses.replace(settings, ons_base=mirror.base)
    for edition, name, released in [MAY26, NOV25, ("yearendingjune2024", "ltimnov24.xlsx", "2024-11-28T07:00:00.000Z")]:
        publish_edition(mirror, edition, name, released, b"not read")
    source = dataclasses.replace(load_catalog()["ons_ltim"], options={**load_catalog()["ons_ltim"].options, "max_editions": 2})
    found = discover_ons(source, settings)
    assert [(a.file_name, a.published_on) for a in found] == [("may2026publicationspreadsheet.xlsx", date(2026, 5, 21)),
                                                               ("ltimnov25.xlsx", date(2025, 11, 27))]
    assert found[0].url == f"{mirror.base}/file?uri={PAGE}/yearendingdecember2025/may2026publicationspreadsheet.xlsx"
    assert found[0].landing_page == f"{mirror.base}{PAGE}/yearendingdecember2025"


def test_a_year_ending_after_the_release_date_is_held(settings, tmp_path):
    """The November 2025 edition (released 27 Nov 2025) with its newest row typed "YE Jun 26 P": a year ending seven
    months after the edition. It starts before the release, so a check on starts alone passed it, and it made
    net_migration_down "on track, YE Jun 2026" (audit 14). A whole period ending after the release is held."""
    rows = ltim_rows(["YE Jun 24", "YE Dec 24 R", "YE Mar 25 P R", "YE Jun 26 P"],
                     [1_200_000, 1_000_000, 950_000, 898_000], [450_000, 430_000, 440_000, 431_000])
    [outcome] = load_paths(settings, [write_xlsx(tmp_path / "ltimnov25.xlsx", ltim_sheets(rows))])
    assert outcome.status == "held", outcome.error
    # named where it is published (one column holds the three measures, on rows of their own), and by metric
    assert ("sheet '1', column 'All nationalities': release gate (after_publication): 1 period(s) starting or ending "
            "after the release's publication date (a typo in a year, or the file misdated?) (metric net_migration)"
            ) in outcome.error
    assert ("sheet '1', row 18, column 'All nationalities': 2025-07-01 to 2026-06-30: net_migration 467,000 people, for a "
            "period not over when the release was published") in outcome.error
    assert query(settings, "SELECT count(*) FROM marts.metric_observations") == [(0,)]


def test_a_revision_of_net_migration_as_large_as_ons_has_made_loads(settings, tmp_path):
    """Net migration is the difference of two large estimates: ONS revised YE Jun 2023 from 740,000 to 906,000 in one
    edition. With net migration near 200,000 such a revision is over 50% of it; the baseline's 50% and 100 would hold
    a normal edition (audit 14), so net_migration's gate allows 200% and 100,000. A tenfold typo is still held."""
    first = ltim_rows(["YE Jun 23", "YE Dec 23", "YE Jun 24", "YE Dec 24", "YE Jun 25 P"],
                      [1_000_000, 950_000, 900_000, 850_000, 700_000], [800_000, 780_000, 760_000, 700_000, 500_000])
    [outcome] = load_paths(settings, [write_xlsx(tmp_path / "a" / "ltimnov25.xlsx", ltim_sheets(first))])
    assert outcome.status == "loaded", outcome.error
    # YE Jun 23 net 200,000 -> 366,000 (+83%) in the next edition: loads
    revised = ltim_rows(["YE Jun 23 R", "YE Dec 23 R", "YE Jun 24", "YE Dec 24", "YE Jun 25 R", "YE Dec 25 P"],
                        [1_100_000, 950_000, 900_000, 850_000, 700_000, 690_000],
                        [734_000, 780_000, 760_000, 700_000, 500_000, 490_000])
    sheets = ltim_sheets(revised)
    sheets["Cover"] = [["Long-term international migration, provisional"], ["Released: 21 May 2026"]]
    [outcome] = load_paths(settings, [write_xlsx(tmp_path / "b" / "may2026publicationspreadsheet.xlsx", sheets)])
    assert outcome.status == "loaded", outcome.error
