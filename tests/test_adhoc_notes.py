"""Home Office ad-hoc notes (parser adhoc_notes): notes built in code as GOV.UK HTML publications, discovered as
the HTML attachments of their publication page and fetched as Content API JSON from the local mirror; each note
a release; a saved HTML page loaded by file name; bad input."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from flows.catalog import load_catalog
from flows.ingest import load_paths, run_sources
from flows.sources.adhoc_notes.parser import html_tables, measure_of, parse_range
from tests.warehouse_reads import load_one, metric, own_settings, query, snapshot

SOURCE = load_catalog()["ho_returns_notes"]


PAGE = SOURCE.landing_page
SLUG_JAN = "returns-from-the-uk-and-illegal-working-activity-5-july-2024-to-31-january-2025"
SLUG_OCT = "returns-from-the-uk-and-illegal-working-activity-5-july-2024-to-31-october-2024"
CURRENT = (date(2024, 7, 5), date(2025, 1, 31))
YEAR_BEFORE = (date(2023, 7, 5), date(2024, 1, 31))

# (label, current, 12 months before, published change) for the note to 31 January 2025
RETURNS_JAN = [("Returns", "18,987", "16,126", "+18%"), ("Enforced returns", "5,074", "4,085", "+24%"),
               ("Voluntary returns", "13,913", "12,041", "+16%"),
               ("Foreign national offender returns", "2,925", "2,417", "+21%"),
               ("Asylum-related returns", "6,339", "5,483", "+16%"), ("Charter flights", "28", "20", "+40%")]
WORKING_JAN = [("Illegal working visits", "5,424", "3,930", "+38%"), ("Illegal working arrests", "3,930", "2,850", "+38%"),
               ("Civil penalty notices issued", "1,090", "851", "+28%")]


def table_html(caption: str, first: str, headers: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th scope=\"col\">{h}</th>" for h in [first] + headers)
    body = "".join("<tr><th scope=\"row\">" + r[0] + "</th>" + "".join(f"<td>{c}</td>" for c in r[1:]) + "</tr>" for r in rows)
    return (f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def note_html(cutoff: str = "31 January 2025", before: str = "5 July 2023 to 31 January 2024",
              returns=RETURNS_JAN, working=WORKING_JAN, change: str = "Percentage change") -> str:
    return (
        '<div class="govspeak"><h2 id="summary">Summary</h2>'
        f"<p>Between 5 July 2024 and {cutoff}, {returns[0][1]} people were returned from the UK"
        '<sup id="fnref:1" role="doc-noteref"><a href="#fn:1" class="govuk-link">[footnote 1]</a></sup>.</p>'
        "<h2>Returns</h2>"
        + table_html("Returns from the UK", "Measure", [f"5 July 2024 to {cutoff}", before, change], returns)
        + "<h2>Illegal working</h2>"
        + table_html("Illegal working activity", "Activity",
                     [f"5 July 2024 to {cutoff}<sup>[footnote 2]</sup>", "Same period 12 months prior", "% change"], working)
        + '<div class="footnotes"><ol><li id="fn:1"><p>Management information, subject to change.</p></li></ol></div></div>')


def content_item(path: str, html: str, updated: str) -> dict:
    return {"base_path": path, "document_type": "html_publication", "schema_name": "html_publication",
            "title": "Returns from the UK and illegal working activity", "first_published_at": updated,
            "public_updated_at": updated, "details": {"body": html, "first_published_version": True}}


def publish_notes(mirror, notes: dict[str, str], updated: str = "2025-02-10T09:30:00.000+00:00") -> None:
    """The publication page with one HTML attachment per note (and a PDF beside them); each note's content item."""
    attachments = [{"url": mirror.asset("methodology-note.pdf", b"%PDF-1.7"), "filename": "methodology-note.pdf",
                    "title": "Methodology", "content_type": "application/pdf", "attachment_type": "file"}]
    for slug, html in notes.items():
        path = f"{PAGE}/{slug}"
        mirror.pages[path] = content_item(path, html, updated)
        attachments.append({"url": f"{mirror.base}{path}", "title": slug.replace("-", " ").capitalize(),
                            "attachment_type": "html", "content_type": "text/html"})
    mirror.page(PAGE, attachments, public_updated_at=updated)


OCT = [("Returns", "9,400", "8,450", "+11%"), ("Enforced returns", "2,580", "2,170", "+19%"),
       ("Voluntary returns", "6,820", "6,280", "+9%"), ("Foreign national offender returns", "1,490", "1,300", "+15%"),
       ("Asylum-related returns", "3,100", "2,800", "+11%"), ("Charter flights", "13", "9", "+44%")]
OCT_WORKING = [("Illegal working visits", "3,188", "2,379", "+34%"), ("Illegal working arrests", "2,299", "1,836", "+25%")]


@pytest.fixture
def notes(settings, mirror):
    publish_notes(mirror, {SLUG_OCT: note_html("31 October 2024", "5 July 2023 to 31 October 2023", OCT, OCT_WORKING),
                           SLUG_JAN: note_html()})
    return settings, run_sources(settings, ["ho_returns_notes"])


def test_notes_discovered_as_html_attachments_and_loaded_as_releases(notes, mirror):
    settings, outcomes = notes
    assert sorted((o.name, o.status) for o in outcomes) == [(SLUG_JAN + ".json", "loaded"), (SLUG_OCT + ".json", "loaded")], \
        [o.error for o in outcomes]
    jan = next(o for o in outcomes if o.name == SLUG_JAN + ".json")
    assert jan.notes == ["sheet 'table 2' column 'Activity': new category 'Civil penalty notices issued' (1 rows), kept"]
    assert query(settings, "SELECT file_url FROM meta.releases WHERE file_name = ?", [SLUG_JAN + ".json"]) == \
        [(f"{mirror.base}/api/content{PAGE}/{SLUG_JAN}",)]
    expected = {"adhoc_returns_total": (18_987, 16_126), "adhoc_enforced_returns": (5_074, 4_085),
                "adhoc_voluntary_returns": (13_913, 12_041), "adhoc_fno_returns": (2_925, 2_417),
                "adhoc_asylum_returns": (6_339, 5_483), "adhoc_charter_flights": (28, 20),
                "adhoc_illegal_working_visits": (5_424, 3_930), "adhoc_illegal_working_arrests": (3_930, 2_850)}
    for metric_id, (now, then) in expected.items():
        got = metric(settings, metric_id)
        assert got[CURRENT] == now and got[YEAR_BEFORE] == then, metric_id
        assert got[(date(2024, 7, 5), date(2024, 10, 31))] > 0 and len(got) == 4, metric_id    # the October note too
    units = dict(query(settings, "SELECT DISTINCT metric_id, unit FROM marts.metric_observations WHERE metric_id LIKE 'adhoc%'"))
    assert units["adhoc_charter_flights"] == "flights" and units["adhoc_illegal_working_visits"] == "visits"
    assert units["adhoc_illegal_working_arrests"] == "arrests" and units["adhoc_fno_returns"] == "returns"
    # the unknown measure is kept in raw, with the period of each column
    assert query(settings, "SELECT comparison, value FROM raw.adhoc_note_figures WHERE measure = 'Civil penalty notices issued' "
                           "ORDER BY comparison") == [("current", 1_090), ("year_before", 851)]
    assert query(settings, "SELECT DISTINCT note_table, period_label FROM raw.adhoc_note_figures WHERE measure = 'enforced_returns' "
                           "AND period_end = DATE '2025-01-31'") == [("table 1", "5 July 2024 to 31 January 2025")]
    assert query(settings, "SELECT pct_change_published, prior_value FROM raw.adhoc_note_figures WHERE measure = 'enforced_returns' "
                           "AND comparison = 'current' AND period_end = DATE '2025-01-31'") == [(24.0, 4_085)]
    # the claim checks read the note's figure for exactly the claimed period
    assert query(settings, "SELECT note_value, note_comparison_value FROM marts.claim_checks WHERE claim_id = 'enforced_returns_up_24'") == \
        [(5_074.0, 4_085.0)]


def test_saved_html_page_loads_by_file_name(settings, tmp_path):
    page = f"<!DOCTYPE html><html><head><title>Returns</title></head><body><main>{note_html()}</main></body></html>"
    path = tmp_path / f"{SLUG_JAN}.html"
    path.write_text(page)
    [outcome] = load_paths(settings, [path])
    assert (outcome.source_id, outcome.status) == ("ho_returns_notes", "loaded"), outcome.error
    assert query(settings, "SELECT published_on FROM meta.releases") == [(date(2025, 1, 31),)]     # the cut-off in its name
    assert metric(settings, "adhoc_returns_total") == {CURRENT: 18_987, YEAR_BEFORE: 16_126}


@pytest.fixture(scope="module")
def good_release(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notes")
    path = folder / "good" / f"{SLUG_OCT}.json"
    path.parent.mkdir()
    path.write_text(json.dumps(content_item(f"{PAGE}/{SLUG_OCT}", note_html("31 October 2024", "5 July 2023 to 31 October 2023",
                                                                            OCT, OCT_WORKING), "2024-11-20T09:30:00Z")))
    settings = own_settings(folder)
    [outcome] = load_paths(settings, [path])
    assert outcome.status == "loaded", outcome.error
    return settings, snapshot(settings)


def load_bad(settings, folder: Path, html: str):
    item = content_item(f"{PAGE}/{SLUG_JAN}", html, "2025-02-10T09:30:00Z")
    return load_one(settings, folder / "bad" / f"{SLUG_JAN}.json", json.dumps(item).encode())


def test_bad_figures_are_rejected_naming_table_row_and_column(good_release, tmp_path):
    settings, published = good_release
    returns = list(RETURNS_JAN)
    returns[1] = ("Enforced returns", "5,074", "4,085", "+45%")          # disagrees with the figures: row 3 of table 1
    working = list(WORKING_JAN)
    working[1] = ("Illegal working arrests", "3,93O", "2,850", "+38%")   # a letter O: row 3 of table 2
    outcome = load_bad(settings, tmp_path, note_html(returns=returns, working=working))
    assert outcome.status == "rejected"
    assert ("sheet 'table 1', row 3, column 'Percentage change': the published percentage change agrees with the figures "
            "(value 'published +45%, the figures give +24.2%')") in outcome.error
    assert "sheet 'table 2', row 3, column '5 July 2024 to 31 January 2025': not a valid Int64 value (value '3,93O')" in outcome.error
    assert snapshot(settings) == published


def test_unreadable_period_and_a_measure_given_twice_differently_are_rejected(good_release, tmp_path):
    settings, published = good_release
    outcome = load_bad(settings, tmp_path, note_html(before="5 July 2023 to 31 Janury 2024"))
    assert outcome.status == "rejected"
    assert "sheet 'table 1', row 1, column '5 July 2023 to 31 Janury 2024': cannot read the period" in outcome.error
    working = WORKING_JAN + [("Enforced returns", "5,075", "4,085", "+24%")]       # table 1 said 5,074
    outcome = load_bad(settings, tmp_path, note_html(working=working))
    assert outcome.status == "rejected"
    assert ("sheet 'table 2', row 5, column '5 July 2024 to 31 January 2025': a measure given twice in the note has one figure "
            "(value '5075 here, 5074 in table 1 row 3')") in outcome.error
    assert snapshot(settings) == published


def test_a_measure_repeated_with_the_same_figure_is_counted_once(good_release, tmp_path):
    settings, _ = good_release
    working = WORKING_JAN + [("Returns", "18,987", "16,126", "+18%")]
    outcome = load_bad(settings, tmp_path, note_html(working=working))
    assert outcome.status == "loaded", outcome.error
    assert metric(settings, "adhoc_returns_total", "ho_returns_notes/2025-01-31/%") == {CURRENT: 18_987, YEAR_BEFORE: 16_126}


def test_reading_headers_labels_and_tables():
    assert parse_range("5 July 2024 to 31 January 2025") == CURRENT
    assert parse_range("5 July to 31 January 2025") == CURRENT                       # the first year left out
    assert parse_range("1st Jan 2024 – 30th Jun 2024") == (date(2024, 1, 1), date(2024, 6, 30))
    assert parse_range("Same period 12 months prior") is None
    assert [measure_of(x) for x in ["Total returns", "Enforced returns", "Foreign national offender (FNO) returns",
                                    "Returns of people who had claimed asylum", "Number of charter flights",
                                    "Illegal working arrests", "Visits", "Returns"]] == \
        ["returns", "enforced_returns", "fno_returns", "asylum_returns", "charter_flights", "illegal_working_arrests", None,
         "returns"]
    [table] = html_tables("<table><tr><th colspan=2>A<sup>1</sup></th><th>B</th></tr><tr><td>x<br>y</td><td>1</td><td>2")
    assert table.rows == [["A", "", "B"], ["x y", "1", "2"]]


def test_recognised_file_names():
    from flows.catalog import recognise
    assert recognise(f"{SLUG_JAN}.json") is SOURCE and recognise(f"{SLUG_JAN}.html") is SOURCE
    assert SOURCE.date_in_name(f"{SLUG_JAN}.json") == date(2025, 1, 31)
    assert recognise("returns-from-the-uk-and-illegal-working-activity-since-july-2024.json") is SOURCE
    for name in ["govuk_small_boats_daily_page_2026-08-21.html", "summary.json", "returns-summary.json",
                 "illegal-working-civil-penalties.json", f"{SLUG_JAN}.pdf"]:
        assert recognise(name) is None, name


def test_an_absolute_change_column_is_not_read_as_a_percentage(tmp_path):
    from flows.sources.adhoc_notes.parser import parse
    rows = [(label, now, then, f"+{int(now.replace(',', '')) - int(then.replace(',', '')):,}") for label, now, then, _ in RETURNS_JAN]
    path = tmp_path / f"{SLUG_JAN}.html"
    path.write_text(note_html(returns=rows, change="Change"))
    tables = parse(path, {"table": "adhoc_note_figures"})
    current = next(t.frame for t in tables if t.sheet == "table 1" and (t.frame["comparison"] == "current").all())
    assert current["pct_change_published"].isna().all() and current["check_pct_change"].isna().all()
    assert dict(zip(current["measure"], current["value"]))["enforced_returns"] == 5_074
    assert [t.sheet for t in tables] == ["table 1", "table 1", "table 2", "table 2"]


# --- issue 12 item 13: colspan, nested tables and the figures claims need ------------------------------------------

def test_a_colspan_and_a_nested_table_are_rejected_naming_table_row_and_measure(good_release, tmp_path):
    """Before: a figure cell holding a nested table loaded as NULL (and the nested table shifted the table numbers);
    a label spanning two columns moved its row's figures one column right."""
    settings, _ = good_release
    published = snapshot(settings)       # the module's warehouse, as earlier tests left it
    html = note_html()
    html = html.replace("<tr><th scope=\"row\">Enforced returns</th><td>5,074</td>",                       # table 1 row 3
                        "<tr><th scope=\"row\">Enforced returns</th><td><table><tr><td>5,074</td></tr></table></td>")
    html = html.replace("<tr><th scope=\"row\">Charter flights</th><td>28</td>",                            # table 1 row 7
                        "<tr><th scope=\"row\" colspan=\"2\">Charter flights</th><td>28</td>")
    outcome = load_bad(settings, tmp_path, html)
    assert outcome.status == "rejected", outcome.error
    assert ("sheet 'table 1', row 3, column '5 July 2024 to 31 January 2025': figure of 'enforced_returns' is "
            "in a table nested in the cell") in outcome.error
    assert ("sheet 'table 1', row 7, column '5 July 2024 to 31 January 2025': figure of 'charter_flights' is "
            "covered by a cell spanning 2 columns") in outcome.error
    assert "table 3" not in outcome.error                 # the nested table is no table of its own
    assert snapshot(settings) == published


def test_a_legitimate_colspan_keeps_the_columns_in_line(tmp_path):
    from flows.sources.adhoc_notes.parser import parse
    html = note_html().replace('<thead><tr><th scope="col">Measure</th>',
                               '<thead><tr><td></td><th colspan="2">Number of returns</th><td></td></tr>'
                               '<tr><th scope="col">Measure</th>', 1)
    path = tmp_path / f"{SLUG_JAN}.html"
    path.write_text(html)
    tables = parse(path, SOURCE.options)
    frame = next(t.frame for t in tables if t.sheet == "table 1" and (t.frame["comparison"] == "current").all())
    assert dict(zip(frame["measure"], frame["value"]))["enforced_returns"] == 5_074
    assert dict(zip(frame["measure"], frame["prior_value"]))["charter_flights"] == 20


def test_a_figure_a_claim_needs_that_is_missing_is_rejected_naming_measure_table_and_row(good_release, tmp_path):
    settings, _ = good_release
    published = snapshot(settings)       # the module's warehouse, as earlier tests left it
    returns = [r for r in RETURNS_JAN if r[0] != "Enforced returns"]                    # no enforced returns row
    outcome = load_bad(settings, tmp_path, note_html(returns=returns))
    assert outcome.status == "rejected", outcome.error
    assert "sheet 'table 1': no row gives 'enforced_returns', a figure the claims need" in outcome.error
    returns = list(RETURNS_JAN)
    returns[3] = ("Foreign national offender returns", "2,925", "", "+21%")           # table 1 row 5, year before empty
    working = [WORKING_JAN[0], ("Illegal working arrests", "-", "2,850", "")]           # table 2 row 3, current '-'
    outcome = load_bad(settings, tmp_path, note_html(returns=returns, working=working))
    assert outcome.status == "rejected", outcome.error
    assert ("sheet 'table 1', row 5, column '5 July 2023 to 31 January 2024': no figure for 'fno_returns', "
            "a figure the claims need") in outcome.error
    assert ("sheet 'table 2', row 3, column '5 July 2024 to 31 January 2025': no figure for 'illegal_working_arrests', "
            "a figure the claims need") in outcome.error
    working = [WORKING_JAN[0]]                                                          # visits without arrests
    outcome = load_bad(settings, tmp_path, note_html(working=working))
    assert outcome.status == "rejected", outcome.error
    assert "sheet 'table 2': no row gives 'illegal_working_arrests', a figure the claims need" in outcome.error
    assert snapshot(settings) == published


def test_a_returns_only_note_loads_and_a_missing_figure_fails_through_the_cli(settings, tmp_path):
    from flows.cli import main
    html = note_html()
    returns_only = html[:html.index("<h2>Illegal working</h2>")] + "</div>"
    path = tmp_path / f"{SLUG_JAN}.html"
    path.write_text(returns_only)
    assert main(["load", "--warehouse", str(settings.warehouse), str(path)]) == 0
    assert metric(settings, "adhoc_enforced_returns") == {CURRENT: 5_074, YEAR_BEFORE: 4_085}
    published = snapshot(settings)
    bad = tmp_path / "bad" / f"{SLUG_OCT}.html"
    bad.parent.mkdir()
    bad.write_text(note_html("31 October 2024", "5 July 2023 to 31 October 2023",
                             [r for r in OCT if r[0] != "Returns"], OCT_WORKING))
    assert main(["load", "--warehouse", str(settings.warehouse), str(bad)]) == 1
    assert snapshot(settings) == published
