"""The change feed: marts.changes as an Atom 1.0 file, so readers and newsrooms can subscribe.

Written beside the HTML report after each publish (`pledges-changes.atom`). Entry ids are stable
(derived from what changed, where and when), so a feed reader never shows the same change twice.
"""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timezone
from pathlib import Path

from flows import readmodel

ATOM = "http://www.w3.org/2005/Atom"
FEED_NAME = "pledges-changes.atom"
MAX_ENTRIES = 500


def read_changes(warehouse: Path, limit: int | None = None) -> list[dict]:
    """marts.changes, newest first, with the release's address where it has one (flows.readmodel)."""
    return readmodel.changes(warehouse, limit)


def _stamp(day: date | None) -> str:
    moment = datetime.combine(day, time(0), tzinfo=timezone.utc) if day else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(change: dict) -> str:
    key = "|".join(str(change.get(k)) for k in ("kind", "subject", "changed_on", "old_value", "new_value", "release_id", "summary"))
    return "urn:sha1:" + hashlib.sha1(key.encode()).hexdigest()


def render_feed(changes: list[dict], title: str = "UK migration pledge tracker: what changed") -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = "urn:pledge-tracker:changes"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}subtitle").text = (
        "Pledge status and claim verdict changes, new official releases and revisions of published figures.")
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(changes[0]["changed_on"] if changes else None)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "UK migration pledge tracker"
    ET.SubElement(feed, f"{{{ATOM}}}generator").text = "pledge-tracker"
    for change in changes:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = entry_id(change)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = change["summary"]
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(change["changed_on"])
        ET.SubElement(entry, f"{{{ATOM}}}category", term=change["kind"])
        url = change.get("file_url") or ""
        if url.startswith(("https://", "http://")):
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=url)
        summary = change["summary"] + (f" Release: {change['release_id']}." if change.get("release_id") else "")
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = summary
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def write_feed(warehouse: Path, out: Path) -> Path:
    """Write the feed for the published `warehouse` to `out` (a file, or a folder to hold pledges-changes.atom)."""
    out = out / FEED_NAME if out.is_dir() else out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(render_feed(read_changes(warehouse, MAX_ENTRIES)))
    tmp.replace(out)   # a feed reader never fetches half a file
    return out


def changes_markdown(warehouse: Path, limit: int = 50) -> str | None:
    """The newest changes as Markdown (the Prefect run's `pledge-changes` artifact)."""
    changes = read_changes(warehouse, limit)
    if not changes:
        return None
    lines = ["# What changed", "", "| date | kind | change |", "|---|---|---|"]
    lines += [f"| {c['changed_on']} | {c['kind']} | {c['summary'].replace('|', '/')} |" for c in changes]
    return "\n".join(lines)
