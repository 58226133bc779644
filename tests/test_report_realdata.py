"""The HTML report of every real published file in ../shared/realdata (flows/report.py): its cards, charts, changes
and sources checked against independent reads (pandas over the published sheets, SQL over the warehouse), then the
page in headless Chromium at 1280 and 390 px wide."""
from __future__ import annotations

import re

import base64
import shutil
from datetime import date, datetime, timezone
from html import escape, unescape
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from flows.feed import FEED_NAME
from flows.report import EARLIER_DATES, read_report_data, render, write_report
from tests.chromium import OVERFLOW_JS, DevTools, start_chromium, stop_chromium
from tests.conftest import REALDATA
from tests.report_pages import OFFICIAL_HOSTS, ReportParser, charts_of, check_report, expected, load, parse, query


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory) -> Path:
    """Every real published file of ../shared/realdata, as `pledges load ../shared/realdata` loads them."""
    if not (REALDATA / "small_boats").is_dir():
        pytest.skip(f"real published files not present at {REALDATA} (the ../shared/realdata tier runs in CI)")
    return load(tmp_path_factory.mktemp("report-real") / "pledges.duckdb", REALDATA)


def sb01(name: str) -> pd.Series:
    """Daily arrivals as the published sheet has them (SB_01), read independently of the pipeline."""
    daily = pd.read_excel(REALDATA / "small_boats" / name, sheet_name="SB_01", engine="calamine", na_values=["-"])
    return daily.set_index(pd.to_datetime(daily["Date"]))["Migrants arrived"].dropna()


def test_report_from_real_published_files(real_warehouse, tmp_path):
    out = tmp_path / "report.html"
    page, want = check_report(real_warehouse, out)
    check_every_card_in_words(real_warehouse, out.read_text())
    daily = sb01("23_January_2026_Small_boats_-_time_series.ods")     # the newest of the ten files
    check_small_boats_charts(real_warehouse, page, daily, out.read_text())
    check_history_before_tracking(real_warehouse, page, want)
    check_what_changed(real_warehouse, page)
    check_sources_on_25_january_2026(real_warehouse)


def date_in_words(iso: str) -> str:
    """The register's evidence date (2025-02-10, 2024-12 or 2025) as a reader is told it: 10 Feb 2025, Dec 2024, 2025."""
    year, *rest = iso.split("-")
    month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][int(rest[0]) - 1] if rest else ""
    return " ".join(part for part in (str(int(rest[1])) if len(rest) == 2 else "", month, year) if part)


def check_every_card_in_words(warehouse: Path, html: str) -> None:
    entries = query(warehouse, "SELECT pledge_id, title, quote, statement_title, said_on, method, evidence, status "
                               "FROM marts.pledge_status")
    assert len(entries) == 32
    for pledge_id, title, quote, statement_title, said_on, method, evidence, status in entries:
        card = html[html.index(f'id="card-{pledge_id}"'):]
        card = card[:card.index("</section>")]
        assert escape(title) in card and f"“{escape(quote)}”" in card, pledge_id
        assert escape(statement_title) in card and f"{said_on.day} {said_on:%b %Y}" in card, pledge_id
        assert f"<b>Method:</b> {escape(method)}" in card and f'data-status="{escape(status)}"' in card, pledge_id
        for item in evidence or []:      # qualitative rows: dated evidence, linked where it has an address
            assert escape(item["summary"]) in card and f", {date_in_words(item['date'])}: " in card, pledge_id
            assert not item["url"] or f'href="{escape(item["url"])}">{escape(item["publisher"])}</a>' in card, pledge_id
            assert not item["read_at"] or f'(read at <a href="{escape(item["read_at"])}">a copy</a>)' in card, pledge_id
    # the claim checks table explains a claim checked by hand by its dated evidence (read from the register
    # file), as its card does, not by the method alone
    import tomllib
    from warehouse.register import REGISTER_FILE
    rwanda = next(e for e in tomllib.loads(REGISTER_FILE.read_text())["entry"] if e["id"] == "rwanda_cost")
    row = html[html.index('<tr data-claim-id="rwanda_cost">'):]
    row = row[:row.index("</tr>")]
    assert f'Verdict &quot;{rwanda["status"]}&quot; since' in row or f'Verdict "{rwanda["status"]}" since' in row
    assert all(escape(item["summary"]) in row for item in rwanda["evidence"]) and len(rwanda["evidence"]) == 3
    # a card without a chart says which figures are missing in words, never by metric id
    missing = re.findall(r'<p class="nochart">No chart: no official figures for (.*?) are loaded yet', html)
    assert "returns from the UK (enforced + voluntary)" in missing and "net migration to the UK or long-term immigration to the UK" in missing
    assert not [m for m in missing if re.search(r"[a-z]_[a-z]", m)], missing
    # how each statement's date is known, in words (the register's date_basis): inferred, or what dates it
    hotels = html[html.index('id="card-asylum_hotels"'):]
    assert "11 Jun 2025; dated by her Spending Review statement in the Commons on 11 June 2025" in hotels[:hotels.index("</section>")]
    assert "words as reported, not from the two source statements" in hotels[:hotels.index("</section>")]
    # who said the words stands right under them: an extract of another statement (another speaker) comes after,
    # as "Also"; it used to stand between the quote and the attribution, so her words read as Labour's in 2023
    for card_id, quote, speaker, also in (("small_boats", "smashing the smuggler gangs", "Labour (then the opposition), in a column by an unnamed author",
                                           "gangs left in control along the Channel"),
                                          ("asylum_backlog", "restore order to the system",
                                           "The column&#x27;s unsigned introduction", "the asylum system broken")):
        card = html[html.index(f'id="card-{card_id}"'):]
        card = card[:card.index("</section>")]
        assert card.index(quote) < card.index(speaker) < card.index(f"Also: “{also}”"), card_id
        # and the extract says who said it and when: her words, not the card's speaker's (audit 7: "(statement A)")
        assert f"Also: “{also}” <span class=\"meta\">— Yvette Cooper MP, Home Secretary, Newspaper column by the Home Secretary " \
               "(statement A), 14 Feb 2025; date inferred: the week of the Commons second reading of the Border " \
               "Security, Asylum and Immigration Bill (10 February 2025)</span>" \
            in card, card_id
    # a status dated by evidence of a month reads "Dec 2024" on the card, as in the explanation, not its last day;
    # and it holds from the day the pledge was made (statement A, 14 Feb 2025), never before (audit 15)
    card = html[html.index('id="card-france_germany"'):]
    card = card[:card.index("</section>")]
    assert "in progress since 14 Feb 2025, when it was said, on evidence dated Dec 2024 (set" in card
    assert "2024-12-31" not in card
    # a direction the words do not promise is not shown as promised (audit 15: "Promised down" for small boats,
    # whose method says neither statement promises a number or a fall); the status says whose yardstick it is
    cards = {pid: html[html.index(f'id="card-{pid}"'):] for pid in ("small_boats", "employer_penalties", "net_migration_down")}
    cards = {pid: unescape(text[:text.index("</section>")]) for pid, text in cards.items()}
    assert "Promised" not in cards["small_boats"]
    assert "down: this tracker's yardstick; the words promise no figure or direction" in cards["small_boats"]
    assert "Off track on this tracker's yardstick (a fall): the words promise no figure" in cards["small_boats"]
    assert "Promised" not in cards["employer_penalties"] and "a proxy for what the words promise" in cards["employer_penalties"]
    assert "Promised" in cards["net_migration_down"]
    # a claim set against two bases: the period compared and both bases, not "all 366 claimed days" of a claim
    # about four years, and both bases shaded on its chart (audit 15)
    card = unescape(html[html.index('id="card-apprenticeships_cut"'):])
    card = card[:card.index("</section>")]
    assert "<dt>Periods used</dt><dd>2023/24, set against 2019/20 and 2018/19</dd>" in card
    assert "claimed days" not in card
    assert ("shaded: the period compared with the bases, 1 Aug 2023 to 31 Jul 2024" in card
            and "shaded with a dashed edge: the base periods, 1 Aug 2019 to 31 Jul 2020 and 1 Aug 2018 to 31 Jul 2019" in card)
    assert card.count('data-kind="comparison"') == 2
    # a quarter still in progress is shown, not graded; sources with no release are named by title; the backlog
    # card draws the loaded ASY_02 cases beside its own (unloaded) series (row 169)
    # no change for a period not graded, as the text gives none on 22 days (audit 14: "(-15.0%)" in the tooltip)
    assert "2026 Q1: 933 people; baseline 1 Jan 2025 to 22 Jan 2025: 1,098; in progress, data to 22 Jan 2026: not graded yet" in html
    assert "(-15.0%)" not in html
    missing_sources = html[html.index("No release loaded yet from: "):]
    missing_sources = missing_sources[:missing_sources.index("</p>")]
    assert "ons_ltim" not in missing_sources and "ONS long-term international migration" in missing_sources
    (backlog_related,) = charts_of(parse(html), "asylum_backlog", "related")
    assert backlog_related["metric-id"] == "asylum_work_in_progress_initial"
    # dates in the cards' prose as the explanations write them, never ISO beside them (row 171)
    assert "(set 3 Dec 2026 from the evidence)" in html and "set 2026-12-03" not in html
    # an entry with no evidence (smuggler_profits_six_years: not measurable) is not said to be set from any (audit 7)
    card = html.split('id="card-smuggler_profits_six_years"')[1].split('id="card-')[0]
    assert "(set by hand on 3 Dec 2026)" in card and "from the evidence" not in card and "Evidence</b>" not in card
    assert "published 23 Jan 2026" in html and not re.search(r"(published|set) \d{4}-\d\d-\d\d", html)
    # the fold of earlier changes says how many dates it holds, and how many only the feed has (audit 9: "17 more
    # dates" over 8 shown)
    dates = len({d for (d,) in query(warehouse, "SELECT changed_on FROM marts.changes")})
    shown = min(dates - 1, EARLIER_DATES)
    assert dates - 1 > shown and f"Earlier changes ({shown} more dates; {dates - 1 - shown} older in the feed)" in html
    # the summary says what "not loaded here" means: the figures exist, this tracker has not loaded them (audit 7)
    key = html.split('<p class="meta status-key">')[1].split("</p>")[0]
    assert "<b>not loaded here</b>: the figures it needs are published (the card links them) but not loaded" in key
    assert "<b>not measurable</b>: the official figures cannot measure it" in key
    # the quarters chart says its first tracked quarter starts before tracking does (audit 8): 2024 Q3 holds 1-4 Jul
    import tomllib
    track_from = next(e for e in tomllib.loads((Path(__file__).parents[1] / "warehouse" / "pledges.toml").read_text())["entry"]
                      if e["id"] == "small_boats")["track_from"]
    early = (track_from - track_from.replace(day=1)).days
    assert (early, track_from.month) == (4, 7)
    assert (f"Tracked since {track_from.day} {track_from:%b %Y} (2024 Q3 counts from 1 Jul 2024: its first {early} days "
            f"come before {track_from.day} {track_from:%b %Y}); ") in html
    # a related measure whose figures end before the claimed days (CP_02 to 2023 Q3, the claim from 5 Jul 2024): its
    # chart says the shading lies after them (audit 9: "shaded: the claimed period" beside no figure of it)
    cp02_last = pd.read_excel(REALDATA / "enforcement" / "IE__Q3_2023_Background_Published.xlsx", sheet_name="CP_02",
                              header=5, engine="calamine")["Quarter"].dropna().astype(str).str.strip()
    cp02_last = cp02_last[cp02_last.str.match(r"^\d{4} Q[1-4]$")].iloc[-1]
    assert f"shaded: the claimed period, after the last figures loaded ({cp02_last})" in html
    # the value of penalties as CP_02 publishes it, millions to one decimal: "£13.8m", never "13,800,000 GBP" (row 172)
    cp02 = pd.read_excel(REALDATA / "enforcement" / "IE__Q3_2023_Background_Published.xlsx", sheet_name="CP_02",
                         header=5, engine="calamine")
    value = pd.to_numeric(cp02["Value of penalties issued (Millions)"], errors="coerce")
    for i in (0, int(value.idxmin())):            # the first quarter, and the smallest (under a million: "£0.6m")
        assert f"{cp02['Quarter'][i]}: £{float(value[i]):.1f}m" in html, cp02.iloc[i]
    assert not re.search(r"\d GBP", html) and ">GBP<" not in html and ">£</text>" in html   # the value axis too
    net = html[html.index('id="card-net_migration_down"'):]
    assert "14 Feb 2025; date inferred: the week of the Commons" in net[:net.index("</section>")]
    backlog = html[html.index('id="card-asylum_backlog"'):]     # the introduction's words, dated as statement A
    assert "14 Feb 2025; date inferred, as statement A&#x27;s date: the week of the Commons" in backlog[:backlog.index("</section>")]
    small = html[html.index('id="card-small_boats"'):]
    assert "12 months to Dec 2025: 41,472 against 36,816" in small[:small.index("</section>")]
    # the apprenticeships claim, against the DfE file read independently: 2023/24 against 2018/19, the base by name
    national = pd.read_csv(REALDATA / "dfe" / "national-totals.csv", dtype=str)
    national = national[national["geographic_level"] == "National"]
    starts = {int(t[:4]): int(n) for t, n in zip(national["time_period"], national["start_count"])}
    # the Official figure against each base, as the periods row names both (audit 17: only 2019/20's was given)
    cut = html[html.index('id="card-apprenticeships_cut"'):]
    cut = cut[:cut.index("</section>")]
    change = {base: 100 * (starts[2023] - starts[base]) / starts[base] for base in (2019, 2018)}
    official = f"{starts[2023]:,} ({change[2019]:+.1f}% against 2019/20; {change[2018]:+.1f}% against 2018/19)"
    assert f"<dd>{official}</dd>" in cut and official == "339,580 (+5.3% against 2019/20; -13.7% against 2018/19)"
    assert f"{starts[2023]:,} against {starts[2018]:,} for 2018/19" in cut and 'data-status="partly consistent"' in cut
    row = html[html.index('data-claim-id="apprenticeships_cut"'):]
    assert f"<td>{official}</td>" in row[:row.index("</tr>")]
    # what was claimed and the periods used, in words (audit 12: "down (direction)", "366 of 366 claimed days"; audit
    # 15: the period compared and both bases, not "all 366 claimed days" of a claim about four years)
    assert '<td class="num claimed">a fall</td>' in row[:row.index("</tr>")] and "(direction)" not in html
    assert "claimed: down" not in html and "(-13.7%); claimed: a fall" in row[:row.index("</tr>")]
    assert "<td>2023/24, set against 2019/20 and 2018/19</td>" in row[:row.index("</tr>")]
    # a claim without an official figure says why in its Official cells as its verdict does: figures already due
    # are out, only not loaded here (the real files have none of the returns, ONS or MoJ figures)
    missing = query(warehouse, "SELECT claim_id, verdict FROM marts.claim_checks WHERE official_value IS NULL "
                               "AND check_type IS NOT NULL")
    assert {v for _, v in missing} == {"not loaded here"} and len(missing) >= 8
    for claim_id, verdict in missing:
        row = html[html.index(f'data-claim-id="{claim_id}"'):]
        card = html[html.index(f'id="card-{claim_id}"'):]
        assert "<td>not loaded here</td>" in row[:row.index("</tr>")], claim_id
        assert "not published yet" not in card[:card.index("</section>")], claim_id


def check_small_boats_charts(warehouse: Path, page: ReportParser, daily: pd.Series, html: str) -> None:
    # small boats over its whole history, per quarter, against pandas sums of the published sheet
    (history,) = charts_of(page, "small_boats", "history")
    by_quarter = daily.groupby(daily.index.to_period("Q")).sum()
    assert [(b["period"], float(b["value"])) for b in history["bars"]] == [
        (f"{q.year} Q{q.quarter}", float(v)) for q, v in by_quarter.items()]
    assert history["bars"][0]["period"] == "2018 Q1" and history["bars"][0]["tone"] == "before"
    assert {m["kind"]: m["date"] for m in history["markers"]} == {"said_on": "2023-09-14", "track_from": "2024-07-05"}
    # calendar years 2018-2025 and 2026 to date, against pandas sums; the year to date as marts.pledge_progress has it
    (years,) = charts_of(page, "small_boats", "calendar_years")
    by_year = daily.groupby(daily.index.year).sum()
    last = daily.index.max()
    assert [(b["period"], float(b["value"])) for b in years["bars"]] == [
        (str(y) if y < last.year else f"{y} (to {last.day} {last:%b})", float(v)) for y, v in by_year.items()]
    assert [b["period"] for b in years["bars"]][0] == "2018" and years["bars"][-1]["period"] == "2026 (to 22 Jan)"
    ((ytd, ytd_base),) = query(warehouse, "SELECT value, baseline_value FROM marts.pledge_progress WHERE pledge_id = 'small_boats' "
                                          "AND view = 'calendar_year_to_date' AND is_latest_vintage")
    assert float(years["bars"][-1]["value"]) == ytd
    assert float(years["baselines"][0]["value"]) == ytd_base == daily["2025-01-01":"2025-01-22"].sum()
    # the rolling 12 months to each month, as marts.pledge_progress has it; the last one checked against the sheet
    (rolling,) = charts_of(page, "small_boats", "rolling_12_months")
    rows = query(warehouse, "SELECT period_label, value, baseline_value, status FROM marts.pledge_progress WHERE pledge_id = "
                            "'small_boats' AND view = 'rolling_12_months' AND is_latest_vintage ORDER BY period_start")
    # the windows reaching back before July 2024 (the month tracking starts) are drawn but not graded (row 167)
    graded = pd.period_range("2025-06", "2025-12", freq="M")
    early = len(rows) - len(graded)
    assert [(p["period"], float(p["value"]), float(p["baseline"]), p.get("status")) for p in rolling["points"]] == [
        (*r[:3], r[3] if i >= early else None) for i, r in enumerate(rows)]
    assert rows[-1][:3] == ("12 months to Dec 2025", daily["2025"].sum(), daily["2024"].sum())
    # the description counts only windows from July 2024 (12 months to Jun 2025 on), graded from the sheet: the
    # windows reaching back before it are drawn, not counted (they were, as "on track" months of the pledge)
    off = sum(daily[str(m - 11):str(m)].sum() > daily[str(m - 23):str(m - 12)].sum() for m in graded)
    assert early == 11 and (f"; {off} of {len(graded)} months off track (the {early} whose 12 months start before "
                            "July 2024 not counted).") in rolling["desc"], rolling["desc"]
    # and what its marks mean, as the visible legend says (audit 17: this chart's description had none)
    assert ("The points are coloured by status: off track (squares); reaching back before July 2024: not graded."
            in rolling["desc"]), rolling["desc"]
    # and their tooltips say why, with the figures (the first, summed here from the sheet)
    first, before = daily["2023-08":"2024-07"].sum(), daily["2022-08":"2023-07"].sum()
    assert (f"12 months to Jul 2024: {first:,.0f}; 12 months to Jul 2023: {before:,.0f} "
            f"({(first - before) / before * 100:+.1f}%); reaches back before July 2024: not graded") in html
    # the quarters chart counts complete quarters only: 2026 Q1 (to 22 Jan) is shown, not counted
    quarters = history                 # the quarters chart: the whole history, tracked quarters graded
    q = daily.groupby(daily.index.to_period("Q")).sum()
    complete = pd.period_range("2024Q3", "2025Q4", freq="Q")
    q_off = sum(q[p] > q[p - 4] for p in complete)
    assert (f"; {q_off} of {len(complete)} complete tracked periods off track (2026 Q1 in progress, not counted)."
            in quarters["desc"]), quarters["desc"]
    # the colours are said as what they colour, not as bare legend labels ("... off track. before the pledge was
    # tracked. on track or met.", audit 15); the marks that name themselves read as sentences
    assert ("The bars are coloured by status: before the pledge was tracked; on track or met; off track (hatched)."
            in quarters["desc"]), quarters["desc"]
    assert ". before the pledge was tracked." not in html and ". on track or met." not in html
    # the weekly series is provisional operational data: the official quarterly statistics (Irr_D01, read here from
    # the published sheet) are drawn beside it, and they differ from it by a few people in some quarters
    (related,) = charts_of(page, "small_boats", "related")
    irr = pd.read_excel(REALDATA / "irregular" / "irregular-migration-to-the-UK-detailed-dataset-year-ending-september-2023.xlsx",
                        sheet_name="Data - Irr_D01", header=1, engine="calamine")
    official = irr[irr["Method of entry"] == "Small boat arrivals"].groupby("Quarter")["Number of detections"].sum()
    assert [(b["period"], float(b["value"])) for b in related["bars"] or related["points"]] == [
        (q, float(v)) for q, v in official.items()]
    weekly = {f"{q.year} Q{q.quarter}": v for q, v in by_quarter.items()}
    assert [q for q in official.index if official[q] != weekly[q]]      # e.g. 2022 Q3: 20,301 against 20,282
    # no figure of the ten weekly files was ever revised: no revisions chart, and none claimed
    assert query(warehouse, "SELECT count(*) FROM (SELECT 1 FROM marts.metric_observations WHERE metric_id = "
                            "'small_boat_arrivals' GROUP BY period_start HAVING count(DISTINCT value) > 1)") == [(0,)]
    assert charts_of(page, "small_boats", "revisions") == []


def check_history_before_tracking(warehouse: Path, page: ReportParser, want: dict) -> None:
    # a pledge whose figures stop before it is tracked still shows their history, against an independent SQL sum
    if "employer_penalties" in want["with_data"]:
        (pen,) = charts_of(page, "employer_penalties", "history")
        sums = query(warehouse, "SELECT year(period_start) || ' Q' || quarter(period_start), sum(value) FROM marts.metric_observations "
                                "WHERE metric_id = 'illegal_working_penalties' AND is_latest GROUP BY 1, period_start ORDER BY period_start")
        assert [(b["period"], float(b["value"])) for b in pen["bars"]] == sums
        assert {b["tone"] for b in pen["bars"]} == {"before"}


def check_what_changed(warehouse: Path, page: ReportParser) -> None:
    # what changed: the newest release date first, every change of that date listed, the feed beside the page
    changes = query(warehouse, "SELECT changed_on, kind, summary FROM marts.changes ORDER BY changed_on DESC")
    newest = changes[0][0]
    days = sorted({c[0].isoformat() for c in changes}, reverse=True)
    assert page.change_days == days[:1 + EARLIER_DATES] and page.change_days[0] == newest.isoformat()
    # (a new release's source by its title, as the catalog names it, not its id)
    titles = dict(query(warehouse, "SELECT DISTINCT source_id, source_title FROM marts.metrics"))
    changes = [(d, k, s.replace(f"New release of {subject}: ", f"New release of {titles[subject]}: ") if k == "release" else s)
               for d, k, s, subject in query(warehouse, "SELECT changed_on, kind, summary, subject FROM marts.changes")]
    assert sorted(c["text"] for c in page.changes if c["date"] == newest.isoformat()) == sorted(
        f"{'new release' if k == 'release' else k}{s}" for d, k, s in changes if d == newest)


def check_sources_on_25_january_2026(warehouse: Path) -> None:
    # the sources as of 25 January 2026: small boats up to date (next file due 30 January); the transparency data
    # loaded from November 2023 long overdue; ONS never loaded; each with its publication page
    page = parse(render(read_report_data(warehouse), generated=datetime(2026, 1, 25, tzinfo=timezone.utc)))
    sources = page.sources
    assert sources["small_boats"]["state"] == "up to date" and "30 Jan 2026" in sources["small_boats"]["text"]
    # published 23 Nov 2023 (its cover), quarterly: the next was due by 23 Feb 2024
    assert sources["ie_transparency"]["state"] == "published but not loaded here" and "23 Feb 2024" in sources["ie_transparency"]["text"]
    assert sources["ons_ltim"]["state"] == "published but not loaded here" and "none loaded" in sources["ons_ltim"]["text"]
    pages = {a["href"] for a in page.links if "official" in a["classes"] and a["text"] == "publication page"}
    assert "https://www.gov.uk/government/publications/migrants-detected-crossing-the-english-channel-in-small-boats" in pages
    assert any(urlparse(u).hostname == "www.ons.gov.uk" for u in pages)
    assert "a file loaded locally" in sources["small_boats"]["text"]


# --- in a real browser ---------------------------------------------------------------------------

@pytest.mark.slow
def test_report_renders_in_headless_chromium_at_desktop_and_phone_width(real_warehouse, tmp_path):
    """The real files' report at 1280 and 390 px: every card and chart shown, no element wider than the viewport
    (tables and charts may scroll inside their own container), charts titled, official links over https."""
    if shutil.which("chromium") is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run installs it)")
    pytest.importorskip("websockets.sync.client", reason="websockets (a Prefect dependency) is needed to talk to DevTools")
    report = write_report(real_warehouse, tmp_path / "report.html")
    want = expected(real_warehouse)

    proc, endpoint = start_chromium(tmp_path)
    cdp = None
    shots = {}
    try:
        cdp = DevTools(endpoint)
        target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            cdp.call(f"{domain}.enable", session=session)
        for width in (1280, 390):
            check_layout(view_at(cdp, session, report, width), width, want)
            shots[width] = screenshot(cdp, session, width, tmp_path)
            check_no_errors_and_nothing_fetched(cdp, session)
    finally:
        if cdp is not None:
            try:
                cdp.call("Browser.close", timeout=5)
            except Exception:
                pass
            cdp.close()
        stop_chromium(proc)
    assert proc.poll() is not None
    for width, png in shots.items():
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, width
        assert int.from_bytes(data[16:20], "big") <= width        # the PNG's own width: the page fitted the viewport


def view_at(cdp: DevTools, session: str, report: Path, width: int) -> dict:
    """Open the report `width` px wide (a phone below 600) and measure it (OVERFLOW_JS)."""
    cdp.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1,
                                                    "mobile": width < 600}, session=session)
    cdp.events.clear()
    navigated = cdp.call("Page.navigate", {"url": report.as_uri()}, session=session)
    assert not navigated.get("errorText"), navigated
    cdp.wait_for("Page.loadEventFired", session)
    return cdp.call("Runtime.evaluate", {"returnByValue": True, "expression": OVERFLOW_JS}, session=session)["result"]["value"]


def check_layout(seen: dict, width: int, want: dict) -> None:
    assert seen["width"] <= width and (width > 600 or seen["width"] == width)     # a phone: no scrollbar
    # nothing wider than the viewport outside a scrolling container, and the page itself does not scroll sideways
    assert seen["wider"] == [] and seen["scrollWidth"] <= seen["width"], (width, seen["wider"])
    assert seen["cards"] == seen["shownCards"] == len(want["cards"])
    history = sorted(c["pledge"] for c in seen["charts"] if c["chart"] == "history")
    assert history == want["with_data"] and "small_boats" in history
    for c in seen["charts"]:
        assert c["title"].strip() and c["labelled"] and c["role"] == "img", c
        assert c["height"] > 120 and c["width"] <= seen["width"], c       # drawn, and within the page
    assert seen["claimRows"] == len(want["claims"]) and seen["sources"] == len(want["sources"])
    assert "Data as of" in seen["asOf"]
    assert seen["headings"][0] == 1 and all(b <= a + 1 for a, b in zip(seen["headings"], seen["headings"][1:]))
    for a in seen["links"]:
        assert not a["href"].startswith("file:") or a["raw"].startswith("#") or a["raw"] == FEED_NAME, a
        if a["official"]:
            assert a["href"].startswith("https://") and urlparse(a["href"]).hostname in OFFICIAL_HOSTS, a
    assert seen["resources"] == []


def screenshot(cdp: DevTools, session: str, width: int, folder: Path) -> Path:
    metrics = cdp.call("Page.getLayoutMetrics", session=session)["cssContentSize"]
    shot = cdp.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                               "clip": {"x": 0, "y": 0, "width": metrics["width"],
                                                        "height": min(metrics["height"], 8000), "scale": 1}},
                    session=session, timeout=60)
    path = folder / f"report-{width}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    assert metrics["width"] <= width
    return path


def check_no_errors_and_nothing_fetched(cdp: DevTools, session: str) -> None:
    ours = [e for e in cdp.events if e.get("sessionId") == session]
    errors = [e for e in ours if e["method"] == "Runtime.exceptionThrown"
              or (e["method"] == "Runtime.consoleAPICalled" and e["params"].get("type") in ("error", "assert"))
              or (e["method"] == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")]
    assert errors == []
    requested = [e["params"]["request"]["url"] for e in ours if e["method"] == "Network.requestWillBeSent"]
    assert all(u.startswith(("file:", "data:", "about:")) for u in requested), requested


def test_sources_are_named_by_title_and_chart_notes_by_their_own_markers(real_warehouse, tmp_path):
    """The real files' report names each source by its title, never by its id alone: "Data as of" gives the source's
    title and publisher, the file and its publication date in words (the release id only in small print after
    them), and "What changed" a new release's source title (before: `dfe_apprenticeships 2026-07-16
    (dfe_apprenticeships/2026-07-16/87a0f24bbfab)` and "New release of small_boats_page"). Every chart's labels
    sit by their own marker, none drawn across another's line (before: the small boats chart's "tracked from 5 Jul
    2024" across the "pledged 14 Sep 2023" line)."""
    from html import unescape

    from flows.formatting import fmt_day
    from tests.test_report import check_note_labels

    out = tmp_path / "report.html"
    write_report(real_warehouse, out)
    html = out.read_text(encoding="utf-8")
    as_of = html[html.index('<p id="data-as-of">'):]
    as_of = unescape(re.sub(r"<[^>]+>", "", as_of[:as_of.index("</p>")]))      # the text a reader sees
    latest = query(real_warehouse, """
        SELECT r.source_id, m.source_title, m.publisher, r.file_name, r.published_on, r.release_id
        FROM marts.releases r JOIN (SELECT DISTINCT source_id, source_title, publisher FROM marts.metrics) m USING (source_id)
        WHERE r.status = 'loaded'
        QUALIFY row_number() OVER (PARTITION BY r.source_id ORDER BY r.published_on DESC, r.fetched_at DESC) = 1""")
    assert {r[0] for r in latest} >= {"small_boats", "small_boats_page", "dfe_apprenticeships", "ie_transparency"}
    for source_id, title, publisher, file_name, published_on, release_id in latest:
        assert f"{title} ({publisher}): {file_name}, published {fmt_day(published_on)}" in as_of, source_id
        assert f"(release {release_id})" in as_of
    assert "Small boat arrivals: last 7 days" in as_of and "national-totals.csv, published 16 Jul 2026" in as_of
    changes = html[html.index('<section id="changes"'):]
    changes = unescape(re.sub(r"<[^>]+>", "", changes[:changes.index("</section>")]))
    assert "New release of Small boat arrivals: last 7 days (GOV.UK page, provisional daily figures): " \
           "govuk_small_boats_daily_page_2026-08-21.html, published 21 Aug 2026" in changes
    for (source_id,) in query(real_warehouse, "SELECT DISTINCT source_id FROM marts.releases"):
        assert f"New release of {source_id}:" not in changes
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    small_boats = [svg for svg in svgs if 'data-pledge-id="small_boats"' in svg and 'data-chart="history"' in svg]
    assert len(small_boats) == 1
    assert {n["text"] for n in check_note_labels(small_boats[0])} == {"pledged 14 Sep 2023", "tracked from 5 Jul 2024"}
    assert sum(len(check_note_labels(svg)) for svg in svgs) > 10
