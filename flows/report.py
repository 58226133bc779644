"""One self-contained HTML page of every pledge and claim, read from the published warehouse.

`write_report(warehouse, out)` reads the public marts through the read model (flows/readmodel.py:
read-only, like every dashboard) and writes a single HTML file: inline CSS, inline SVG charts drawn
here, no scripts, fonts or images fetched when it is viewed, so it can be mailed, archived or opened
from disk; then the Atom feed of marts.changes beside it (flows/feed.py). Sections, in order (cards in
flows/report_cards.py, the others in flows/report_sections.py):

- "data as of": each source's latest loaded release (source title and publisher, file name, publication date;
  the release id in small print);
- what changed since the previous release (marts.changes, newest release date first, sources named by their
  titles, with a link to the feed);
- one card per row of marts.pledge_status (pledges, then claims): title, quote with speaker, statement
  and date, status badge in words, figures against the baseline or the claim, method, explanation,
  the release and publication page (official https addresses; a locally loaded file says so), dated
  evidence for qualitative entries, and for quantitative entries with data their charts
  (flows/report_figures.py): the series over its whole history with the statement date and the
  baseline drawn, the rolling 12 months and calendar years where the register names those views, the
  revisions where published figures were revised, related measures;
- the claim checks table (marts.claim_checks);
- the sources: every source of the catalog, its latest loaded release, the next one expected from its
  cadence, and "published but not loaded here" where that date has passed.

Stable hooks for tests and scrapers: `section.pledge-card[data-pledge-id]`,
`svg.metric-chart[data-chart][data-pledge-id][data-metric-id]`, `table#claim-checks`, `p#data-as-of`,
`section#changes li[data-kind]`, `table#sources tr[data-source-id]`.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from flows import readmodel
from flows.feed import FEED_NAME, in_words, write_feed
from flows.report_cards import render_card, render_claims_table
from flows.report_html import CSS, badge, status_words
from flows.report_sections import EARLIER_DATES, render_as_of, render_changes, render_sources
from flows.report_series import chart_entries, source_rows
from flows.report_svg import esc

DEFAULT_NAME = "pledges-report.html"
__all__ = ["DEFAULT_NAME", "EARLIER_DATES", "read_report_data", "render", "render_card", "write_report"]


def read_report_data(warehouse: Path) -> dict:
    """Everything the page shows: the read model's rows (flows.readmodel.report_rows), shaped for the page."""
    found = readmodel.report_rows(warehouse)
    metric_rows, progress = found["metric_rows"], found["progress"]
    metrics = {r["metric_id"]: r for r in metric_rows}
    by_pledge: dict[str, list[dict]] = {}
    for row in progress:
        if row["view"] == "period":
            by_pledge.setdefault(row["pledge_id"], []).append(row)
    loaded = {r["source_id"] for r in found["latest"]}
    return {"warehouse": str(warehouse), "latest": found["latest"], "rejected": {r["source_id"]: r for r in found["rejected"]},
            # by title, as a reader knows them (the ids are for SQL)
            "not_loaded": sorted({m.get("source_title") or m["source_id"] for m in metric_rows
                                  if m["source_id"] and m["source_id"] not in loaded}),
            "cards": found["cards"], "progress": by_pledge, "metrics": metrics, "claims": found["claims"],
            "entries": chart_entries(found["cards"], progress, metrics, found["observations"], found["revisions"]),
            "changes": in_words(found["changes"], metric_rows, found["releases"]), "metric_rows": metric_rows,
            "releases": found["releases"]}


STATUS_WORDS = {   # statuses about the figures' whereabouts, not about the pledge or claim
    "not loaded here": "the figures it needs are published (the card links them) but not loaded into this tracker yet, "
                       "so it is not judged here",
    "not yet published": "the figures it needs are not due out yet",
    "not yet assessed": "looked into, but the evidence found so far settles no status yet",
    "not measurable": "the official figures cannot measure it (a qualitative claim, a change from zero, or figures with "
                      "nothing earlier to compare)",
}


def render(data: dict, generated: datetime | None = None) -> str:
    """The whole page for `data` (read_report_data), stamped with the time it was `generated` (default now)."""
    generated = generated or datetime.now(timezone.utc)
    cards = data["cards"]
    counts: dict[tuple[str, str], int] = {}      # (status, as its badge says it: status_words) -> entries
    for c in cards:
        key = (c.get("status") or "awaiting data", status_words(c))
        counts[key] = counts.get(key, 0) + 1
    # a list, each count followed by a comma or a full stop that is text: copied or read aloud it says "not loaded
    # here ×14, kept ×3", never "×14kept" (audit 22 D15)
    tally = sorted(counts.items(), key=lambda kv: -kv[1])
    summary = ('<ul class="summary" aria-label="How many pledges and claims have each status or verdict">'
               + "".join(f'<li>{badge(s, words)} <span class="meta">×{n}{"," if i < len(tally) - 1 else "."}</span> </li>'
                         for i, ((s, words), n) in enumerate(tally)) + "</ul>")
    # the statuses that say where the figures are, not what they show, in words a reader needs (audit 7: "not
    # loaded here" read as "no such figures")
    key = [f"<b>{esc(s)}</b>: {STATUS_WORDS[s]}" for s in dict.fromkeys(s for s, _w in counts) if s in STATUS_WORDS]
    if key:
        summary += '<p class="meta status-key">' + "; ".join(key) + ".</p>"
    pledges = [c for c in cards if c.get("type") != "claim"]
    claims = [c for c in cards if c.get("type") == "claim"]

    def grid(items: list[dict]) -> str:
        return '<div class="cards">' + "\n".join(render_card(c, data["entries"].get(c["pledge_id"])) for c in items) + "</div>"

    today = generated.date()
    sources = source_rows(data["metric_rows"], data["releases"], today)

    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>UK migration pledge tracker</title>",
        f"<style>{CSS}</style></head><body>",
        "<header><h1>UK migration pledge tracker</h1>",
        '<p class="meta">What the official statistics say about each pledge and claim: latest value against its '
        'baseline, or the claimed figure against the official one. '
        '</p><nav aria-label="Sections" class="meta"><a href="#changes">What changed</a> · <a href="#pledges">Pledges</a> · '
        '<a href="#claims">Claims</a> · <a href="#claim-checks-section">Claim checks</a> · <a href="#sources-section">Sources</a> · '
        f'<a href="{FEED_NAME}">Atom feed</a></nav>',
        render_as_of(data),
        f'{summary}</header>',
        render_changes(data["changes"]),
        f'<h2 id="pledges">Pledges ({len(pledges)})</h2>', grid(pledges),
        f'<h2 id="claims">Claims ({len(claims)})</h2>', grid(claims),
        f'<h2 id="claim-checks-section">Claim checks ({len(data["claims"])})</h2>', render_claims_table(data["claims"]),
        f'<h2 id="sources-section">Sources ({len(sources)})</h2>', render_sources(sources, today),
        # the database file by name only; its tables are for analysts (`pledges docs`), not readers (audit 22)
        f'<footer>Generated {esc(generated.strftime("%Y-%m-%d %H:%M UTC"))} from this tracker\'s database '
        f'(<code>{esc(Path(data["warehouse"]).name)}</code>). '
        "Crown copyright data, Open Government Licence v3.</footer>",
        "</body></html>",
    ])


def write_report(warehouse: Path, out: Path) -> Path:
    """Write the report for the published `warehouse` to `out` (a file, or a folder to hold pledges-report.html)."""
    warehouse, out = Path(warehouse), Path(out)
    if out.is_dir():
        out = out / DEFAULT_NAME
    text = render(read_report_data(warehouse))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)     # a browser or web server never sees half a page
    write_feed(warehouse, out.parent / FEED_NAME, report_name=out.name)   # the change feed beside it
    return out
