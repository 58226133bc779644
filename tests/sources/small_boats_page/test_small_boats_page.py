"""GOV.UK's "Small boat arrivals: last 7 days" page (source small_boats_page, family small_boats_page): the page read
through the Content API (discovery govuk_html_page), each version a release dated by its updated date; pages built
in code in the published layout and served by the local mirror; the real saved page of 21 August 2026 (skipped
without ../shared/realdata); pages whose daily table is missing or wrong."""
from __future__ import annotations

import re
from datetime import date, datetime

from flows import cli
from flows.catalog import load_catalog, recognise
from flows.ingest import parse_and_validate
from flows.sources.small_boats_page.parser import html_tables, parse
from tests.conftest import SMALL_BOATS_PAGE
from tests.warehouse_reads import failures, metric, query, snapshot

SOURCE = load_catalog()["small_boats_page"]
SLUG = "migrants-detected-crossing-the-english-channel-in-small-boats-last-7-days"
PAGE = f"{SMALL_BOATS_PAGE}/{SLUG}"
FILE_NAME = f"{SLUG}.json"
REAL_PAGE = "pages/govuk_small_boats_daily_page_2026-08-21.html"
HEADER = ["Date", "Migrants arrived", "Boats arrived", "Boats involved in uncontrolled landings", "Notes"]

# the week on the real page of 21 August 2026: (day, migrants, boats); days without crossings are 0 throughout
AUGUST = [(date(2026, 8, 14), "93", "1"), (date(2026, 8, 15), "82", "1"), (date(2026, 8, 16), "0", "0"),
          (date(2026, 8, 17), "250", "3"), (date(2026, 8, 18), "0", "0"), (date(2026, 8, 19), "0", "0"),
          (date(2026, 8, 20), "0", "0")]


def daily_table(rows: list[tuple], header: list[str] = HEADER, notes: dict[date, str] | None = None) -> str:
    """The daily table as GOV.UK renders it: header cells `<th scope="col">`, each day's date a `<th scope="row">`."""
    head = "".join(f'\n      <th scope="col">{h}</th>' for h in header)
    body = ""
    for day, *cells in rows:
        label = f"{day.day} {day:%B %Y}" if isinstance(day, date) else day
        cells = list(cells) + ["0"] * max(0, len(header) - 2 - len(cells))          # uncontrolled landings
        note = (notes or {}).get(day, " ")
        body += (f'\n    <tr>\n      <th scope="row">{label}</th>' + "".join(f"\n      <td>{c}</td>" for c in cells)
                 + (f"\n      <td>{note}</td>" if "Notes" in header else "") + "\n    </tr>")
    return f"<table>\n  <thead>\n    <tr>{head}\n    </tr>\n  </thead>\n  <tbody>{body}\n  </tbody>\n</table>"


def page_body(*tables: str) -> str:
    """details.body of the page: the govspeak HTML of the published page, around the given table(s)."""
    return ('<div class="govspeak"><h2 id="small-boats-data">Small boats data</h2>\n\n<p>This page shows figures for the '
            "last 7 days for migrants attempting to cross the English Channel in small boats without permission to "
            "enter the UK.</p>\n\n" + "\n\n".join(tables) +
            '\n\n<h3 id="for-users-of-these-statistics">For users of these statistics</h3>\n\n<p>These statistics are '
            "taken from provisional UK and French operational data and are subject to change.</p>\n\n"
            '<h3 id="uncontrolled-landings">Uncontrolled landings</h3>\n\n<p>‘Boats involved in uncontrolled '
            "landings’ are a subset of ‘boats detected’.</p>\n</div>")


def publish_page(mirror, body: str, updated: str = "2026-08-21T13:08:38.000+01:00") -> None:
    """The page's Content API item, as GOV.UK serves an HTML publication."""
    mirror.pages[PAGE] = {
        "base_path": PAGE, "content_id": "5cede69b-a408-47eb-8933-31fb2813ab77", "document_type": "html_publication",
        "schema_name": "html_publication", "locale": "en", "title": "Small boat arrivals: last 7 days",
        "first_published_at": "2023-02-01T11:19:52.000+00:00", "public_updated_at": updated, "updated_at": updated,
        "details": {"body": body, "first_published_version": False, "public_timestamp": updated},
        "links": {"parent": [{"base_path": SMALL_BOATS_PAGE, "document_type": "transparency"}]}}


def run(settings, mirror, capsys) -> tuple[int, str]:
    """`pledges run --source small_boats_page` against the mirror (without Prefect's temporary server)."""
    code = cli.main(["run", "--no-prefect", "--source", "small_boats_page", "--warehouse", str(settings.warehouse),
                     "--govuk-base", mirror.base])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def releases(settings) -> list[tuple]:
    return query(settings, "SELECT published_on, status, file_name, file_url, page_updated_at FROM meta.releases "
                           "ORDER BY published_on, fetched_at")


def latest(settings, metric_id: str) -> dict[date, float]:
    return dict(query(settings, "SELECT period_start, value FROM marts.metric_observations WHERE metric_id = ? "
                                "AND is_latest ORDER BY period_start", [metric_id]))


# --- a page built in code, served by the mirror, run end to end --------------------------------------------------

def test_the_page_loads_end_to_end_and_each_version_is_a_release(settings, mirror, capsys):
    publish_page(mirror, page_body(daily_table(AUGUST)))
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_OK, out
    assert "loaded" in out and FILE_NAME in out
    assert releases(settings) == [(date(2026, 8, 21), "loaded", FILE_NAME, f"{mirror.base}/api/content{PAGE}",
                                   datetime(2026, 8, 21, 12, 8, 38))]          # the page's time, UTC
    assert query(settings, "SELECT date_basis FROM meta.releases") == [("page",)]
    people = {d: float(m) for d, m, _ in AUGUST}
    boats = {d: float(b) for d, _, b in AUGUST}
    assert latest(settings, "small_boat_arrivals_provisional") == people          # the days without crossings are 0
    assert latest(settings, "small_boat_boats_provisional") == boats
    assert query(settings, "SELECT DISTINCT unit, period_type FROM marts.metric_observations "
                           "WHERE metric_id = 'small_boat_arrivals_provisional'") == [("people", "day")]
    assert query(settings, "SELECT count(*) FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals'") == [(0,)]
    assert query(settings, "SELECT DISTINCT page_table, page_updated_on FROM raw.small_boats_page_daily") == \
        [("table 1", date(2026, 8, 21))]

    # the same page again: nothing downloaded, nothing loaded
    before = settings.warehouse.stat().st_mtime_ns
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_OK and "unchanged" in out, out
    assert settings.warehouse.stat().st_mtime_ns == before

    # the next day's version: the oldest day gone, a new one, 17 August revised: a second release, the first kept
    newer = AUGUST[1:3] + [(date(2026, 8, 17), "262", "3")] + AUGUST[4:] + [(date(2026, 8, 21), "1,204", "19")]
    publish_page(mirror, page_body(daily_table(newer)), updated="2026-08-22T13:02:10.000+01:00")
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_OK, out
    assert [r[:3] for r in releases(settings)] == [(date(2026, 8, 21), "loaded", FILE_NAME),
                                                   (date(2026, 8, 22), "loaded", FILE_NAME)]
    now = latest(settings, "small_boat_arrivals_provisional")
    assert now[date(2026, 8, 17)] == 262 and now[date(2026, 8, 21)] == 1204
    assert now[date(2026, 8, 14)] == 93                       # only on the older version: still its latest value
    assert query(settings, "SELECT published_on, value, is_latest FROM marts.metric_observations WHERE metric_id = "
                           "'small_boat_arrivals_provisional' AND period_start = DATE '2026-08-17' ORDER BY published_on") == \
        [(date(2026, 8, 21), 250.0, False), (date(2026, 8, 22), 262.0, True)]


def test_a_dash_or_an_empty_cell_is_missing_never_zero_and_a_year_left_out_is_the_pages(settings, mirror, capsys):
    rows = [("18 August", "12", "1"), ("Wednesday 19 August", "-", "-"), ("20 August", "", "")]
    header = HEADER[:4] + ["Migrants prevented"] + HEADER[4:]            # a new column: reported, not loaded
    publish_page(mirror, page_body(daily_table(rows, header=header)), updated="2026-08-21T13:08:38.000+01:00")
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_OK, out
    assert "sheet 'table 1': new column(s) not loaded: Migrants prevented" in out, out
    assert latest(settings, "small_boat_arrivals_provisional") == {date(2026, 8, 18): 12.0}
    assert query(settings, "SELECT date, migrants_arrived, boats_arrived FROM raw.small_boats_page_daily ORDER BY date") == \
        [(date(2026, 8, 18), 12, 1), (date(2026, 8, 19), None, None), (date(2026, 8, 20), None, None)]


def test_a_page_without_its_daily_table_is_rejected_naming_what_is_missing(settings, mirror, capsys):
    weekly = ("<h2>Week ending 9 August 2026</h2><table><thead><tr><th scope=\"col\">Migrants arrived</th>"
              "<th scope=\"col\">Boats arrived</th><th scope=\"col\">Migrants prevented</th><th scope=\"col\">Events "
              "prevented</th></tr></thead><tbody><tr><td>716</td><td>10</td><td>379</td><td>18</td></tr></tbody></table>")
    publish_page(mirror, page_body(weekly))
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_FAILED
    assert "no daily table on the page: no table has the columns 'Date' and 'Migrants arrived'" in out, out
    assert "table 1: Migrants arrived | Boats arrived | Migrants prevented | Events prevented" in out
    assert query(settings, "SELECT status FROM meta.releases") == [("rejected",)]

    # no table at all
    publish_page(mirror, page_body("<p>Figures will be published shortly.</p>"), updated="2026-08-22T13:00:00+01:00")
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_FAILED and "the page has no table at all" in out, out

    # a daily table without its migrants column
    table = daily_table([(d, b) for d, _, b in AUGUST], header=["Date", "Boats arrived", "Notes"])
    publish_page(mirror, page_body(table), updated="2026-08-23T13:00:00+01:00")
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_FAILED
    assert "sheet 'table 1', row 1: a daily table (it has a 'Date' column) without a 'Migrants arrived' column" in out, out
    assert snapshot(settings) == []


def test_a_content_item_without_a_body_fails_discovery_naming_the_page(settings, mirror, capsys):
    publish_page(mirror, "")
    del mirror.pages[PAGE]["details"]["body"]
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_FAILED
    assert f"small_boats_page: {mirror.base}/api/content{PAGE} has no details.body" in out, out


def test_bad_cells_are_rejected_and_an_implausible_day_is_held(settings, mirror, capsys):
    bad = AUGUST[:2] + [(date(2026, 8, 16), "9O", "0")] + AUGUST[3:]
    publish_page(mirror, page_body(daily_table(bad)))
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_FAILED
    assert ("sheet 'table 1', row 4, column 'Migrants arrived': not a valid Int64 value (value '9O')") in out, out
    assert failures(settings, FILE_NAME)[0][:3] == ("table 1", 4, "Migrants arrived")

    # 25,000 people on one day is past the bounds of the daily metric: held by the release gate, not published
    typo = AUGUST[:3] + [(date(2026, 8, 17), "25,000", "3")] + AUGUST[4:]
    publish_page(mirror, page_body(daily_table(typo)), updated="2026-08-22T13:00:00+01:00")
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_FAILED
    assert query(settings, "SELECT published_on, status FROM meta.releases ORDER BY published_on") == \
        [(date(2026, 8, 21), "rejected"), (date(2026, 8, 22), "held")]
    assert "release gate (bounds): 1 period(s) outside the plausible range 0 to 5,000 people per day" in out, out
    assert "column 'Migrants arrived': 2026-08-17: small_boat_arrivals_provisional 25,000 people is outside 0 to 5,000" in out
    assert snapshot(settings) == []


def test_a_day_repeated_in_a_second_table(settings, mirror, capsys):
    """The same figures again are counted once; other figures reject the page, naming both rows."""
    publish_page(mirror, page_body(daily_table(AUGUST[:4]), daily_table(AUGUST[3:])))
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_OK, out
    assert latest(settings, "small_boat_arrivals_provisional") == {d: float(m) for d, m, _ in AUGUST}
    assert query(settings, "SELECT count(*) FROM raw.small_boats_page_daily") == [(7,)]

    second = [(date(2026, 8, 17), "260", "3")] + AUGUST[4:]
    publish_page(mirror, page_body(daily_table(AUGUST[:4]), daily_table(second)), updated="2026-08-22T13:00:00+01:00")
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_FAILED
    assert ("sheet 'table 2', row 2, column 'Date': a day given twice on the page has one figure "
            "(value '260/3/0 here, 250/3/0 in table 1 row 5')") in out, out


# --- the parser and names ---------------------------------------------------------------------------------------

def test_names_and_the_reading_of_tables():
    assert recognise(FILE_NAME) is SOURCE and recognise(f"{SLUG}.html") is SOURCE
    assert SOURCE.date_in_name(f"{SLUG}_21_August_2026.html") == date(2026, 8, 21)
    for name in ["govuk_small_boats_weekly_summary_page_2026-08-18.html", "weekly-summary-of-small-boat-arrivals-and-"
                 "preventions.json", "21_August_2026_Small_boats_-_time_series.ods"]:
        assert recognise(name) is not SOURCE, name
    [table] = html_tables('<table><tr><th colspan="2">A<sup>1</sup></th><th>B</th></tr><tr><td>x<br>y</td><td>1</td>'
                          '<td><table><tr><td>n</td></tr></table></td>')
    assert table.rows == [["A", "", "B"], ["x y", "1", "n"]]


def test_a_saved_html_page_parses(tmp_path):
    path = tmp_path / f"{SLUG}.html"
    path.write_text('<!DOCTYPE html><html><head><meta name="govuk:public-updated-at" content="2026-08-21T13:08:38+01:00">'
                    f"</head><body><main>{page_body(daily_table(AUGUST))}</main></body></html>")
    [table] = parse(path, {"table": "small_boats_page_daily", "published_on": date(2026, 8, 21)})
    assert table.frame["migrants_arrived"].tolist() == [93, 82, 0, 250, 0, 0, 0]
    assert set(table.frame["page_updated_on"]) == {datetime(2026, 8, 21)}
    assert table.labels["boats_involved_in_uncontrolled_landings"] == "Boats involved in uncontrolled landings"


# --- the real page saved on 21 August 2026 (../shared/realdata/pages) -------------------------------------------

# an independent read of the saved HTML: each row of the table, date then the four cells
REAL_ROW = re.compile(r'<tr>\s*<th scope="row">([^<]+)</th>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>'
                      r"\s*<td>([^<]*)</td>\s*</tr>")


def real_rows(html: str) -> dict[date, tuple[int, int, int]]:
    return {datetime.strptime(d.strip(), "%d %B %Y").date(): (int(m.replace(",", "")), int(b.replace(",", "")),
                                                              int(u.replace(",", "")))
            for d, m, b, u, _ in REAL_ROW.findall(html)}


def test_the_real_saved_page_parses_and_validates(realdata, settings):
    path = realdata / REAL_PAGE
    expected = real_rows(path.read_text(encoding="utf-8"))
    assert sorted(expected) == [date(2026, 8, d) for d in range(14, 21)]
    [table], notes = parse_and_validate(SOURCE, path, "real page", settings, date(2026, 8, 21), path.name)
    assert notes == []
    frame = table.frame
    got = {row.date.date(): (row.migrants_arrived, row.boats_arrived, row.boats_involved_in_uncontrolled_landings)
           for row in frame.itertuples()}
    assert got == expected
    assert sum(m for m, _, _ in got.values()) == 425 and got[date(2026, 8, 16)] == (0, 0, 0)   # no crossings: 0
    assert frame["notes"].isna().all() and set(frame["page_updated_on"]) == {datetime(2026, 8, 21)}


def test_the_real_page_served_as_its_content_item_loads_end_to_end(realdata, settings, mirror, capsys):
    html = (realdata / REAL_PAGE).read_text(encoding="utf-8")
    body = re.search(r'<div class="govspeak">.*?</div>', html, re.DOTALL).group(0)    # what details.body carries
    updated = re.search(r'name="govuk:public-updated-at" content="([^"]+)"', html).group(1)
    publish_page(mirror, body, updated=updated)
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_OK, out
    assert [r[:3] for r in releases(settings)] == [(date(2026, 8, 21), "loaded", FILE_NAME)]
    expected = real_rows(html)
    assert latest(settings, "small_boat_arrivals_provisional") == {d: float(v[0]) for d, v in expected.items()}
    assert latest(settings, "small_boat_boats_provisional") == {d: float(v[1]) for d, v in expected.items()}
    assert metric(settings, "small_boat_arrivals_provisional")[(date(2026, 8, 17), date(2026, 8, 17))] == 250


def test_a_version_without_the_boats_column_loads_its_boats_missing_not_held(settings, mirror, capsys):
    """Audit 23 #2: the parser reads the Boats column where given (an absent column is all missing, never zero), but
    the gate's metric_missing held a version without it ("none of its periods is in this release") for
    small_boat_boats_provisional. The catalog now agrees with the parser (may_be_absent): the version loads, its
    people counted, no boats recorded for its days, the earlier version's boats kept."""
    publish_page(mirror, page_body(daily_table(AUGUST)))
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_OK, out
    no_boats = [h for h in HEADER if h != "Boats arrived"]
    newer = [(day, migrants) for day, migrants, _boats in AUGUST[1:]] + [(date(2026, 8, 21), "1,204")]
    publish_page(mirror, page_body(daily_table(newer, header=no_boats)), updated="2026-08-22T13:02:10.000+01:00")
    code, out = run(settings, mirror, capsys)
    assert code == cli.EXIT_OK, out
    assert [r[:2] for r in releases(settings)] == [(date(2026, 8, 21), "loaded"), (date(2026, 8, 22), "loaded")]
    assert latest(settings, "small_boat_arrivals_provisional")[date(2026, 8, 21)] == 1204
    assert query(settings, "SELECT count(*), count(boats_arrived) FROM raw.small_boats_page_daily r "
                           "JOIN meta.releases m USING (release_id) WHERE m.published_on = DATE '2026-08-22'") == [(7, 0)]
    assert latest(settings, "small_boat_boats_provisional") == {d: float(b) for d, _, b in AUGUST}
