"""With the real small-boats releases loaded: pledge rows, a claim between two dates, and as-of answers."""
from __future__ import annotations

import json
import re
import textwrap
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows import cli
from tests.conftest import REALDATA
from tests.test_register import REGISTER_IDS

REPO = Path(__file__).resolve().parents[1]

FOLDER = REALDATA / "small_boats"
pytestmark = pytest.mark.skipif(not FOLDER.is_dir(), reason=f"real published files not present at {FOLDER}")
LATEST = FOLDER / "23_January_2026_Small_boats_-_time_series.ods"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("pledges") / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(path), str(FOLDER)]) == 0
    return path


def daily_sheet() -> pd.Series:
    frame = pd.read_excel(LATEST, sheet_name="SB_01", engine="calamine", na_values=["-"])
    return frame.set_index("Date")["Migrants arrived"]


def daily_sheet_of(path) -> pd.Series:
    frame = pd.read_excel(path, sheet_name="SB_01", engine="calamine", na_values=["-"])
    return frame.set_index("Date")["Migrants arrived"]


def test_small_boats_quarter_rows_match_the_sheet(warehouse):
    daily = daily_sheet()
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("SELECT period_start, period_end, value, baseline_value, status, complete FROM marts.pledge_progress "
                       "WHERE pledge_id = 'small_boats' AND view = 'period' AND is_latest_vintage ORDER BY period_start").fetchall()
    con.close()
    assert rows[0][0] == date(2024, 7, 1)
    for start, end, value, baseline, status, complete in rows:
        first = pd.Timestamp(start)
        last = min(pd.Timestamp(end), daily.index.max())
        expected = daily[first:last].sum()
        expected_baseline = daily[first - pd.DateOffset(years=1):last - pd.DateOffset(years=1)].sum()
        assert (value, baseline) == (expected, expected_baseline)
        # a quarter still in progress (2026 Q1, to 22 Jan) is not graded, as the report draws it (audit 9: "on track"
        # in the table on 22 days while the chart said "not graded yet")
        in_progress = last < pd.Timestamp(end)
        assert complete == (not in_progress)
        assert status == ("not graded" if in_progress else "on track" if expected < expected_baseline else "off track")
    assert rows[-1][:2] == (date(2026, 1, 1), date(2026, 3, 31)) and rows[-1][4] == "not graded"


def test_small_boats_status_rests_on_the_rolling_twelve_months_to_december_2025(warehouse):
    """Read independently from the 23 January 2026 sheet: 2025 against 2024, the whole calendar years."""
    daily = daily_sheet()
    year_2025, year_2024 = daily["2025-01-01":"2025-12-31"].sum(), daily["2024-01-01":"2024-12-31"].sum()
    assert (year_2025, year_2024) == (41472, 36816)      # the official totals the issue quotes
    con = duckdb.connect(str(warehouse), read_only=True)
    row = con.execute("SELECT * FROM marts.pledge_status WHERE pledge_id = 'small_boats'").fetchone()
    names = [d[0] for d in con.description]
    con.close()
    status = dict(zip(names, row))
    assert (status["view"], status["period_label"], status["value"], status["baseline_value"], status["status"]) == \
        ("rolling_12_months", "12 months to Dec 2025", year_2025, year_2024, "off track")
    assert status["change_pct"] == round(100 * (year_2025 - year_2024) / year_2024, 1) == 12.6
    # beside it, from the same release: the year to date against the same days a year before, and the days since
    # 5 July 2024, longer than a year, against the same days two years before: the same days a year before would
    # overlap them (5 Jul 2024 to 22 Jan 2025 in both: +17.4%), and as many days just before 5 July 2024 have one
    # summer to their two (+50.8%)
    last = daily.dropna().index.max()
    ytd, ytd_before = daily["2026-01-01":last].sum(), daily["2025-01-01":last - pd.DateOffset(years=1)].sum()
    two_back = last - pd.DateOffset(years=2)
    since, since_before = daily["2024-07-05":last].sum(), daily["2022-07-05":two_back].sum()
    assert two_back < pd.Timestamp("2024-07-05") and (since, since_before) == (65647, 62913)
    explanation = status["explanation"]
    assert "12 months to Dec 2025: 41,472 against 36,816 for 12 months to Dec 2024 (+12.6%): off track." in explanation
    assert f"1 Jan to {last.day} Jan 2026: {ytd:,.0f} against {ytd_before:,.0f}" in explanation
    # 22 days of January: the figures, not a change (audit 7: "-15.0%" on three weeks, as "-47.5%" on 8 days)
    assert last.day < 28 and (f"1 Jan to {last.day} Jan 2026: {ytd:,.0f} against {ytd_before:,.0f} for 1 Jan to {last.day} Jan 2025 "
                              f"({last.day} days, too few to compare yet)") in explanation
    assert f"{100 * (ytd - ytd_before) / ytd_before:+.1f}%" not in explanation
    assert (f"5 Jul 2024 to {last.day} Jan 2026: {since:,.0f} against {since_before:,.0f} for "
            f"5 Jul 2022 to {two_back.day} {two_back:%b %Y} (the same days 2 years before: a year before would share days with them; "
            f"{100 * (since - since_before) / since_before:+.1f}%)") in explanation
    assert ") (" not in explanation      # the change inside the label's parenthesis: two in a row read badly (audit 24 F9)
    assert "23_January_2026_Small_boats_-_time_series.ods, published 23 Jan 2026" in explanation


def test_as_of_answers_rest_on_each_vintages_own_figures(warehouse):
    """As of 20 November 2025 only the 14 November file was out: its own 12 months to October 2025."""
    then = daily_sheet_of(FOLDER / "14_November_2025_Small_boats_-_time_series.ods")
    window, before = then["2024-11-01":"2025-10-31"].sum(), then["2023-11-01":"2024-10-31"].sum()
    con = duckdb.connect(str(warehouse), read_only=True)
    row = con.execute("SELECT period_label, value, baseline_value, status, release_id, explanation "
                      "FROM marts.pledge_status_as_of(DATE '2025-11-20') WHERE pledge_id = 'small_boats'").fetchone()
    con.close()
    assert row[:4] == ("12 months to Oct 2025", window, before, "on track" if window < before else "off track")
    assert row[4].startswith("small_boats/2025-11-14")
    assert "14_November_2025_Small_boats_-_time_series.ods, published 14 Nov 2025" in row[5]


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    """Every real published file in ../shared/realdata (the small boats, transparency and irregular migration workbooks)."""
    path = tmp_path_factory.mktemp("all") / "pledges.duckdb"
    cli.main(["load", "--warehouse", str(path), str(REALDATA)])
    return path


def test_every_explanation_names_periods_figures_and_release(everything):
    con = duckdb.connect(str(everything), read_only=True)
    rows = con.execute("SELECT pledge_id, kind, status, period_label, value, release_file_name, explanation, evidence "
                       "FROM marts.pledge_status").fetchall()
    con.close()
    for pledge_id, kind, status, period, value, file_name, explanation, evidence in rows:
        if kind == "qualitative":
            assert status.lower() in explanation.lower() and (evidence or "Not measurable" in explanation), pledge_id
            assert all(item["summary"] in explanation for item in evidence or []), pledge_id
        elif value is not None:   # the figure, in its unit, claims as pledges
            shown = f"{value:,.0f}" in explanation
            assert period in explanation and shown and file_name in explanation, pledge_id
        else:   # no figure: which figures, and whether they are out (with the page to get them) or not yet due
            assert "figures" in explanation and ("not loaded here" in explanation or "not due until" in explanation), pledge_id


def test_status_explain_says_each_qualitative_entrys_method_and_evidence_once(everything, capsys):
    """`pledges status --explain`: the method on its own line and each evidence item on its own line with its
    address, not again inside the explanation (which keeps them for SQL readers)."""
    con = duckdb.connect(str(everything), read_only=True)
    entries = con.execute("SELECT pledge_id, method, explanation, evidence FROM marts.pledge_status "
                          "WHERE kind = 'qualitative'").fetchall()
    con.close()
    assert cli.main(["status", "--warehouse", str(everything), "--explain"]) == 0
    out = capsys.readouterr().out
    blocks = {block.split(":")[0].strip(): " ".join(block.split()) for block in out.split("\n\n  ")[1:]}
    for pledge_id, method, explanation, evidence in entries:
        block = blocks[pledge_id]
        assert block.count(" ".join(method.split())) == 1, pledge_id
        assert " ".join(explanation.split(method)[0].split()) in block, pledge_id     # the status and since when
        for item in evidence or []:
            assert block.count(" ".join(item["summary"].split())) == 1, pledge_id
            assert not item["url"] or item["url"] in block, pledge_id
            assert not item["read_at"] or f"(read at a copy: {item['read_at']})" in block, pledge_id
    assert 'Status "kept" since 5 Jan 2026, set on 3 Dec 2026 from the evidence.' in blocks["border_security_command"]
    # words reported by the press are said to be, beside the quote (the report's card says the same)
    assert "“we will be ending the costly use of hotels to house asylum seekers in this Parliament” — Rachel Reeves MP" \
        in blocks["asylum_hotels"] and "words as reported, not from the two source statements" in blocks["asylum_hotels"]
    assert "words as reported" not in blocks["small_boats"]


def test_an_answer_for_a_day_before_the_statement_says_not_yet_said(everything, capsys):
    """`pledges status --as-of` a day before statement A (14 Feb 2025, in the register's [statements.A]): its
    claims and pledges are "not yet said", whatever the figures or evidence of that day; statement B's (14 Sep
    2023) are answered as usual. From the day of the statement the claim has its verdict."""
    import tomllib
    from warehouse.register import REGISTER_FILE

    register = tomllib.loads(REGISTER_FILE.read_text())
    said = {e["id"]: register["statements"][e["statement"]]["said_on"] for e in register["entry"]}
    con = duckdb.connect(str(everything), read_only=True)
    day = said["apprenticeships_cut"]
    before = dict(con.execute("SELECT pledge_id, status FROM marts.pledge_status_as_of(?)", [day.replace(day=day.day - 1)]).fetchall())
    assert {k for k, v in before.items() if v == "not yet said"} == {k for k, d in said.items() if d >= day}
    later = dict(con.execute("SELECT pledge_id, status FROM marts.pledge_status_as_of(DATE '2026-12-03')").fetchall())
    assert "not yet said" not in later.values() and later["apprenticeships_cut"] == "partly consistent"
    con.close()
    assert cli.main(["status", "--warehouse", str(everything), "--as-of", "2025-02-13", "--explain"]) == 0
    out = capsys.readouterr().out
    out = " ".join(out.split())
    assert ("Not yet said on 13 Feb 2025: Yvette Cooper MP, Home Secretary said it on 14 Feb 2025 (statement A; the "
            "date is inferred).") in out
    # statements cited as readers know them, never by register key (audit 9: "statement A_intro", "statement
    # hotels_commitment"): the unsigned introduction, and the Spending Review statement by its title
    assert "statement A_intro" not in out and "statement hotels_commitment" not in out
    assert "said it on 14 Feb 2025 (statement A, introduction; the date is inferred)." in out
    hotels = register["statements"][next(e["statement"] for e in register["entry"] if e["id"] == "asylum_hotels")]
    assert f"said it on {hotels['said_on'].day} {hotels['said_on']:%b %Y} ({hotels['title']})." in out


def test_claim_about_arrivals_between_two_dates(warehouse, tmp_path, monkeypatch, capsys):
    """A claim checked against the daily series: the exact days, the sum computed from the sheet."""
    register = tmp_path / "register.toml"
    register.write_text(textwrap.dedent("""
        [[entry]]
        id = "arrivals_since_election"
        type = "claim"
        statement = "test"
        said_by = "Minister"
        said_on = 2025-12-01
        quote = "30,000 arrived since the election"
        kind = "quantitative"
        metric = "small_boat_arrivals"
        check = "total"
        claimed_value = 30000
        claim_start = 2024-07-05
        claim_end = 2025-06-30
        tolerance = 0.05
    """))
    monkeypatch.setenv("PLEDGES_REGISTER", str(register))
    copy = tmp_path / "copy.duckdb"
    assert cli.main(["load", "--warehouse", str(copy), str(FOLDER)]) == 0
    expected = daily_sheet()["2024-07-05":"2025-06-30"].sum()
    con = duckdb.connect(str(copy), read_only=True)
    row = con.execute("SELECT official_value, covered_days, claimed_days, verdict, explanation, when_made_verdict "
                      "FROM marts.claim_checks").fetchone()
    con.close()
    assert row[0] == expected and row[1] == row[2] == 361
    assert row[3] == ("consistent" if abs(30000 - expected) <= 0.05 * expected else
                      "overstated" if 30000 > expected else "understated")
    assert f"{expected:,.0f}" in row[4]
    assert row[5] == row[3]   # the releases before 1 Dec 2025 already covered the whole period


def test_status_lists_every_pledge_and_claim(warehouse, capsys):
    assert cli.main(["status", "--warehouse", str(warehouse), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {p["pledge_id"] for p in data["pledges"]} == REGISTER_IDS
    for p in data["pledges"]:
        assert p["status"] and p["explanation"], p   # a value or an explicit reason why none exists
    small = next(p for p in data["pledges"] if p["pledge_id"] == "small_boats")
    assert small["value"] is not None and small["release_id"].startswith("small_boats/2026-01-23")


def test_as_of_answers_differ_by_vintage(warehouse, capsys):
    assert cli.main(["status", "--warehouse", str(warehouse), "--json", "--as-of", "2025-11-20"]) == 0
    early = {p["pledge_id"]: p for p in json.loads(capsys.readouterr().out)["pledges"]}
    assert cli.main(["status", "--warehouse", str(warehouse), "--json"]) == 0
    late = {p["pledge_id"]: p for p in json.loads(capsys.readouterr().out)["pledges"]}
    assert early["small_boats"]["release_id"].startswith("small_boats/2025-11-14")
    assert (early["small_boats"]["period_label"], late["small_boats"]["period_label"]) == \
        ("12 months to Oct 2025", "12 months to Dec 2025")
    assert cli.main(["status", "--warehouse", str(warehouse), "--as-of", "2025-11-20"]) == 0
    assert "as published on or before 2025-11-20" in capsys.readouterr().out


def test_the_days_neither_series_has_are_named_beside_the_provisional_page(everything):
    """The saved 21 Aug 2026 page has 14-20 Aug 2026; the newest time series ends in January 2026. Read independently
    (the ODS through pandas, the page's table rows by regular expression), the status names the gap between them."""
    import re
    page = REALDATA / "pages" / "govuk_small_boats_daily_page_2026-08-21.html"
    if not page.is_file():
        pytest.skip(f"{page} not present")
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([\d,]+)</td>', page.read_text(encoding="utf-8"))
    days = {pd.Timestamp(day).date(): int(n.replace(",", "")) for day, n in rows}
    last = daily_sheet().dropna().index.max().date()
    first = min(days)
    assert first > last
    con = duckdb.connect(str(everything), read_only=True)
    status, value, basis = con.execute("SELECT status, value, latest_days_basis FROM marts.pledge_status "
                                       "WHERE pledge_id = 'small_boats'").fetchone()
    con.close()

    def words(day):
        return f"{day.day} {day:%b %Y}"
    assert basis.startswith(f"Since the series' last day ({words(last)}), no figures are loaded for "
                            f"{words(last + pd.Timedelta(days=1))} to {words(first - pd.Timedelta(days=1))}; after them, "
                            f"provisional figures only: {sum(days.values()):,} over {len(days)} days, {words(first)} to "
                            f"{words(max(days))}")
    assert (status, value) == ("off track", 41472)        # the page is never counted in the status


def test_when_made_figures_that_were_due_and_are_not_loaded_are_not_called_unpublished(everything):
    """No ONS edition is among the real files. ONS published the year ending December 2023 in May 2024, before the
    trebling claim (14 Feb 2025): as the claim was made the figures were out, only not loaded here. The returns claims quote
    the Home Office's note for 5 Jul 2024 to 31 Jan 2025 (published 10 Feb 2025, ../shared/EVIDENCE.md): it was out
    when they were made, though the official quarterly statistics covering them were not (due 28 Feb 2025)."""
    con = duckdb.connect(str(everything), read_only=True)
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT claim_id, said_on, when_made_verdict, when_made_explanation FROM marts.claim_checks "
        "WHERE claim_id IN ('legal_migration_trebled', 'enforced_returns_up_24')").fetchall()}
    con.close()
    said, verdict, explanation = rows["legal_migration_trebled"]
    assert said == date(2025, 2, 14) and verdict == "not loaded here"
    assert "Net migration: no release loaded here that was published by 14 Feb 2025 gives net migration to the UK for 1 Jan 2023 " \
           "to 31 Dec 2023, though the official figures were due by 31 May 2024." in explanation
    assert "had been published" not in explanation
    said, verdict, explanation = rows["enforced_returns_up_24"]
    assert said == date(2025, 2, 14) and verdict == "not loaded here"
    assert explanation.endswith("The Home Office's ad-hoc note the claim quotes was published by 14 Feb 2025, but is not loaded here.")
    # the quarter to 30 Sep 2024 was out (28 Nov 2024), 88 of the claim's days: "no official figures had been
    # published" would be false (audit 18); too few were out for a check, and the quarter to 31 Dec was not due yet
    assert "no official figures" not in explanation
    covered = (date(2024, 12, 31) - date(2024, 7, 5)).days + 1
    claimed = (date(2025, 1, 31) - date(2024, 7, 5)).days + 1
    assert explanation.startswith(
        "Not enough official figures for enforced returns from the UK had been published by 14 Feb 2025 to check "
        f"5 Jul 2024 to 31 Jan 2025: figures to 31 Dec 2024, covering {covered} of the claim's {claimed} days "
        "(5 Jul 2024 to 31 Dec 2024), were not due until 28 Feb 2025.")


def test_pledge_progress_never_grades_a_window_reaching_back_before_tracking(everything):
    """marts.pledge_progress, the table dashboards read, gives a comparison window starting before the month the pledge
    is tracked from (small boats from 5 Jul 2024: the 12 months to Jul 2024 ... May 2025, eleven of whose twelve
    months were the previous government's at first) the status "not graded", as the README, the report and the status
    treat it; it gave "12 months to Jul 2024: on track" (audit 7). Later windows are graded by the register's rule,
    checked here from the day counts in the sheet: down on the same 12 months a year before is on track."""
    import pandas as pd
    sheet = pd.read_excel(REALDATA / "small_boats" / "23_January_2026_Small_boats_-_time_series.ods", sheet_name="SB_01",
                          engine="calamine", header=None)
    header = next(i for i, row in sheet.iterrows() if any(str(c).strip().lower() == "migrants arrived" for c in row))
    days = sheet.iloc[header + 1:].copy()
    days.columns = [str(c).strip().lower() for c in sheet.iloc[header]]
    days = days[pd.to_datetime(days["date"], errors="coerce").notna()]
    days["day"] = pd.to_datetime(days["date"]).dt.date
    days["n"] = pd.to_numeric(days["migrants arrived"], errors="coerce").fillna(0)

    def total(start: date, end: date) -> float:
        return days[(days["day"] >= start) & (days["day"] <= end)]["n"].sum()

    con = duckdb.connect(str(everything), read_only=True)
    try:
        rows = con.execute("SELECT period_start, period_end, value, baseline_value, status FROM marts.pledge_progress "
                           "WHERE pledge_id = 'small_boats' AND view = 'rolling_12_months' AND is_latest_vintage "
                           "ORDER BY period_end").fetchall()
        january = con.execute("SELECT period_label, period_end - period_start + 1, status FROM marts.pledge_progress "
                              "WHERE pledge_id = 'small_boats' AND view = 'calendar_year_to_date' AND period_start = "
                              "DATE '2026-01-01' ORDER BY as_of").fetchall()
    finally:
        con.close()
    before = [r for r in rows if r[0] < date(2024, 7, 1)]
    assert len(before) == 11 and {r[4] for r in before} == {"not graded"}      # to Jul 2024 ... to May 2025
    # nor a comparison under four weeks: the year to date in each January file (audit 8: "2026 to 8 Jan: 32 against
    # 61" was "on track" in the table while the explanation said too few days to compare)
    assert [label for label, _days, _status in january] == ["1 Jan to 8 Jan 2026", "1 Jan to 15 Jan 2026", "1 Jan to 22 Jan 2026"]
    assert all(days < 28 and status == "not graded" for _label, days, status in january), january
    graded = [r for r in rows if r[0] >= date(2024, 7, 1)]
    assert graded and graded[0][1] == date(2025, 6, 30)
    for start, end, value, baseline, status in graded:
        import calendar
        year_before = total(date(start.year - 1, start.month, 1),
                            date(end.year - 1, end.month, calendar.monthrange(end.year - 1, end.month)[1]))
        assert (value, baseline) == (total(start, end), year_before)
        assert status == ("on track" if value < baseline else "off track"), (end, value, baseline, status)


def test_a_claims_bases_are_named_as_its_method_names_them(everything):
    """smuggling_convictions is checked against 2010 and the year ending June 2019 (its method's words): its bases read
    "2010 and YE Jun 2019", not "2010 and 1 Jul 2018 to 30 Jun 2019" (audit 7), as other years ending are named."""
    import tomllib
    [entry] = [e for e in tomllib.loads((REPO / "warehouse" / "pledges.toml").read_text())["entry"]
               if e["id"] == "smuggling_convictions"]
    assert "the year ending June 2019" in entry["method"]
    assert [(p["base_start"], p["base_end"]) for p in entry["parts"]][1] == (date(2018, 7, 1), date(2019, 6, 30))
    con = duckdb.connect(str(everything), read_only=True)
    try:
        assert con.execute("SELECT baseline_label FROM marts.pledge_status WHERE pledge_id = 'smuggling_convictions'"
                           ).fetchone() == ("2010 and YE Jun 2019",)
    finally:
        con.close()


def test_a_weekly_series_is_not_due_on_the_last_day_it_covers(everything):
    """Small boats are published weekly, each day in the next weekly file (no lag in months). Until a 12-month window
    lies wholly after 5 Jul 2024 the status rests on the days since then, once they hold four weeks (to 1 Aug 2024):
    those figures are due a release interval later, on 8 Aug 2024. Before that day the pledge is "not yet published",
    from it "not loaded here". Before (row 100), the first figures were said to be due a week after the first
    tracked quarter (7 Oct 2024), so on 20 Aug 2024 the answer was "not yet published", though weekly files giving a
    status were out (row 149; row 160 moved the first status from the 12 months to Jul 2024 to the days since)."""
    import tomllib
    [entry] = [e for e in tomllib.loads((REPO / "warehouse" / "pledges.toml").read_text())["entry"] if e["id"] == "small_boats"]
    first_end = entry["track_from"] + timedelta(days=27)     # the days since tracking started hold four weeks
    due = first_end + timedelta(days=7)                       # one weekly release later
    assert (first_end, due) == (date(2024, 8, 1), date(2024, 8, 8))
    con = duckdb.connect(str(everything), read_only=True)

    def status(day: date) -> tuple[str, str]:
        return con.execute("SELECT status, explanation FROM marts.pledge_status_as_of(?) "
                           "WHERE pledge_id = 'small_boats'", [day]).fetchone()
    try:
        assert con.execute("SELECT first_compared_end FROM marts.pledges WHERE pledge_id = 'small_boats'").fetchone() == (first_end,)
        for day in (date(2024, 7, 31), date(2024, 8, 3), due - timedelta(days=1)):
            state, explanation = status(day)
            assert state == "not yet published", (day, explanation)
            assert f"Figures for the first tracked period are not due until {due.day} {due:%b %Y}." in explanation
        for day in (due, date(2024, 8, 20), date(2024, 9, 30)):
            state, explanation = status(day)
            assert state == "not loaded here" and f"were due by {due.day} {due:%b %Y} (Home Office)" in explanation, day
    finally:
        con.close()


def test_a_pledges_first_status_is_a_change_as_a_claims_first_verdict_is(everything):
    """The DfE file (published 16 Jul 2026) gave apprenticeships_up its first figure: the change list tells the
    move from what the as-of answer said the day before, as it does for the claim read from the same file."""
    con = duckdb.connect(str(everything), read_only=True)
    try:
        before = con.execute("SELECT status FROM marts.pledge_status_as_of(DATE '2026-07-15') "
                             "WHERE pledge_id = 'apprenticeships_up'").fetchone()[0]
        after = con.execute("SELECT status FROM marts.pledge_status_as_of(DATE '2026-07-16') "
                            "WHERE pledge_id = 'apprenticeships_up'").fetchone()[0]
        moves = con.execute("SELECT subject, changed_on, old_value, new_value, summary FROM marts.changes "
                            "WHERE subject IN ('apprenticeships_up', 'apprenticeships_cut') AND kind IN ('status', 'verdict') "
                            "ORDER BY subject").fetchall()
    finally:
        con.close()
    assert (before, after) == ("not loaded here", "on track")
    assert [m[:4] for m in moves] == [("apprenticeships_cut", date(2026, 7, 16), "not loaded here", "partly consistent"),
                                      ("apprenticeships_up", date(2026, 7, 16), before, after)]
    import csv      # the England totals, read independently from the file
    with open(REALDATA / "dfe" / "national-totals.csv", newline="") as f:
        starts = {row["time_period"]: int(row["start_count"]) for row in csv.DictReader(f)}
    assert f"(2024/25: {starts['202425']:,} against {starts['202324']:,})" in moves[1][4]


def test_a_claims_measures_say_what_its_verdict_says_of_figures_overdue(everything):
    """Each measure of a claim (part_verdicts) is judged as known on the date, as the claim is: convictions for 2022
    were due from the MoJ by 31 May 2023 (figures out about five months after the year), so on 4 Dec 2026 neither
    measure is "not yet published" while the claim is "not loaded here" (audit 7). A claim checked on one measure
    labels it with no internal id ("returns_total")."""
    con = duckdb.connect(str(everything), read_only=True)
    try:
        def parts(day: date, claim: str) -> tuple:
            verdict, measures = con.execute("SELECT verdict, part_verdicts FROM marts.claim_checks_as_of(?) "
                                            "WHERE claim_id = ?", [day, claim]).fetchone()
            return verdict, [(m["part"], m["verdict"]) for m in measures]
        verdict, measures = parts(date.today(), "smuggling_convictions")
        assert verdict == "not loaded here" and len(measures) == 2
        # from 2010: overdue; from the year ending June 2019: not measurable from calendar years (audit 10)
        assert measures == [("from 2010", "not loaded here"), ("from the year ending June 2019", "not measurable")]
        # the official quarters to Dec 2024 behind the returns claim (made 14 Feb 2025) are due by the end of February
        assert parts(date(2025, 2, 27), "enforced_returns_up_24")[1] == [(None, "not yet published")]
        assert parts(date(2025, 2, 28), "enforced_returns_up_24")[1] == [(None, "not loaded here")]
        for claim in ("returns_seven_months", "charter_flights"):
            verdict, measures = parts(date.today(), claim)
            assert verdict == "not loaded here" and measures == [(None, "not loaded here")], (claim, measures)
        today = con.execute("SELECT claim_id, verdict, part_verdicts FROM marts.claim_checks").fetchall()
        for claim, verdict, measures in today:
            if verdict == "not loaded here":
                assert {m["verdict"] for m in measures} <= {"not loaded here", "not measurable"}, (claim, measures)
    finally:
        con.close()


def test_daily_rates_are_given_only_for_claims_of_a_total(everything):
    """official_rate and claimed_rate are a total's figures per day, for a claimed total set against official
    quarters; for a count of flights or a direction over academic years they mean nothing (audit 8: charter flights'
    claimed_rate 0.019, four flights over 211 days; apprenticeships' 927.8 starts a day)."""
    import tomllib
    entries = {e["id"]: e for e in tomllib.loads((REPO / "warehouse" / "pledges.toml").read_text())["entry"]}
    con = duckdb.connect(str(everything), read_only=True)
    try:
        rows = con.execute("SELECT claim_id, official_rate, claimed_rate FROM marts.claim_checks").fetchall()
    finally:
        con.close()
    totals = {claim for claim, *_ in rows if entries[claim].get("check") == "total"}
    assert totals == {"returns_seven_months"}
    claimed = entries["returns_seven_months"]
    days = (claimed["claim_end"] - claimed["claim_start"]).days + 1
    for claim, official_rate, claimed_rate in rows:
        if claim in totals:
            assert claimed_rate == pytest.approx(claimed["claimed_value"] / days)
        else:
            assert (official_rate, claimed_rate) == (None, None), claim


def test_a_table_no_real_file_has_shown_is_not_marked_confirmed(everything):
    """The real Immigration Enforcement workbook (Q3 2023) holds CP_02, CP_03 and FD_01 but no illegal working
    visits/arrests table: those two metrics, built from a description, stay unconfirmed (audit 9: TRUE, from the
    source's flag) while the workbook's own tables are confirmed by the catalog."""
    import openpyxl
    book = openpyxl.load_workbook(REALDATA / "enforcement" / "IE__Q3_2023_Background_Published.xlsx", read_only=True)
    titles = [str(ws["A1"].value or "") for ws in book.worksheets]
    assert not any("illegal working" in t.lower() and ("visits" in t.lower() or "arrests" in t.lower()) for t in titles)
    con = duckdb.connect(str(everything), read_only=True)
    try:
        rows = dict((m, (c, by)) for m, c, by in con.execute(
            "SELECT metric_id, layout_confirmed, layout_confirmed_by FROM marts.metrics WHERE source_id = 'ie_transparency'"
        ).fetchall())
        held = con.execute("SELECT count(*) FROM marts.metric_observations WHERE metric_id LIKE 'illegal_working_visits' "
                           "OR metric_id = 'illegal_working_arrests'").fetchone()[0]
    finally:
        con.close()
    assert held == 0
    assert rows["illegal_working_visits"] == rows["illegal_working_arrests"] == (False, None)
    assert rows["illegal_working_penalties"] == (True, None)


def test_an_overdue_ministers_note_is_not_loaded_here_not_unpublished(everything):
    """No Home Office note is among the real files. The four claims quoting one cover 5 Jul 2024 to 31 Jan 2025; the
    notes' usual lag (the adhoc_notes catalog entry) would make one due by the end of February 2025, but a claim that
    quotes a note's figures was made after the note was out (the Home Office published it on 10 Feb 2025,
    ../shared/EVIDENCE.md): from the day the claims were made (14 Feb 2025) the note and the headline verdict are
    not loaded here, never "not yet published". Before, both said "not yet published ... not due until 28 Feb 2025"."""
    import tomllib
    lag = tomllib.loads((REPO / "flows" / "sources" / "adhoc_notes" / "source.toml").read_text())["ho_returns_notes"]["publication_lag_months"]
    usual_due = date(2025, 2 + lag, 1) - timedelta(days=1)      # the end of the month `lag` months after January
    said = date(2025, 2, 14)
    assert usual_due > said      # the case this test is about: the usual lag alone would call the note unpublished
    con = duckdb.connect(str(everything), read_only=True)
    try:
        def checks(day: date) -> dict:
            return {r[0]: r[1:] for r in con.execute(
                "SELECT claim_id, note_verdict, verdict, explanation FROM marts.claim_checks_as_of(?) "
                "WHERE note_verdict IS NOT NULL", [day]).fetchall()}
        claims = {"enforced_returns_up_24", "fno_returns_up_21", "illegal_working_up_38", "returns_seven_months"}
        for day in (said, usual_due - timedelta(days=1)):
            found = checks(day)
            assert set(found) == claims
            for claim, (note, verdict, explanation) in found.items():
                assert (note, verdict) == ("not loaded here", "not loaded here"), (claim, day)
                assert "The Home Office ad-hoc note whose figures the claim repeats was out by 14 Feb 2025, the day the claim " \
                       "was made: published, but not loaded here; get it from https://www.gov.uk/" in explanation, (claim, explanation)
                # named by the last whole quarter within the claimed days (5 Jul 2024 to 31 Jan 2025): its figures
                # are the ones due; "official figures covering the claim" named no period, and "covering the claim"
                # said figures to 31 Dec covered days to 31 Jan (audit 12): they cover 180 of its 211 days
                covered, claimed = (date(2024, 12, 31) - date(2024, 7, 5)).days + 1, (date(2025, 1, 31) - date(2024, 7, 5)).days + 1
                assert (covered, claimed) == (180, 211)
                assert (f"Figures to 31 Dec 2024, covering {covered} of the claim's {claimed} days (5 Jul 2024 to 31 Dec 2024), "
                        "are not due until 28 Feb 2025.") in explanation
        today = dict(con.execute("SELECT claim_id, note_verdict FROM marts.claim_checks WHERE note_verdict IS NOT NULL").fetchall())
        assert today == dict.fromkeys(claims, "not loaded here")
        # charter flights are read from the note alone: due, and not loaded, from the day the claim was made
        # and said to be the note: "Official figures covering the claim were due by 14 Feb 2025" read as statistics
        verdict, due_on, explanation = con.execute("SELECT verdict, due_on, explanation FROM marts.claim_checks_as_of(?) "
                                                   "WHERE claim_id = 'charter_flights'", [said]).fetchone()
        assert (verdict, due_on) == ("not loaded here", said)
        assert ("The Home Office ad-hoc note with figures for the claimed days was out by 14 Feb 2025, the day the claim was "
                "made: published, but not loaded here; get it from https://www.gov.uk/") in explanation, explanation
        assert "official figures" not in explanation.lower(), explanation   # it named the note's count "official figures"
        assert explanation.startswith("No Home Office ad-hoc note loaded gives charter flights for 5 Jul 2024 to 31 Jan 2025.")
        # the verdict when it was made says the same of the note: it called the note "the official figures" (audit 22 D13)
        [(made,)] = con.execute("SELECT when_made_explanation FROM marts.claim_checks WHERE claim_id = 'charter_flights'"
                                ).fetchall()
        assert made == ("No Home Office ad-hoc note loaded here that was published by 14 Feb 2025 gives charter flights for "
                        "5 Jul 2024 to 31 Jan 2025, though the Home Office's ad-hoc note with these figures was published by "
                        "14 Feb 2025."), made
        # a claim checked on two measures names its first part's note metric, as metric_id names its first measure
        assert con.execute("SELECT metric_id, note_metric FROM marts.claim_checks WHERE claim_id = 'illegal_working_up_38'"
                           ).fetchone() == ("illegal_working_arrests", "adhoc_illegal_working_arrests")
    finally:
        con.close()


def test_a_local_files_landing_page_is_the_publishers_page_in_full(everything):
    """marts.releases.landing_page ('the publisher's page listing the file') of a file loaded with `pledges load` is a
    whole address a reader can open, as for a download; before, a bare path ('/government/collections/...') and, for
    DfE, the API's path."""
    import tomllib
    pages = {}
    for toml in (REPO / "flows" / "sources").glob("*/source.toml"):
        for source_id, entry in tomllib.loads(toml.read_text()).items():
            if isinstance(entry, dict) and "landing_page" in entry:
                pages[source_id] = entry["landing_page"]
    con = duckdb.connect(str(everything), read_only=True)
    try:
        rows = con.execute("SELECT DISTINCT source_id, landing_page FROM marts.releases WHERE status = 'loaded'").fetchall()
    finally:
        con.close()
    assert {source for source, _ in rows} >= {"small_boats", "ie_transparency", "dfe_apprenticeships"}
    for source, page in rows:
        assert page.startswith("https://"), (source, page)
        if source == "dfe_apprenticeships":    # the data set's page on explore education statistics, not the API path
            assert page == ("https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/"
                            + pages[source].rstrip("/").rsplit("/", 1)[-1])
        else:
            assert page == "https://www.gov.uk" + pages[source], (source, page)



def test_a_release_is_loaded_after_it_was_fetched(tmp_path, monkeypatch):
    """loaded_at was cut to whole seconds while fetched_at kept its microseconds: a file seen at 12:00:00.9 and loaded
    at 12:00:00.95 was 'loaded' at 12:00:00, before it was fetched (10 of the 15 real files, in a tester's load). The
    clock is set here so both fall in one second, as they mostly do."""
    import datetime as real
    import flows.ingest
    import flows.local_files

    class Clock(real.datetime):
        ticks = iter(real.datetime(2026, 1, 23, 12, 0, 0, 900_000) + real.timedelta(microseconds=10 * i) for i in range(10_000))

        @classmethod
        def now(cls, tz=None):
            return next(cls.ticks)
    monkeypatch.setattr(flows.local_files, "datetime", Clock)
    monkeypatch.setattr(flows.ingest, "datetime", Clock)
    path = tmp_path / "wh" / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(path), str(FOLDER / "23_January_2026_Small_boats_-_time_series.ods")]) == 0
    con = duckdb.connect(str(path), read_only=True)
    try:
        [(fetched, loaded)] = con.execute("SELECT fetched_at, loaded_at FROM meta.releases WHERE status = 'loaded'").fetchall()
    finally:
        con.close()
    assert fetched.second == loaded.second == 0 and loaded > fetched, (fetched, loaded)


def test_a_status_that_newer_published_figures_may_have_overtaken_says_so(warehouse):
    """The latest real weekly file's last day is 22 Jan 2026; the next weekly file (a week later) was due by 30 Jan.
    From then on the small-boats status, still resting on the 12 months to Dec 2025, says that newer figures were due
    and are not loaded here (newer_figures_due_on and the explanation); before, it read as current for ever."""
    last_day = daily_sheet().dropna().index.max().date()          # independently, from the file
    due = last_day + timedelta(days=8)                             # the next day's figure, in the next weekly file
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        def status(day: date) -> tuple:
            return con.execute("SELECT status, newer_figures_due_on, explanation FROM marts.pledge_status_as_of(?) "
                               "WHERE pledge_id = 'small_boats'", [day]).fetchone()
        state, newer, explanation = status(due - timedelta(days=1))
        assert newer is None and "were due by" not in explanation
        for day in (due, date.today()):
            state, newer, explanation = status(day)
            assert state == "off track" and newer == due
            # named by the series' last day, not by the next day's date: "next figures (23 Jan 2026)" read as the
            # weekly file of 23 Jan 2026, which is loaded
            assert (f"The series' figures after its last day ({last_day.day} {last_day:%b %Y}) were due by "
                    f"{due.day} {due:%b %Y} (Home Office): published, but not loaded here, so this status may be "
                    "out of date") in explanation
            assert "next figures (" not in explanation
    finally:
        con.close()


def test_statements_are_cited_as_readers_know_them_not_by_register_keys(everything, capsys):
    """`status --explain` and the report cite statement A and B by letter, the column's unsigned opening paragraphs as
    "statement A, introduction", and words reported outside the two statements by their title alone: never the
    register's keys ("statement hotels_commitment", "statement A_intro"), which readers were shown."""
    assert cli.main(["status", "--warehouse", str(everything), "--explain"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "statement hotels_commitment" not in out and "statement A_intro" not in out
    assert "(statement A, introduction), 14 Feb 2025" in out and "(statement A), 14 Feb 2025" in out
    assert "(statement B), 14 Sep 2023" in out and "(then the opposition) (statement B)" not in out
    # evidence dated as people write it, as precisely as the register dates it (france_germany's is a month)
    assert "Evidence (Dec 2024, " in out and not re.search(r"Evidence \(20\d\d-", out)
    assert "Spending Review statement to the House of Commons (outside the two statements), 11 Jun 2025" in out
    from flows.report import write_report
    html = write_report(everything, everything.parent / "report.html").read_text()
    assert "statement hotels_commitment" not in html and "statement A_intro" not in html
    assert "(statement A, introduction)" in html
    assert ", Dec 2024: " in html and not re.search(r"</a>, 20\d\d-", html)
    # and the Prefect run's status artifact, in the order of marts.pledge_status
    from flows import readmodel
    from flows.pipeline import _artifact_cells
    overview = readmodel.status_overview(everything)
    con = duckdb.connect(str(everything), read_only=True)
    order = [r[0] for r in con.execute("SELECT pledge_id FROM marts.pledge_status").fetchall()]
    con.close()
    assert [p["pledge_id"] for p in overview["pledges"]] == order
    quotes = {p["pledge_id"]: _artifact_cells(p)[3] for p in overview["pledges"]}
    assert quotes["asylum_hotels"].endswith("” (Spending Review statement to the House of Commons (outside the two "
                                            "statements), 11 Jun 2025)")
    assert quotes["smuggler_profits_six_years"].endswith("” (statement A, introduction, 14 Feb 2025)")
    assert quotes["small_boats"].endswith("” (statement B, 14 Sep 2023)")


def test_readers_of_a_warehouse_published_before_a_register_column_still_answer(everything, tmp_path, capsys):
    """A warehouse published by the previous version has no marts.pledges.statement_cited_as until its next load
    rebuilds the derived tables: `pledges status`, the report and the run's artifact used to fail on it with a
    binder error. They answer, citing statements by their key as before."""
    import shutil
    old = tmp_path / "old.duckdb"
    shutil.copy(everything, old)
    con = duckdb.connect(str(old))
    con.execute("ALTER TABLE marts.pledges DROP COLUMN statement_cited_as")
    con.close()
    assert cli.main(["status", "--warehouse", str(old), "--explain"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "(statement B), 14 Sep 2023" in out
    from flows import readmodel
    from flows.report import write_report
    assert "(statement B)" in write_report(old, tmp_path / "report.html").read_text()
    assert len(readmodel.status_overview(old)["pledges"]) == len(REGISTER_IDS)


def test_a_base_no_release_can_give_is_said_to_be_not_measurable_before_any_figure_is_loaded(everything):
    """The convictions claim is checked from 2010 and from the year ending June 2019, a base the MoJ's calendar years
    cannot give. With no MoJ file loaded, its explanation said only that the 2022 figures were not loaded, so a reader
    took loading the file to settle both bases (audit 24 F2). It says the second base is not measurable, and why."""
    con = duckdb.connect(str(everything), read_only=True)
    explanation, made, parts = con.execute("SELECT explanation, when_made_explanation, part_verdicts FROM marts.claim_checks "
                                           "WHERE claim_id = 'smuggling_convictions'").fetchone()
    con.close()
    assert [p["verdict"] for p in parts] == ["not loaded here", "not measurable"]
    off_grid = ("From the year ending June 2019: not measurable: Ministry of Justice publishes calendar years, which "
                "cannot give the base period (1 Jul 2018 to 30 Jun 2019).")
    assert off_grid in explanation and off_grid in made, (explanation, made)
    assert explanation.startswith("No official figures for convictions for immigration facilitation (people smuggling) "
                                  "offences are loaded for 1 Jan 2022 to 31 Dec 2022. " + off_grid), explanation


def test_a_multi_measure_change_line_gives_each_measure_its_own_periods(everything):
    """The change line of a claim checked on several measures put every measure under the first one's periods
    ("YE Dec 2023: 700,000 people net migration, …; 1,300,000 people immigration, …", the second figure being YE Jun
    2024's; audit 26 F2). Each measure is given with its own periods and its verdict as known that day, and a measure
    with no figure with its verdict alone."""
    con = duckdb.connect(str(everything), read_only=True)
    parts = [{"part": "net migration", "metric_id": "net_migration", "verdict": "consistent", "official_measure": 700_000.0,
              "official_periods": "YE Dec 2023", "due_on": None},
             {"part": "immigration", "metric_id": "immigration", "verdict": "overstated", "official_measure": 1_300_000.0,
              "official_periods": "YE Jun 2024", "due_on": None},
             {"part": "from the year ending June 2019", "metric_id": "x", "verdict": "not yet published",
              "official_measure": None, "official_periods": None, "due_on": date(2025, 1, 31)}]
    [(words,)] = con.execute("SELECT staging.parts_words('people', ?, DATE '2025-02-14')", [parts]).fetchall()
    con.close()
    assert words == ("Net migration: 700,000 people for YE Dec 2023, consistent; immigration: 1,300,000 people for "
                     "YE Jun 2024, overstated; from the year ending June 2019: not loaded here"), words


def test_measures_and_day_counts_within_sentences_read_as_prose(everything):
    """Explanations said "covering 1662 of the claim's 1666 days", the only figures without a thousands separator,
    and named measures with a capital mid-sentence ("no official figures for Net migration to the UK are loaded",
    "gives charter flights for") (audit 22 D12, audit 24 F9). Day counts are worked out here from the claimed days."""
    con = duckdb.connect(str(everything), read_only=True)
    texts = dict(con.execute("SELECT claim_id, explanation FROM marts.claim_checks "
                             "WHERE claim_id IN ('legal_migration_record', 'charter_flights')").fetchall())
    status = con.execute("SELECT explanation FROM marts.pledge_status WHERE pledge_id = 'net_migration_down'").fetchone()[0]
    con.close()
    covered = (date(2024, 6, 30) - date(2019, 12, 13)).days + 1
    claimed = (date(2024, 7, 4) - date(2019, 12, 13)).days + 1
    assert f"covering {covered:,} of the claim's {claimed:,} days (13 Dec 2019 to 30 Jun 2024)" in texts["legal_migration_record"]
    assert "Net migration: no official figures for net migration to the UK are loaded. Immigration: no official " \
           "figures for long-term immigration to the UK are loaded." in texts["legal_migration_record"]
    assert texts["charter_flights"].startswith("No Home Office ad-hoc note loaded gives charter flights for 5 Jul 2024")
    assert status.startswith("No Office for National Statistics figures for net migration to the UK are loaded."), status


def test_the_home_office_notes_are_never_called_the_ministers(everything):
    """The claims quoting the Home Office's ad-hoc notes on returns (transparency data its officials publish between the
    quarterly statistics) called them "the ministers' note", undefined and a misdescription that reads as a political
    document (audit 24 F8). Every reader's text names them as the Home Office's ad-hoc notes."""
    con = duckdb.connect(str(everything), read_only=True)
    texts = [t for row in con.execute(
        "SELECT explanation, when_made_explanation, verdict_source, method FROM marts.claim_checks UNION ALL "
        "SELECT explanation, NULL, NULL, method FROM marts.pledge_status").fetchall() for t in row if t]
    con.close()
    assert not [t for t in texts if "minister" in t.lower() and "note" in t.lower() and "ministers' definition" not in t]
    assert sum("Home Office ad-hoc note" in t or "Home Office's ad-hoc note" in t for t in texts) >= 5


def test_a_pledge_whose_own_series_is_not_loaded_names_the_series_beside_it_that_is(everything, capsys):
    """With the official quarterly small-boat statistics (Irr_D01) loaded and no weekly file yet (as of 20 Feb 2025),
    small_boats said only "No Home Office figures for Migrants detected arriving by small boat are loaded", as if
    no Home Office small-boat figure were (audit 15). It names the series loaded beside it and how far it goes; the
    last quarter is read here from the workbook itself."""
    irr = next((REALDATA / "irregular").glob("*.xlsx"))
    frame = pd.read_excel(irr, sheet_name="Data - Irr_D01", engine="calamine", header=1)
    year, quarter = max(tuple(int(x) for x in q.split(" Q"))
                        for q in frame.loc[frame["Method of entry"] == "Small boat arrivals", "Quarter"])
    last_day = pd.Timestamp(year, quarter * 3, 1) + pd.offsets.MonthEnd(0)
    con = duckdb.connect(str(everything), read_only=True)
    row = con.execute("SELECT status, explanation FROM marts.pledge_status_as_of(DATE '2025-02-20') "
                      "WHERE pledge_id = 'small_boats'").fetchone()
    con.close()
    assert row[0] == "not loaded here"
    assert (f"Loaded beside it: Small boat arrivals, per quarter (official statistics), to "
            f"{last_day.day} {last_day:%b %Y}. ") in row[1], row[1]



def test_a_pledge_with_only_its_provisional_page_loaded_names_the_page_beside_it(tmp_path):
    """The irregular-migration workbook and the "last 7 days" page loaded, no weekly file: small boats named the
    official quarters beside it but not the page's provisional days, though they were loaded (audit 17). The page's
    last day is read here from the saved page itself."""
    warehouse = tmp_path / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(warehouse), str(REALDATA / "irregular"), str(REALDATA / "pages")]) == 0
    page = (REALDATA / "pages" / "govuk_small_boats_daily_page_2026-08-21.html").read_text()
    last = max(pd.to_datetime(re.findall(r'<th scope="row">([^<]+)</th>', page), format="%d %B %Y"))
    con = duckdb.connect(str(warehouse), read_only=True)
    (text,) = con.execute("SELECT explanation FROM marts.pledge_status WHERE pledge_id = 'small_boats'").fetchone()
    con.close()
    assert "Loaded beside it: Small boat arrivals, per quarter (official statistics), to 30 Sep 2023; " in text, text
    assert f"(provisional: the last-7-days page), to {last.day} {last:%b %Y}." in text, text


def test_figures_missing_for_a_claim_set_against_a_base_cover_the_period_compared(everything):
    """legal_migration_trebled sets calendar 2023 against 2019 ("the last four years"): the ONS figures it waits for
    were said to be "covering the claim", as if 2023 were all it claimed (audit 15). They cover the period compared;
    whether the series gives each base is its measures' say, not this sentence's (audit 17: "covering every period
    compared" for smuggling convictions, whose year ending June 2019 base calendar years cannot give)."""
    con = duckdb.connect(str(everything), read_only=True)
    texts = dict(con.execute("SELECT claim_id, explanation FROM marts.claim_checks "
                             "WHERE claim_id IN ('legal_migration_trebled', 'smuggling_convictions')").fetchall())
    con.close()
    assert "Figures to 31 Dec 2023, covering the period compared, were due by 31 May 2024" in texts["legal_migration_trebled"]
    assert "Figures to 31 Dec 2022, covering the period compared, were due by 31 May 2023" in texts["smuggling_convictions"]
    assert not any("covering the claim" in t or "every period" in t for t in texts.values()), texts


def test_each_published_table_is_public_as_published_and_as_latest(everything, tmp_path):
    """The brief's "tidy observation tables per source, keyed by the release they came from, with the latest version
    as a view": an analyst wanting small-boat arrivals by nationality, or a day as first published, had only the
    internal raw schema (audit 16). tidy.<table> holds every loaded release's rows, tidy.<table>_latest the newest
    release's; both are checked here against independent reads of the published sheets."""
    con = duckdb.connect(str(everything), read_only=True)
    latest = dict(con.execute("SELECT date, migrants_arrived FROM tidy.small_boats_daily_latest").fetchall())
    sheet = daily_sheet().dropna()
    assert {pd.Timestamp(d): v for d, v in latest.items() if v is not None} == sheet.astype(int).to_dict()
    # as first published: the oldest release's rows, as its own file has them
    first = FOLDER / "14_November_2025_Small_boats_-_time_series.ods"
    (first_id,) = con.execute("SELECT release_id FROM tidy.small_boats_daily ORDER BY published_on LIMIT 1").fetchone()
    then = dict(con.execute("SELECT date, migrants_arrived FROM tidy.small_boats_daily WHERE release_id = ?",
                            [first_id]).fetchall())
    assert {pd.Timestamp(d): v for d, v in then.items() if v is not None} == daily_sheet_of(first).dropna().astype(int).to_dict()
    assert con.execute("SELECT count(DISTINCT release_id) FROM tidy.small_boats_daily").fetchone() == (10,)
    # a breakdown only the published table has: small-boat arrivals by nationality, latest edition of Irr_D01
    irr = next((REALDATA / "irregular").glob("*.xlsx"))
    frame = pd.read_excel(irr, sheet_name="Data - Irr_D01", engine="calamine", header=1)
    boats = frame[frame["Method of entry"] == "Small boat arrivals"].groupby("Nationality")["Number of detections"].sum()
    by_nationality = dict(con.execute("SELECT nationality, sum(detections) FROM tidy.irregular_detections_latest "
                                      "WHERE method_of_entry = 'Small boat arrivals' GROUP BY ALL").fetchall())
    assert by_nationality == {k: int(v) for k, v in boats.items()}
    described = dict(con.execute("SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'tidy'").fetchall())
    assert described["irregular_detections"].startswith("Irr_D01 / IER_D01: detected irregular")
    # no source named that never published the table (audit 17: CP_03 credited to UKVI's transparency data too);
    # each row says which source published it
    assert "UK Visas" not in described["right_to_rent_penalties"]
    assert con.execute("SELECT DISTINCT source_id FROM tidy.right_to_rent_penalties").fetchall() == [("ie_transparency",)]
    assert all(described.values()) and len(described) % 2 == 0
    con.close()
    out = tmp_path / "dictionary.md"
    assert cli.main(["docs", "--warehouse", str(everything), "--out", str(out)]) == 0
    assert "| tidy.irregular_detections (and tidy.irregular_detections_latest) | Irr_D01" in out.read_text()


def test_the_first_status_on_figures_loaded_here_is_not_told_as_a_move(everything):
    """The first weekly file loaded (14 Nov 2025) gave small boats its first status here: the change list and the
    feed said "not loaded here → off track" on 14 Nov 2025, which a reader dates as the day it went off track, though
    the 12 months to Jun 2025 were already up on the year before in files published months earlier (audit 22). It is
    told as the first status on figures loaded here, that may have held before. The figures in the line are read
    from the first file independently (pandas with calamine, not the loader's parser)."""
    daily = daily_sheet_of(FOLDER / "14_November_2025_Small_boats_-_time_series.ods")
    now = int(daily[pd.Timestamp(2024, 11, 1):pd.Timestamp(2025, 10, 31)].sum())
    before = int(daily[pd.Timestamp(2023, 11, 1):pd.Timestamp(2024, 10, 31)].sum())
    con = duckdb.connect(str(everything), read_only=True)
    [(changed_on, old, summary)] = con.execute(
        "SELECT changed_on, old_value, summary FROM marts.changes WHERE subject = 'small_boats' AND kind = 'status' "
        "AND old_value = 'not loaded here'").fetchall()
    con.close()
    assert (changed_on, old) == (date(2025, 11, 14), "not loaded here")
    assert "→" not in summary
    assert summary.startswith("Small boat crossings: smashing the gangs: off track on this tracker's yardstick, the first "
                              "status on figures loaded here; earlier releases are not loaded here, so it may have "
                              "held before (12 months to Oct 2025: "), summary
    assert f"{now:,} against {before:,} for 12 months to Oct 2024" in summary, summary


def test_a_yardstick_status_is_told_as_one_in_the_change_list(everything):
    """The cards and explanations say small boats is off track on this tracker's yardstick, not against a promise
    (row 229); the change list and the feed said "not loaded here → off track" without it (audit 17)."""
    con = duckdb.connect(str(everything), read_only=True)
    moves = con.execute("SELECT summary FROM marts.changes WHERE subject = 'small_boats' AND kind = 'status'").fetchall()
    promised = con.execute("SELECT summary FROM marts.changes WHERE kind = 'status' AND subject IN "
                           "(SELECT pledge_id FROM marts.pledges WHERE direction_from = 'promised')").fetchall()
    con.close()
    assert moves and all(" off track on this tracker's yardstick" in s or " on track on this tracker's yardstick" in s
                         for (s,) in moves), moves
    assert promised and not any("yardstick" in s for (s,) in promised), promised
