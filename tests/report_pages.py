"""Reading the HTML report the way the tests check it: a parser that collects cards, charts and their shapes,
headings, links, changes and sources, and `check_report`, what every report must satisfy against an independent
read of the warehouse (tests/test_report.py, tests/test_report_realdata.py)."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pytest

from flows import cli
from flows.feed import FEED_NAME
from flows.report import write_report

EXTERNAL = re.compile(r"\s*(https?:)?//", re.I)
OFFICIAL_HOSTS = {"www.gov.uk", "assets.publishing.service.gov.uk", "www.ons.gov.uk", "explore-education-statistics.service.gov.uk"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


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
        self._external_resources(tag, a)
        chart = self.charts[-1] if self.charts and any(t == "svg" for t, _a in self._stack) else None
        if tag == "section" and "pledge-card" in classes:
            self.cards.append(a.get("data-pledge-id"))
        elif tag == "svg" and "metric-chart" in classes:
            self.charts.append({**{k[5:]: v for k, v in a.items() if k.startswith("data-")}, "labelledby": a.get("aria-labelledby"),
                                "bars": [], "points": [], "baselines": [], "markers": [], "vintages": [], "bands": [],
                                "lines": [], "title": "", "desc": "", "text": []})
        elif chart is not None:
            self._chart_shape(chart, tag, a, classes)
        self._rows_links_and_headings(tag, a, classes)
        if tag in ("p", "style", "title", "desc", "text", "a", "li", "h1", "h2", "h3", "h4", "tr"):
            self._capture.append((tag, a, []))
        if tag not in VOID:
            self._stack.append((tag, a))

    def _external_resources(self, tag: str, a: dict) -> None:
        for name in ("src", "href", "xlink:href", "srcset", "data", "poster"):
            value = a.get(name)
            # an <a href> to the publisher is a link, not a resource the page loads
            if value and EXTERNAL.match(value) and not (tag == "a" and name == "href"):
                self.external.append(f"<{tag} {name}={value}>")

    @staticmethod
    def _chart_shape(chart: dict, tag: str, a: dict, classes: list[str]) -> None:
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

    def _rows_links_and_headings(self, tag: str, a: dict, classes: list[str]) -> None:
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
            SELECT period_label, value, baseline_value, CASE WHEN complete THEN status END FROM marts.pledge_progress
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
    # tracked pledges: each tracked period of the history chart carries its status (none while in progress: not
    # graded, row 175), its value and the baseline tick
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
