"""The change feed: marts.changes as an Atom 1.0 file, so readers and newsrooms can subscribe.

Written beside the HTML report after each publish (`pledges-changes.atom`). A valid Atom 1.0 feed (RFC 4287):
a link to itself and to the report, each entry with its text as content (sources named by title, releases by
file and date, never by id) and a link to the publisher's page where there is one. Entry ids are stable
(derived from what changed, where and when, as marts.changes stores it), so a feed reader never shows the same
change twice.
"""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timezone
from pathlib import Path

from flows import readmodel
from flows.formatting import fmt_day

ATOM = "http://www.w3.org/2005/Atom"
FEED_NAME = "pledges-changes.atom"
MAX_ENTRIES = 500


def read_changes(warehouse: Path, limit: int | None = None) -> list[dict]:
    """marts.changes, newest first, with the release's address where it has one (flows.readmodel), in words for
    people (`in_words`: sources by their titles, each release by its source, file and publication date).
    Each status or verdict set by hand carries `set_by_hand_on`, the day it was set (appeared_on): read in the same
    connection, so the words and the dates come from one published file, never from two across a publish."""
    with readmodel.published(warehouse) as con:
        if con is None:
            return []
        changes = in_words(readmodel.changes_from(con, limit),
                           readmodel.rows(con, "SELECT DISTINCT source_id, source_title, publisher, page_url FROM marts.metrics"),
                           readmodel.rows(con, "SELECT release_id, source_id, file_name, published_on FROM marts.releases"))
        set_on = set_by_hand_on(con)
    for change in changes:
        if change["kind"] in ("status", "verdict") and not change.get("release_id") and change["subject"] in set_on:
            change["set_by_hand_on"] = set_on[change["subject"]]
    return changes


def in_words(changes: list[dict], sources: list[dict], releases: list[dict]) -> list[dict]:
    """Each change as people read it: `summary` with a source named by its title, not its id ("New release of
    Migrants detected crossing the English Channel in small boats: time series: 23_January_2026_...ods, published
    23 Jan 2026"), `stored_summary` as marts.changes has it (entry ids are made from it, so they never change),
    and the release's source title, publisher, catalog page, file name and publication date where it has one.
    `sources` are marts.metrics rows (source_id, source_title, publisher, page_url), `releases` marts.releases rows."""
    by_source = {s["source_id"]: s for s in sources if s.get("source_id")}
    by_release = {r["release_id"]: r for r in releases}
    out = []
    for c in changes:
        release = by_release.get(c.get("release_id")) or {}
        source_id = release.get("source_id") or (c["subject"] if c["kind"] == "release" else None)
        source = by_source.get(source_id) or {}
        title = source.get("source_title") or source_id
        summary = stored = c["summary"]
        if c["kind"] == "release" and source_id and summary.startswith(f"New release of {source_id}: "):
            summary = f"New release of {title}: " + summary[len(f"New release of {source_id}: "):]
        out.append({**c, "summary": summary, "stored_summary": stored, "source_id": source_id,
                    "source_title": source.get("source_title"), "publisher": source.get("publisher"),
                    "page_url": source.get("page_url"), "file_name": release.get("file_name"),
                    "published_on": release.get("published_on")})
    return out


def set_by_hand_on(con) -> dict[str, date]:
    """The day each status or verdict set by hand was set (marts.pledges.manual_status_on: the register's status_on),
    by entry id: the day its moves first appeared here, whatever the date of the evidence they rest on."""
    return {r["pledge_id"]: r["manual_status_on"] for r in readmodel.rows(
        con, "SELECT pledge_id, manual_status_on FROM marts.pledges WHERE kind = 'qualitative' AND manual_status_on IS NOT NULL")}


def appeared_on(change: dict) -> date:
    """The day a change first appeared: a status or verdict set by hand on the day it was set (`set_by_hand_on`, from
    read_changes), never before what it reports; its changed_on is the date of the evidence, months earlier (audit
    22 D10: entries set on 3 Dec 2026 were dated 5 Jan 2026, 14 Feb 2025...). Any other change on its changed_on: the
    publication date of the release that made it (marts.changes does not carry the day the tracker loaded it)."""
    return max(change["changed_on"], change.get("set_by_hand_on") or change["changed_on"])


def _stamp(day: date | None) -> str:
    moment = datetime.combine(day, time(0), tzinfo=timezone.utc) if day else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(change: dict) -> str:
    """A change's stable id: from what changed, where and when, as marts.changes stores it (the same after a
    rebuild, and whatever words the feed shows)."""
    stored = {**change, "summary": change.get("stored_summary", change.get("summary"))}
    key = "|".join(str(stored.get(k)) for k in ("kind", "subject", "changed_on", "old_value", "new_value", "release_id", "summary"))
    return "urn:sha1:" + hashlib.sha1(key.encode()).hexdigest()


def _https(url: str | None) -> str | None:
    return url if url and url.startswith("https://") else None


def entry_page(change: dict) -> str | None:
    """The publisher's page for a change: its release's landing page, else the file itself, else the source's
    catalog page (https addresses only; a file loaded from disk has none)."""
    return _https(change.get("landing_page")) or _https(change.get("file_url")) or _https(change.get("page_url"))


def entry_text(change: dict) -> str:
    """A change in full words: what changed, then where it was published (source title, publisher, file, date); a
    status set by hand after the evidence it rests on, the day it was set (the summary dates the evidence)."""
    text = change["summary"]
    if (day := appeared_on(change)) != change["changed_on"]:
        text += f" Set in this tracker on {fmt_day(day)}."
    if change.get("release_id") and change["kind"] != "release":
        source = change.get("source_title") or change.get("source_id") or "the source"
        text += f" From {source}" + (f" ({change['publisher']})" if change.get("publisher") else "")
        if change.get("file_name"):
            text += f": {change['file_name']}"
        if change.get("published_on"):
            text += f", published {fmt_day(change['published_on'])}"
        text += "."
    elif change["kind"] == "release" and change.get("publisher"):
        text += f" ({change['publisher']})."
    if page := entry_page(change):
        text += f" Publication page: {page}"
    return text


def render_feed(changes: list[dict], title: str = "UK migration pledge tracker: what changed",
                self_href: str = FEED_NAME, report_href: str | None = None, limit: int = MAX_ENTRIES) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of `changes` (read_changes): a link to itself (`self_href`, the feed's file
    name: relative, so it holds wherever the two files are served) and to the report beside it; each entry with
    its text as content and, where the change has a publisher's https page, a link to it (rel alternate). Each
    entry is updated on the day it first appeared (appeared_on), the feed on its newest entry's; entries newest
    first by that day (a status set by hand today is not listed among the releases of its evidence's month), the
    newest `limit` of them (cut by that day too: cut by changed_on, today's hand-set statuses could fall out)."""
    changes = sorted(changes, key=appeared_on, reverse=True)[:limit]     # stable: marts.changes' order within a day
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = "urn:pledge-tracker:changes"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}subtitle").text = (
        "Pledge status and claim verdict changes, new official releases and revisions of published figures.")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=self_href)
    if report_href:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=report_href)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(max((appeared_on(c) for c in changes), default=None))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "UK migration pledge tracker"
    ET.SubElement(feed, f"{{{ATOM}}}generator").text = "pledge-tracker"
    for change in changes:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = entry_id(change)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = change["summary"]
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(appeared_on(change))
        ET.SubElement(entry, f"{{{ATOM}}}category", term=change["kind"])
        page = entry_page(change)
        if page:
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=page)
        file_url = _https(change.get("file_url"))
        if file_url and file_url != page:
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=file_url)
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = change["summary"]
        ET.SubElement(entry, f"{{{ATOM}}}content", type="text").text = entry_text(change)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def write_feed(warehouse: Path, out: Path, report_name: str | None = None) -> Path:
    """Write the feed for the published `warehouse` to `out` (a file, or a folder to hold pledges-changes.atom);
    `report_name`: the HTML report beside it, which the feed links to."""
    out = out / FEED_NAME if out.is_dir() else out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(render_feed(read_changes(warehouse), self_href=out.name, report_href=report_name))
    tmp.replace(out)   # a feed reader never fetches half a file
    return out


def changes_markdown(warehouse: Path, limit: int = 50) -> str | None:
    """The newest changes as Markdown (the Prefect run's `pledge-changes` artifact)."""
    changes = read_changes(warehouse, limit)      # in words, as the feed and the report say them
    if not changes:
        return None
    lines = ["# What changed", "", "| date | kind | change |", "|---|---|---|"]
    lines += [f"| {c['changed_on']} | {c['kind']} | {c['summary'].replace('|', '/')} |" for c in changes]
    return "\n".join(lines)
