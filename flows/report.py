"""One self-contained HTML page of every pledge and claim, read from the published warehouse.

`write_report(warehouse, out)` reads the public marts (read-only, like every dashboard) and writes a
single HTML file: inline CSS, inline SVG charts drawn here, no scripts, fonts or images fetched when
it is viewed, so it can be mailed, archived or opened from disk; then the Atom feed of marts.changes
beside it (flows/feed.py). Sections, in order:

- "data as of": each source's latest loaded release (source id, publication date, release id);
- what changed since the previous release (marts.changes, newest release date first, with a link to
  the feed);
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
import re
from datetime import date, datetime, timezone
from pathlib import Path

from flows.feed import FEED_NAME, read_changes, write_feed
from flows.report_charts import esc, fmt_num
from flows.report_figures import entry_charts, fmt_pct
from flows.report_series import read_entries, rows as _rows, short_date, source_rows
from warehouse import db

DEFAULT_NAME = "pledges-report.html"

# status or verdict -> badge tone
TONES = {
    "met": "good", "on track": "good", "consistent": "good", "kept": "good",
    "off track": "bad", "not kept": "bad",
    "overstated": "warn", "understated": "warn", "partly consistent": "warn", "partly kept": "warn",
    "in progress": "neutral",
    "awaiting data": "muted", "not yet published": "muted", "not loaded here": "muted", "not yet assessed": "muted",
    "not measurable": "neutral",
    "up to date": "good", "published but not loaded here": "warn", "no schedule": "muted",
}
KIND_WORDS = {"status": "status", "comparison": "comparison", "verdict": "verdict", "release": "new release",
              "revision": "revision"}
MAX_CHANGES = 20          # items listed for the newest date (the feed has every one)
EARLIER_DATES = 8         # earlier dates listed under "earlier changes"
BAR_TONES = {"met": "good", "on track": "good", "off track": "bad"}   # otherwise muted

CSS = """
:root{--good:#1b7f3b;--good-bg:#e3f4e8;--bad:#b3261e;--bad-bg:#fbe5e3;--warn:#8a5a00;--warn-bg:#fff1d0;
--muted:#5f6368;--muted-bg:#eceff1;--neutral:#37474f;--neutral-bg:#fff;--line:#d0d7de;--ink:#1f2328}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);
margin:0 auto;max-width:1180px;padding:16px 20px 40px;background:#fafbfc;overflow-wrap:anywhere}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .6em;border-bottom:1px solid var(--line);padding-bottom:.2em}
h3{font-size:1.05em;margin:0}
a{color:#0b57d0}
nav a{white-space:nowrap}
.meta{color:var(--muted);font-size:.9em;margin:.3em 0}
#data-as-of{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 12px}
#data-as-of span.src{white-space:nowrap}
.summary{display:flex;flex-wrap:wrap;gap:6px;margin:.6em 0}
#changes h3{font-size:1em;margin:.8em 0 .2em}
ul.changes{margin:.2em 0;padding-left:1.2em}ul.changes li{margin:.15em 0}
.kind{display:inline-block;font-size:.78em;font-weight:600;text-transform:uppercase;letter-spacing:.03em;color:var(--neutral);
border:1px solid var(--line);border-radius:4px;padding:0 5px;margin-right:6px;background:#fff}
details{margin:.6em 0}summary{cursor:pointer;color:#0b57d0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(460px,100%),1fr));gap:14px}
.pledge-card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px;display:flex;flex-direction:column;gap:6px;min-width:0}
.pledge-card.wide{grid-column:1/-1}
.card-head{display:flex;justify-content:space-between;align-items:flex-start;gap:8px;flex-wrap:wrap}
.card-head code{font-size:.8em;color:var(--muted)}
blockquote{margin:0;padding:2px 10px;border-left:3px solid var(--line);font-style:italic}
.who{color:var(--muted);font-size:.9em;margin:0}
.badge{display:inline-block;border-radius:999px;padding:1px 10px;font-size:.82em;font-weight:600;white-space:nowrap;border:1px solid transparent}
.tone-good{color:var(--good);background:var(--good-bg);border-color:var(--good)}
.tone-bad{color:var(--bad);background:var(--bad-bg);border-color:var(--bad)}
.tone-warn{color:var(--warn);background:var(--warn-bg);border-color:#d49a00}
.tone-muted{color:var(--muted);background:var(--muted-bg);border-color:#b0b7bd}
.tone-neutral{color:var(--neutral);background:var(--neutral-bg);border-color:var(--neutral);border-style:dashed}
dl.figures{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 12px;margin:0;font-size:.93em}
dl.figures dt{color:var(--muted)}dl.figures dd{margin:0;font-variant-numeric:tabular-nums}
.explanation{margin:0}
.source,.note{font-size:.85em;color:var(--muted);margin:0}
.method{font-size:.9em;margin:.3em 0}.evidence{font-size:.85em}.evidence ul{margin:.2em 0;padding-left:1.2em}
.nochart{font-size:.9em;color:var(--muted);background:var(--muted-bg);border-radius:6px;padding:8px 10px;margin:0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(420px,100%),1fr));gap:12px 18px}
figure.chart{margin:0;min-width:0}
.chart-title{font-weight:600;font-size:.9em;margin:.2em 0}
.chartwrap{overflow-x:auto}
svg.metric-chart{display:block;width:100%;min-width:300px;height:auto;background:#fff}
svg.metric-chart text{font-family:inherit}
.legend{font-size:.8em;color:var(--muted);display:flex;flex-wrap:wrap;gap:2px 14px;margin-top:2px}
.legend .note{flex-basis:100%;color:var(--ink)}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-2px;margin-right:4px}
.sw-before,.sw-pt-before{background:#7f97ad}.sw-good,.sw-pt-good{background:#1b7f3b}.sw-muted,.sw-pt-muted{background:#aab1b8}
.sw-series{background:#3d6488}
.sw-bad{background:repeating-linear-gradient(45deg,#b3261e 0 2px,#f3c9c5 2px 4px);outline:1px solid #b3261e}
.sw-part{background:repeating-linear-gradient(-45deg,#8d969e 0 1.5px,#fff 1.5px 4px);outline:1px dashed var(--ink)}
.sw-pt-good,.sw-pt-before,.sw-pt-muted{border-radius:50%}.sw-pt-square{background:#b3261e;border-radius:0}
.sw-marker{width:0;height:14px;border-left:2px dotted var(--ink);border-radius:0}
.sw-claim{background:#dbe6f1}.sw-band{background:#eef0f2;outline:1px dashed #8d969e}
.sw-dash,.sw-traj,.sw-target,.sw-line,.sw-line0,.sw-line1,.sw-line2,.sw-vintage{width:20px;height:0;border-radius:0;vertical-align:3px;border-top:2px dashed var(--ink)}
.sw-traj{border-top-color:#1b7f3b}.sw-target{border-top:2px dotted #1b7f3b}.sw-line{border-top:3px solid var(--ink)}
.sw-line0{border-top:2px solid #1f4e79}.sw-line1{border-top:2px dashed #8a5a00}.sw-line2{border-top:2px dotted #6a1b9a}
.sw-vintage{border-top:1px dashed #7d8790}
table#claim-checks{border-collapse:collapse;width:100%;min-width:900px;background:#fff;font-size:.88em;table-layout:fixed;overflow-wrap:break-word}
table#sources{border-collapse:collapse;width:100%;min-width:760px;background:#fff;font-size:.88em;table-layout:fixed;overflow-wrap:break-word}
#claim-checks th,#claim-checks td,#sources th,#sources td{border:1px solid var(--line);padding:5px 7px;vertical-align:top;text-align:left}
#claim-checks th,#sources th{background:#f3f5f7}
#claim-checks td.num{text-align:right;font-variant-numeric:tabular-nums}
#claim-checks .badge,#sources .badge{white-space:normal}
.tablewrap{overflow-x:auto}
footer{margin-top:2em;font-size:.85em;color:var(--muted)}
@media (max-width:600px){body{padding:10px 10px 30px;font-size:14px}.pledge-card{padding:10px}h1{font-size:1.35em}}
@media print{body{background:#fff}.pledge-card{break-inside:avoid}.chartwrap,.tablewrap{overflow:visible}}
"""

# --- reading the warehouse ------------------------------------------------------------------------

def read_report_data(warehouse: Path) -> dict:
    """Everything the page shows, as plain rows."""
    con = db.connect_read_only(warehouse)
    if con is None:
        raise FileNotFoundError(f"{warehouse}: nothing published yet (run `pledges run` or `pledges load PATH`)")
    try:
        latest = _rows(con, """
            SELECT source_id, published_on, release_id, file_url, title FROM marts.releases WHERE status = 'loaded'
            QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY published_on DESC, version DESC, page_updated_at DESC NULLS LAST,
                                                         fetched_at DESC, release_id DESC) = 1
            ORDER BY source_id""")
        rejected = _rows(con, """
            SELECT source_id, count(*) AS releases, max(published_on) AS latest FROM marts.releases
            WHERE status = 'rejected' GROUP BY source_id ORDER BY source_id""")
        cards = _rows(con, """
            SELECT s.*, p.quote_verbatim, p.also_quoted, p.metric_title, p.direction, p.target, p.target_date,
                   p.progress_period, p.baseline AS baseline_kind, p.baseline_start, p.baseline_end, p.track_from, p.views,
                   p.related_metrics, p.check_type, p.claimed_direction, p.since, p.claim_start, p.claim_end,
                   p.base_start, p.base_end, p.manual_status, p.manual_status_on, p.note, p.measurability,
                   c.claimed_value, c.official_value, c.comparison_value, c.official_periods, c.covered_days,
                   c.claimed_days, c.extra_days, c.part_verdicts
            FROM marts.pledge_status s
            LEFT JOIN marts.pledges p USING (pledge_id)
            LEFT JOIN marts.claim_checks c ON c.claim_id = s.pledge_id
            ORDER BY s.type DESC, s.kind DESC, s.pledge_id""")
        progress = _rows(con, """
            SELECT pledge_id, metric_id, view, period_type, period_start, period_end, period_label, complete, data_to,
                   value, unit, baseline_label, baseline_value, change, change_pct, status, as_of, release_id
            FROM marts.pledge_progress WHERE is_latest_vintage ORDER BY pledge_id, view, period_start, period_end""")
        metric_rows = _rows(con, "SELECT * FROM marts.metrics ORDER BY source_id, metric_id")
        metrics = {r["metric_id"]: r for r in metric_rows}
        claims = _rows(con, """SELECT c.*, p.since FROM marts.claim_checks c
                               LEFT JOIN marts.pledges p ON p.pledge_id = c.claim_id ORDER BY c.claim_id""")
        releases = _rows(con, "SELECT source_id, status, published_on, file_name, file_url, release_id, version FROM marts.releases")
        entries = read_entries(con, cards, progress, metrics)
    finally:
        con.close()
    by_pledge: dict[str, list[dict]] = {}
    for row in progress:
        if row["view"] == "period":
            by_pledge.setdefault(row["pledge_id"], []).append(row)
    loaded = {r["source_id"] for r in latest}
    return {"warehouse": str(warehouse), "latest": latest, "rejected": {r["source_id"]: r for r in rejected},
            "not_loaded": sorted({m["source_id"] for m in metric_rows if m["source_id"] and m["source_id"] not in loaded}),
            "cards": cards, "progress": by_pledge, "metrics": metrics, "claims": claims, "entries": entries,
            "changes": read_changes(warehouse, 500), "metric_rows": metric_rows, "releases": releases}


# --- formatting ----------------------------------------------------------------------------------

def fmt_signed(value) -> str:
    if value is None:
        return "–"
    value = float(value)
    return f"{value:+,.0f}" if abs(value) >= 100 or value.is_integer() else f"{value:+,.2f}"


def fmt_date(value) -> str:
    if value is None:
        return "–"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def badge(status: str | None) -> str:
    status = status or "awaiting data"
    return f'<span class="badge tone-{TONES.get(status, "muted")}">{esc(status)}</span>'


def link(url: str | None, label: str | None = None, official: bool = False) -> str:
    """A link for web addresses (class "official" for the publishers' pages and files); a local path (a
    file loaded with `pledges load`) is never linked: it reads "a file loaded locally"; other text as is."""
    if not url:
        return ""
    label = label or url.rstrip("/").rsplit("/", 1)[-1] or url
    if re.match(r"https?://", url, re.I):
        cls = ' class="official"' if official else ""
        return f'<a{cls} href="{esc(url)}">{esc(label)}</a>'
    if os.path.isabs(url) or url.lower().startswith("file:"):
        return "a file loaded locally"
    return esc(url)


def claimed_text(card: dict) -> str:
    value, check = card.get("claimed_value"), card.get("check_type")
    if check == "pct_change" and value is not None:
        return f"{value:+g}%"
    if check == "ratio" and value is not None:
        return f"at least {value:g}×"
    if check == "direction":
        return f"{card.get('claimed_direction') or '?'} (direction)"
    if check == "highest_since":
        since = card.get("since")
        return f"highest since {since.year}" if since else "highest on record"
    if check == "fall" and value is not None:
        return f"a fall of at least {value:g}%"
    if check == "record_high":
        return "a record high"
    if check == "at_least" and value is not None:
        return f"at least {fmt_num(value)}"
    return fmt_num(value) + (f" {card['unit']}" if card.get("unit") and value is not None else "")


def official_text(card: dict) -> str:
    check, measure, official = card.get("check_type"), card.get("value"), card.get("official_value")
    if official is None:
        return "not published yet"
    if check == "pct_change":
        main = fmt_pct(measure)
        detail = f"{fmt_num(official)} against {fmt_num(card.get('comparison_value'))} a year before"
    elif check == "ratio":
        main = "–" if measure is None else f"{measure:.2f}×"
        detail = f"{fmt_num(official)} against {fmt_num(card.get('comparison_value'))}"
    elif check in ("direction", "fall"):
        main = fmt_num(official)
        detail = f"against {fmt_num(card.get('comparison_value'))} in the base period"
    elif check == "record_high":
        main = fmt_num(official)
        detail = f"highest earlier: {fmt_num(card.get('comparison_value'))}"
    else:
        main, detail = fmt_num(official) + (f" {card['unit']}" if card.get("unit") else ""), ""
    return main + (f" ({detail})" if detail else "")


def coverage_text(row: dict) -> str:
    if row.get("official_periods") is None:
        return ""
    text = f"{row['official_periods']}"
    if row.get("covered_days") is not None and row.get("claimed_days"):
        text += f" ({row['covered_days']} of {row['claimed_days']} claimed days"
        text += f", +{row['extra_days']} days outside" if row.get("extra_days") else ""
        text += ")"
    return text


# --- the page ------------------------------------------------------------------------------------

def render_card(card: dict, entry: dict | None = None) -> str:
    """One register entry: its words, figures, sources and (quantitative entries with data) charts."""
    entry = entry or {}
    charts = entry_charts(card, entry) if card.get("kind") == "quantitative" else []
    pid = card["pledge_id"]
    is_claim = card.get("type") == "claim"
    qualitative = card.get("kind") == "qualitative"
    tags = f"{card.get('type') or ''} · {card.get('kind') or ''}"
    wide = " wide" if len(charts) > 1 else ""
    parts = [f'<section class="pledge-card{wide}" id="card-{esc(pid)}" data-pledge-id="{esc(pid)}" data-status="{esc(card.get("status"))}">',
             f'<div class="card-head"><div><h3>{esc(card.get("title") or pid.replace("_", " "))}</h3>'
             f'<code>{esc(pid)} · {esc(tags)}</code></div>'
             f'{badge(card.get("status"))}</div>',
             f"<blockquote>“{esc(card.get('quote'))}”</blockquote>"]
    for also in card.get("also_quoted") or []:
        parts.append(f"<blockquote>“{esc(also['quote'])}” <span class=\"meta\">(statement {esc(also['statement'])})</span></blockquote>")
    who = f"{card.get('said_by') or 'unknown'}"
    if card.get("statement_title"):
        who += f", {card['statement_title']} (statement {card.get('statement')})"
    who += f", {fmt_date(card.get('said_on'))}"
    if card.get("said_on_basis"):
        who += f"; date {card['said_on_basis']}"
    if card.get("quote_verbatim") is False:
        who += "; the commitment as reported, not a word-for-word quote"
    parts.append(f'<p class="who">— {esc(who)}</p>')
    if card.get("method"):
        parts.append(f'<p class="method"><b>Method:</b> {esc(card["method"])}</p>')

    figures: list[tuple[str, str]] = []
    if qualitative:
        figures.append(("Verdict" if is_claim else "Status",
                        f"{card.get('manual_status') or '–'} (set {fmt_date(card.get('manual_status_on'))} from the evidence)"))
    elif is_claim:
        figures.append(("Claimed", claimed_text(card)))
        figures.append(("Official", official_text(card)))
        if card.get("official_periods"):
            figures.append(("Periods used", coverage_text(card)))
    else:
        unit = f" {card['unit']}" if card.get("unit") else ""
        figures.append(("Latest", f"{card.get('period_label') or '–'}: {fmt_num(card.get('value'))}{unit}"
                        if card.get("value") is not None else "no data yet"))
        figures.append(("Baseline", f"{card.get('baseline_label')}: {fmt_num(card.get('baseline_value'))}{unit}"
                        if card.get("baseline_value") is not None else "no baseline figure yet"))
        if card.get("change") is not None:
            figures.append(("Change", f"{fmt_signed(card['change'])} ({fmt_pct(card.get('change_pct'))})"))
        promise = f"{card.get('direction') or '?'}"
        if card.get("target") is not None:
            promise += f", target {fmt_num(card['target'])}"
        figures.append(("Promised", promise))
    parts.append('<dl class="figures">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in figures) + "</dl>")
    parts.append(f'<p class="explanation">{esc(card.get("explanation"))}</p>')

    if card.get("release_id"):
        url = card.get("release_url")
        local = url and not re.match(r"https?://", url, re.I)
        parts.append(f'<p class="source">Source: {esc(card.get("release_file_name") or card["release_id"])}, published '
                     f'{esc(fmt_date(card.get("published_on")))}'
                     + (f' · {link(url, "the file", official=True)}' if url and not local else "")
                     + (" (a file loaded locally)" if local else "")
                     + (f' · {link(card["source_page_url"], "publication page", official=True)}' if card.get("source_page_url") else "")
                     + "</p>")
    elif card.get("source_page_url"):
        parts.append(f'<p class="source">Publication page: {link(card["source_page_url"], official=True)}</p>')
    evidence = [e for e in (card.get("evidence") or []) if e]
    if evidence:
        items = []
        for e in evidence:
            head = link(e["url"], e.get("publisher")) if e.get("url") else esc(e.get("publisher"))
            items.append(f"<li>{head}, {esc(e.get('date'))}: {esc(e.get('summary'))}</li>")
        parts.append('<div class="evidence"><b>Evidence</b><ul>' + "".join(items) + "</ul></div>")
    note = (card.get("note") or "").strip()
    if note and note.rstrip(".") not in (card.get("explanation") or ""):
        parts.append(f'<p class="note">{esc(note)}</p>')

    if charts:
        parts.append('<div class="charts">' + "".join(charts) + "</div>")
    elif qualitative:
        parts.append('<p class="nochart">No chart: not measurable from official statistics.</p>')
    else:
        planned = "not yet in the catalog" in (card.get("measurability") or "")
        metric_ids = [p["metric_id"] for p in card.get("part_verdicts") or [] if p and p.get("metric_id")] or [card.get("metric_id")]
        names = " or ".join(dict.fromkeys(str(m) for m in metric_ids))
        parts.append(f'<p class="nochart">No chart: no official {esc(names)} figures are loaded yet'
                     + (" (its source is not yet in the catalog)." if planned else ".")
                     + (' Checked in the <a href="#claim-checks">claim checks table</a>.' if is_claim else "") + "</p>")
    parts.append("</section>")
    return "\n".join(parts)


def render_claims_table(claims: list[dict]) -> str:
    head = ["Claim", "Claimed", "Official", "Periods used (coverage)", "Verdict", "Explanation", "Verdict when made"]
    out = ['<div class="tablewrap"><table id="claim-checks">',
           "<caption class=\"meta\">Each claim against the latest revision of the official figures, "
           "and against the figures published when it was made.</caption>",
           "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in (18, 9, 14, 12, 10, 26, 11)) + "</colgroup>",
           "<thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    for c in claims:
        card = {**c, "value": c.get("official_measure"), "unit": c.get("unit")}
        when = badge(c.get("when_made_verdict"))
        if c.get("when_made_official_periods"):
            when += f'<br><span class="meta">{esc(c["when_made_official_periods"])}</span>'
        claimed = claimed_text(card) if c.get("check_type") else "–"
        official = official_text(card) if c.get("check_type") else "–"
        out.append(f'<tr data-claim-id="{esc(c["claim_id"])}">'
                   f'<td><b>{esc(c.get("title") or c["claim_id"])}</b><br>“{esc(c.get("quote"))}”<br><span class="meta">{esc(c.get("said_by"))}, '
                   f'{esc(fmt_date(c.get("said_on")))}</span></td>'
                   f'<td class="num claimed">{esc(claimed)}</td><td>{esc(official)}</td>'
                   f'<td>{esc(coverage_text(c) or "–")}</td><td>{badge(c.get("verdict"))}</td>'
                   f'<td>{esc(c.get("explanation"))}</td><td>{when}</td></tr>')
    out.append("</tbody></table></div>")
    return "\n".join(out)


def render_as_of(data: dict) -> str:
    items = []
    for r in data["latest"]:
        text = (f'<span class="src"><b>{esc(r["source_id"])}</b> {esc(fmt_date(r["published_on"]))}</span> '
                f'(<code>{esc(r["release_id"])}</code>)')
        rej = data["rejected"].get(r["source_id"])
        if rej and rej["latest"] and rej["latest"] > r["published_on"]:
            text += f" <em>a newer release ({esc(fmt_date(rej['latest']))}) was rejected</em>"
        items.append(text)
    line = "; ".join(items) if items else "no release loaded yet"
    html = f'<p id="data-as-of"><b>Data as of</b> (latest loaded release per source): {line}.</p>'
    if data["not_loaded"]:
        html += f'<p class="meta">No release loaded yet from: {esc(", ".join(data["not_loaded"]))}.</p>'
    return html


def change_items(changes: list[dict], limit: int) -> str:
    items = []
    for c in changes[:limit]:
        url = c.get("file_url") or ""
        extra = f' · {link(url, "the file", official=True)}' if c["kind"] == "release" and url.startswith("https://") else ""
        items.append(f'<li data-kind="{esc(c["kind"])}" data-date="{esc(fmt_date(c["changed_on"]))}" data-subject="{esc(c["subject"])}">'
                     f'<span class="kind">{esc(KIND_WORDS.get(c["kind"], c["kind"]))}</span>{esc(c["summary"])}{extra}</li>')
    more = len(changes) - limit
    if more > 0:
        items.append(f"<li>… and {more} more (every change is in the feed)</li>")
    return '<ul class="changes">' + "".join(items) + "</ul>"


def render_changes(changes: list[dict]) -> str:
    """marts.changes by publication date, the newest release date first; earlier dates folded away."""
    by_day: dict = {}
    for c in changes:
        by_day.setdefault(c["changed_on"], []).append(c)
    days = sorted(by_day, reverse=True)
    out = ['<section id="changes" aria-labelledby="changes-heading">',
           '<h2 id="changes-heading">What changed since the previous release</h2>',
           f'<p class="meta">Status and verdict changes, comparisons shown beside a status, new releases and revisions of published '
           f'figures beyond each metric\'s threshold (marts.changes), newest first. Subscribe: '
           f'<a href="{FEED_NAME}" type="application/atom+xml">the Atom feed of every change</a> ({FEED_NAME}, beside this page).</p>']
    if not days:
        out.append('<p class="meta">Nothing yet: changes are listed from the second release on.</p>')
    for i, day in enumerate(days[:1 + EARLIER_DATES]):
        if i == 1:
            out.append(f"<details><summary>Earlier changes ({len(days) - 1} more date{'s' if len(days) > 2 else ''})</summary>")
        label = "Latest release date" if i == 0 else "Published"
        out.append(f'<h3 data-date="{esc(fmt_date(day))}">{label}: {esc(short_date(day))}</h3>')
        out.append(change_items(by_day[day], MAX_CHANGES if i == 0 else 10))
    if len(days) > 1:
        if len(days) > 1 + EARLIER_DATES:
            out.append(f'<p class="meta">Older changes: in <a href="{FEED_NAME}">the feed</a>.</p>')
        out.append("</details>")
    out.append("</section>")
    return "\n".join(out)


def render_sources(sources: list[dict], today: date) -> str:
    """Every source of the catalog: latest loaded release, next expected, and whether one is missing here."""
    head = ["Source", "Publisher and cadence", "Latest release loaded", "Next expected", "Here"]
    out = ['<div class="tablewrap"><table id="sources">',
           f'<caption class="meta">Every source in the catalog (marts.metrics), as of {esc(short_date(today))}. The next release '
           "is expected one interval (the catalog's release_every) after the latest loaded; once that date has passed, "
           "a newer release is published but not loaded here: get it from the publication page.</caption>",
           "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in (24, 21, 23, 11, 21)) + "</colgroup>",
           "<thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    for s in sources:
        latest = s["latest"]
        lag = s.get("publication_lag_months")
        cadence = esc(s.get("cadence") or "–") + (f'<br><span class="meta">figures out about {lag} month{"s" if lag != 1 else ""} '
                                                   "after a period ends</span>" if lag else "")
        if latest:
            url = latest.get("file_url") or ""
            where = link(url, "the file", official=True) if url.startswith("https://") else "a file loaded locally"
            loaded = f'{esc(short_date(latest["published_on"]))}<br><span class="meta">{esc(latest.get("file_name"))} ({where})</span>'
        else:
            loaded = "none loaded"
        for r in s["not_loaded"]:
            loaded += f'<br><em>{esc(short_date(r["published_on"]))}: {esc(r.get("file_name"))} {esc(r["status"])}</em>'
        expected = (esc(short_date(s["next_expected"])) + f'<br><span class="meta">every {esc(s["release_every"])}</span>'
                    if s["next_expected"] else ("every " + esc(s["release_every"]) if s.get("release_every") else "–"))
        out.append(f'<tr data-source-id="{esc(s["source_id"])}" data-state="{esc(s["state"])}">'
                   f'<td><b>{esc(s.get("source_title"))}</b><br><code>{esc(s["source_id"])}</code></td>'
                   f'<td>{esc(s.get("publisher"))}<br>{cadence}</td><td>{loaded}</td><td>{expected}</td>'
                   f'<td>{badge(s["state"])}<br>{esc(s["why"])} · {link(s.get("page_url"), "publication page", official=True)}</td></tr>')
    out.append("</tbody></table></div>")
    return "\n".join(out)


def render(data: dict, generated: datetime | None = None) -> str:
    generated = generated or datetime.now(timezone.utc)
    cards = data["cards"]
    counts: dict[str, int] = {}
    for c in cards:
        counts[c.get("status") or "awaiting data"] = counts.get(c.get("status") or "awaiting data", 0) + 1
    summary = "".join(f"{badge(s)} <span class=\"meta\">×{n}</span>" for s, n in sorted(counts.items(), key=lambda kv: -kv[1]))
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
        f'<div class="summary">{summary}</div></header>',
        render_changes(data["changes"]),
        f'<h2 id="pledges">Pledges ({len(pledges)})</h2>', grid(pledges),
        f'<h2 id="claims">Claims ({len(claims)})</h2>', grid(claims),
        f'<h2 id="claim-checks-section">Claim checks ({len(data["claims"])})</h2>', render_claims_table(data["claims"]),
        f'<h2 id="sources-section">Sources ({len(sources)})</h2>', render_sources(sources, today),
        f'<footer>Generated {esc(generated.strftime("%Y-%m-%d %H:%M UTC"))} from <code>{esc(Path(data["warehouse"]).name)}</code> '
        "(tables marts.pledge_status, marts.pledge_progress, marts.claim_checks, marts.metric_observations, marts.changes, "
        "marts.metrics, marts.releases). "
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
    write_feed(warehouse, out.parent / FEED_NAME)   # the change feed beside it
    return out
