"""Issue 7 end to end: ONS, DfE, MoJ and the ministers' ad-hoc note, each built in code in its
published layout, served by the local mirror, discovered and downloaded like any source; then
the pledge rows and claim checks that read them."""
from __future__ import annotations

import dataclasses
import json

from flows import cli
from flows.ingest import run_sources
from tests.sources.adhoc_notes.test_adhoc_notes import SLUG_JAN, note_html, publish_notes
from tests.sources.dfe.test_dfe import SYNTHETIC, csv_bytes, national, publish_versions, with_subtotals
from tests.sources.moj.test_moj import OTHER, S25, S25A, members, publish_collection, zip_bytes
from tests.sources.ons_ltim.test_ons import publish_edition
from tests.sources.ons_ltim.builders import ltim_rows, ltim_sheets
from tests.workbooks import write_xlsx

SOURCES = ["ons_ltim", "dfe_apprenticeships", "moj_outcomes_by_offence", "ho_returns_notes"]


def test_every_publisher_feeds_its_pledges_and_claims(settings, mirror, tmp_path, capsys):
    settings = dataclasses.replace(settings, ons_base=mirror.base, dfe_base=mirror.base + "/statistics/v1")
    # ONS: net migration 200,000 in YE Dec 2019, 700,000 in YE Dec 2023 (more than trebled), then falling
    rows = ltim_rows(["YE Dec 19", "YE Dec 23", "YE Jun 24", "YE Dec 24", "YE Jun 25 P"],
                     [680_000, 1_250_000, 1_150_000, 950_000, 900_000], [480_000, 550_000, 500_000, 520_000, 550_000])
    ons_file = write_xlsx(tmp_path / "ltimnov25.xlsx", ltim_sheets(rows))
    publish_edition(mirror, "yearendingjune2025", "ltimnov25.xlsx", "2025-11-27T07:00:00.000Z", ons_file.read_bytes())
    # DfE: starts by academic year (2024/25 final in the July 2026 version, 2025/26 provisional)
    publish_versions(mirror, {"2.0.2": ("2026-07-16T08:30:50+00:00",
                                        csv_bytes(with_subtotals([national(t, n) for t, n in SYNTHETIC.items()])))})
    # MoJ: s.25 facilitation convictions 2010, 2016 and 2022 (down), among other offences
    data = {2010: {S25: 380, S25A: 20}, 2016: {S25: 300, S25A: 20, OTHER[0]: 800}, 2022: {S25: 85, S25A: 10, OTHER[1]: 40}}
    publish_collection(mirror, [("criminal-justice-system-statistics-quarterly-december-2022", "2023-05-18T09:30:00+01:00",
                                 "outcomes-by-offence-sentencing-2016-2022.zip",
                                 zip_bytes({"sentence_outcomes_2016_2022.csv": members(data)}))])
    # the Home Office note to 31 January 2025, the one the Home Secretary's figures come from
    publish_notes(mirror, {SLUG_JAN: note_html()})

    outcomes = run_sources(settings, SOURCES)
    assert sorted({o.source_id for o in outcomes if o.status == "loaded"}) == sorted(SOURCES), \
        [(o.source_id, o.status, o.error) for o in outcomes]

    assert cli.main(["status", "--warehouse", str(settings.warehouse), "--json"]) == 0
    status = {p["pledge_id"]: p for p in json.loads(capsys.readouterr().out)["pledges"]}
    # pledges that read ONS and DfE show values against their baselines
    assert status["net_migration_down"]["period_label"] == "YE Jun 2025"
    assert status["net_migration_down"]["value"] == 350_000 and status["net_migration_down"]["baseline_value"] == 650_000
    assert status["net_migration_down"]["status"] == "on track"
    assert status["apprenticeships_up"]["value"] == SYNTHETIC["202425"]
    assert status["apprenticeships_up"]["baseline_value"] == SYNTHETIC["202324"]
    assert status["apprenticeships_up"]["status"] == "on track"
    # claims: net migration trebled (700,000 / 200,000 = 3.5) but immigration did not (1,250,000 / 680,000 = 1.84)
    trebled = status["legal_migration_trebled"]
    assert trebled["status"] == "partly consistent" and (trebled["official_measure"], trebled["measure_unit"]) == (3.5, "times")
    # the figures themselves, in people, against the base year by name
    assert (trebled["value"], trebled["baseline_value"], trebled["change_pct"]) == (700_000, 200_000, 250.0)
    # its row holds the first measure's figures (net migration), and says there is another (row 274)
    assert (trebled["period_label"], trebled["baseline_label"]) == (
        "YE Dec 2023", "YE Dec 2019 (the first of 2 measures; the explanation gives each one's verdict)")
    assert "Net migration: " in trebled["explanation"] and "3.50 times against more than 3 times claimed" in trebled["explanation"]
    assert "Immigration: " in trebled["explanation"] and "1.84 times" in trebled["explanation"]
    # convictions plummeted from 2010 (400 -> 95, -76.25%); the year ending June 2019 is not in a calendar-year file
    convictions = status["smuggling_convictions"]
    assert convictions["status"] == "consistent" and "95 against 400 for 2010: -76.3%" in convictions["explanation"]
    assert ("From the year ending June 2019: convictions for immigration facilitation (people smuggling) offences for 2022: "
            "95 against no base figure") in convictions["explanation"]
    # calendar years cannot give the year ending June 2019: not measurable from them, said so (audit 10: "not loaded
    # here" for ever, or calendar 2018 standing in for it)
    assert ("Ministry of Justice publishes calendar years, which cannot give the base period (1 Jul 2018 to 30 Jun 2019)"
            in convictions["explanation"])
    # the Home Secretary's figures, checked against exactly the note they quote (no quarterly returns loaded)
    import duckdb
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    checks = {r[0]: r[1:] for r in con.execute(
        "SELECT claim_id, note_value, note_measure, note_verdict, verdict, verdict_source FROM marts.claim_checks").fetchall()}
    con.close()
    # charter flights are counted only in the Home Office's ad-hoc note: its verdict rests on the note, named as such, never
    # as "official statistics" (before: 'official statistics, release ho_returns_notes/...')
    from flows.catalog import load_catalog
    notes_title = load_catalog()["ho_returns_notes"].title
    assert checks["charter_flights"][4].startswith(f"{notes_title}, release ho_returns_notes/")
    assert "official statistics" not in checks["charter_flights"][4]
    assert checks["returns_seven_months"][:4] == (18987, 18987, "consistent", "consistent")
    assert checks["enforced_returns_up_24"][1:4] == (24.2, "consistent", "consistent")
    assert checks["fno_returns_up_21"][2] == "consistent"
    assert checks["illegal_working_up_38"][2] == "consistent"
    assert checks["returns_seven_months"][4].startswith("Home Office ad-hoc note, release ho_returns_notes/")
    # the report card names the figure the verdict rests on by its source (audit 10: "Official" over the note's)
    from flows.report import write_report
    html = write_report(settings.warehouse, tmp_path / "report.html").read_text()
    card = html.split('id="card-returns_seven_months"')[1].split('id="card-')[0]
    assert "<dt>Home Office ad-hoc note</dt>" in card and "18,987" in card, card[:2000]
    # ... its publication page is the note's, not the quarterly statistics' (audit 11), and the claims table and
    # claim_checks.metric_id name the note too
    notes_page = "https://www.gov.uk" + load_catalog()["ho_returns_notes"].landing_page
    assert f'href="{notes_page}"' in card and "immigration-system-statistics" not in card
    row = html.split('data-claim-id="returns_seven_months"')[1].split("</tr>")[0]
    assert "Home Office ad-hoc note: 18,987" in row
    # a claim checked on two measures shows both in the claims table, not the first as if it were the only one
    # (audit 27): net migration 700,000 / 200,000 = 3.50 times, immigration 1,250,000 / 680,000 = 1.84 times
    row = html.split('data-claim-id="legal_migration_trebled"')[1].split("</tr>")[0]
    assert f"net migration: {700_000 / 200_000:.2f}× (700,000 against 200,000); immigration: {1_250_000 / 680_000:.2f}×" in row, row
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    metric, note_metric = con.execute("SELECT metric_id, note_metric FROM marts.claim_checks "
                                      "WHERE claim_id = 'returns_seven_months'").fetchone()
    con.close()
    assert metric == note_metric and metric.startswith("adhoc_")
    # the note (10 February 2025) was out when statement A was made (dated 14 February 2025)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    when_made = con.execute("SELECT when_made_verdict, when_made_official_value, when_made_release_id FROM marts.claim_checks "
                            "WHERE claim_id = 'returns_seven_months'").fetchone()
    con.close()
    assert when_made[:2] == ("consistent", 18987) and when_made[2].startswith("ho_returns_notes/2025-02-10")
