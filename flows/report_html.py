"""The report page's look and its small HTML pieces: the stylesheet, status badges in words, links.

Everything is inline (no fonts, scripts or images fetched when the page is opened); colour is never the only
signal: a badge says its status in words.
"""
from __future__ import annotations

import os
import re

from flows.report_svg import esc

# status or verdict -> badge tone
TONES = {
    "met": "good", "on track": "good", "consistent": "good", "kept": "good",
    "off track": "bad", "not kept": "bad", "not borne out": "bad",
    "overstated": "warn", "understated": "warn", "partly consistent": "warn", "partly kept": "warn",
    "in progress": "neutral",
    "awaiting data": "muted", "not graded": "muted", "not yet published": "muted", "not loaded here": "muted", "not yet assessed": "muted", "not yet said": "muted",
    "not measurable": "neutral",
    "up to date": "good", "published but not loaded here": "warn", "no schedule": "muted",
}

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
#data-as-of span.src,#data-as-of code{overflow-wrap:anywhere}#data-as-of time{white-space:nowrap}
.summary{display:flex;flex-wrap:wrap;gap:6px 10px;margin:.6em 0;padding:0;list-style:none}
#changes h3{font-size:1em;margin:.8em 0 .2em}
ul.changes{margin:.2em 0;padding-left:1.2em}ul.changes li{margin:.15em 0}
.kind{display:inline-block;font-size:.78em;font-weight:600;text-transform:uppercase;letter-spacing:.03em;color:var(--neutral);
border:1px solid var(--line);border-radius:4px;padding:0 5px;margin-right:6px;background:#fff}
details{margin:.6em 0}summary{cursor:pointer;color:#0b57d0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(460px,100%),1fr));gap:14px}
.pledge-card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px;display:flex;flex-direction:column;gap:6px;min-width:0}
.pledge-card.wide{grid-column:1/-1}
.card-head{display:flex;justify-content:space-between;align-items:flex-start;gap:8px;flex-wrap:wrap}
.card-head .tags{font-size:.8em;color:var(--muted);margin:0}
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


def badge(status: str | None, words: str | None = None) -> str:
    """The status in words, toned by the status; `words` where the badge must say more than the status (a status on
    the tracker's own yardstick: status_words)."""
    status = status or "awaiting data"
    return f'<span class="badge tone-{TONES.get(status, "muted")}">{esc(words or status)}</span>'


# statuses that grade a direction: on a yardstick of the tracker's own (marts.pledges.direction_from 'yardstick'), the
# badge says so, as the explanation and marts.changes do ("off track on this tracker's yardstick")
YARDSTICK_STATUSES = ("on track", "off track", "met")


def status_words(entry: dict) -> str:
    """A card's status as its badge gives it: "off track (tracker's yardstick)" where the words promise no figure or
    direction of this measure (small boats: a reader repeating a bare "off track" reports a broken promise; audit 22
    D14), else the status itself."""
    status = entry.get("status") or "awaiting data"
    if entry.get("direction_from") == "yardstick" and status in YARDSTICK_STATUSES:
        return f"{status} (tracker's yardstick)"
    return status


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
