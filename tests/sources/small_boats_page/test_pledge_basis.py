"""The small-boats pledge says which basis its latest days rest on: the weekly time series, and after its last
day the provisional "last 7 days" page (shown beside the status, never counted in it)."""
from __future__ import annotations

from datetime import date

import duckdb

from flows.ingest import load_paths
from tests.sources.small_boats.builders import small_boats_file
from tests.sources.small_boats_page.test_recognise_saved_page import SAVED_PAGE
from tests.sources.small_boats_page.test_small_boats_page import daily_table, page_body

# the weekly file runs to 14 Aug 2026; the page of 21 Aug 2026 has 14-20 Aug (its first day overlaps the file)
PAGE_DAYS = [(date(2026, 8, 14), "93", "1"), (date(2026, 8, 15), "82", "1"), (date(2026, 8, 16), "0", "0"),
             (date(2026, 8, 17), "250", "3"), (date(2026, 8, 18), "0", "0"), (date(2026, 8, 19), "0", "0"),
             (date(2026, 8, 20), "0", "0")]


def status(settings) -> tuple:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    row = con.execute("SELECT status, value, latest_days_basis, explanation FROM marts.pledge_status "
                      "WHERE pledge_id = 'small_boats'").fetchone()
    con.close()
    return row


def test_page_days_after_the_weekly_file_are_named_as_the_latest_basis_and_not_counted(settings, tmp_path):
    weekly = small_boats_file(tmp_path / "w", date(2026, 8, 15), start=date(2024, 1, 1), days=(date(2026, 8, 14) - date(2024, 1, 1)).days + 1)
    [loaded] = load_paths(settings, [weekly])
    assert loaded.status == "loaded"
    before = status(settings)
    assert before[2] is None                                   # the weekly series is the latest: nothing beside it
    page = tmp_path / "p" / "last-7-days.html"
    page.parent.mkdir()
    page.write_text(SAVED_PAGE.format(body=page_body(daily_table(PAGE_DAYS))), encoding="utf-8")
    [loaded] = load_paths(settings, [page])
    assert loaded.status == "loaded"
    after = status(settings)
    assert after[:2] == before[:2]                             # the status and its value rest on the weekly file
    # the six days after 14 Aug, from the page only: 82 + 0 + 250 + 0 + 0 + 0
    assert after[2] == ("Since the series' last day, provisional figures only: 332 over 6 days, 15 Aug 2026 to "
                        "20 Aug 2026 (Small boat arrivals: last 7 days (GOV.UK page, provisional daily figures), "
                        "published 21 Aug 2026); they are not counted in the status until a weekly file covers them")
    assert after[3].endswith(after[2] + ".")


def test_days_that_neither_series_has_are_named_before_the_page_days(settings, tmp_path):
    """The weekly file ends on 31 Jul 2026 and the page has 14-20 Aug: 1-13 Aug are in neither, and the basis says so."""
    weekly = small_boats_file(tmp_path / "w", date(2026, 8, 1), start=date(2024, 1, 1), days=(date(2026, 7, 31) - date(2024, 1, 1)).days + 1)
    page = tmp_path / "p" / "last-7-days.html"
    page.parent.mkdir()
    page.write_text(SAVED_PAGE.format(body=page_body(daily_table(PAGE_DAYS))), encoding="utf-8")
    assert [o.status for o in load_paths(settings, [weekly, page])] == ["loaded", "loaded"]
    # all seven page days (93 + 82 + 0 + 250 + 0 + 0 + 0) follow the gap
    assert status(settings)[2] == ("Since the series' last day (31 Jul 2026), no figures are loaded for 1 Aug 2026 to "
                                   "13 Aug 2026; after them, provisional figures only: 425 over 7 days, 14 Aug 2026 to "
                                   "20 Aug 2026 (Small boat arrivals: last 7 days (GOV.UK page, provisional daily figures), "
                                   "published 21 Aug 2026); they are not counted in the status until a weekly file covers them")
