"""The report's sections around the cards: "data as of", what changed since the previous release (marts.changes,
with the Atom feed beside the page), and every catalog source with its latest and next expected release."""
from __future__ import annotations

from datetime import date

from flows.feed import FEED_NAME
from flows.formatting import fmt_date, fmt_day, release_date_words
from flows.report_html import badge, link
from flows.report_svg import esc

KIND_WORDS = {"status": "status", "comparison": "comparison", "verdict": "verdict", "release": "new release",
              "revision": "revision"}
MAX_CHANGES = 20          # items listed for the newest date (the feed has every one)
EARLIER_DATES = 8         # earlier dates listed under "earlier changes"


def render_as_of(data: dict) -> str:
    """Each source's latest loaded release: the source's title and publisher, the file and its publication date
    (the release id, as SQL and `pledges status` name it, in small print after them)."""
    sources = {m["source_id"]: m for m in data.get("metric_rows") or [] if m.get("source_id")}
    files = {r["release_id"]: r.get("file_name") for r in data.get("releases") or []}
    items = []
    for r in data["latest"]:
        source = sources.get(r["source_id"]) or {}
        title = source.get("source_title") or r["source_id"]
        publisher = f' ({esc(source["publisher"])})' if source.get("publisher") else ""
        file_name = files.get(r["release_id"]) or r.get("title")
        text = (f'<span class="src" data-source-id="{esc(r["source_id"])}" data-release-id="{esc(r["release_id"])}">'
                f'<b>{esc(title)}</b>{publisher}: ' + (f'{esc(file_name)}, ' if file_name else "")
                + release_date_words(f'<time datetime="{esc(fmt_date(r["published_on"]))}">{esc(fmt_day(r["published_on"]))}</time>',
                                     r.get("date_basis"))
                + f'</span> <span class="meta">(release <code>{esc(r["release_id"])}</code>)</span>')
        rej = data["rejected"].get(r["source_id"])
        if rej and rej["latest"] and rej["latest"] > r["published_on"]:
            text += f" <em>a newer release ({esc(fmt_day(rej['latest']))}) was rejected</em>"
        items.append(text)
    line = "; ".join(items) if items else "no release loaded yet"
    html = f'<p id="data-as-of"><b>Data as of</b> (latest loaded release per source): {line}.</p>'
    if data["not_loaded"]:
        html += f'<p class="meta">No release loaded yet from: {esc("; ".join(data["not_loaded"]))}.</p>'
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
           f'figures beyond each measure\'s threshold, newest first. Subscribe: '
           f'<a href="{FEED_NAME}" type="application/atom+xml">the Atom feed of every change</a> ({FEED_NAME}, beside this page).</p>']
    if not days:
        out.append('<p class="meta">Nothing yet: changes are listed from the second release on.</p>')
    for i, day in enumerate(days[:1 + EARLIER_DATES]):
        if i == 1:
            # the dates the fold holds, and how many more only the feed has (it said "17 more dates" over 8)
            shown, earlier = min(len(days) - 1, EARLIER_DATES), len(days) - 1
            out.append(f"<details><summary>Earlier changes ({shown} more date{'s' if shown != 1 else ''}"
                       + (f"; {earlier - shown} older in the feed" if earlier > shown else "") + ")</summary>")
        # a day without a release holds only statuses set by hand, dated by their evidence
        from_release = any(c.get("release_id") for c in by_day[day])
        label = ("Latest release date" if from_release else "Latest change (evidence dated)") if i == 0 else \
            ("Published" if from_release else "Evidence dated")
        out.append(f'<h3 data-date="{esc(fmt_date(day))}">{label}: {esc(fmt_day(day))}</h3>')
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
           f'<caption class="meta">Every source this tracker reads, as of {esc(fmt_day(today))}. The next release '
           "is expected one publishing interval after the latest loaded (the interval is shown under the date); once "
           "that date has passed, a newer release should be out: the publication page has it, and where this tracker "
           "refused or held one back, the row says so under the latest release loaded.</caption>",
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
            loaded = f'{esc(fmt_day(latest["published_on"]))}<br><span class="meta">{esc(latest.get("file_name"))} ({where})</span>'
        else:
            loaded = "none loaded"
        for r in s["not_loaded"]:
            loaded += f'<br><em>{esc(fmt_day(r["published_on"]))}: {esc(r.get("file_name"))} {esc(r["status"])}</em>'
        expected = (esc(fmt_day(s["next_expected"])) + f'<br><span class="meta">every {esc(s["release_every"])}</span>'
                    if s["next_expected"] else ("every " + esc(s["release_every"]) if s.get("release_every") else "–"))
        out.append(f'<tr data-source-id="{esc(s["source_id"])}" data-state="{esc(s["state"])}">'
                   f'<td><b>{esc(s.get("source_title") or s["source_id"])}</b></td>'
                   f'<td>{esc(s.get("publisher"))}<br>{cadence}</td><td>{loaded}</td><td>{expected}</td>'
                   f'<td>{badge(s["state"])}<br>{esc(s["why"])} · {link(s.get("page_url"), "publication page", official=True)}</td></tr>')
    out.append("</tbody></table></div>")
    return "\n".join(out)
