"""The HTML report (flows/report.py): one self-contained page with a card per register entry, charts of
every quantitative entry with data (whole history, statement date, baseline; small boats' rolling 12
months and calendar years; revisions), what changed, the sources, and the claim checks table.

Checked here by parsing pages built from figures made in code (and the shaping functions on their own) against
independent reads of the data; tests/test_report_realdata.py checks the page of the real published files, also in
headless Chromium at 1280 and 390 px wide (the parser and `check_report`: tests/report_pages.py)."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from flows.catalog import add_interval, load_catalog
from flows.report import render_card, write_report
from flows.report_series import aggregate, calendar_years, source_rows, vintages
from tests.report_pages import charts_of, check_report, load, parse, query
from tests.sources.small_boats.builders import small_boats_file

SB_START = date(2023, 7, 1)


def arrivals(i: int) -> int:        # tests/sources/small_boats/builders.py: the default daily figure for day i
    return (i * 37) % 400


@pytest.fixture(scope="module")
def synthetic_warehouse(tmp_path_factory) -> Path:
    """Two small-boats releases built in code (run everywhere): 2023-07-01 to 2024-09-09 published 13 Sep 2024, then
    to 2024-09-16 published 20 Sep 2024, revising 3 and 4 September 2024."""
    base = tmp_path_factory.mktemp("report")
    small_boats_file(base / "files", date(2024, 9, 13), start=SB_START, days=437)
    small_boats_file(base / "files", date(2024, 9, 20), start=SB_START, days=444, revised=REVISED)
    return load(base / "pledges.duckdb", base / "files")


REVISED = {(date(2024, 9, 3) - SB_START).days: 999, (date(2024, 9, 4) - SB_START).days: 5}


# --- the page, from figures built in code --------------------------------------------------------

def week_sum(monday: date, revised: dict[int, int] | None = None) -> int:
    days = [(monday + timedelta(days=k) - SB_START).days for k in range(7)]
    return sum((revised or {}).get(i, arrivals(i)) for i in days)


def test_report_from_built_small_boats_releases(synthetic_warehouse, tmp_path):
    page, want = check_report(synthetic_warehouse, tmp_path / "report.html")
    assert want["with_data"] == ["small_boats"]
    # the whole history per quarter, the tracked quarter in progress: values summed from the days built
    (history,) = charts_of(page, "small_boats", "history")
    assert [b["period"] for b in history["bars"]] == ["2023 Q3", "2023 Q4", "2024 Q1", "2024 Q2", "2024 Q3"]
    q4 = sum(arrivals((date(2023, 10, 1) - SB_START).days + k) for k in range(92))
    assert float(history["bars"][1]["value"]) == q4 and history["bars"][1]["tone"] == "before"
    # 2024 Q3, in progress, is drawn without a grade (grey, dotted outline; row 175)
    assert history["bars"][-1].get("status") is None is want["progress"]["small_boats"][0][3]
    assert history["bars"][-1]["tone"] == "muted"
    assert {m["kind"]: m["date"] for m in history["markers"]} == {"said_on": "2023-09-14", "track_from": "2024-07-05"}
    # revisions: both releases drawn, the newest emphasised; the revised week summed from each release's days
    (rev,) = charts_of(page, "small_boats", "revisions")
    assert rev["vintages"][-1]["latest"] == "true" and rev["vintages"][-1]["width"] > rev["vintages"][0]["width"]
    assert [v["published"] for v in rev["vintages"]] == ["2024-09-13", "2024-09-20"] and rev["vintages"][0]["dash"]
    first, latest = (json.loads(v["values"]) for v in rev["vintages"])
    week = "week ending 8 Sep 2024"
    assert first[week] == week_sum(date(2024, 9, 2)) and latest[week] == week_sum(date(2024, 9, 2), REVISED)
    assert "week ending 15 Sep 2024" in latest and "week ending 15 Sep 2024" not in first   # only weeks each release covers in full
    assert "2 published figures revised across 2 releases" in rev["desc"]
    # the rolling 12 months to July and August 2024, with nothing a year before to compare them with
    (rolling,) = charts_of(page, "small_boats", "rolling_12_months")
    rows = query(synthetic_warehouse, "SELECT period_label, value, baseline_value, status FROM marts.pledge_progress WHERE "
                                      "view = 'rolling_12_months' AND is_latest_vintage ORDER BY period_start")
    assert [r[0] for r in rows] == ["12 months to Jul 2024", "12 months to Aug 2024"] and {r[2] for r in rows} == {None}
    # both reach back before July 2024, the month tracking starts: drawn, not graded
    assert [(p["period"], float(p["value"]), p.get("status")) for p in rolling["points"]] == [(r[0], r[1], None) for r in rows]
    assert "no 12 months graded yet" in rolling["desc"]
    assert rolling["baselines"] == [] and rows[-1][1] == sum(arrivals((date(2023, 9, 1) - SB_START).days + k) for k in range(366))
    # no calendar year in full: only 2024 to date
    (years,) = charts_of(page, "small_boats", "calendar_years")
    assert [(b["period"], float(b["value"])) for b in years["bars"]] == [
        ("2024 (to 16 Sep)", sum(REVISED.get(i, arrivals(i)) for i in range((date(2024, 1, 1) - SB_START).days, 444)))]
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No chart: no official figures for people in asylum contingency hotels, UK total are loaded yet" in text
    # what changed, newest first: the register's statuses set by hand (the moves of 5 Jan 2026 and 19 May 2025, the
    # evidence's dates, after these releases; Royal Assent on 2 Dec 2025 left the powers pledges in progress), then the newest release's day, with the revision of 3 September
    # beyond the threshold; a status the register leaves "not yet assessed" (soc_strategy) is no change
    hand_days = [d.isoformat() for (d,) in query(synthetic_warehouse, "SELECT DISTINCT changed_on FROM marts.changes "
                 "WHERE release_id IS NULL AND changed_on > DATE '2024-09-20' ORDER BY 1 DESC")]
    assert hand_days[:2] == ["2026-01-05", "2025-05-19"]
    assert page.change_days[:len(hand_days) + 1] == hand_days + ["2024-09-20"] and page.changes[0]["date"] == "2026-01-05"
    # hand-set statuses, and the one hand-set verdict that held when statement A was made (told on 14 Feb 2025)
    assert {c["kind"] for c in page.changes if c["date"] in hand_days} == {"status", "verdict"}
    assert {c["date"] for c in page.changes if c["date"] in hand_days and c["kind"] == "verdict"} == {"2025-02-14"}
    assert "Latest change (evidence dated): 5 Jan 2026" in text and "Published: 20 Sep 2024" in text
    assert any(c["kind"] == "revision" and "3 Sep 2024: revised from" in c["text"] for c in page.changes)
    # a folder as `out` gets the default file name
    assert write_report(synthetic_warehouse, tmp_path).name == "pledges-report.html"


def test_report_text_is_escaped():
    card = {"pledge_id": "x<y", "type": "pledge", "kind": "quantitative", "quote": "<script>alert('q')</script>",
            "said_by": "A & B", "explanation": "<img src=https://example.org/x.png>", "status": "on track",
            "metric_id": "m\"1", "release_id": "r<1>", "release_url": "https://example.org/a?b=1&c=<2>"}
    html = render_card(card)
    assert "<script" not in html and "<img" not in html and "r<1>" not in html
    assert "&lt;script&gt;" in html and "A &amp; B" in html and 'data-pledge-id="x&lt;y"' in html
    assert 'href="https://example.org/a?b=1&amp;c=&lt;2&gt;"' in html
    # a file loaded from disk is never linked
    local = render_card({**card, "release_url": "/home/someone/files/x.ods", "source_page_url": "file:///etc/passwd"})
    assert "file:" not in local and "/home/someone" not in local and "a file loaded locally" in local


def ye(end: date) -> tuple[date, date]:
    return end.replace(year=end.year - 1) + timedelta(days=1), end


def test_year_ending_chart_with_a_fixed_baseline_and_a_negative_value():
    """Overlapping years ending each half-year are a line, not bars; the fixed baseline's period is shaded and its
    level dashed; negative values stay on the axis; the dates of the pledge are marked."""
    ends = [date(2023, 6, 30), date(2023, 12, 31), date(2024, 6, 30), date(2024, 12, 31), date(2025, 6, 30)]
    values = [900_000, 800_000, 728_000, 431_000, -20_000]
    obs = [{"period_start": ye(e)[0], "period_end": e, "value": v} for e, v in zip(ends, values)]
    points = aggregate(obs, "year_ending")
    card = {"pledge_id": "net_migration_down", "type": "pledge", "kind": "quantitative", "quote": "net migration must come down",
            "status": "on track", "metric_id": "net_migration", "unit": "people", "baseline_kind": "fixed", "direction": "down",
            "baseline_start": date(2023, 7, 1), "baseline_end": date(2024, 6, 30), "said_on": date(2025, 2, 14),
            "track_from": date(2024, 1, 1)}
    progress = [{"period_start": ye(e)[0], "period_end": e, "period_label": f"YE {e:%b %Y}", "status": "on track",
                 "baseline_value": 728_000, "baseline_label": "YE Jun 2024", "change_pct": None}
                for e in ends[3:]]
    series = {"metric_id": "net_migration", "title": "Net migration to the UK, year ending each period", "unit": "people",
              "measure": "flow", "period_type": "year_ending", "source_period_type": "year_ending", "points": points}
    page = parse(render_card(card, {"series": [series], "progress": progress}))
    (chart,) = page.charts
    assert chart["chart"] == "history" and chart["bars"] == []
    assert [(p["period"], float(p["value"])) for p in chart["points"]] == [(f"YE {e:%b %Y}", v) for e, v in zip(ends, values)]
    assert [p.get("status") for p in chart["points"]] == [None, None, None, "on track", "on track"]
    assert [(b["kind"], b["value"]) for b in chart["baselines"]] == [("fixed", "728000")]
    assert [b["kind"] for b in chart["bands"]] == ["baseline"]
    assert {m["kind"]: m["date"] for m in chart["markers"]} == {"said_on": "2025-02-14", "track_from": "2024-01-01"}
    assert "1m" in chart["text"] and "-250k" in chart["text"] and "people" in chart["text"]   # y axis from below zero to the top


def quarter(year: int, q: int) -> tuple[date, date]:
    start = date(year, 3 * q - 2, 1)
    return start, (date(year + (q == 4), (3 * q) % 12 + 1, 1) - timedelta(days=1))


def test_trajectory_chart_for_asylum_hotels():
    """A stock against the straight line from its level at the end of June 2024 to zero on 8 July 2029."""
    quarters = [quarter(y, q) for y in (2023, 2024, 2025) for q in (1, 2, 3, 4)][:10]
    levels = [45_000, 51_000, 50_000, 45_000, 38_000, 29_500, 35_000, 38_000, 38_000, 32_000]
    obs = [{"period_start": s, "period_end": e, "value": v} for (s, e), v in zip(quarters, levels)]
    points = aggregate(obs, "quarter", "stock")
    card = {"pledge_id": "asylum_hotels", "type": "pledge", "kind": "quantitative", "status": "off track", "quote": "end hotels",
            "metric_id": "asylum_hotel_population", "baseline_kind": "trajectory", "baseline_start": date(2024, 4, 1),
            "baseline_end": date(2024, 6, 30), "target": 0, "target_date": date(2029, 7, 8), "direction": "down",
            "said_on": date(2025, 6, 11), "track_from": date(2024, 7, 1)}
    progress = [{"period_start": s, "period_end": e, "period_label": f"{s.year} Q{(s.month + 2) // 3}",
                 "status": "off track" if v > 27_000 else "on track", "baseline_value": 27_000, "baseline_label": "the line"}
                for (s, e), v in zip(quarters[6:], levels[6:])]
    series = {"metric_id": "asylum_hotel_population", "title": "People in contingency hotel accommodation, at the end of each quarter",
              "unit": "people", "measure": "stock", "period_type": "quarter", "source_period_type": "quarter", "points": points}
    page = parse(render_card(card, {"series": [series], "progress": progress}))
    (chart,) = page.charts
    (line,) = [b for b in chart["baselines"] if b["kind"] == "trajectory"]
    assert (line["from"], line["to"], line["start"], line["end"]) == ("29500", "0", "2024-06-30", "2029-07-08")
    assert "2029" in chart["text"]          # the axis runs to the target date
    assert [p["tone"] if "tone" in p else p.get("status") for p in chart["points"]][-4:] == ["off track"] * 4
    assert chart["bars"] == [] and len(chart["points"]) == 10      # a stock is a line of levels, never summed


def test_claim_chart_with_two_measures_and_its_periods():
    ends = [date(y, 12, 31) for y in range(2018, 2025)]
    net = [270_000, 184_000, 93_000, 500_000, 745_000, 685_000, 431_000]
    imm = [600_000, 680_000, 590_000, 1_000_000, 1_250_000, 1_220_000, 948_000]
    series = [{"metric_id": m, "title": t, "unit": "people", "measure": "flow", "period_type": "year_ending",
               "source_period_type": "year_ending", "part_label": label,
               "points": aggregate([{"period_start": ye(e)[0], "period_end": e, "value": v} for e, v in zip(ends, vals)], "year_ending")}
              for m, t, label, vals in (("net_migration", "Net migration to the UK, year ending each period", "net migration", net),
                                        ("immigration", "Immigration to the UK, year ending each period", "immigration", imm))]
    card = {"pledge_id": "legal_migration_trebled", "type": "claim", "kind": "quantitative", "status": "partly consistent",
            "quote": "more than trebled", "metric_id": "net_migration", "check_type": "ratio", "claim_start": date(2023, 1, 1),
            "claim_end": date(2023, 12, 31), "base_start": date(2019, 1, 1), "base_end": date(2019, 12, 31),
            "said_on": date(2025, 2, 14)}
    html = render_card(card, {"series": series})
    page = parse(html)
    (chart,) = page.charts
    assert chart["metrics"] == "net_migration immigration"
    assert [ln["metric-id"] for ln in chart["lines"]] == ["net_migration", "immigration"]
    assert sorted((p["metric-id"], p["period"], float(p["value"])) for p in chart["points"]) == sorted(
        [("net_migration", f"YE Dec {e.year}", v) for e, v in zip(ends, net)] + [("immigration", f"YE Dec {e.year}", v) for e, v in zip(ends, imm)])
    assert sorted(b["kind"] for b in chart["bands"]) == ["claim", "comparison"]
    assert [m["kind"] for m in chart["markers"]] == ["said_on"]
    assert "net migration" in chart["text"] and "immigration" in chart["text"]     # each line labelled, not only coloured
    assert "solid" in html and "dashed" in html


# --- the shaping, on its own ---------------------------------------------------------------------

def test_aggregation_calendar_years_and_vintages():
    days = [{"period_start": date(2019, 12, 30) + timedelta(days=i), "period_end": date(2019, 12, 30) + timedelta(days=i),
             "value": float(i % 7)} for i in range(400)]
    quarters = aggregate(days, "quarter")
    assert quarters[0]["label"] == "2019 Q4" and not quarters[0]["complete"] and quarters[0]["value"] == 0 + 1
    assert quarters[1]["complete"] and quarters[1]["value"] == sum(d["value"] for d in days if date(2020, 1, 1) <= d["period_start"] <= date(2020, 3, 31))
    stock = aggregate([{**d, "value": float(i)} for i, d in enumerate(days)], "quarter", "stock")
    assert stock[1]["value"] == (date(2020, 3, 31) - date(2019, 12, 30)).days       # the last level, not a sum
    # a level is named by its date, and its quarter is complete once the level at its end is known
    assert [(q["label"], q["complete"]) for q in (stock[0], stock[1], stock[-1])] == \
        [("end of Dec 2019", True), ("end of Mar 2020", True), ("1 Feb 2021", False)]
    years = calendar_years(days, first_year=2019)
    assert [y["label"] for y in years] == ["2020", "2021 (to 1 Feb)"]                 # 2019 incomplete: left out
    assert years[0]["value"] == sum(d["value"] for d in days if d["period_start"].year == 2020)
    # vintages: ten releases, at most eight drawn, the first and the newest among them; only complete weeks
    obs = [{"period_start": d["period_start"], "period_end": d["period_end"], "release_id": f"r{k}", "rank": k,
            "published_on": date(2021, 1, 1) + timedelta(days=7 * k),
            "value": d["value"] + (k if d["period_start"] == date(2020, 12, 16) else 0)}
           for k in range(10) for d in days if d["period_start"] <= date(2021, 1, 1) + timedelta(days=7 * k)]
    v = vintages(obs, "day")
    assert v["releases"] == 10 and len(v["vintages"]) == 8 and v["vintages"][-1]["latest"]
    assert [x["release_id"] for x in v["vintages"]] == ["r0", "r1", "r3", "r4", "r5", "r6", "r8", "r9"]
    assert [r["start"] for r in v["revised"]] == [date(2020, 12, 16)] and v["largest"]["latest"] - v["largest"]["first"] == 9
    newest = {p["label"]: p["value"] for p in v["vintages"][-1]["points"]}
    # two weeks either side of the revised one (each Monday-to-Sunday week of these figures sums to 21)
    assert newest == {"week ending 6 Dec 2020": 21, "week ending 13 Dec 2020": 21, "week ending 20 Dec 2020": 21 + 9,
                      "week ending 27 Dec 2020": 21, "week ending 3 Jan 2021": 21}
    assert {p["label"]: p["value"] for p in v["vintages"][0]["points"]}["week ending 20 Dec 2020"] == 21
    assert vintages([o for o in obs if o["release_id"] == "r0"], "day") is None     # never revised: no chart
    # a release that revised nothing in the stretch draws no line of its own
    same = [o for o in obs if o["release_id"] in ("r0", "r1")] + [{**o, "release_id": "r2", "rank": 2} for o in obs if o["release_id"] == "r1"]
    assert [x["release_id"] for x in vintages(same, "day")["vintages"]] == ["r0", "r1"]


def test_next_expected_release_and_what_is_missing():
    assert add_interval(date(2026, 1, 23), "7 days") == date(2026, 1, 30)
    assert add_interval(date(2025, 8, 31), "3 months") == date(2025, 11, 30)
    assert add_interval(date(2024, 2, 29), "1 year") == date(2025, 2, 28)
    assert add_interval(date(2025, 11, 27), "6 months") == date(2026, 5, 27)
    with pytest.raises(ValueError):
        add_interval(date(2025, 1, 1), "quarterly")
    assert all(s.release_every for s in load_catalog().values())     # every source says how often it publishes
    metrics = [{"source_id": "weekly", "release_every": "7 days", "page_url": "https://www.gov.uk/w"},
               {"source_id": "quarterly", "release_every": "3 months", "page_url": "https://www.gov.uk/q"},
               {"source_id": "never", "release_every": "6 months", "page_url": "https://www.ons.gov.uk/n"}]
    releases = [{"source_id": "weekly", "status": "loaded", "published_on": date(2026, 1, 23), "release_id": "w1"},
                {"source_id": "weekly", "status": "rejected", "published_on": date(2026, 1, 30), "release_id": "w2"},
                {"source_id": "quarterly", "status": "loaded", "published_on": date(2025, 8, 21), "release_id": "q1"}]
    rows = {r["source_id"]: r for r in source_rows(metrics, releases, today=date(2026, 1, 25))}
    assert rows["weekly"]["state"] == "up to date" and rows["weekly"]["next_expected"] == date(2026, 1, 30)
    assert [r["release_id"] for r in rows["weekly"]["not_loaded"]] == ["w2"]
    assert rows["quarterly"]["state"] == "published but not loaded here" and "21 Nov 2025" in rows["quarterly"]["why"]
    assert rows["never"]["state"] == "published but not loaded here" and rows["never"]["latest"] is None
    assert source_rows(metrics, releases, today=date(2026, 2, 2))[2]["state"] == "published but not loaded here"


# --- the page, from the real published files ---------------------------------------------------------


def note_labels(svg: str) -> list[dict]:
    """Each label above a chart's plot (a marker's or a shaded period's) with its text box and its own line."""
    import re
    from html import unescape

    from flows.report_svg import SMALL, text_width
    found = []
    for tx, ty, text, x1, y1, y2 in re.findall(
            r'<text class="note-label" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>'
            r'<line x1="([\d.]+)" x2="[\d.]+" y1="([\d.]+)" y2="([\d.]+)"', svg):
        text = unescape(text)
        found.append({"text": text, "left": float(tx), "right": float(tx) + text_width(text, SMALL),
                      "top": float(ty) - 10, "bottom": float(ty) + 2, "x": float(x1), "y1": float(y1), "y2": float(y2)})
    return found


def check_note_labels(svg: str) -> list[dict]:
    """Every label sits beside its own line (3 units right or left of it), and no label's line runs through
    another label's text."""
    notes = note_labels(svg)
    for n in notes:
        assert abs(n["left"] - 3 - n["x"]) < 0.2 or abs(n["right"] + 3 - n["x"]) < 0.2, n
        for other in notes:
            if other is not n:
                crosses = other["left"] - 1 <= n["x"] <= other["right"] + 1 and n["y1"] < other["bottom"] and other["top"] < n["y2"]
                assert not crosses, f"the line of {n['text']!r} runs through {other['text']!r}"
    return notes


def test_each_note_is_set_by_its_own_marker_never_across_another():
    """The small-boats chart's two markers, 14 Sep 2023 and 5 Jul 2024, over the quarters since 2018: each label is
    set beside its own line, and neither line runs through the other label (before: 'tracked from 5 Jul 2024' was
    drawn across the line of 'pledged 14 Sep 2023', and 'pledged …' sat over the 'tracked from' line)."""
    from flows.report_charts import TimeChart

    chart = TimeChart("history", "small_boats", "small_boat_arrivals_quarterly", "Small boat arrivals", "per quarter", "people")
    start = date(2018, 1, 1)
    while start < date(2026, 1, 1):
        end = add_interval(start, "3 months") - timedelta(days=1)
        chart.bar(start, end, 10000, "before", f"{start:%Y} Q{(start.month + 2) // 3}", "tip")
        start = end + timedelta(days=1)
    chart.marker(date(2023, 9, 14), "pledged 14 Sep 2023")
    chart.marker(date(2024, 7, 5), "tracked from 5 Jul 2024")
    notes = check_note_labels(chart.render())
    assert sorted(n["text"] for n in notes) == ["pledged 14 Sep 2023", "tracked from 5 Jul 2024"]
    # many labels close together: still each by its own line, none crossed
    chart.band(date(2023, 1, 1), date(2023, 12, 31), "baseline period")
    chart.marker(date(2024, 2, 1), "compared since Feb 2024")
    chart.band(date(2025, 1, 1), date(2025, 6, 30), "claimed period")
    assert len(check_note_labels(chart.render())) == 5


def test_a_stock_level_in_a_quarter_in_progress_is_graded_as_the_table_grades_it():
    """marts.pledge_progress grades a stock's latest level though its quarter has not ended (a level is a level); the
    chart draws it in its status's colour, says it is the latest level, and counts it, as the table does."""
    months = [(date(2025, m, 1), date(2025 + (m == 12), m % 12 + 1, 1) - timedelta(days=1)) for m in range(4, 13)]
    months.append((date(2026, 1, 1), date(2026, 1, 31)))
    levels = [32_000, 32_500, 32_100, 31_000, 30_000, 29_000, 28_000, 27_500, 27_000, 26_000]
    points = aggregate([{"period_start": s, "period_end": e, "value": v} for (s, e), v in zip(months, levels)], "quarter", "stock")
    assert [(p["label"], p["complete"]) for p in points] == [("end of Jun 2025", True), ("end of Sep 2025", True),
                                                             ("end of Dec 2025", True), ("end of Jan 2026", False)]
    card = {"pledge_id": "asylum_hotels", "type": "pledge", "kind": "quantitative", "status": "on track", "quote": "end hotels",
            "metric_id": "asylum_hotel_population", "baseline_kind": "trajectory", "baseline_start": date(2024, 4, 1),
            "baseline_end": date(2024, 6, 30), "target": 0, "target_date": date(2029, 7, 8), "direction": "down",
            "said_on": date(2025, 6, 11), "track_from": date(2024, 7, 1)}
    progress = [{"period_start": p["start"], "period_end": p["end"], "period_label": p["label"], "complete": p["complete"],
                 "status": "off track" if p["value"] > 27_000 else "on track", "baseline_value": 27_000,
                 "baseline_label": "the line"} for p in points]
    series = {"metric_id": "asylum_hotel_population", "title": "People in contingency hotel accommodation, at the end of each quarter",
              "unit": "people", "measure": "stock", "period_type": "quarter", "source_period_type": "month", "points": points}
    html = render_card(card, {"series": [series], "progress": progress})
    (chart,) = parse(html).charts
    assert [p.get("status") for p in chart["points"]] == ["off track", "off track", "on track", "on track"]
    assert "not graded yet" not in html
    assert "end of Jan 2026: 26,000 people; baseline the line: 27,000" in html
    assert "the latest level; its quarter ends 31 Mar 2026" in html
    assert "2 of 4 tracked levels off track" in html and "in progress, not counted" not in html
    assert "latest end of Jan 2026: 26,000 people" in html


def test_a_card_says_promised_only_where_the_register_says_the_direction_was_promised():
    """direction_from decides the card's words (row 229); a warehouse built before it has none, and its cards said
    "Promised down" for the small-boats yardstick (audit 17): whose direction it is cannot be told, so neither."""
    from flows.report_cards import direction_row
    assert direction_row({"direction": "down", "direction_from": "promised", "target": 0}) == ("Promised", "down, target 0")
    assert direction_row({"direction": "down", "direction_from": "yardstick"}) == (
        "Tracked", "down: this tracker's yardstick; the words promise no figure or direction")
    assert direction_row({"direction": "up", "direction_from": "proxy"}) == ("Tracked", "up: a proxy for what the words promise")
    assert direction_row({"direction": "down"}) == ("Direction tracked", "down")
