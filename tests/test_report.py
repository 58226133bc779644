"""The HTML report (flows/report.py): one self-contained page with a card per register entry,
charts of pledge progress and the claim checks table; checked by parsing and in headless Chromium."""
from __future__ import annotations

from html import escape

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import time
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from flows import cli
from flows.report import render_card, write_report
from tests.conftest import REALDATA
from tests.workbooks import small_boats_file

EXTERNAL = re.compile(r"\s*(https?:)?//", re.I)


class ReportParser(HTMLParser):
    """Collects what the tests look for: cards, charts and their bars, claim rows, external references."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cards: list[str] = []
        self.charts: list[dict] = []
        self.claim_rows: list[str] = []
        self.external: list[str] = []
        self.as_of = ""
        self.style = ""
        self._in_claims = self._in_tbody = self._in_as_of = self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        for name in ("src", "href", "xlink:href", "srcset", "data", "poster"):
            value = a.get(name)
            # an <a href> to the publisher is a link, not a resource the page loads
            if value and EXTERNAL.match(value) and not (tag == "a" and name == "href"):
                self.external.append(f"<{tag} {name}={value}>")
        if tag == "section" and "pledge-card" in classes:
            self.cards.append(a.get("data-pledge-id"))
        elif tag == "svg" and "metric-chart" in classes:
            self.charts.append({"metric_id": a.get("data-metric-id"), "pledge_id": a.get("data-pledge-id"), "bars": []})
        elif tag == "rect" and "bar" in classes and self.charts:
            self.charts[-1]["bars"].append(a.get("data-period"))
        elif tag == "table" and a.get("id") == "claim-checks":
            self._in_claims = True
        elif tag == "tbody" and self._in_claims:
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody:
            self.claim_rows.append(a.get("data-claim-id"))
        elif tag == "p" and a.get("id") == "data-as-of":
            self._in_as_of = True
        elif tag == "style":
            self._in_style = True

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_claims = self._in_tbody = False
        elif tag == "tbody":
            self._in_tbody = False
        elif tag == "p":
            self._in_as_of = False
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_as_of:
            self.as_of += data
        if self._in_style:
            self.style += data


def parse(path: Path) -> ReportParser:
    parser = ReportParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def load(warehouse: Path, folder: Path) -> Path:
    assert cli.main(["load", "--warehouse", str(warehouse), str(folder)]) == 0
    return warehouse


@pytest.fixture(scope="module")
def synthetic_warehouse(tmp_path_factory) -> Path:
    """One small-boats release built in code (runs everywhere): 2023-07-01 to 2024-09-09."""
    base = tmp_path_factory.mktemp("report")
    small_boats_file(base / "files", date(2024, 9, 13), start=date(2023, 7, 1), days=437)
    return load(base / "pledges.duckdb", base / "files")


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory) -> Path:
    folder = REALDATA / "small_boats"
    if not folder.is_dir():
        pytest.skip(f"real published files not present at {folder} (the ../shared/realdata tier runs in CI)")
    return load(tmp_path_factory.mktemp("report-real") / "pledges.duckdb", folder)


def expected(warehouse: Path) -> dict:
    """What the page must show, straight from the warehouse."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cards = [r[0] for r in con.execute("SELECT pledge_id FROM marts.pledge_status").fetchall()]
        claims = [r[0] for r in con.execute("SELECT claim_id FROM marts.claim_checks").fetchall()]
        progress: dict[str, tuple[str, list[str]]] = {}
        for pledge_id, metric_id, label in con.execute(
                "SELECT pledge_id, metric_id, period_label FROM marts.pledge_progress WHERE is_latest_vintage AND view = 'period' "
                "ORDER BY pledge_id, period_start").fetchall():
            progress.setdefault(pledge_id, (metric_id, []))[1].append(label)
        latest = con.execute("""
            SELECT source_id, published_on, release_id FROM marts.releases WHERE status = 'loaded'
            QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY published_on DESC, fetched_at DESC) = 1""").fetchall()
    finally:
        con.close()
    return {"cards": cards, "claims": claims, "progress": progress, "latest": latest}


def check_report(warehouse: Path, out: Path) -> tuple[ReportParser, dict]:
    path = write_report(warehouse, out)
    assert path == out and out.is_file()
    page, want = parse(out), expected(warehouse)
    # one card per register entry, none left out, none twice
    assert sorted(page.cards) == sorted(want["cards"]) and len(page.cards) == len(want["cards"]) > 0
    # a chart for each pledge with progress rows, one bar per period of the latest vintage
    assert "small_boat_arrivals" in [c["metric_id"] for c in page.charts]
    assert {c["pledge_id"]: (c["metric_id"], c["bars"]) for c in page.charts} == want["progress"]
    # the claim checks table: one row per claim
    assert page.claim_rows == want["claims"] and len(page.claim_rows) > 0
    # data as of: every source's latest loaded release
    assert want["latest"]
    for source_id, published_on, release_id in want["latest"]:
        assert source_id in page.as_of and published_on.isoformat() in page.as_of and release_id in page.as_of
    # self-contained: nothing loaded from the network when viewed
    assert page.external == []
    assert "@import" not in page.style and not re.search(r"url\(\s*['\"]?(https?:)?//", page.style)
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "<link" not in text.lower()
    assert len(text) < 300_000
    return page, want


def test_report_from_a_built_small_boats_release(synthetic_warehouse, tmp_path):
    page, want = check_report(synthetic_warehouse, tmp_path / "report.html")
    # the daily series is charted by quarter: the quarter in progress, 2024 Q3
    assert want["progress"]["small_boats"] == ("small_boat_arrivals", ["2024 Q3"])
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No chart: no official asylum_hotel_population figures are loaded yet" in text
    # a folder as `out` gets the default file name
    assert write_report(synthetic_warehouse, tmp_path).name == "pledges-report.html"


def test_report_from_real_small_boats_releases(real_warehouse, tmp_path):
    page, want = check_report(real_warehouse, tmp_path / "report.html")
    bars = want["progress"]["small_boats"][1]
    assert bars[0] == "2024 Q3" and len(bars) >= 6
    html = (tmp_path / "report.html").read_text()
    con = duckdb.connect(str(real_warehouse), read_only=True)
    entries = con.execute("SELECT pledge_id, title, quote, statement_title, said_on, method, evidence, status "
                          "FROM marts.pledge_status").fetchall()
    con.close()
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


def test_report_text_is_escaped():
    card = {"pledge_id": "x<y", "type": "pledge", "kind": "quantitative", "quote": "<script>alert('q')</script>",
            "said_by": "A & B", "explanation": "<img src=https://example.org/x.png>", "status": "on track",
            "metric_id": "m\"1", "release_id": "r<1>", "release_url": "https://example.org/a?b=1&c=<2>"}
    html = render_card(card, [], {})
    assert "<script" not in html and "<img" not in html and "r<1>" not in html
    assert "&lt;script&gt;" in html and "A &amp; B" in html and 'data-pledge-id="x&lt;y"' in html
    assert 'href="https://example.org/a?b=1&amp;c=&lt;2&gt;"' in html


def test_chart_with_a_fixed_baseline_and_a_negative_value(tmp_path):
    """Fixed baselines get their period shaded as the first bar and a dashed line; negative values stay on the axis."""
    card = {"pledge_id": "net_migration_down", "type": "pledge", "kind": "quantitative", "quote": "net migration must come down",
            "status": "on track", "metric_id": "net_migration", "unit": "people", "baseline_kind": "fixed", "direction": "down"}
    rows = [{"pledge_id": "net_migration_down", "metric_id": "net_migration", "period_type": "year_ending", "period_label": label,
             "complete": True, "value": value, "unit": "people", "baseline_label": "YE Jun 2024", "baseline_value": 728_000,
             "change_pct": None, "status": "on track"}
            for label, value in [("YE Dec 2024", 431_000), ("YE Jun 2025", 204_000), ("YE Dec 2025", -20_000)]]
    out = tmp_path / "card.html"
    out.write_text(render_card(card, rows, {"net_migration": {"period_type": "year_ending", "title": "Net migration"}}))
    page = parse(out)
    assert page.charts == [{"metric_id": "net_migration", "pledge_id": "net_migration_down",
                            "bars": ["YE Dec 2024", "YE Jun 2025", "YE Dec 2025"]}]
    text = out.read_text()
    assert text.count('class="baseline-bar" data-period="YE Jun 2024"') == 1 and 'stroke-dasharray="5 3"' in text
    assert ">800k</text>" in text and ">-20k</text>" in text      # max and min ticks
    assert ">year ending</text>" in text and ">people</text>" in text   # axis labels


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


@pytest.mark.slow
def test_report_renders_in_headless_chromium(synthetic_warehouse, tmp_path):
    if shutil.which("chromium") is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run installs it)")
    pytest.importorskip("websockets.sync.client", reason="websockets (a Prefect dependency) is needed to talk to DevTools")
    report = write_report(synthetic_warehouse, tmp_path / "report.html")
    want = expected(synthetic_warehouse)

    proc, endpoint = start_chromium(tmp_path)
    cdp = None
    try:
        cdp = DevTools(endpoint)
        target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            cdp.call(f"{domain}.enable", session=session)
        navigated = cdp.call("Page.navigate", {"url": report.as_uri()}, session=session)
        assert not navigated.get("errorText"), navigated
        cdp.wait_for("Page.loadEventFired", session)
        counts = cdp.call("Runtime.evaluate", {"returnByValue": True, "expression": """(() => {
            const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
            const cards = [...document.querySelectorAll('section.pledge-card')];
            const charts = [...document.querySelectorAll('svg.metric-chart')];
            return {cards: cards.length, shownCards: cards.filter(shown).length,
                    charts: charts.length, shownCharts: charts.filter(shown).length,
                    chartHeights: charts.map(c => c.getBoundingClientRect().height),
                    metrics: charts.map(c => c.dataset.metricId),
                    claimRows: document.querySelectorAll('table#claim-checks tbody tr').length,
                    asOf: (document.getElementById('data-as-of') || {}).textContent || '',
                    resources: performance.getEntriesByType('resource').map(e => e.name)};
        })()"""}, session=session)["result"]["value"]
        assert counts["cards"] == counts["shownCards"] == len(want["cards"])
        assert counts["charts"] == counts["shownCharts"] == len(want["progress"]) >= 1
        assert "small_boat_arrivals" in counts["metrics"] and min(counts["chartHeights"]) > 100
        assert counts["claimRows"] == len(want["claims"])
        assert "Data as of" in counts["asOf"]
        assert counts["resources"] == []

        metrics = cdp.call("Page.getLayoutMetrics", session=session)["cssContentSize"]
        shot = cdp.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                   "clip": {"x": 0, "y": 0, "width": metrics["width"],
                                                            "height": min(metrics["height"], 8000), "scale": 1}},
                        session=session, timeout=60)
        png = tmp_path / "report.png"
        png.write_bytes(base64.b64decode(shot["data"]))

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
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
