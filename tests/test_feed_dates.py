"""When the Atom feed says each change appeared (flows/feed.py), on every real published file of ../shared/realdata:
a status or verdict set by hand is dated the day it was set, not by the evidence it rests on (months earlier), and
the feed is as new as its newest entry (reader audit 22 D10)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from flows.feed import FEED_NAME, write_feed
from tests.conftest import REALDATA
from tests.report_pages import load, query

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory) -> Path:
    if not (REALDATA / "small_boats").is_dir():
        pytest.skip(f"real published files not present at {REALDATA} (the ../shared/realdata tier runs in CI)")
    return load(tmp_path_factory.mktemp("feed-real") / "pledges.duckdb", REALDATA)


def day(stamp: str) -> date:
    assert stamp.endswith("T00:00:00Z"), stamp
    return date.fromisoformat(stamp[:10])


def test_a_status_set_by_hand_is_dated_the_day_it_was_set_and_the_feed_by_its_newest_entry(real_warehouse, tmp_path):
    """Entries set by hand on 3 Dec 2026 were dated by their evidence (5 Jan 2026, 14 Feb 2025, 21 Aug 2024...) and the
    feed's own date was 21 Aug 2026, older than they are: a feed reader sorted them as months-old items. Now each is
    updated on the day the register set it (marts.pledges.manual_status_on), never before the day it reports, with
    the evidence's date still in its words; a change a release made keeps the release's publication date."""
    feed = ET.parse(write_feed(real_warehouse, tmp_path / FEED_NAME)).getroot()
    entries = {e.find(f"{ATOM}title").text: e for e in feed.findall(f"{ATOM}entry")}
    set_on = dict(query(real_warehouse, "SELECT pledge_id, manual_status_on FROM marts.pledges WHERE kind = 'qualitative'"))
    changes = query(real_warehouse, "SELECT kind, subject, changed_on, release_id, summary FROM marts.changes")
    assert len(entries) == len(changes) > 0
    hand = [(s, c, summary) for k, s, c, r, summary in changes if k in ("status", "verdict") and r is None]
    assert hand and {s for s, _c, _x in hand} <= set(set_on)          # every change without a release is set by hand
    later = 0
    for subject, changed_on, summary in hand:
        entry = entries[summary]
        want = max(changed_on, set_on[subject])
        assert day(entry.find(f"{ATOM}updated").text) == want, summary
        content = entry.find(f"{ATOM}content").text
        assert content.startswith(summary)           # the evidence's date, as marts.changes words it, is kept
        if want != changed_on:
            later += 1
            assert f"Set in this tracker on {want.day} {want:%b %Y}." in content, content
    assert later >= 10          # most moves rest on evidence dated before 3 Dec 2026, the day the register set them
    for kind, _subject, changed_on, release_id, summary in changes:
        if release_id is not None:       # a release's changes: the day it was published
            if kind == "release":        # the feed names its source by title: found by its file and date
                (summary,) = [title for title in entries if title.endswith(": " + summary.split(": ", 1)[1])]
            assert day(entries[summary].find(f"{ATOM}updated").text) == changed_on, summary
    # the feed is as new as its newest entry, and no entry is newer
    updated = [day(e.find(f"{ATOM}updated").text) for e in entries.values()]
    assert day(feed.find(f"{ATOM}updated").text) == max(updated) == max(set_on[s] for s, _c, _x in hand)


def test_the_feed_is_read_from_one_published_file_and_listed_newest_first(real_warehouse, tmp_path, monkeypatch):
    """write_feed opened the published warehouse twice (the changes, then the days hand-set statuses were set), so a
    publish between the two could date one file's entries by another's register (audit 23 review); and it listed
    entries in marts.changes' order, a status set by hand on 3 Dec 2026 among the releases of its evidence's month
    (audit 24: a reader sorting by position saw December 2026 between January 2026 and December 2025). It reads one
    file, and lists entries newest first by the day each appeared."""
    from flows import readmodel
    opened = []
    real = readmodel.published

    def counting(warehouse):
        opened.append(warehouse)
        return real(warehouse)

    monkeypatch.setattr(readmodel, "published", counting)
    feed = ET.parse(write_feed(real_warehouse, tmp_path / FEED_NAME)).getroot()
    assert len(opened) == 1
    updated = [day(e.find(f"{ATOM}updated").text) for e in feed.findall(f"{ATOM}entry")]
    assert len(updated) > 20 and updated == sorted(updated, reverse=True)
    assert len(set(updated)) > 5            # hand-set days and releases' days: an order that could have been wrong


def test_a_feed_cut_to_its_newest_entries_keeps_the_newest_by_the_day_each_appeared(real_warehouse):
    """The feed keeps its newest 500 entries; they were cut by the evidence's date (changed_on) before being listed by
    the day each appeared, so statuses set by hand today, on months-old evidence, could fall out (audit 26 F6). Cut
    to a few here: the entries kept are the newest by the day each appeared, today's hand-set statuses among them."""
    from flows.feed import appeared_on, read_changes, render_feed
    changes = read_changes(real_warehouse)
    newest = sorted({appeared_on(c) for c in changes}, reverse=True)
    keep = sum(1 for c in changes if appeared_on(c) == newest[0])
    assert keep >= 3 and any(c["changed_on"] < newest[0] for c in changes if appeared_on(c) == newest[0])
    feed = ET.fromstring(render_feed(changes, limit=keep))
    assert [day(e.find(f"{ATOM}updated").text) for e in feed.findall(f"{ATOM}entry")] == [newest[0]] * keep
