"""One self-contained HTML page of every pledge and claim, read from the published warehouse.

`write_report(warehouse, out)` reads the public marts (read-only, like every dashboard) and writes a
single HTML file: inline CSS, inline SVG charts drawn here, no scripts, fonts or images fetched when
it is viewed, so it can be mailed, archived or opened from disk. Sections:

- "data as of": each source's latest loaded release (source id, publication date, release id);
- one card per row of marts.pledge_status (pledges and claims, quantitative and qualitative):
  quote, who said it and when, status badge, latest value against baseline (or the claimed value),
  change, the explanation sentence, the release it rests on, and for pledges a chart of
  marts.pledge_progress (latest vintage, one bar per progress period, baseline dashed);
- the claim checks table (marts.claim_checks).

Stable hooks for tests and scrapers: `section.pledge-card[data-pledge-id]`,
`svg.metric-chart[data-metric-id]`, `table#claim-checks`, `p#data-as-of`.
"""
from __future__ import annotations

import math
import os
import re
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from flows.feed import FEED_NAME, write_feed
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
}
BAR_TONES = {"met": "good", "on track": "good", "off track": "bad"}   # otherwise muted

CSS = """
:root{--good:#1b7f3b;--good-bg:#e3f4e8;--bad:#b3261e;--bad-bg:#fbe5e3;--warn:#8a5a00;--warn-bg:#fff1d0;
--muted:#5f6368;--muted-bg:#eceff1;--neutral:#37474f;--neutral-bg:#fff;--line:#d0d7de;--ink:#1f2328}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);
margin:0 auto;max-width:1180px;padding:16px 20px 40px;background:#fafbfc}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .6em;border-bottom:1px solid var(--line);padding-bottom:.2em}
h3{font-size:1.05em;margin:0}
a{color:#0b57d0}
.meta{color:var(--muted);font-size:.9em;margin:.3em 0}
#data-as-of{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 12px}
#data-as-of span.src{white-space:nowrap}
.summary{display:flex;flex-wrap:wrap;gap:6px;margin:.6em 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:14px}
.pledge-card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px;display:flex;flex-direction:column;gap:6px}
.card-head{display:flex;justify-content:space-between;align-items:flex-start;gap:8px}
.card-head code{font-size:.8em;color:var(--muted)}
blockquote{margin:0;padding:2px 10px;border-left:3px solid var(--line);font-style:italic}
.who{color:var(--muted);font-size:.9em;margin:0}
.badge{display:inline-block;border-radius:999px;padding:1px 10px;font-size:.82em;font-weight:600;white-space:nowrap;border:1px solid transparent}
.tone-good{color:var(--good);background:var(--good-bg);border-color:var(--good)}
.tone-bad{color:var(--bad);background:var(--bad-bg);border-color:var(--bad)}
.tone-warn{color:var(--warn);background:var(--warn-bg);border-color:#d49a00}
.tone-muted{color:var(--muted);background:var(--muted-bg);border-color:#b0b7bd}
.tone-neutral{color:var(--neutral);background:var(--neutral-bg);border-color:var(--neutral);border-style:dashed}
dl.figures{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0;font-size:.93em}
dl.figures dt{color:var(--muted)}dl.figures dd{margin:0;font-variant-numeric:tabular-nums}
.explanation{margin:0}
.source,.note{font-size:.85em;color:var(--muted);margin:0;overflow-wrap:anywhere}
.method{font-size:.9em;margin:.3em 0}.evidence{font-size:.85em;overflow-wrap:anywhere}.evidence ul{margin:.2em 0;padding-left:1.2em}
.nochart{font-size:.9em;color:var(--muted);background:var(--muted-bg);border-radius:6px;padding:8px 10px;margin:0}
figure{margin:0}
svg.metric-chart{display:block;width:100%;height:auto;background:#fff}
svg.metric-chart text{font-family:inherit}
.legend{font-size:.8em;color:var(--muted);display:flex;flex-wrap:wrap;gap:4px 14px;margin-top:2px}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;vertical-align:-1px;margin-right:4px}
.sw.good{background:var(--good)}.sw.bad{background:var(--bad)}.sw.muted{background:#9aa0a6}
.sw.part{background:#9aa0a6;opacity:.5;outline:1px dashed var(--ink)}.sw.base{background:#dfe3e8}
.sw.dash{height:0;width:18px;border-top:2px dashed var(--ink);border-radius:0;vertical-align:3px}
table#claim-checks{border-collapse:collapse;width:100%;min-width:900px;background:#fff;font-size:.88em}
#claim-checks th,#claim-checks td{border:1px solid var(--line);padding:5px 7px;vertical-align:top;text-align:left}
#claim-checks th{background:#f3f5f7}
#claim-checks td.num{text-align:right;font-variant-numeric:tabular-nums}
#claim-checks td.claimed{white-space:nowrap}
.tablewrap{overflow-x:auto}
footer{margin-top:2em;font-size:.85em;color:var(--muted)}
@media print{body{background:#fff}.pledge-card{break-inside:avoid}}
"""


# --- reading the warehouse ------------------------------------------------------------------------

def _rows(con, sql: str) -> list[dict]:
    result = con.execute(sql)
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row)) for row in result.fetchall()]   # fetched before the next execute


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
        catalog = _rows(con, "SELECT DISTINCT source_id FROM marts.metrics WHERE source_id IS NOT NULL ORDER BY 1")
        cards = _rows(con, """
            SELECT s.*, p.quote_verbatim, p.also_quoted, p.metric_title, p.direction, p.target, p.target_date,
                   p.progress_period, p.baseline AS baseline_kind, p.check_type, p.claimed_direction, p.since,
                   p.manual_status, p.manual_status_on, p.note, p.measurability,
                   c.claimed_value, c.official_value, c.comparison_value, c.official_periods, c.covered_days,
                   c.claimed_days, c.extra_days
            FROM marts.pledge_status s
            LEFT JOIN marts.pledges p USING (pledge_id)
            LEFT JOIN marts.claim_checks c ON c.claim_id = s.pledge_id
            ORDER BY s.type DESC, s.kind DESC, s.pledge_id""")
        progress = _rows(con, """
            SELECT pledge_id, metric_id, period_type, period_start, period_end, period_label, complete, data_to,
                   value, unit, baseline_label, baseline_value, change, change_pct, status, as_of, release_id
            FROM marts.pledge_progress WHERE is_latest_vintage AND view = 'period' ORDER BY pledge_id, period_start""")
        metrics = {r["metric_id"]: r for r in _rows(con, "SELECT metric_id, title, unit, period_type FROM marts.metrics")}
        claims = _rows(con, """SELECT c.*, p.since FROM marts.claim_checks c
                               LEFT JOIN marts.pledges p ON p.pledge_id = c.claim_id ORDER BY c.claim_id""")
    finally:
        con.close()
    by_pledge: dict[str, list[dict]] = {}
    for row in progress:
        by_pledge.setdefault(row["pledge_id"], []).append(row)
    loaded = {r["source_id"] for r in latest}
    return {"warehouse": str(warehouse), "latest": latest, "rejected": {r["source_id"]: r for r in rejected},
            "not_loaded": [r["source_id"] for r in catalog if r["source_id"] not in loaded],
            "cards": cards, "progress": by_pledge, "metrics": metrics, "claims": claims}


# --- formatting ----------------------------------------------------------------------------------

def esc(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def fmt_num(value) -> str:
    if value is None:
        return "–"
    value = float(value)
    return f"{value:,.0f}" if abs(value) >= 100 or value.is_integer() else f"{value:,.2f}"


def fmt_tick(value: float) -> str:
    """Axis ticks, compact: 15k, 1.2m."""
    for threshold, size, suffix in ((1e9, 1e9, "bn"), (1e6, 1e6, "m"), (1e4, 1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / size:.3g}{suffix}"
    return fmt_num(value)


def fmt_signed(value) -> str:
    if value is None:
        return "–"
    value = float(value)
    return f"{value:+,.0f}" if abs(value) >= 100 or value.is_integer() else f"{value:+,.2f}"


def fmt_pct(value) -> str:
    return "–" if value is None else f"{float(value):+.1f}%"


def fmt_date(value) -> str:
    if value is None:
        return "–"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def badge(status: str | None) -> str:
    status = status or "awaiting data"
    return f'<span class="badge tone-{TONES.get(status, "muted")}">{esc(status)}</span>'


def link(url: str | None, label: str | None = None) -> str:
    """A link for web URLs and absolute local paths (files loaded with `pledges load`); other text as is."""
    if not url:
        return ""
    label = label or url.rstrip("/").rsplit("/", 1)[-1] or url
    if re.match(r"https?://", url, re.I):
        return f'<a href="{esc(url)}">{esc(label)}</a>'
    if os.path.isabs(url):
        return f'<a href="{esc(Path(url).as_uri())}" title="{esc(url)}">{esc(label)}</a>'
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


# --- the chart -----------------------------------------------------------------------------------

def nice_ceil(x: float) -> float:
    if x <= 0:
        return 0.0
    step = 10 ** math.floor(math.log10(x))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * step >= x - 1e-9:
            return m * step
    return 10 * step


def chart_title(card: dict, metrics: dict, period_type: str) -> str:
    metric = metrics.get(card.get("metric_id")) or {}
    title = card.get("metric_title") or metric.get("title") or card.get("metric_id") or ""
    if metric.get("period_type") in (None, period_type):
        return title           # the metric's own wording ("..., per quarter", "... at the end of each quarter")
    title = re.sub(r",?\s*(per|at the end of( each)?|by) (day|week|month|quarter|year)\b.*$", "", title, flags=re.I)
    label = period_type.replace("_", " ")
    return f"{title}, per {label}" if period_type != "year_ending" else f"{title}, year ending each period"


def x_axis_label(card: dict, metrics: dict, period_type: str) -> str:
    label = {"year_ending": "year ending", "academic_year": "academic year"}.get(period_type, period_type)
    source_type = (metrics.get(card.get("metric_id")) or {}).get("period_type")
    if source_type and source_type != period_type:
        label += f" (sum of {'daily' if source_type == 'day' else source_type + 'ly'} figures)"
    return label


def render_chart(card: dict, rows: list[dict], metrics: dict) -> str:
    """Bars per progress period (colour = status, faded = in progress), the baseline dashed."""
    W, H = 640, 270
    left, right, top, bottom = 70, 14, 34, 54
    pw, ph = W - left - right, H - top - bottom
    pid, metric_id = card["pledge_id"], card.get("metric_id") or rows[0]["metric_id"]
    period_type = rows[0]["period_type"]
    unit = rows[0].get("unit") or card.get("unit") or ""
    fixed = card.get("baseline_kind") == "fixed"
    slots = []   # (label, value, kind, row)
    if fixed:
        base = next((r for r in rows if r["baseline_value"] is not None), rows[0])
        slots.append((base.get("baseline_label") or "baseline", base.get("baseline_value"), "baseline", base))
    slots += [(r["period_label"], r["value"], "period", r) for r in rows]

    values = [v for _l, v, _k, _r in slots if v is not None] + [r["baseline_value"] for r in rows if r["baseline_value"] is not None]
    if card.get("target") is not None:
        values.append(card["target"])
    hi, lo = max(values + [0.0]), min(values + [0.0])
    ymax = nice_ceil(hi) if hi > 0 else 0.0
    ymin = -nice_ceil(-lo) if lo < 0 else 0.0
    if ymax == ymin:
        ymax = ymin + 1

    def y(v: float) -> float:
        return top + ph * (ymax - v) / (ymax - ymin)

    n = len(slots)
    slot_w = pw / n
    bar_w = max(4.0, min(60.0, slot_w * 0.62))
    title = chart_title(card, metrics, period_type)
    title_size = min(13.5, (W - 20) / (0.56 * max(1, len(title))))   # long titles shrink to fit
    tid = f"chart-{re.sub(r'[^A-Za-z0-9_-]', '-', pid)}"
    out = [f'<svg class="metric-chart" data-metric-id="{esc(metric_id)}" data-pledge-id="{esc(pid)}" '
           f'viewBox="0 0 {W} {H}" role="img" aria-labelledby="{tid}-title" xmlns="http://www.w3.org/2000/svg">',
           f'<title id="{tid}-title">{esc(title)}</title>',
           f'<text x="{W / 2:.0f}" y="18" text-anchor="middle" font-size="{title_size:.1f}" font-weight="600" '
           f'fill="#1f2328">{esc(title)}</text>']
    # baseline period shaded (fixed baselines)
    if fixed:
        out.append(f'<rect x="{left:.1f}" y="{top}" width="{slot_w:.1f}" height="{ph}" fill="#eef1f4"/>')
    # y axis: min and max ticks (and the midpoint), light grid
    ticks = [ymin, ymax]                       # min and max, then zero or the midpoint where there is room
    for extra in ([0.0] if ymin < 0 else [ymax / 2]):
        if all(abs(y(extra) - y(t)) >= 16 for t in ticks):
            ticks.append(extra)
    for t in ticks:
        ty = y(t)
        out.append(f'<line x1="{left - 4}" x2="{W - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#e3e6ea"/>')
        out.append(f'<text x="{left - 7}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" fill="#5f6368">{esc(fmt_tick(t))}</text>')
    out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}" stroke="#5f6368"/>')
    out.append(f'<line x1="{left}" x2="{W - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#5f6368"/>')
    # bars
    label_every = max(1, math.ceil(n / 10))
    for i, (label, value, kind, row) in enumerate(slots):
        cx = left + slot_w * (i + 0.5)
        if value is not None:
            y0, y1 = sorted((y(0), y(value)))
            if kind == "baseline":
                attrs = 'fill="#aab3bd"'
            else:
                tone = BAR_TONES.get(row.get("status"), "muted")
                fill = {"good": "#1b7f3b", "bad": "#b3261e", "muted": "#9aa0a6"}[tone]
                attrs = f'fill="{fill}"' + ('' if row.get("complete", True) else
                                              ' fill-opacity="0.4" stroke="#1f2328" stroke-dasharray="3 2"')
            tip = f"{label}: {fmt_num(value)} {unit}".strip()
            if kind == "period":
                if row.get("baseline_value") is not None:
                    tip += f"; baseline {row.get('baseline_label')}: {fmt_num(row['baseline_value'])} ({fmt_pct(row.get('change_pct'))})"
                tip += f"; {row.get('status')}"
                if not row.get("complete", True):
                    tip += f"; in progress, data to {fmt_date(row.get('data_to'))}"
            else:
                tip += " (baseline period)"
            cls = "bar" if kind == "period" else "baseline-bar"
            out.append(f'<rect class="{cls}" data-period="{esc(label)}" x="{cx - bar_w / 2:.1f}" y="{y0:.1f}" '
                       f'width="{bar_w:.1f}" height="{max(0.5, y1 - y0):.1f}" {attrs}>'
                       f'<title>{esc(tip)}</title></rect>')
            if n <= 14:
                vy = y(max(value, 0)) - 4
                out.append(f'<text x="{cx:.1f}" y="{vy:.1f}" text-anchor="middle" font-size="10.5" '
                           f'fill="#1f2328">{esc(fmt_num(value))}</text>')
        # per-period baseline (same period a year before): a dashed line across the slot
        if kind == "period" and not fixed and row.get("baseline_value") is not None:
            by = y(row["baseline_value"])
            out.append(f'<line x1="{cx - slot_w * 0.45:.1f}" x2="{cx + slot_w * 0.45:.1f}" y1="{by:.1f}" y2="{by:.1f}" '
                       f'stroke="#1f2328" stroke-width="1.6" stroke-dasharray="5 3"/>')
        if i % label_every == 0 or i == n - 1:
            out.append(f'<text x="{cx:.1f}" y="{top + ph + 15}" text-anchor="middle" font-size="10.5" fill="#5f6368">{esc(label)}</text>')
    if fixed and slots[0][1] is not None:
        by = y(slots[0][1])
        out.append(f'<line x1="{left}" x2="{W - right}" y1="{by:.1f}" y2="{by:.1f}" '
                   'stroke="#1f2328" stroke-width="1.6" stroke-dasharray="5 3"/>')
    if card.get("target") is not None and ymin < card["target"] <= ymax and card["target"] != 0:
        ty = y(card["target"])
        out.append(f'<line x1="{left}" x2="{W - right}" y1="{ty:.1f}" y2="{ty:.1f}" '
                   'stroke="#1b7f3b" stroke-width="1.4" stroke-dasharray="2 3"/>')
    # axis labels
    x_label = x_axis_label(card, metrics, period_type)
    out.append(f'<text x="{left + pw / 2:.0f}" y="{H - 8}" text-anchor="middle" font-size="11.5" fill="#1f2328">{esc(x_label)}</text>')
    out.append(f'<text transform="translate(13 {top + ph / 2:.0f}) rotate(-90)" text-anchor="middle" font-size="11.5" '
               f'fill="#1f2328">{esc(unit or "value")}</text>')
    out.append("</svg>")

    legend = ['<span><span class="sw good"></span>on track / met</span>', '<span><span class="sw bad"></span>off track</span>']
    if any(r.get("status") not in BAR_TONES for r in rows):
        legend.append('<span><span class="sw muted"></span>awaiting data</span>')
    if any(not r.get("complete", True) for r in rows):
        last = next(r for r in reversed(rows) if not r.get("complete", True))
        legend.append(f'<span><span class="sw part"></span>in progress (data to {esc(fmt_date(last.get("data_to")))})</span>')
    legend.append('<span><span class="sw dash"></span>' + ("baseline" if fixed else "same days a year before") + "</span>")
    if fixed:
        legend.append('<span><span class="sw base"></span>baseline period</span>')
    if card.get("target") is not None:
        legend.append(f"<span>target: {esc(fmt_num(card['target']))}</span>")
    return "<figure>" + "".join(out) + f'<figcaption class="legend">{"".join(legend)}</figcaption></figure>'


# --- the page ------------------------------------------------------------------------------------

def render_card(card: dict, rows: list[dict], metrics: dict) -> str:
    pid = card["pledge_id"]
    is_claim = card.get("type") == "claim"
    qualitative = card.get("kind") == "qualitative"
    tags = f"{card.get('type') or ''} · {card.get('kind') or ''}"
    parts = [f'<section class="pledge-card" id="card-{esc(pid)}" data-pledge-id="{esc(pid)}" data-status="{esc(card.get("status"))}">',
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
                     + (f' · {link(url, "the file")}' if url and not local else "")
                     + (" (a file loaded locally)" if local else "")
                     + (f' · {link(card["source_page_url"], "publication page")}' if card.get("source_page_url") else "")
                     + "</p>")
    elif card.get("source_page_url"):
        parts.append(f'<p class="source">Publication page: {link(card["source_page_url"])}</p>')
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

    if not is_claim and not qualitative:
        if rows:
            parts.append(render_chart(card, rows, metrics))
        else:
            planned = "not yet in the catalog" in (card.get("measurability") or "")
            parts.append(f'<p class="nochart">No chart: no official {esc(card.get("metric_id"))} figures are loaded yet'
                         + (" (its source is not yet in the catalog)." if planned else ".") + "</p>")
    elif qualitative:
        parts.append('<p class="nochart">No chart: not measurable from official statistics.</p>')
    else:
        parts.append(f'<p class="nochart">Checked in the <a href="#claim-checks">claim checks table</a> '
                     f'(metric {esc(card.get("metric_id"))}).</p>')
    parts.append("</section>")
    return "\n".join(parts)


def render_claims_table(claims: list[dict]) -> str:
    head = ["Claim", "Claimed", "Official", "Periods used (coverage)", "Verdict", "Explanation", "Verdict when made"]
    out = ['<div class="tablewrap"><table id="claim-checks">',
           "<caption class=\"meta\">Each claim against the latest revision of the official figures, "
           "and against the figures published when it was made.</caption>",
           "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in (18, 8, 14, 13, 9, 27, 11)) + "</colgroup>",
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
        return '<div class="cards">' + "\n".join(
            render_card(c, data["progress"].get(c["pledge_id"], []), data["metrics"]) for c in items) + "</div>"

    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>UK migration pledge tracker</title>",
        f"<style>{CSS}</style></head><body>",
        "<header><h1>UK migration pledge tracker</h1>",
        '<p class="meta">What the official statistics say about each pledge and claim: latest value against its '
        'baseline, or the claimed figure against the official one. '
        '<a href="#pledges">Pledges</a> · <a href="#claims">Claims</a> · <a href="#claim-checks-section">Claim checks</a></p>',
        render_as_of(data),
        f'<div class="summary">{summary}</div></header>',
        f'<h2 id="pledges">Pledges ({len(pledges)})</h2>', grid(pledges),
        f'<h2 id="claims">Claims ({len(claims)})</h2>', grid(claims),
        f'<h2 id="claim-checks-section">Claim checks ({len(data["claims"])})</h2>', render_claims_table(data["claims"]),
        f'<footer>Generated {esc(generated.strftime("%Y-%m-%d %H:%M UTC"))} from <code>{esc(Path(data["warehouse"]).name)}</code> '
        "(tables marts.pledge_status, marts.pledge_progress, marts.claim_checks, marts.releases). "
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
