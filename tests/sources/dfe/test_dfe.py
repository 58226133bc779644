"""DfE apprenticeships (parser dfe_national_totals): CSVs built in code in the API's layout, discovered through
the explore education statistics API (`/data-sets/{id}/versions`, `/csv?dataSetVersion=X`) on the local mirror;
national totals only (subtotal rows never summed); final and provisional figures never mixed; bad input."""
from __future__ import annotations

import csv
import dataclasses
import io
import os
from datetime import date, datetime

import pytest

from flows.catalog import load_catalog
from flows.ingest import load_paths, run_sources
from tests.warehouse_reads import failures, load_one, metric, own_settings, query, snapshot

SOURCE = load_catalog()["dfe_apprenticeships"]
DATASET = SOURCE.options["dataset_id"]
HEADER = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code", "region_name",
          "apprenticeship_level", "age_youth_adult", "age_group", "funding_type", "provider_type", "start_count",
          "achievement_count", "participation_count", "starts_percent", "achievements_percent"]
FILTERS = ["apprenticeship_level", "age_youth_adult", "age_group", "funding_type", "provider_type"]


def year_bounds(time_period: str) -> tuple[date, date]:
    first = int(time_period[:4])
    return date(first, 8, 1), date(first + 1, 7, 31)


def national(time_period: str, starts, achievements="z", participation="c") -> dict:
    return {"time_period": time_period, "time_identifier": "Academic year", "geographic_level": "National",
            "country_code": "E92000001", "country_name": "England", "region_code": "", "region_name": "",
            **{f: "Total" for f in FILTERS}, "start_count": str(starts), "achievement_count": str(achievements),
            "participation_count": str(participation), "starts_percent": "100.0", "achievements_percent": "100.0"}


def subtotals(row: dict) -> list[dict]:
    """Rows that must not be summed: national rows with a filter not at Total, and regional rows (values as large
    as the total, so a sum over them is obviously wrong), with the API's `low`, `c`, `z` markers."""
    out = []
    for level, share in [("Intermediate Apprenticeship", "low"), ("Advanced Apprenticeship", "c"), ("Higher Apprenticeship", "40")]:
        out.append({**row, "apprenticeship_level": level, "start_count": share, "starts_percent": "z"})
    out.append({**row, "funding_type": "Levy", "start_count": row["start_count"]})
    for code, name in [("E12000004", "East Midlands"), ("E12000007", "London")]:
        out.append({**row, "geographic_level": "Regional", "region_code": code, "region_name": name})
    return out


def csv_bytes(rows: list[dict], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def with_subtotals(totals: list[dict]) -> list[dict]:
    rows = []
    for row in totals:
        rows += subtotals(row)[:3] + [row] + subtotals(row)[3:]     # the total row in the middle of its subtotals
    return rows


def file_name(version: str) -> str:
    return f"dfe_apprenticeships_{DATASET}_v{version}.csv"


def publish_versions(mirror, versions: dict[str, tuple[str, bytes]]) -> None:
    """The data set's versions listing (newest first, as the API pages it) and each version's CSV."""
    base = f"/statistics/v1/data-sets/{DATASET}"
    results = [{"version": v, "type": "Minor", "status": "Published", "published": published}
               for v, (published, _) in sorted(versions.items(), key=lambda kv: kv[1][0], reverse=True)]
    mirror.serve_json(f"{base}/versions?page=1&pageSize=20",
                      {"paging": {"page": 1, "pageSize": 20, "totalResults": len(results), "totalPages": 1}, "results": results})
    for version, (_published, content) in versions.items():
        mirror.serve(f"{base}/csv?dataSetVersion={version}", content, "text/csv")


SYNTHETIC = {"201920": 322_530, "202324": 339_580, "202425": 353_500, "202526": 308_770}
JULY_2025 = {"201920": 322_530, "202324": 339_000, "202425": 301_000}           # 2024/25 part-year then


@pytest.fixture
def dfe(settings, mirror):
    settings = dataclasses.replace(settings, dfe_base=mirror.base + "/statistics/v1")
    publish_versions(mirror, {
        "1.0.0": ("2025-07-17T08:30:00+00:00", csv_bytes(with_subtotals([national(t, n) for t, n in JULY_2025.items()]))),
        "2.0.2": ("2026-07-16T08:30:50.1706+00:00", csv_bytes(with_subtotals([national(t, n) for t, n in SYNTHETIC.items()]))),
    })
    mirror.fault(f"/statistics/v1/data-sets/{DATASET}/csv?dataSetVersion=2.0.2", "status:503")   # retried
    outcomes = run_sources(settings, ["dfe_apprenticeships"])
    return settings, outcomes


def test_versions_discovered_national_totals_only_final_and_provisional_apart(dfe, mirror):
    settings, outcomes = dfe
    assert sorted((o.name, o.status, o.notes) for o in outcomes) == \
        [(file_name("1.0.0"), "loaded", []), (file_name("2.0.2"), "loaded", [])], [o.error for o in outcomes]
    assert mirror.faults[f"/statistics/v1/data-sets/{DATASET}/csv?dataSetVersion=2.0.2"] == []     # the 503 was consumed
    assert query(settings, "SELECT published_on, file_url FROM meta.releases ORDER BY 1") == [
        (date(2025, 7, 17), f"{mirror.base}/statistics/v1/data-sets/{DATASET}/csv?dataSetVersion=1.0.0"),
        (date(2026, 7, 16), f"{mirror.base}/statistics/v1/data-sets/{DATASET}/csv?dataSetVersion=2.0.2")]
    # the page a reader opens is the data set's page on explore education statistics, not the API's address
    assert query(settings, "SELECT DISTINCT landing_page FROM meta.releases") == \
        [(f"https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/{DATASET}",)]
    # one national total row per academic year: subtotals and regions not loaded, never summed
    assert query(settings, "SELECT count(*), count(DISTINCT release_id) FROM raw.apprenticeships_national") == [(7, 2)]
    final = metric(settings, "apprenticeship_starts")
    provisional = metric(settings, "apprenticeship_starts_provisional")
    # July 2026 release: 2024/25 final (published after 1 Nov 2025), 2025/26 provisional (part year)
    assert metric(settings, "apprenticeship_starts", "dfe_apprenticeships/2026-07-16/%")[year_bounds("202425")] == 353_500
    assert metric(settings, "apprenticeship_starts_provisional", "dfe_apprenticeships/2026-07-16/%") == \
        {year_bounds("202526"): 308_770}
    # July 2025 release: 2024/25 was part year then, so provisional only; 2023/24 final
    assert metric(settings, "apprenticeship_starts_provisional", "dfe_apprenticeships/2025-07-17/%") == \
        {year_bounds("202425"): 301_000}
    assert metric(settings, "apprenticeship_starts", "dfe_apprenticeships/2025-07-17/%")[year_bounds("202324")] == 339_000
    # never mixed: no period has both a final and a provisional value from the same release
    assert query(settings, "SELECT count(*) FROM marts.metric_observations f JOIN marts.metric_observations p "
                           "USING (release_id, period_start) WHERE f.metric_id = 'apprenticeship_starts' "
                           "AND p.metric_id = 'apprenticeship_starts_provisional'") == [(0,)]
    assert final[year_bounds("202425")] == 353_500 and year_bounds("202526") not in final
    assert set(provisional) == {year_bounds("202425"), year_bounds("202526")}
    # 'z' and 'c' are missing, not zero; filters kept at Total
    assert query(settings, "SELECT DISTINCT achievement_count, participation_count, apprenticeship_level, funding_type, "
                           "academic_year FROM raw.apprenticeships_national WHERE time_period = '202526'") == \
        [(None, None, "Total", "Total", "2025/26")]
    assert query(settings, "SELECT DISTINCT unit, period_type FROM marts.metric_observations WHERE metric_id LIKE 'apprenticeship%'") == \
        [("starts", "academic_year")]
    # rows point at CSV lines: the first national total is line 5 (header, three subtotals)
    assert query(settings, "SELECT min(source_row) FROM raw.apprenticeships_national") == [(5,)]


def test_real_national_totals_with_subtotals_that_are_not_summed(realdata, settings, tmp_path):
    totals = list(csv.DictReader((realdata / "dfe" / "national-totals.csv").open()))
    path = tmp_path / file_name("2.0.2")
    path.write_bytes(csv_bytes(with_subtotals(totals), header=list(totals[0].keys())))
    published = datetime(2026, 7, 16, 9, 30).timestamp()
    os.utime(path, (published, published))            # a local file's date is its modification time
    [outcome] = load_paths(settings, [path])
    assert (outcome.source_id, outcome.status, outcome.notes) == ("dfe_apprenticeships", "loaded", []), outcome.error
    final = metric(settings, "apprenticeship_starts")
    assert final[year_bounds("202425")] == 353_500
    assert final[year_bounds("201718")] == 375_760
    assert len(final) == len(totals) - 1
    assert metric(settings, "apprenticeship_starts_provisional") == {year_bounds("202526"): 308_770}


@pytest.fixture(scope="module")
def good_release(tmp_path_factory):
    """A warehouse (shared by the bad-input tests: a rejected release changes nothing) with one good version."""
    folder = tmp_path_factory.mktemp("dfe")
    good = folder / "good" / file_name("1.0.0")
    good.parent.mkdir()
    good.write_bytes(csv_bytes(with_subtotals([national(t, n) for t, n in JULY_2025.items()])))
    settings = own_settings(folder)
    [outcome] = load_paths(settings, [good])
    assert outcome.status == "loaded", outcome.error
    return settings, snapshot(settings)


@pytest.fixture
def settings_published(good_release):
    return good_release


def load_bad(settings, tmp_path, content: bytes):
    return load_one(settings, tmp_path / "bad" / file_name("2.0.0"), content)


def test_renamed_count_column_is_rejected_and_nothing_is_lost(settings_published, tmp_path):
    settings, published = settings_published
    header = [("starts" if h == "start_count" else h) for h in HEADER]
    rows = [{("starts" if k == "start_count" else k): v for k, v in r.items()}
            for r in with_subtotals([national(t, n) for t, n in SYNTHETIC.items()])]
    outcome = load_bad(settings, tmp_path, csv_bytes(rows, header=header))
    assert outcome.status == "rejected"
    assert "table not found" in outcome.error
    assert "sheet 'csv', row 1, column 'start_count': table apprenticeships_national: expected column 'start_count'" in outcome.error
    assert snapshot(settings) == published


def test_count_that_is_not_a_number_is_rejected_naming_line_and_column(settings_published, tmp_path):
    settings, published = settings_published
    rows = with_subtotals([national(t, n) for t, n in SYNTHETIC.items()])
    rows[3 + 7]["start_count"] = "339,5SO"          # the second national total row (202324): CSV line 12
    rows[3 + 14]["achievement_count"] = "-5"        # the third (202425), line 19: negative
    outcome = load_bad(settings, tmp_path, csv_bytes(rows))
    assert outcome.status == "rejected"
    assert "sheet 'csv', row 12, column 'start_count': not a valid Int64 value (value '339,5SO')" in outcome.error
    assert "sheet 'csv', row 19, column 'achievement_count'" in outcome.error
    assert snapshot(settings) == published


def test_two_national_totals_for_one_year_are_rejected(settings_published, tmp_path):
    settings, published = settings_published
    rows = with_subtotals([national(t, n) for t, n in SYNTHETIC.items()]) + [national("202425", 1)]
    outcome = load_bad(settings, tmp_path, csv_bytes(rows))
    assert outcome.status == "rejected" and "column 'time_period': duplicate value (value '202425')" in outcome.error
    assert snapshot(settings) == published


def test_a_filter_added_in_a_later_version_is_kept_at_total(settings, tmp_path):
    header = HEADER[:12] + ["sector_subject_area"] + HEADER[12:]
    rows = []
    for row in with_subtotals([national(t, n) for t, n in SYNTHETIC.items()]):
        rows.append({**row, "sector_subject_area": "Total"})
        if row["geographic_level"] == "National" and all(row[f] == "Total" for f in FILTERS):
            rows.append({**row, "sector_subject_area": "Construction", "start_count": "20000"})
    path = tmp_path / file_name("3.0.0")
    path.write_bytes(csv_bytes(rows, header=header))
    [outcome] = load_paths(settings, [path])
    assert outcome.status == "loaded", outcome.error
    assert outcome.notes == ["sheet 'csv': new column(s) not loaded: sector_subject_area"]
    assert query(settings, "SELECT count(*) FROM raw.apprenticeships_national") == [(4,)]


def test_only_the_data_sets_own_csv_is_recognised_by_name():
    from flows.catalog import recognise
    assert recognise(file_name("2.0.2")) is SOURCE
    for name in ["national-totals.csv", "data-set-head.csv", "summary.json",          # the API samples in ../shared/realdata/dfe
                 f"dfe_apprenticeships_{DATASET}.csv", "apprenticeships_v2.0.2.csv"]:
        assert recognise(name) is None, name


def test_national_rows_of_another_country_are_rejected_not_read_as_englands(settings_published, tmp_path):
    """Audit 20 D4: every row's country Wales (W92000004) loaded as England's apprenticeship starts. The data set's
    national totals are England's: rejected naming each national total row's country cells, nothing published moves."""
    settings, published = settings_published
    rows = [{**r, "country_code": "W92000004", "country_name": "Wales"}
            for r in with_subtotals([national(t, n) for t, n in SYNTHETIC.items()])]
    outcome = load_bad(settings, tmp_path, csv_bytes(rows))
    assert outcome.status == "rejected", outcome.error
    assert "table apprenticeships_national: national rows of a country other than E92000001 / England" in outcome.error
    check = "a national total of another country: this data set's national rows are "
    # the national total rows sit fourth in each year's block of seven (with_subtotals): CSV lines 5, 12, 19, 26
    found = [f for f in failures(settings, file_name("2.0.0")) if f[3].startswith(check)]   # the warehouse is shared
    assert sorted(found[:2]) == [("csv", 5, "country_code", check + "'E92000001'", "W92000004"),
                                 ("csv", 5, "country_name", check + "'England'", "Wales")]
    assert sorted({f[1] for f in found}) == [5, 12, 19, 26] and len(found) == 8
    assert snapshot(settings) == published


NOVEMBER_2025 = {"201920": 322_530, "202324": 339_580, "202425": 353_500}      # 2024/25 final: nothing part-year


def test_november_final_release_after_a_july_one_loads_not_held_for_no_provisional_year(settings, mirror):
    """Audit 23 #1: the late-November release makes the newest academic year final, so it has no provisional
    (NOT is_final) row by design; metric_missing held it against July's ("none of its periods is in this release")
    and the scheduled run exited 1 every November. Both versions dated by the API (a local CSV dated by its
    modification time never counts its newest year final), loaded in two scheduled runs as published."""
    settings = dataclasses.replace(settings, dfe_base=mirror.base + "/statistics/v1")
    july = ("2025-07-17T08:30:00+00:00", csv_bytes(with_subtotals([national(t, n) for t, n in JULY_2025.items()])))
    november = ("2025-11-27T09:30:00+00:00", csv_bytes(with_subtotals([national(t, n) for t, n in NOVEMBER_2025.items()])))
    publish_versions(mirror, {"1.0.0": july})
    [first] = run_sources(settings, ["dfe_apprenticeships"])
    assert (first.name, first.status) == (file_name("1.0.0"), "loaded"), first.error
    publish_versions(mirror, {"1.0.0": july, "1.1.0": november})
    outcomes = run_sources(settings, ["dfe_apprenticeships"])
    assert [(o.name, o.status) for o in outcomes if o.name == file_name("1.1.0")] == [(file_name("1.1.0"), "loaded")], \
        [o.error for o in outcomes]
    assert query(settings, "SELECT published_on, status FROM meta.releases ORDER BY 1") == \
        [(date(2025, 7, 17), "loaded"), (date(2025, 11, 27), "loaded")]
    # November's 2024/25 counts as final; the provisional metric keeps July's part-year figure, not replaced
    assert metric(settings, "apprenticeship_starts", "dfe_apprenticeships/2025-11-27/%")[year_bounds("202425")] == 353_500
    assert metric(settings, "apprenticeship_starts_provisional", "dfe_apprenticeships/2025-11-27/%") == {}
    assert metric(settings, "apprenticeship_starts")[year_bounds("202425")] == 353_500
