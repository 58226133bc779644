"""A saved copy of the "last 7 days" page loads by its content whatever its name, dated by the page's own date."""
from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest

from flows.ingest import load_paths
from flows.recognise import recognise_file
from tests.sources.small_boats_page.test_small_boats_page import AUGUST, REAL_PAGE, daily_table, page_body

SAVED_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Small boat arrivals: last 7 days - GOV.UK</title>
<meta name="govuk:public-updated-at" content="2026-08-21T13:08:38+01:00"></head>
<body><h1>Small boat arrivals: last 7 days</h1><p>Updated 21 August 2026</p>{body}</body></html>"""


def test_a_saved_page_under_any_name_is_recognised_by_its_content_and_dated_by_it(settings, tmp_path):
    page = tmp_path / "download (1).html"
    page.write_text(SAVED_PAGE.format(body=page_body(daily_table(AUGUST))), encoding="utf-8")
    found = recognise_file(page, settings.max_unzipped_bytes)
    assert (found.source.id, found.published_on, found.date_basis, found.by) == \
        ("small_boats_page", date(2026, 8, 21), "content", "content")
    [outcome] = load_paths(settings, [page])
    assert outcome.status == "loaded"
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    rows = con.execute("SELECT period_start, value FROM marts.metric_observations "
                       "WHERE metric_id = 'small_boat_arrivals_provisional' ORDER BY period_start").fetchall()
    con.close()
    assert rows == [(day, float(migrants)) for day, migrants, _ in AUGUST]


def test_another_page_or_a_page_without_the_daily_table_is_skipped_with_a_reason(settings, tmp_path):
    other = tmp_path / "weekly.html"
    other.write_text(SAVED_PAGE.replace("Small boat arrivals: last 7 days", "Small boat arrivals: weekly summary")
                     .format(body=page_body(daily_table(AUGUST))), encoding="utf-8")
    no_table = tmp_path / "page.html"
    no_table.write_text(SAVED_PAGE.format(body=page_body()), encoding="utf-8")
    for path in (other, no_table):
        found = recognise_file(path, settings.max_unzipped_bytes)
        assert found.source is None and "an HTML page no source's layout matches" in found.reason


def test_the_real_saved_page_loads_by_content(settings, realdata):
    path = realdata / REAL_PAGE
    [outcome] = load_paths(settings, [path])
    assert outcome.status == "loaded" and outcome.release_id.startswith("small_boats_page/2026-08-21/")
    html = path.read_text(encoding="utf-8")
    # an independent read of the page's table: each row's date cell, then its first number (migrants arrived)
    cells = re.findall(r'<th scope="row">\s*(\d{1,2} \w+ 2026)\s*</th>\s*<td>\s*([\d,]+)\s*</td>', html)
    assert len(cells) == 7
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    total = con.execute("SELECT sum(value) FROM marts.metric_observations "
                        "WHERE metric_id = 'small_boat_arrivals_provisional'").fetchone()[0]
    con.close()
    assert total == sum(int(n.replace(",", "")) for _, n in cells)
