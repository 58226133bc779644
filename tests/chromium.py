"""Headless Chromium for the report's browser test: start it, talk to it over the DevTools protocol, stop it (only
the processes it started), and the script that measures a page's layout."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest


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
