"""The HTML report (flows/report.py): one self-contained page with a card per register entry, charts of
every quantitative entry with data (whole history, statement date, baseline; small boats' rolling 12
months and calendar years; revisions), what changed, the sources, and the claim checks table.

Checked by parsing the page against independent reads of the data (pandas over the published sheet,
SQL over the warehouse), on figures built in code, and in headless Chromium at 1280 and 390 px wide."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import time
from datetime import date, datetime, timedelta, timezone
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pandas as pd
import pytest

from flows import cli
from flows.catalog import add_interval, load_catalog
from flows.feed import FEED_NAME
from flows.report import EARLIER_DATES, read_report_data, render, render_card, write_report
from flows.report_series import aggregate, calendar_years, source_rows, vintages
from tests.conftest import REALDATA
from tests.workbooks import small_boats_file

EXTERNAL = re.compile(r"\s*(https?:)?//", re.I)
OFFICIAL_HOSTS = {"www.gov.uk", "assets.publishing.service.gov.uk", "www.ons.gov.uk", "explore-education-statistics.service.gov.uk"}
SB_START = date(2023, 7, 1)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def arrivals(i: int) -> int:        # tests/workbooks.py's default daily figure for day i
    return (i * 37) % 400


class ReportParser(HTMLParser):
    """Collects what the tests look for: cards, charts and their shapes, headings, links, changes, sources."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cards: list[str] = []
        self.charts: list[dict] = []
        self.claim_rows: list[str] = []
        self.external: list[str] = []
        self.headings: list[tuple[int, str]] = []
        self.links: list[dict] = []
        self.changes: list[dict] = []
        self.change_days: list[str] = []
        self.sources: dict[str, dict] = {}
        self.ids: list[str] = []
        self.as_of = ""
        self.style = ""
        self._stack: list[tuple[str, dict]] = []
        self._capture: list[tuple[str, dict, list[str]]] = []
        self._in_claims = self._in_tbody = False
        self._source: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if a.get("id"):
            self.ids.append(a["id"])
        for name in ("src", "href", "xlink:href", "srcset", "data", "poster"):
            value = a.get(name)
            # an <a href> to the publisher is a link, not a resource the page loads
            if value and EXTERNAL.match(value) and not (tag == "a" and name == "href"):
                self.external.append(f"<{tag} {name}={value}>")
        chart = self.charts[-1] if self.charts and any(t == "svg" for t, _a in self._stack) else None
        if tag == "section" and "pledge-card" in classes:
            self.cards.append(a.get("data-pledge-id"))
        elif tag == "svg" and "metric-chart" in classes:
            self.charts.append({**{k[5:]: v for k, v in a.items() if k.startswith("data-")}, "labelledby": a.get("aria-labelledby"),
                                "bars": [], "points": [], "baselines": [], "markers": [], "vintages": [], "bands": [],
                                "lines": [], "title": "", "desc": "", "text": []})
        elif chart is not None:
            data = {k[5:]: v for k, v in a.items() if k.startswith("data-")}
            if tag == "rect" and "bar" in classes:
                chart["bars"].append(data)
            elif "point" in classes:
                chart["points"].append(data)
            elif tag == "line" and "baseline" in classes or tag == "line" and "target" in classes:
                chart["baselines"].append(data)
            elif tag == "polyline" and "baseline" in classes:
                chart["baselines"].append({**data, "line": "yes"})
            elif tag == "g" and "marker" in classes:
                chart["markers"].append(data)
            elif tag == "polyline" and "vintage" in classes:
                chart["vintages"].append({**data, "dash": a.get("stroke-dasharray"), "width": float(a.get("stroke-width"))})
            elif tag == "polyline":
                chart["lines"].append(data)
            elif tag == "rect" and "band" in classes:
                chart["bands"].append(data)
        if tag == "table" and a.get("id") == "claim-checks":
            self._in_claims = True
        elif tag == "tbody" and self._in_claims:
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody:
            self.claim_rows.append(a.get("data-claim-id"))
        elif tag == "tr" and a.get("data-source-id"):
            self._source = a["data-source-id"]
            self.sources[self._source] = {"state": a.get("data-state"), "text": "", "links": []}
        if tag == "a":
            self.links.append({"href": a.get("href"), "classes": classes, "text": ""})
        if tag == "li" and a.get("data-kind"):
            self.changes.append({"kind": a["data-kind"], "date": a.get("data-date"), "text": ""})
        if tag == "h3" and a.get("data-date"):
            self.change_days.append(a["data-date"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append((int(tag[1]), ""))
        if tag in ("p", "style", "title", "desc", "text", "a", "li", "h1", "h2", "h3", "h4", "tr"):
            self._capture.append((tag, a, []))
        if tag not in VOID:
            self._stack.append((tag, a))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_claims = self._in_tbody = False
        elif tag == "tbody":
            self._in_tbody = False
        elif tag == "tr":
            self._source = None
        if any(t == tag for t, _a in self._stack):
            while self._stack.pop()[0] != tag:
                pass
        if self._capture and self._capture[-1][0] == tag:
            t, a, parts = self._capture.pop()
            text = "".join(parts)
            for outer in self._capture:
                outer[2].append(text)
            if t == "p" and a.get("id") == "data-as-of":
                self.as_of = text
            elif t == "style":
                self.style += text
            elif t == "title" and self.charts and a.get("id", "").endswith("-title"):
                self.charts[-1]["title"] = text
            elif t == "desc" and self.charts:
                self.charts[-1]["desc"] = text
            elif t == "text" and self.charts and any(s == "svg" for s, _x in self._stack):
                self.charts[-1]["text"].append(text)
            elif t == "a":
                self.links[-1]["text"] = text
            elif t == "li" and a.get("data-kind"):
                self.changes[-1]["text"] = text
            elif re.fullmatch(r"h[1-6]", t):
                level = int(t[1])
                idx = max(i for i, (lv, _t) in enumerate(self.headings) if lv == level)
                self.headings[idx] = (level, text)
            elif t == "tr" and a.get("data-source-id"):
                self.sources[a["data-source-id"]]["text"] = text

    def handle_data(self, data):
        if self._capture:
            self._capture[-1][2].append(data)


def parse(path_or_text) -> ReportParser:
    parser = ReportParser()
    parser.feed(path_or_text.read_text(encoding="utf-8") if isinstance(path_or_text, Path) else path_or_text)
    parser.close()
    return parser


def charts_of(page: ReportParser, pledge_id: str, chart: str | None = None) -> list[dict]:
    return [c for c in page.charts if c["pledge-id"] == pledge_id and (chart is None or c["chart"] == chart)]


def load(warehouse: Path, folder: Path) -> Path:
    assert cli.main(["load", "--warehouse", str(warehouse), str(folder)]) == 0
    return warehouse


@pytest.fixture(scope="module")
def synthetic_warehouse(tmp_path_factory) -> Path:
    """Two small-boats releases built in code (run everywhere): 2023-07-01 to 2024-09-09 published 13 Sep 2024, then
    to 2024-09-16 published 20 Sep 2024, revising 3 and 4 September 2024."""
    base = tmp_path_factory.mktemp("report")
    small_boats_file(base / "files", date(2024, 9, 13), start=SB_START, days=437)
    small_boats_file(base / "files", date(2024, 9, 20), start=SB_START, days=444, revised=REVISED)
    return load(base / "pledges.duckdb", base / "files")


REVISED = {(date(2024, 9, 3) - SB_START).days: 999, (date(2024, 9, 4) - SB_START).days: 5}


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory) -> Path:
    """Every real published file of ../shared/realdata, as `pledges load ../shared/realdata` loads them."""
    if not (REALDATA / "small_boats").is_dir():
        pytest.skip(f"real published files not present at {REALDATA} (the ../shared/realdata tier runs in CI)")
    return load(tmp_path_factory.mktemp("report-real") / "pledges.duckdb", REALDATA)


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def expected(warehouse: Path) -> dict:
    """What the page must show, straight from the warehouse."""
    return {
        "cards": [r[0] for r in query(warehouse, "SELECT pledge_id FROM marts.pledge_status")],
        "claims": [r[0] for r in query(warehouse, "SELECT claim_id FROM marts.claim_checks")],
        # quantitative entries whose metric (or one of a claim's measures) has published figures
        "with_data": sorted(r[0] for r in query(warehouse, """
            SELECT p.pledge_id FROM marts.pledges p LEFT JOIN marts.claim_checks c ON c.claim_id = p.pledge_id
            WHERE p.kind = 'quantitative' AND EXISTS (
                SELECT 1 FROM marts.metric_observations o WHERE o.is_latest AND (o.metric_id = p.metric_id
                    OR list_contains(list_transform(coalesce(c.part_verdicts, []), lambda x: x.metric_id), o.metric_id)))""")),
        "progress": {pid: [r for r in query(warehouse, """
            SELECT period_label, value, baseline_value, status FROM marts.pledge_progress
            WHERE is_latest_vintage AND view = 'period' AND pledge_id = ? ORDER BY period_start""", [pid])]
            for (pid,) in query(warehouse, "SELECT DISTINCT pledge_id FROM marts.pledge_progress")},
        "latest": query(warehouse, """
            SELECT source_id, published_on, release_id FROM marts.releases WHERE status = 'loaded'
            QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY published_on DESC, fetched_at DESC) = 1"""),
        "sources": sorted(r[0] for r in query(warehouse, "SELECT DISTINCT source_id FROM marts.metrics")),
        "baseline": dict(query(warehouse, "SELECT pledge_id, baseline FROM marts.pledges")),
    }


def check_report(warehouse: Path, out: Path) -> tuple[ReportParser, dict]:
    path = write_report(warehouse, out)
    assert path == out and out.is_file()
    page, want = parse(out), expected(warehouse)
    # one card per register entry, none left out, none twice
    assert sorted(page.cards) == sorted(want["cards"]) and len(page.cards) == len(want["cards"]) > 0
    # a history chart for every quantitative entry with data, and only for those
    assert sorted(c["pledge-id"] for c in page.charts if c["chart"] == "history") == want["with_data"]
    assert {c["chart"] for c in page.charts} <= {"history", "related", "rolling_12_months", "calendar_years", "revisions"}
    for chart in page.charts:      # every chart titled and described, for screen readers too
        assert chart["title"].strip() and chart["desc"].strip(), chart
        assert all(i in page.ids for i in chart["labelledby"].split()), chart["labelledby"]
    # tracked pledges: each tracked period of the history chart carries its status, its value and the baseline tick
    for pid, rows in want["progress"].items():
        (history,) = charts_of(page, pid, "history")
        shapes = {b["period"]: b for b in history["bars"] + history["points"]}
        for label, value, baseline, status in rows:
            assert float(shapes[label]["value"]) == pytest.approx(value), (pid, label)
            assert shapes[label].get("status") == status, (pid, label)
        ticks = {t["period"]: float(t["value"]) for t in history["baselines"] if t.get("kind") == "prior_year"}
        if want["baseline"][pid] == "same_period_year_before":
            assert ticks == {label: pytest.approx(b) for label, _v, b, _s in rows if b is not None}
        else:
            assert ticks == {}
    # the claim checks table: one row per claim
    assert page.claim_rows == want["claims"] and len(page.claim_rows) > 0
    # data as of: every source's latest loaded release
    assert want["latest"]
    for source_id, published_on, release_id in want["latest"]:
        assert source_id in page.as_of and published_on.isoformat() in page.as_of and release_id in page.as_of
    # sources: one row per source of the catalog, each with its publication page
    assert sorted(page.sources) == want["sources"]
    # headings in order: one h1, no level skipped
    assert [lv for lv, _t in page.headings].count(1) == 1 and page.headings[0][0] == 1
    assert all(b <= a + 1 for (a, _x), (b, _y) in zip(page.headings, page.headings[1:])), page.headings
    # links: official pages over https to the publishers; no local file linked; the feed beside the page
    for a in page.links:
        href = a["href"] or ""
        assert href.startswith(("#", "https://")) or href == FEED_NAME, href
        if "official" in a["classes"]:
            assert urlparse(href).hostname in OFFICIAL_HOSTS, href
    assert any(a["href"] == FEED_NAME for a in page.links) and (out.parent / FEED_NAME).is_file()
    # self-contained: nothing loaded from the network when viewed
    assert page.external == []
    assert "@import" not in page.style and not re.search(r"url\(\s*['\"]?(https?:)?//", page.style)
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "<link" not in text.lower() and "file:" not in text.lower()
    assert len(text) < 600_000
    return page, want


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
    assert history["bars"][-1]["status"] == want["progress"]["small_boats"][0][3]
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
    assert [(p["period"], float(p["value"]), p["status"]) for p in rolling["points"]] == [(r[0], r[1], r[3]) for r in rows]
    assert rolling["baselines"] == [] and rows[-1][1] == sum(arrivals((date(2023, 9, 1) - SB_START).days + k) for k in range(366))
    # no calendar year in full: only 2024 to date
    (years,) = charts_of(page, "small_boats", "calendar_years")
    assert [(b["period"], float(b["value"])) for b in years["bars"]] == [
        ("2024 to 16 Sep", sum(REVISED.get(i, arrivals(i)) for i in range((date(2024, 1, 1) - SB_START).days, 444)))]
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No chart: no official asylum_hotel_population figures are loaded yet" in text
    # what changed: the newest release's day first, with the revision of 3 September beyond the threshold
    assert page.change_days[0] == "2024-09-20" and page.changes[0]["date"] == "2024-09-20"
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
    years = calendar_years(days, first_year=2019)
    assert [y["label"] for y in years] == ["2020", "2021 to 1 Feb"]                 # 2019 incomplete: left out
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

def sb01(name: str) -> pd.Series:
    """Daily arrivals as the published sheet has them (SB_01), read independently of the pipeline."""
    daily = pd.read_excel(REALDATA / "small_boats" / name, sheet_name="SB_01", engine="calamine", na_values=["-"])
    return daily.set_index(pd.to_datetime(daily["Date"]))["Migrants arrived"].dropna()


def test_report_from_real_published_files(real_warehouse, tmp_path):
    out = tmp_path / "report.html"
    page, want = check_report(real_warehouse, out)
    html = out.read_text()
    entries = query(real_warehouse, "SELECT pledge_id, title, quote, statement_title, said_on, method, evidence, status "
                                    "FROM marts.pledge_status")
    assert len(entries) == 32
    for pledge_id, title, quote, statement_title, said_on, method, evidence, status in entries:
        card = html[html.index(f'id="card-{pledge_id}"'):]
        card = card[:card.index("</section>")]
        assert escape(title) in card and f"“{escape(quote)}”" in card, pledge_id
        assert escape(statement_title) in card and said_on.isoformat() in card, pledge_id
        assert f"<b>Method:</b> {escape(method)}" in card and f'data-status="{escape(status)}"' in card, pledge_id
        for item in evidence or []:      # qualitative rows: dated evidence, linked where it has an address
            assert escape(item["summary"]) in card and item["date"] in card, pledge_id
            assert not item["url"] or f'href="{escape(item["url"])}"' in card, pledge_id
    small = html[html.index('id="card-small_boats"'):]
    assert "12 months to Dec 2025: 41,472 against 36,816" in small[:small.index("</section>")]

    daily = sb01("23_January_2026_Small_boats_-_time_series.ods")     # the newest of the ten files
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
        (str(y) if y < last.year else f"{y} to {last.day} {last:%b}", float(v)) for y, v in by_year.items()]
    assert [b["period"] for b in years["bars"]][0] == "2018" and years["bars"][-1]["period"] == "2026 to 22 Jan"
    ((ytd, ytd_base),) = query(real_warehouse, "SELECT value, baseline_value FROM marts.pledge_progress WHERE pledge_id = 'small_boats' "
                                               "AND view = 'calendar_year_to_date' AND is_latest_vintage")
    assert float(years["bars"][-1]["value"]) == ytd
    assert float(years["baselines"][0]["value"]) == ytd_base == daily["2025-01-01":"2025-01-22"].sum()
    # the rolling 12 months to each month, as marts.pledge_progress has it; the last one checked against the sheet
    (rolling,) = charts_of(page, "small_boats", "rolling_12_months")
    rows = query(real_warehouse, "SELECT period_label, value, baseline_value, status FROM marts.pledge_progress WHERE pledge_id = "
                                 "'small_boats' AND view = 'rolling_12_months' AND is_latest_vintage ORDER BY period_start")
    assert [(p["period"], float(p["value"]), float(p["baseline"]), p["status"]) for p in rolling["points"]] == rows
    assert rows[-1][:3] == ("12 months to Dec 2025", daily["2025"].sum(), daily["2024"].sum())
    # no figure of the ten weekly files was ever revised: no revisions chart, and none claimed
    assert query(real_warehouse, "SELECT count(*) FROM (SELECT 1 FROM marts.metric_observations WHERE metric_id = "
                                 "'small_boat_arrivals' GROUP BY period_start HAVING count(DISTINCT value) > 1)") == [(0,)]
    assert charts_of(page, "small_boats", "revisions") == []
    # a pledge whose figures stop before it is tracked still shows their history, against an independent SQL sum
    if "employer_penalties" in want["with_data"]:
        (pen,) = charts_of(page, "employer_penalties", "history")
        sums = query(real_warehouse, "SELECT year(period_start) || ' Q' || quarter(period_start), sum(value) FROM marts.metric_observations "
                                     "WHERE metric_id = 'illegal_working_penalties' AND is_latest GROUP BY 1, period_start ORDER BY period_start")
        assert [(b["period"], float(b["value"])) for b in pen["bars"]] == sums
        assert {b["tone"] for b in pen["bars"]} == {"before"}

    # what changed: the newest release date first, every change of that date listed, the feed beside the page
    changes = query(real_warehouse, "SELECT changed_on, kind, summary FROM marts.changes ORDER BY changed_on DESC")
    newest = changes[0][0]
    days = sorted({c[0].isoformat() for c in changes}, reverse=True)
    assert page.change_days == days[:1 + EARLIER_DATES] and page.change_days[0] == newest.isoformat()
    assert sorted(c["text"] for c in page.changes if c["date"] == newest.isoformat()) == sorted(
        f"{'new release' if k == 'release' else k}{s}" for d, k, s in changes if d == newest)

    # the sources as of 25 January 2026: small boats up to date (next file due 30 January); the transparency data
    # loaded from November 2023 long overdue; ONS never loaded; each with its publication page
    page = parse(render(read_report_data(real_warehouse), generated=datetime(2026, 1, 25, tzinfo=timezone.utc)))
    sources = page.sources
    assert sources["small_boats"]["state"] == "up to date" and "30 Jan 2026" in sources["small_boats"]["text"]
    assert sources["ie_transparency"]["state"] == "published but not loaded here" and "1 Feb 2024" in sources["ie_transparency"]["text"]
    assert sources["ons_ltim"]["state"] == "published but not loaded here" and "none loaded" in sources["ons_ltim"]["text"]
    pages = {a["href"] for a in page.links if "official" in a["classes"] and a["text"] == "publication page"}
    assert "https://www.gov.uk/government/publications/migrants-detected-crossing-the-english-channel-in-small-boats" in pages
    assert any(urlparse(u).hostname == "www.ons.gov.uk" for u in pages)
    assert "a file loaded locally" in sources["small_boats"]["text"]


# --- in a real browser ---------------------------------------------------------------------------

class DevTools:
    """A minimal Chrome DevTools Protocol client over the browser's WebSocket (flattened sessions)."""

    def __init__(self, url: str):
        from websockets.sync.client import connect
        try:
            self.ws = connect(url, max_size=None, open_timeout=15, proxy=None)
        except TypeError:   # websockets < 15 has no proxy support (and so never uses one)
            self.ws = connect(url, max_size=None, open_timeout=15)
        self.last_id = 0
        self.events: list[dict] = []

    def _receive(self, deadline: float) -> dict:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no answer from Chromium")
        message = json.loads(self.ws.recv(timeout=remaining))
        if "method" in message:
            self.events.append(message)
        return message

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        self.last_id += 1
        request = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = session
        self.ws.send(json.dumps(request))
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == self.last_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_for(self, method: str, session: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event["method"] == method and event.get("sessionId") == session:
                    return event
            seen = len(self.events)
            self._receive(deadline)

    def close(self) -> None:
        self.ws.close()


def start_chromium(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    log_path = tmp_path / "chromium.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--remote-debugging-port=0", "--window-size=1280,900",
         "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    log.close()
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        found = re.search(r"DevTools listening on (ws://\S+)", log_path.read_text(errors="replace"))
        if found:
            return proc, found.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop_chromium(proc)
    pytest.fail(f"chromium did not report its DevTools endpoint:\n{log_path.read_text(errors='replace')[-3000:]}")


def stop_chromium(proc: subprocess.Popen) -> None:
    """End the browser we started, by its pid (then its own process group: renderers, zygote)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    try:
        os.killpg(proc.pid, signal.SIGKILL)   # the session start_new_session gave it: only processes it spawned
    except (ProcessLookupError, PermissionError):
        pass


OVERFLOW_JS = """(() => {
    const width = document.documentElement.clientWidth;
    const scrolls = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; };
    const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
    const wider = [...document.querySelectorAll('body *')].filter(el => !scrolls(el) && el.getBoundingClientRect().right > width + 0.5)
        .map(el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.getAttribute('class') || ''} right=${el.getBoundingClientRect().right}`);
    const cards = [...document.querySelectorAll('section.pledge-card')];
    const charts = [...document.querySelectorAll('svg.metric-chart')];
    return {width, scrollWidth: document.documentElement.scrollWidth, wider: wider.slice(0, 20),
            cards: cards.length, shownCards: cards.filter(shown).length,
            charts: charts.map(c => ({chart: c.dataset.chart, pledge: c.dataset.pledgeId, metric: c.dataset.metricId,
                                      width: c.getBoundingClientRect().width, height: c.getBoundingClientRect().height,
                                      title: (c.querySelector('title') || {}).textContent || '',
                                      labelled: (c.getAttribute('aria-labelledby') || '').split(' ').every(id => document.getElementById(id)),
                                      role: c.getAttribute('role')})),
            claimRows: document.querySelectorAll('table#claim-checks tbody tr').length,
            sources: document.querySelectorAll('table#sources tbody tr').length,
            asOf: (document.getElementById('data-as-of') || {}).textContent || '',
            links: [...document.querySelectorAll('a[href]')].map(a => ({href: a.href, raw: a.getAttribute('href'), official: a.classList.contains('official')})),
            headings: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]),
            resources: performance.getEntriesByType('resource').map(e => e.name)};
})()"""


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
            cdp.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1,
                                                            "mobile": width < 600}, session=session)
            cdp.events.clear()
            navigated = cdp.call("Page.navigate", {"url": report.as_uri()}, session=session)
            assert not navigated.get("errorText"), navigated
            cdp.wait_for("Page.loadEventFired", session)
            seen = cdp.call("Runtime.evaluate", {"returnByValue": True, "expression": OVERFLOW_JS}, session=session)["result"]["value"]
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

            metrics = cdp.call("Page.getLayoutMetrics", session=session)["cssContentSize"]
            shot = cdp.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                       "clip": {"x": 0, "y": 0, "width": metrics["width"],
                                                                "height": min(metrics["height"], 8000), "scale": 1}},
                            session=session, timeout=60)
            shots[width] = tmp_path / f"report-{width}.png"
            shots[width].write_bytes(base64.b64decode(shot["data"]))
            assert metrics["width"] <= width

            ours = [e for e in cdp.events if e.get("sessionId") == session]
            errors = [e for e in ours if e["method"] == "Runtime.exceptionThrown"
                      or (e["method"] == "Runtime.consoleAPICalled" and e["params"].get("type") in ("error", "assert"))
                      or (e["method"] == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")]
            assert errors == []
            requested = [e["params"]["request"]["url"] for e in ours if e["method"] == "Network.requestWillBeSent"]
            assert all(u.startswith(("file:", "data:", "about:")) for u in requested), requested
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
