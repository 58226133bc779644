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


def content_item(path: str, html: str, updated: str, title: str = "Returns from the UK and illegal working activity") -> dict:
    return {"base_path": path, "document_type": "html_publication", "schema_name": "html_publication",
            "title": title, "first_published_at": updated,
            "public_updated_at": updated, "details": {"body": html, "first_published_version": True}}


def publish_notes(mirror, notes: dict[str, str], updated: str = "2025-02-10T09:30:00.000+00:00",
                  titles: dict[str, str] | None = None) -> None:
    """The publication page with one HTML attachment per note (and a PDF beside them); each note's content item."""
    attachments = [{"url": mirror.asset("methodology-note.pdf", b"%PDF-1.7"), "filename": "methodology-note.pdf",
                    "title": "Methodology", "content_type": "application/pdf", "attachment_type": "file"}]
    for slug, html in notes.items():
        path = f"{PAGE}/{slug}"
        title = (titles or {}).get(slug, "Returns from the UK and illegal working activity")
        mirror.pages[path] = content_item(path, html, updated, title)
        attachments.append({"url": f"{mirror.base}{path}", "title": (titles or {}).get(slug) or slug.replace("-", " ").capitalize(),
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
    # no date on the page: by estimate, the end of the month after its cut-off (before: the cut-off, 31 Jan 2025,
    # said to be its publication date)
    assert query(settings, "SELECT published_on, date_basis FROM meta.releases") == [(date(2025, 2, 28), "estimated")]
    assert metric(settings, "adhoc_returns_total") == {CURRENT: 18_987, YEAR_BEFORE: 16_126}


def note_json(folder: Path, updated: str | None, returns=RETURNS_JAN, **fields) -> Path:
    """The note to 31 January 2025 saved as its Content API JSON (public_updated_at `updated`; None: left out)."""
    item = content_item(f"{PAGE}/{SLUG_JAN}", note_html(returns=returns), updated or "", **fields)
    item["first_published_at"] = "2025-02-10T09:30:00.000+00:00"      # the first version's, kept by every revision
    if updated is None:
        del item["public_updated_at"]
    path = folder / f"{SLUG_JAN}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(item))
    return path


def test_a_local_note_is_dated_by_its_own_update_time_and_a_revision_by_its_own(settings, tmp_path):
    """A note's name gives its cut-off (31 January 2025), never the day it was published. Before, a local note and
    its revision (same name) were both dated 31 Jan 2025 ("published 31 Jan 2025"), so the when-made check of a claim
    made in February used the March revision's figures."""
    [first] = load_paths(settings, [note_json(tmp_path / "v1", "2025-02-10T09:30:00.000+00:00")])
    assert first.status == "loaded", first.error
    revised = [("Returns", "17,000", "16,126", "+5%"), ("Enforced returns", "4,500", "4,085", "+10%")] + RETURNS_JAN[2:]
    [second] = load_paths(settings, [note_json(tmp_path / "v2", "2025-03-15T09:30:00.000+00:00", revised)])
    assert second.status == "loaded", second.error
    # public_updated_at, not first_published_at (which the revision keeps: 10 Feb, before it was out)
    assert query(settings, "SELECT published_on, date_basis FROM meta.releases ORDER BY published_on") == \
        [(date(2025, 2, 10), "content"), (date(2025, 3, 15), "content")]
    [(now, made, explanation)] = query(settings, "SELECT note_value, when_made_official_value, when_made_explanation "
                                                 "FROM marts.claim_checks WHERE claim_id = 'enforced_returns_up_24'")
    assert (now, made) == (4_500, 5_074)         # the claim, when made, is checked on the version out then
    assert "published 10 Feb 2025" in explanation and "31 Jan 2025)" not in explanation
    assert query(settings, "SELECT value FROM marts.observations_as_of(DATE '2025-03-14') WHERE metric_id = "
                           "'adhoc_enforced_returns' AND period_end = DATE '2025-01-31'") == [(5_074,)]


def test_a_local_note_with_no_date_of_its_own_is_dated_by_estimate_never_its_cut_off(settings, tmp_path):
    """No public_updated_at (first_published_at alone does not date a version): the end of the month after the
    cut-off, said to be an estimate. A date not after the cut-off (a stale one) is not taken either."""
    for folder, updated in (("bare", None), ("stale", "2025-01-31T09:30:00Z")):
        other = own_settings(tmp_path / folder)
        [outcome] = load_paths(other, [note_json(tmp_path / folder, updated)])
        assert outcome.status == "loaded", outcome.error
        assert query(other, "SELECT published_on, date_basis FROM meta.releases") == [(date(2025, 2, 28), "estimated")]
    [(explanation,)] = query(other, "SELECT explanation FROM marts.claim_checks WHERE claim_id = 'enforced_returns_up_24'")
    assert "a local file dated 28 Feb 2025 by estimate" in explanation


def test_a_saved_note_page_is_dated_by_its_meta_tag_or_header_line_not_its_body(tmp_path):
    from flows.sources.adhoc_notes.recognise import page_date
    body = note_html().replace("<h2>Returns</h2>", "<p>Updated 1 January 2030</p><h2>Returns</h2>")
    pages = {
        "meta": ('<html><head><meta name="govuk:public-updated-at" content="2025-02-10T09:30:00+00:00"></head>'
                 f"<body><p>Updated 3 March 2025</p>{body}</body></html>", date(2025, 2, 10)),
        "published": (f"<html><body><header><p>Published 10 February 2025</p></header>{body}</body></html>", date(2025, 2, 10)),
        "body only": (f"<html><body>{body}</body></html>", None),       # a date in the note's text is not the page's
        "json": (json.dumps({"public_updated_at": "2025-03-14T16:00:00Z", "first_published_at": "2025-02-10T09:30:00Z",
                             "details": {"body": body, "public_timestamp": "2025-03-15T09:30:00+00:00"}}), date(2025, 3, 15)),
    }
    for name, (text, expected) in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(text)
        assert page_date(SOURCE, path) == expected, name


def test_a_download_and_a_local_copy_of_a_note_get_the_same_date(settings, mirror, tmp_path):
    """Discovery dates a note by its page's public_updated_at; the note's own JSON, saved, carries the same."""
    publish_notes(mirror, {SLUG_JAN: note_html()}, updated="2025-02-10T09:30:00.000+00:00")
    [downloaded] = run_sources(settings, ["ho_returns_notes"])
    assert downloaded.status == "loaded", downloaded.error
    saved = tmp_path / "saved" / f"{SLUG_JAN}.json"
    saved.parent.mkdir()
    saved.write_text(json.dumps(mirror.pages[f"{PAGE}/{SLUG_JAN}"]))
    other = own_settings(tmp_path / "local")
    [local] = load_paths(other, [saved])
    assert local.status == "loaded", local.error
    assert query(settings, "SELECT published_on, date_basis FROM meta.releases") == [(date(2025, 2, 10), "page")]
    assert query(other, "SELECT published_on, date_basis FROM meta.releases") == [(date(2025, 2, 10), "content")]


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


def test_a_claim_whose_note_was_refused_names_it_instead_of_sending_readers_to_get_it(tmp_path):
    """The note to 31 October 2024 loaded, then the note to 31 January 2025 (the claimed days of the February 2025
    claims, published 10 Feb 2025) rejected for a figure written '3,93O'. The claims resting on it said "published, but
    not loaded here; get it from …", sending readers to fetch a note this tracker had and refused (audit 23 D1). They
    name the refused note and why it is not used, as figures do (not_loaded_words)."""
    settings = own_settings(tmp_path)
    oct_note = content_item(f"{PAGE}/{SLUG_OCT}", note_html("31 October 2024", "5 July 2023 to 31 October 2023", OCT,
                                                            OCT_WORKING), "2024-11-20T09:30:00Z")
    assert load_one(settings, tmp_path / "oct" / f"{SLUG_OCT}.json", json.dumps(oct_note).encode()).status == "loaded"
    working = list(WORKING_JAN)
    working[1] = ("Illegal working arrests", "3,93O", "2,850", "+38%")
    assert load_bad(settings, tmp_path, note_html(working=working)).status == "rejected"
    checks = dict(query(settings, "SELECT claim_id, explanation FROM marts.claim_checks "
                                  "WHERE claim_id IN ('charter_flights', 'enforced_returns_up_24')"))
    refused = (f"not loaded here: a release that may hold it, {SLUG_JAN}.json, published 10 Feb 2025, was refused: the "
               "file failed this tracker's checks of its layout and values; the publisher's figures are at https://")
    assert ("The Home Office ad-hoc note with figures for the claimed days was out by 14 Feb 2025, the day the claim was made: "
            + refused) in checks["charter_flights"], checks["charter_flights"]
    assert ("The Home Office ad-hoc note whose figures the claim repeats was out by 14 Feb 2025, the day the claim was made: "
            + refused) in checks["enforced_returns_up_24"], checks["enforced_returns_up_24"]
    assert not any("get it from" in words for words in checks.values())
    # each note covers its own days: a later note loaded does not hold the claimed days, so the refused one is still
    # named; a later note refused is not "a release that may hold it" (it came after the claims; audit 26 F3)
    march = "returns-from-the-uk-and-illegal-working-activity-5-july-2024-to-22-march-2025"
    good = content_item(f"{PAGE}/{march}", note_html("22 March 2025", "5 July 2023 to 22 March 2024"), "2025-03-31T09:30:00Z")
    assert load_one(settings, tmp_path / "mar" / f"{march}.json", json.dumps(good).encode()).status == "loaded"
    april = "returns-from-the-uk-and-illegal-working-activity-5-july-2024-to-30-april-2025"
    bad = content_item(f"{PAGE}/{april}", note_html("30 April 2025", "5 July 2023 to 30 April 2024", working=working),
                       "2025-05-20T09:30:00Z")
    assert load_one(settings, tmp_path / "apr" / f"{april}.json", json.dumps(bad).encode()).status == "rejected"
    later = dict(query(settings, "SELECT claim_id, explanation FROM marts.claim_checks "
                                 "WHERE claim_id IN ('charter_flights', 'enforced_returns_up_24')"))
    for claim in ("charter_flights", "enforced_returns_up_24"):
        assert refused in later[claim] and april not in later[claim], later[claim]


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
    assert metric(settings, "adhoc_returns_total", "ho_returns_notes/2025-02-10/%") == {CURRENT: 18_987, YEAR_BEFORE: 16_126}


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
    # the summary sentence above the tables is read too (issue 16 item 4), then each table, in document order
    assert [t.sheet for t in tables] == ["paragraph 1", "table 1", "table 1", "table 2", "table 2"]


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


# --- issue 16 item 4: the notes as published, in sentences ---------------------------------------------------------
# Built in the layout of ../shared/SOURCES-OTHER.md ("Home Office ad-hoc notes on returns since 5 July 2024"): short
# paragraphs under the headings "Returns" and "Revisions to the statistics", an introduction pointing to the quarterly
# statistics, each figure in a sentence worded as the real note. The figures of the edition to 22 March 2025 are the
# real ones; the expected values below are written out again, not computed from the text.

REAL_SLUG = "returns-from-the-uk-from-5-july-2024-to-22-march-2025"
REAL_TITLE = "Returns from the UK from 5 July 2024 to 22 March 2025"
PROSE_JAN_SLUG = "returns-from-the-uk-from-5-july-2024-to-31-january-2025"
PROSE_OCT_SLUG = "returns-from-the-uk-since-the-general-election-to-31-october-2024"     # matches no name pattern
MARCH = (date(2024, 7, 5), date(2025, 3, 22))
MARCH_BEFORE = (date(2023, 7, 5), date(2024, 3, 22))
OCTOBER = (date(2024, 7, 5), date(2024, 10, 31))
OCTOBER_BEFORE = (date(2023, 7, 5), date(2023, 10, 31))

MARCH_RETURNS = {
    "total": "Between 5 July 2024 and 22 March 2025, a total of 24,103 returns were recorded (including both enforced and "
             "voluntary returns)<sup id=\"fnref:1\" role=\"doc-noteref\"><a href=\"#fn:1\" class=\"govuk-link\">[footnote 1]"
             "</a></sup>, an 11% increase on the 21,807 returns in the same period 12 months prior.",
    "enforced": "From 5 July 2024 to 22 March 2025, there were 6,339 enforced returns. This compares with 5,244 enforced "
                "returns in the same period 12 months prior, an increase of 21%.",
    "fno": "There were 3,594 foreign national offenders (FNOs) returned between 5 July 2024 and 22 March 2025, a 16% "
           "increase on the 3,101 FNOs returned in the same period 12 months prior. FNO returns include both enforced "
           "and voluntary returns.",
    "ers": "Of these, 1,848 FNOs were returned under the Early Removal Scheme (ERS), a 15% increase on the 1,610 in the "
           "same period 12 months prior.",
    "asylum": "Between 5 July 2024 and 22 March 2025, there were 6,781 asylum-related returns, a 23% increase on the "
              "5,508 in the same period 12 months prior.",
    "charter": "From 5 July 2024 to 22 March 2025, there were 46 charter flights for returns to countries in Africa, Asia, "
               "Europe and South America, level with the same period 12 months prior (46).",
}
JAN_RETURNS = {
    "total": "Between 5 July 2024 and 31 January 2025, a total of 18,987 returns were recorded (including both enforced "
             "and voluntary returns), an 18% increase on the 16,126 returns in the same period 12 months prior.",
    "enforced": "From 5 July 2024 to 31 January 2025, there were 5,074 enforced returns. This compares with 4,085 "
                "enforced returns in the same period 12 months prior, an increase of 24%.",
    "fno": "There were 2,925 foreign national offenders (FNOs) returned between 5 July 2024 and 31 January 2025, a 21% "
           "increase on the 2,417 FNOs returned in the same period 12 months prior.",
    "asylum": "Between 5 July 2024 and 31 January 2025, there were 6,339 asylum-related returns, a 16% increase on the "
              "5,483 in the same period 12 months prior.",
    "charter": "From 5 July 2024 to 31 January 2025, there were 28 charter flights for returns to countries in Africa, "
               "Asia, Europe and South America, compared with 20 in the same period 12 months prior, an increase of 40%.",
}
JAN_WORKING = ["Between 5 July 2024 and 31 January 2025, there were 5,424 illegal working visits and 3,930 arrests, "
               "compared with 3,930 visits and 2,850 arrests in the same period 12 months prior, both increases of 38%."]
# worded as GOV.UK news and Home Office releases gave the figures (SOURCES-OTHER.md), periods carried within a section
OCT_RETURNS = {
    "total": "Between 5 July 2024 and 31 October 2024, a total of 9,400 returns were recorded (including both enforced "
             "and voluntary returns), an 11% increase on the 8,450 returns in the same period 12 months prior.",
    "enforced": "There were 2,580 enforced returns, up 19% on the 2,170 in the same period 12 months prior.",
    "fno": "Foreign national offender returns rose by 15% to 1,490, compared with 1,300 in the same period 12 months prior.",
    "asylum": "There were 3,100 asylum-related returns, compared with 2,800 in the same period 12 months prior, an "
              "increase of 11%.",
    "charter": "There were 13 charter flights, against 9 in the same period 12 months prior.",
}
OCT_WORKING_PROSE = ["Between 5 July 2024 and 31 October 2024, there were 3,188 illegal working visits and 2,299 arrests, "
                     "against 2,371 and 1,836 in the same period 12 months prior."]


def prose_note(returns: dict[str, str], working: list[str] | None = None, extracted: str = "25 March 2025") -> str:
    """A note's body as the Content API serves it (details.body): prose under headings, a footnote."""
    html = ('<div class="govspeak"><p>This publication provides timely management information on returns from the UK. '
            'For complete statistics, see the latest quarterly release of <a href="/government/collections/'
            'immigration-statistics-quarterly-release" class="govuk-link">Immigration system statistics</a>.</p>'
            '<h2 id="returns">Returns</h2>' + "".join(f"<p>{p}</p>" for p in returns.values()))
    if working:
        html += '<h2 id="illegal-working">Illegal working</h2>' + "".join(f"<p>{p}</p>" for p in working)
    return (html + '<h2 id="revisions-to-the-statistics">Revisions to the statistics</h2>'
            "<p>The figures in this note are provisional and subject to change. They are taken from live operational "
            f"systems on {extracted} and may differ from figures published later in the official statistics.</p>"
            '<div class="footnotes" role="doc-endnotes"><ol><li id="fn:1" role="doc-endnote"><p>Returns are counted '
            'by the date of departure. <a href="#fnref:1" role="doc-backlink">&#8617;</a></p></li></ol></div></div>')


def raw_figures(settings, period_end: date) -> dict[tuple[str, str], tuple]:
    rows = query(settings, "SELECT measure, comparison, value, prior_value, pct_change_published, period_start, period_end "
                           "FROM raw.adhoc_note_figures WHERE first_mention AND period_end IN (?, ?)",
                 [period_end, period_end.replace(year=period_end.year - 1)])
    return {(m, c): (v, p, pct, s, e) for m, c, v, p, pct, s, e in rows}


def test_notes_in_prose_are_discovered_whatever_their_slug_and_load_every_figure(settings, mirror):
    """Before: the real slug (no 'illegal working' in it) matched no name pattern, so discovery found nothing, and the
    parser read only <table>s: a note in sentences gave no figures."""
    publish_notes(mirror, {PROSE_OCT_SLUG: prose_note(OCT_RETURNS, OCT_WORKING_PROSE, "4 November 2024"),
                           PROSE_JAN_SLUG: prose_note(JAN_RETURNS, JAN_WORKING, "3 February 2025"),
                           REAL_SLUG: prose_note(MARCH_RETURNS)},
                  updated="2025-03-31T09:30:00.000+01:00",
                  titles={REAL_SLUG: REAL_TITLE, PROSE_JAN_SLUG: "Returns from the UK from 5 July 2024 to 31 January 2025",
                          PROSE_OCT_SLUG: "Returns from the UK since the general election"})
    outcomes = run_sources(settings, ["ho_returns_notes"])
    assert sorted((o.name, o.status) for o in outcomes) == sorted(
        [(REAL_SLUG + ".json", "loaded"), (PROSE_JAN_SLUG + ".json", "loaded"), (PROSE_OCT_SLUG + ".json", "loaded")]), \
        [(o.name, o.status, o.error) for o in outcomes]
    assert not any(o.notes for o in outcomes), [o.notes for o in outcomes]        # no measure it does not know
    assert f"{mirror.base}/api/content{PAGE}/{REAL_SLUG}" in {u for (u,) in query(settings, "SELECT file_url FROM meta.releases")}
    # the edition to 22 March 2025, figure by figure: (value, 12 months prior, stated change)
    march = raw_figures(settings, date(2025, 3, 22))
    expected = {"returns": (24_103, 21_807, 11.0), "enforced_returns": (6_339, 5_244, 21.0),
                "fno_returns": (3_594, 3_101, 16.0), "ers_returns": (1_848, 1_610, 15.0),
                "asylum_returns": (6_781, 5_508, 23.0), "charter_flights": (46, 46, 0.0)}
    assert {m for m, _ in march} == set(expected)
    for measure, (now, then, pct) in expected.items():
        assert march[(measure, "current")][:5] == (now, then, pct, *MARCH), measure
        assert march[(measure, "year_before")][:5] == (then, None, None, *MARCH_BEFORE), measure
    label = query(settings, "SELECT measure_label FROM raw.adhoc_note_figures WHERE measure = 'returns' AND period_end = ?",
                  [date(2025, 3, 22)])
    assert label == [("returns were recorded (including both enforced and voluntary returns)",)]
    # the metrics (one per measure; voluntary returns are not given apart in these notes)
    metrics = {"adhoc_returns_total": (24_103, 21_807), "adhoc_enforced_returns": (6_339, 5_244),
               "adhoc_fno_returns": (3_594, 3_101), "adhoc_ers_returns": (1_848, 1_610),
               "adhoc_asylum_returns": (6_781, 5_508), "adhoc_charter_flights": (46, 46)}
    for metric_id, (now, then) in metrics.items():
        got = metric(settings, metric_id)
        assert (got[MARCH], got[MARCH_BEFORE]) == (now, then), metric_id
    assert metric(settings, "adhoc_voluntary_returns") == {}
    # the edition to 31 October 2024: periods carried within a section, figures before or after their words, two
    # measures in one sentence ("3,188 illegal working visits and 2,299 arrests, against 2,371 and 1,836 ...")
    october = raw_figures(settings, date(2024, 10, 31))
    expected = {"returns": (9_400, 8_450, 11.0), "enforced_returns": (2_580, 2_170, 19.0), "fno_returns": (1_490, 1_300, 15.0),
                "asylum_returns": (3_100, 2_800, 11.0), "charter_flights": (13, 9, None),
                "illegal_working_visits": (3_188, 2_371, None), "illegal_working_arrests": (2_299, 1_836, None)}
    assert {m for m, _ in october} == set(expected)
    for measure, (now, then, pct) in expected.items():
        assert october[(measure, "current")][:5] == (now, then, pct, *OCTOBER), measure
        assert october[(measure, "year_before")][:5] == (then, None, None, *OCTOBER_BEFORE), measure
    assert metric(settings, "adhoc_illegal_working_visits")[OCTOBER] == 3_188
    assert metric(settings, "adhoc_illegal_working_arrests")[OCTOBER_BEFORE] == 1_836
    # the edition to 31 January 2025 is the one the claims quote: its figures, read from sentences, check them
    january = raw_figures(settings, date(2025, 1, 31))
    assert january[("illegal_working_visits", "current")][:3] == (5_424, 3_930, 38.0)
    assert january[("illegal_working_arrests", "current")][:3] == (3_930, 2_850, 38.0)
    checks = {r[0]: r[1:] for r in query(settings, "SELECT claim_id, note_value, note_comparison_value FROM marts.claim_checks")}
    assert checks["returns_seven_months"][0] == 18_987
    assert checks["enforced_returns_up_24"] == (5_074, 4_085)
    assert checks["fno_returns_up_21"] == (2_925, 2_417)


def test_every_html_attachment_is_discovered_and_a_page_without_one_says_so(settings, mirror):
    from flows.errors import FetchError
    from flows.fetch import discover
    publish_notes(mirror, {"a-note-with-any-slug": prose_note(MARCH_RETURNS), REAL_SLUG: prose_note(MARCH_RETURNS)})
    found = discover(SOURCE, settings)
    assert sorted(a.file_name for a in found) == ["a-note-with-any-slug.json", REAL_SLUG + ".json"]   # not the PDF
    mirror.page(PAGE, [{"url": mirror.asset("methodology-note.pdf", b"%PDF-1.7"), "filename": "methodology-note.pdf",
                        "content_type": "application/pdf", "attachment_type": "file"}])
    with pytest.raises(FetchError, match="ho_returns_notes: no HTML attachment on /government/publications/"):
        discover(SOURCE, settings)


def load_prose(settings, folder: Path, returns: dict[str, str], working: list[str] | None = None):
    item = content_item(f"{PAGE}/{REAL_SLUG}", prose_note(returns, working), "2025-03-31T09:30:00Z", REAL_TITLE)
    return load_one(settings, folder / "bad" / f"{REAL_SLUG}.json", json.dumps(item).encode())


def test_a_prose_note_missing_a_figure_a_claim_needs_is_rejected_naming_it(good_release, tmp_path):
    settings, _ = good_release
    published = snapshot(settings)       # the module's warehouse, as earlier tests left it
    without = {k: v for k, v in MARCH_RETURNS.items() if k != "enforced"}
    outcome = load_prose(settings, tmp_path, without)
    assert outcome.status == "rejected", outcome.error
    assert ("file: no sentence gives 'enforced_returns' (enforced returns from 5 July 2024 to the note's cut-off), "
            "a figure the claims need") in outcome.error
    without = {k: v for k, v in MARCH_RETURNS.items() if k != "total"}
    outcome = load_prose(settings, tmp_path, without)
    assert outcome.status == "rejected", outcome.error
    assert "file: no sentence gives 'returns' (the total of returns from 5 July 2024 to the note's cut-off)" in outcome.error
    # the figure without its year-before comparison (the claims check the change)
    alone = dict(MARCH_RETURNS, enforced="From 5 July 2024 to 22 March 2025, there were 6,339 enforced returns.")
    outcome = load_prose(settings, tmp_path, alone)
    assert outcome.status == "rejected", outcome.error
    assert ("sheet 'paragraph 3', row 1, column 'same period 12 months prior': no figure for 'enforced_returns' for the "
            "same period 12 months prior, a figure the claims need") in outcome.error
    # illegal working visits without arrests (the claim checks both)
    outcome = load_prose(settings, tmp_path, MARCH_RETURNS, ["Between 5 July 2024 and 22 March 2025, there were 6,600 "
                                                             "illegal working visits, against 4,700 in the same period 12 "
                                                             "months prior."])
    assert outcome.status == "rejected", outcome.error
    assert "no sentence gives 'illegal_working_arrests'" in outcome.error
    assert snapshot(settings) == published


def test_a_stated_change_that_disagrees_with_its_figures_is_rejected_naming_the_sentence(good_release, tmp_path):
    settings, _ = good_release
    published = snapshot(settings)
    wrong = dict(MARCH_RETURNS, enforced=MARCH_RETURNS["enforced"].replace("an increase of 21%", "an increase of 31%"),
                 charter=MARCH_RETURNS["charter"].replace("(46)", "(40)"),
                 asylum=MARCH_RETURNS["asylum"].replace("a 23% increase", "a 23% decrease"))
    outcome = load_prose(settings, tmp_path, wrong)
    assert outcome.status == "rejected", outcome.error
    assert ("sheet 'paragraph 3', row 1, column 'stated change': the published percentage change agrees with the figures "
            "(value 'stated +31% in \u201cFrom 5 July 2024 to 22 March 2025, there were 6,339 enforced returns. This "
            "compares with 5,244 enforced returns in the same period 12 months prior, an increase of 31%.\u201d: "
            "6,339 against 5,244 is +20.9%')") in outcome.error
    assert ("sheet 'paragraph 7', row 1, column 'stated change': the published percentage change agrees with the figures "
            "(value 'stated level with the year before in \u201cFrom 5 July 2024 to 22 March 2025, there were 46 charter "
            "flights") in outcome.error
    assert "46 against 40 is +15.0%" in outcome.error
    assert "sheet 'paragraph 6', row 1, column 'stated change'" in outcome.error and "6,781 against 5,508 is +23.1%" in outcome.error
    assert "paragraph 2" not in outcome.error and "paragraph 4" not in outcome.error     # within rounding: 10.5% stated 11%
    assert snapshot(settings) == published


def test_a_saved_prose_page_loads_by_its_slug_or_its_title(settings, tmp_path):
    """A note saved from a browser: the GOV.UK page around the note (title, 'Updated' line, contents, print
    licence with its numbers) is not read, only its body."""
    chrome = ('<!DOCTYPE html><html lang="en"><head><title>GOV.UK</title></head><body><header class="govuk-header">'
              '<a href="/">GOV.UK</a></header><main id="content"><header class="gem-c-inverse-header"><div class='
              '"gem-c-heading"><span class="govuk-caption-xl">Transparency data</span><h1 class="gem-c-heading__text">'
              f'{REAL_TITLE}</h1></div><p class="gem-c-inverse-header__subtext">Updated 31 March 2025</p></header>'
              '<nav aria-label="Contents"><h2>Contents</h2><ol><li><a href="#returns">Returns</a></li><li><a href='
              '"#revisions-to-the-statistics">Revisions to the statistics</a></li></ol></nav><div class="print-metadata">'
              "<p>\u00a9 Crown copyright 2025</p><p>This publication is licensed under the terms of the Open Government "
              "Licence v3.0 except where otherwise stated. Write to the Information Policy Team, The National Archives, "
              "Kew, London TW9 4DU.</p></div><div class=\"gem-c-govspeak-html-publication\"><div data-module=\"govspeak\" "
              f'class="gem-c-govspeak">{prose_note(MARCH_RETURNS)}</div></div></main>'
              '<footer class="govuk-footer"><p>All content is available under the Open Government Licence v3.0, except '
              "where otherwise stated</p></footer></body></html>")
    for name, status in ((f"{REAL_SLUG}.html", "loaded"), (f"{REAL_TITLE} - GOV.UK.html", "unchanged")):   # the same bytes
        path = tmp_path / name
        path.write_text(chrome)
        [outcome] = load_paths(settings, [path])
        assert (outcome.source_id, outcome.status) == ("ho_returns_notes", status), outcome.error
    # its "Updated 31 March 2025" line (before: its cut-off, 22 March, by its name)
    assert query(settings, "SELECT DISTINCT published_on, date_basis FROM meta.releases") == [(date(2025, 3, 31), "content")]
    assert metric(settings, "adhoc_enforced_returns") == {MARCH_BEFORE: 5_244, MARCH: 6_339}
    assert metric(settings, "adhoc_charter_flights") == {MARCH_BEFORE: 46, MARCH: 46}
    assert metric(settings, "adhoc_ers_returns") == {MARCH_BEFORE: 1_610, MARCH: 1_848}


def test_the_real_note_names_are_recognised_with_their_cut_off_date():
    from flows.catalog import recognise
    for name in (f"{REAL_SLUG}.json", f"{REAL_SLUG}.html", f"{REAL_TITLE} - GOV.UK.html", f"{REAL_TITLE}.html"):
        assert recognise(name) is SOURCE, name
        assert SOURCE.date_in_name(name) == date(2025, 3, 22), name
    for name in ("returns-from-the-uk-from-25-july-2024-to-22-march-2025.json", f"{REAL_SLUG}.pdf", "returns.html"):
        assert recognise(name) is None, name


def read(paragraphs: list[str], title: str = REAL_TITLE, headings: dict[int, str] | None = None):
    from flows.sources.adhoc_notes import prose
    html = "".join((f"<h2>{(headings or {})[i]}</h2>" if i in (headings or {}) else "") + f"<p>{p}</p>"
                   for i, p in enumerate(paragraphs))
    return prose.read_prose(prose.note_text(html, title))


def test_reading_sentences():
    # the definition of the total kept with it; a percentage without a direction (a share) is no stated change
    got = read(["Between 5 July 2024 and 22 March 2025, a total of 24,103 returns were recorded (including both enforced "
                "and voluntary returns). Of these, 6,339 (26%) were enforced returns, compared with 5,244 a year earlier."])
    assert not got.cases, got.cases
    assert [(f.measure, f.value, f.prior, f.pct, f.period) for f in got.figures] == \
        [("returns", 24_103, None, None, MARCH), ("enforced_returns", 6_339, 5_244, None, MARCH)]
    assert got.figures[0].label == "returns were recorded (including both enforced and voluntary returns)"
    assert got.figures[1].prior_period == MARCH_BEFORE
    # decreases, figures after their words, the period from the title, an explicit year-before range
    got = read(["Charter flights fell by 10% to 18, compared with 20 in the same period 12 months prior.",
                "Between 5 July 2024 and 22 March 2025 there were 900 voluntary returns, against 1,000 between 5 July "
                "2023 and 22 March 2024, a decrease of 10%."])
    assert not got.cases, got.cases
    assert [(f.measure, f.value, f.prior, f.pct, f.period, f.prior_period, f.prior_comparison) for f in got.figures] == \
        [("charter_flights", 18, 20, -10.0, MARCH, MARCH_BEFORE, "year_before"),
         ("voluntary_returns", 900, 1_000, -10.0, MARCH, MARCH_BEFORE, "year_before")]
    # bare 'arrests' under an 'Illegal working' heading
    got = read(["There were 6,600 visits and 4,800 arrests, against 4,700 and 3,500 in the same period 12 months prior."],
               headings={0: "Illegal working"})
    assert [(f.measure, f.value, f.prior) for f in got.figures] == \
        [("illegal_working_visits", 6_600, 4_700), ("illegal_working_arrests", 4_800, 3_500)]


def test_sentences_that_cannot_be_read_with_certainty_fail_naming_them():
    def why(paragraph: str, title: str = REAL_TITLE) -> str:
        got = read([paragraph], title)
        assert len(got.cases) == 1 and not got.figures, (got.cases, got.figures)
        case = got.cases[0]
        assert (case.sheet, case.row, case.value) == ("paragraph 1", 1, paragraph)
        return case.check
    assert why("In the last seven months, 19,000 people have been returned.").startswith(
        "cannot read the period of this sentence's figures ('seven months'")
    assert why("In March 2025 there were 2,900 returns.").startswith("cannot read the period of this sentence's figures")
    assert why("Enforced returns rose from 5,244 to 6,339.").startswith("two figures for 'enforced_returns' in one sentence")
    assert why("There were 6,339 enforced returns and 3,594 FNO returns, against 5,244 in the same period 12 months "
               "prior.").startswith("2 figure(s) and 1 figure(s) compared with them: cannot pair them")
    assert why("There were 6,339 enforced returns, 5,244 in the same period 12 months prior, up 21%.").startswith(
        "cannot tell which figures of this sentence are for the same period 12 months prior")
    assert why("This compares with 5,244 enforced returns in the same period 12 months prior.").startswith(
        "a comparison with no figures before it to compare")
    # numbers in a sentence about no measure it reads are left alone, whatever they say
    assert read(["This compares with 52 in the same period 12 months prior.",
                 "This is the 3rd note; see table 2 of the 4 quarterly tables in 2025."]).cases == []
    assert why("There were 6,339 enforced returns and 3,594 FNO returns, increases of 21%, 16% and 5% on the same period "
               "12 months prior.").startswith("3 stated change(s) for 2 figure(s)")
    assert why("There were 6,339 enforced returns, an increase on the 5,244 returns.").startswith(
        "the figures compared with are given no period")
    assert why("There were 24,103 returns (including port returns), an 11% increase on the 21,807 in the same period 12 "
               "months prior.").startswith("the total's definition ('including port returns') is not enforced plus voluntary")
    assert why("There were 6,339 enforced returns.", title="Returns from the UK").startswith("no period for this sentence's")


def test_early_removal_scheme_returns_in_a_table_are_their_own_measure(tmp_path):
    """Before: a row of FNOs returned under the early removal scheme was read as 'fno_returns' (its label names FNOs),
    so a note giving both rows was rejected as giving one measure twice with different figures."""
    from flows.sources.adhoc_notes.parser import parse
    returns = RETURNS_JAN + [("Foreign national offenders (FNOs) returned under the Early Removal Scheme", "1,500", "1,250",
                              "+20%")]
    path = tmp_path / f"{SLUG_JAN}.html"
    path.write_text(note_html(returns=returns))
    tables = parse(path, SOURCE.options)
    frame = next(t.frame for t in tables if t.sheet == "table 1" and (t.frame["comparison"] == "current").all())
    figures = dict(zip(frame["measure"], frame["value"]))
    assert (figures["fno_returns"], figures["ers_returns"]) == (2_925, 1_500)
    assert frame["check_repeat"].isna().all()


def test_a_correction_of_an_older_note_published_after_a_newer_one_loads(settings, tmp_path):
    """Each note covers 5 July 2024 to its own cut-off: the October note corrected on 20 Feb 2025, after the January
    note (10 Feb), ends earlier by design. The release gate's newest_moved_back does not apply to such windows
    (audit 14: held, "periods relabelled (a year early?)", once per measure)."""
    [jan] = load_paths(settings, [note_json(tmp_path / "jan", "2025-02-10T09:30:00.000+00:00")])
    assert jan.status == "loaded", jan.error
    item = content_item(f"{PAGE}/{SLUG_OCT}", note_html("31 October 2024", "5 July 2023 to 31 October 2023", OCT, OCT_WORKING),
                        "2025-02-20T09:30:00.000+00:00")
    corrected = tmp_path / "oct" / f"{SLUG_OCT}.json"
    corrected.parent.mkdir()
    corrected.write_text(json.dumps(item))
    [oct_] = load_paths(settings, [corrected])
    assert oct_.status == "loaded", oct_.error
    assert query(settings, "SELECT published_on, status FROM meta.releases ORDER BY published_on") == \
        [(date(2025, 2, 10), "loaded"), (date(2025, 2, 20), "loaded")]
