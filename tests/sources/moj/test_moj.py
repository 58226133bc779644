"""MoJ outcomes by offence (parser moj_outcomes): zipped CSVs built in code in the published layout, discovered on
the criminal justice statistics collection (its publication pages' attachments) on the local mirror; only the
immigration facilitation offences kept and counted; bad input."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from flows.catalog import load_catalog
from flows.ingest import load_paths, run_sources
from tests.warehouse_reads import load_one, metric, own_settings, query, snapshot

SOURCE = load_catalog()["moj_outcomes_by_offence"]
COLLECTION = SOURCE.landing_page
HEADER = ["Year", "Sex", "Age Group", "Police Force Area", "Offence Group", "Offence", "Sentence Outcome",
          "Custodial Sentence Length", "Sentenced"]
OLD_HEADER = ["Police Force Area", "Year", "Sex", "Age group", "Offence group", "Offence", "Sentence Outcome",
              "Custodial Sentence Length", "Sentenced"]
S25 = "62.1 Assisting unlawful immigration to member state"
S25A = "62.2 Helping an asylum-seeker to enter the United Kingdom"
OTHER = ["37.1 Theft from the person of another", "62.3 Illegal entry into the United Kingdom \u2013 Immigration Act 1971 s.24",
         "8.01 Assault occasioning actual bodily harm"]


def rows_for(year: int, per_offence: dict[str, int]) -> list[dict]:
    """Flat rows (no subtotals), counts spread over sexes, forces and outcomes."""
    rows = []
    for offence, total in per_offence.items():
        cells = [("01: Male", "Kent", "06: Total Immediate Custody", "Custody - Over 4 years and up to and including 5 years"),
                 ("01: Male", "Metropolitan Police", "05: Suspended Sentence", "N/A"),
                 ("02: Female", "Kent", "03: Fine", "N/A")]
        shares = [total - 2 * (total // 4), total // 4, total // 4]
        for (sex, force, outcome, length), n in zip(cells, shares):
            rows.append({"Year": str(year), "Sex": sex, "Age Group": "03: Adults", "Age group": "03: Adults",
                         "Police Force Area": force, "Offence Group": "10: Miscellaneous crimes against society",
                         "Offence group": "10: Miscellaneous crimes against society", "Offence": offence,
                         "Sentence Outcome": outcome, "Custodial Sentence Length": length, "Sentenced": str(n)})
    return rows


def members(years: dict[int, dict[str, int]], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    for year, counts in years.items():
        writer.writerows(rows_for(year, counts))
    return out.getvalue().encode(encoding)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


LOOKUP = b"Offence code,Offence description\r\n62.1,Assisting unlawful immigration to member state\r\n"
README = b"Outcomes by offence: sentencing data. See the technical guide.\r\n"
DEC_2023 = {2022: {S25: 85, S25A: 10, OTHER[0]: 900, OTHER[1]: 40}, 2023: {S25: 120, S25A: 12, OTHER[0]: 950, OTHER[2]: 3000}}
DEC_2024 = {2023: {S25: 122, S25A: 12, OTHER[0]: 951}, 2024: {S25: 160, S25A: 15, OTHER[0]: 990, OTHER[1]: 70}}


def edition(year: int, header: list[str] = HEADER, encoding: str = "utf-8", data=None) -> bytes:
    data = data or (DEC_2024 if year == 2024 else DEC_2023)
    return zip_bytes({"README.txt": README, "offence_lookup.csv": LOOKUP,
                      f"sentence_outcomes_2017_{year}.csv": members(data, header, encoding)})


def publish_collection(mirror, documents: list[tuple[str, str, str, bytes]]) -> None:
    """The collection page links one publication page per edition; each page attaches the zip beside a workbook."""
    links = []
    for slug, updated, zip_name, content in documents:
        path = f"/government/statistics/{slug}"
        url = mirror.asset(zip_name, content)
        tool = mirror.asset("Outcomes-by-offence-tool-2017-2024.xlsx", b"PK\x03\x04 not read")
        mirror.page(path, [
            {"url": tool, "filename": "Outcomes-by-offence-tool-2017-2024.xlsx", "title": "Outcomes by offence data tool",
             "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
            {"url": url, "filename": zip_name, "title": "Outcomes by offence: CSV files", "content_type": "application/zip",
             "file_size": len(content)}], public_updated_at=updated)
        links.append({"base_path": path, "api_url": f"{mirror.base}/api/content{path}", "public_updated_at": updated,
                      "title": slug})
    methodology = "/government/statistics/criminal-justice-statistics-technical-guide"     # nothing matching on it
    mirror.page(methodology, [{"url": mirror.asset("technical-guide.pdf", b"%PDF"), "filename": "technical-guide.pdf",
                               "content_type": "application/pdf"}], public_updated_at="2024-06-01T09:30:00+01:00")
    links.append({"base_path": methodology, "public_updated_at": "2024-06-01T09:30:00+01:00"})
    mirror.page(COLLECTION, [], links={"documents": links})


@pytest.fixture
def moj(settings, mirror):
    publish_collection(mirror, [
        ("criminal-justice-system-statistics-quarterly-december-2023", "2024-05-16T09:30:00+01:00",
         "obo_sent_pivot_2017_2023.zip", edition(2023, header=OLD_HEADER, encoding="cp1252")),
        ("criminal-justice-system-statistics-quarterly-december-2024", "2025-05-15T09:30:00+01:00",
         "outcomes-by-offence-sentencing-2017-2024.zip", edition(2024)),
    ])
    return settings, run_sources(settings, ["moj_outcomes_by_offence"])


def test_editions_discovered_on_the_collection_and_facilitation_offences_counted(moj):
    settings, outcomes = moj
    assert sorted((o.name, o.status, o.notes) for o in outcomes) == [
        ("obo_sent_pivot_2017_2023.zip", "loaded", []), ("outcomes-by-offence-sentencing-2017-2024.zip", "loaded", [])], \
        [o.error for o in outcomes]
    assert query(settings, "SELECT file_name, published_on FROM meta.releases ORDER BY 2") == [
        ("obo_sent_pivot_2017_2023.zip", date(2024, 5, 16)), ("outcomes-by-offence-sentencing-2017-2024.zip", date(2025, 5, 15))]
    year = lambda y: (date(y, 1, 1), date(y, 12, 31))    # noqa: E731
    older = metric(settings, "smuggling_convictions", "moj_outcomes_by_offence/2024-05-16/%")
    newer = metric(settings, "smuggling_convictions", "moj_outcomes_by_offence/2025-05-15/%")
    assert older == {year(2022): 85 + 10, year(2023): 120 + 12}      # s.25 and s.25A; theft, s.24 and assault left out
    assert newer == {year(2023): 122 + 12, year(2024): 160 + 15}      # 2023 revised: both vintages kept
    assert query(settings, "SELECT value FROM marts.metric_observations WHERE metric_id = 'smuggling_convictions' "
                           "AND is_latest AND period_start = DATE '2023-01-01'") == [(134.0,)]
    assert query(settings, "SELECT DISTINCT unit, period_type FROM marts.metric_observations WHERE metric_id = 'smuggling_convictions'") == \
        [("convictions", "year")]
    # only the matching offences are kept, breakdowns and code prefixes as published, the offence code split off
    assert query(settings, "SELECT DISTINCT offence_code, offence_description FROM raw.immigration_facilitation_outcomes ORDER BY 1") == \
        [("62.1", "Assisting unlawful immigration to member state"), ("62.2", "Helping an asylum-seeker to enter the United Kingdom")]
    assert query(settings, "SELECT DISTINCT count_basis FROM raw.immigration_facilitation_outcomes") == [("Sentenced",)]
    assert ("01: Male",) in query(settings, "SELECT DISTINCT sex FROM raw.immigration_facilitation_outcomes")
    # the older spelling ('Age group') and the cp1252 file read alike; rows point at CSV lines of the member
    assert query(settings, "SELECT DISTINCT age_group FROM raw.immigration_facilitation_outcomes") == [("03: Adults",)]
    assert query(settings, "SELECT min(source_row) FROM raw.immigration_facilitation_outcomes") == [(2,)]


def test_offence_match_is_a_catalog_option():
    import re
    match = re.compile(SOURCE.options["offence_match"], re.IGNORECASE)
    for text in [S25, S25A, "Facilitating a breach of immigration law by a non-EU person",
                 "ASSISTING UNLAWFUL IMMIGRATION", "62.4 Assisting entry to the United Kingdom in breach of deportation order"]:
        assert match.search(text), text
    for text in OTHER + ["Immigration offences - other", "Facilitating escape from custody"]:
        assert not match.search(text), text


@pytest.fixture(scope="module")
def good_release(tmp_path_factory):
    folder = tmp_path_factory.mktemp("moj")
    good = folder / "good" / "outcomes-by-offence-2017-2023.zip"
    good.parent.mkdir()
    good.write_bytes(edition(2023))
    settings = own_settings(folder)
    [outcome] = load_paths(settings, [good])
    assert (outcome.source_id, outcome.status) == ("moj_outcomes_by_offence", "loaded"), outcome.error
    return settings, snapshot(settings)


def load_bad(settings: object, folder: Path, content: bytes):
    return load_one(settings, folder / "bad" / "outcomes-by-offence-2017-2024.zip", content)


def test_renamed_count_column_is_rejected_naming_the_member(good_release, tmp_path):
    settings, published = good_release
    content = zip_bytes({"README.txt": README, "sentence_outcomes_2017_2024.csv":       # 'Sentenced' renamed
                         members(DEC_2024, HEADER).replace(b",Sentenced\r\n", b",Number sentenced\r\n", 1)})
    outcome = load_bad(settings, tmp_path, content)
    assert outcome.status == "rejected"
    assert ("sheet 'sentence_outcomes_2017_2024.csv', row 1, column 'Convicted': table immigration_facilitation_outcomes: "
            "expected column 'Convicted' or 'Sentenced' missing from the header row") in outcome.error
    assert snapshot(settings) == published


def test_count_that_is_not_a_number_is_rejected_naming_line_and_column(good_release, tmp_path):
    settings, published = good_release
    csv_text = members(DEC_2024, HEADER).decode()
    lines = csv_text.split("\r\n")
    assert S25 in lines[1]
    lines[1] = lines[1].rsplit(",", 1)[0] + ",1o4"                     # the first s.25 row: CSV line 2
    content = zip_bytes({"sentence_outcomes_2017_2024.csv": "\r\n".join(lines).encode()})
    outcome = load_bad(settings, tmp_path, content)
    assert outcome.status == "rejected"
    assert "sheet 'sentence_outcomes_2017_2024.csv', row 2, column 'Sentenced': not a valid Int64 value (value '1o4')" in outcome.error
    assert snapshot(settings) == published


def test_no_facilitation_offence_left_is_rejected_and_a_corrupt_zip_too(good_release, tmp_path):
    settings, published = good_release
    renamed = {2024: {"62.1 Facilitation offence (description changed)": 5, OTHER[0]: 10}}
    outcome = load_bad(settings, tmp_path, edition(2024, data=renamed))
    assert outcome.status == "rejected"
    assert "no offence matching /" in outcome.error and "column 'Offence'" in outcome.error
    outcome = load_bad(settings, tmp_path, edition(2024)[:-40])            # cut short
    assert outcome.status == "rejected" and ("not a zip archive" in outcome.error or "corrupt" in outcome.error)
    assert snapshot(settings) == published
