"""marts.changes and the Atom feed: status and verdict changes, new releases and revisions, each with
the release that made it; the feed validated with a feed parser."""
from __future__ import annotations

from datetime import date

import duckdb
import feedparser
import pandas as pd
import pytest

from flows import cli
from flows.feed import FEED_NAME, read_changes, write_feed
from tests.conftest import REALDATA
from tests.test_claim_checks import CLAIM, PLEDGE, derive, quarterly  # noqa: F401  (derive is a fixture)
from tests.sources.small_boats.builders import small_boats_file

FOLDER = REALDATA / "small_boats"


def changes(warehouse) -> list[dict]:
    return read_changes(warehouse)


@pytest.mark.skipif(not FOLDER.is_dir(), reason=f"real published files not present at {FOLDER}")
def test_real_weekly_releases_loaded_one_by_one_list_what_flipped(tmp_path):
    warehouse = tmp_path / "wh" / "pledges.duckdb"
    files = sorted(FOLDER.glob("*.ods"), key=lambda p: pd.Timestamp(p.name.split("_Small")[0].replace("_", " ")))
    for path in files:
        assert cli.main(["load", "--warehouse", str(warehouse), str(path)]) == 0
    found = changes(warehouse)
    assert [c["new_value"] for c in found if c["kind"] == "release"] == [p.name for p in reversed(files)]
    # the 9 January 2026 file is the first with days of 2026: the year to date is now 2026's first days
    # against the same days of 2025, read independently from that file
    jan9 = FOLDER / "09_January_2026_Small_boats_-_time_series.ods"
    daily = pd.read_excel(jan9, sheet_name="SB_01", engine="calamine", na_values=["-"]).set_index("Date")["Migrants arrived"]
    last = daily.dropna().index.max()
    ytd, before = daily["2026-01-01":last].sum(), daily["2025-01-01":last - pd.DateOffset(years=1)].sum()
    # it moved from off track (2025 in full against 2024) to on track on 8 days of January: noise, not news. A
    # comparison beside the status is listed only once its window holds four weeks; 2026's last file stops on 22 Jan
    assert ytd < before and (last - pd.Timestamp("2026-01-01")).days + 1 < 28
    assert [c for c in found if c["subject"] == "small_boats" and "calendar year to date" in c["summary"]] == []
    # nor the quarters (2025 Q4 against 2024 Q4 moved on 9 Jan): they are drawn in the report, not shown beside the
    # status in any explanation, so the list does not announce them "shown beside the status"
    assert not [c for c in found if "(quarters, shown beside the status)" in c["summary"]]
    assert {c["kind"] for c in found if c["subject"] == "small_boats" and c["kind"] != "release"} == {"status"}
    # the status itself (rolling 12 months) moved once, when the first file gave it a figure: from what the
    # as-of answer said the day before ('not loaded here': the days since 5 Jul 2024 were due by 8 Aug 2024), to the
    # 12 months to October 2025 against the 12 months before, read independently from the 14 November file
    first = FOLDER / "14_November_2025_Small_boats_-_time_series.ods"
    days = pd.read_excel(first, sheet_name="SB_01", engine="calamine", na_values=["-"]).set_index("Date")["Migrants arrived"]
    year, year_before = days["2024-11-01":"2025-10-31"].sum(), days["2023-11-01":"2024-10-31"].sum()
    moves = [c for c in found if c["kind"] == "status" and c["subject"] == "small_boats"]
    assert [(c["changed_on"], c["old_value"], c["new_value"]) for c in moves] == \
        [(date(2025, 11, 14), "not loaded here", "off track" if year > year_before else "on track")]
    # the baseline named, as the explanation names it
    assert f"(12 months to Oct 2025: {year:,.0f} against {year_before:,.0f} for 12 months to Oct 2024)" in moves[0]["summary"]
    assert moves[0]["release_id"].startswith("small_boats/2025-11-14")

    (tmp_path / "out").mkdir()
    feed_path = write_feed(warehouse, tmp_path / "out")
    assert feed_path.name == FEED_NAME
    feed = feedparser.parse(feed_path.read_bytes())
    assert not feed.bozo and feed.version == "atom10"
    # every change, once (listed newest first by the day each appeared: tests/test_feed_dates.py)
    assert sorted(e.title for e in feed.entries) == sorted(c["summary"] for c in found)
    assert len({e.id for e in feed.entries}) == len(found)
    # the same list and the same entry ids after a rebuild from the archive
    assert cli.main(["rebuild", "--warehouse", str(warehouse)]) == 0
    again = feedparser.parse(write_feed(warehouse, tmp_path / "again.atom").read_bytes())
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]


def test_revisions_beyond_the_threshold_are_listed(tmp_path):
    warehouse = tmp_path / "wh" / "pledges.duckdb"
    older = small_boats_file(tmp_path / "o", date(2024, 9, 6), start=date(2023, 7, 1), days=430)
    # day 370 (5 July 2024) revised from 90 to 2,000; day 371 from 127 to 130 (under 25 people: not listed)
    newer = small_boats_file(tmp_path / "n", date(2024, 9, 13), start=date(2023, 7, 1), days=437,
                             revised={370: 2000, 371: (371 * 37) % 400 + 3})
    assert cli.main(["load", "--warehouse", str(warehouse), str(older), str(newer)]) == 0
    revisions = [c for c in changes(warehouse) if c["kind"] == "revision"]
    daily = [c for c in revisions if c["subject"] == "small_boat_arrivals"]
    assert [(c["old_value"], c["new_value"], c["changed_on"]) for c in daily] == \
        [(f"{(370 * 37) % 400:,}", "2,000", date(2024, 9, 13))]
    assert "small_boat_arrivals_weekly" in {c["subject"] for c in revisions}   # the week holding it moved too
    revisions = daily
    assert "5 Jul 2024: revised from 90 to 2,000 (+2122.2%)" in revisions[0]["summary"]


def test_a_claim_verdict_change_names_the_release(derive):
    observations = (quarterly("returns_q", {"2024 Q3": 8700}, "q/2024-11-28")
                    + quarterly("returns_q", {"2024 Q3": 8800, "2024 Q4": 7900}, "q/2025-02-27")
                    + quarterly("returns_q", {"2024 Q3": 10000, "2024 Q4": 9000}, "q/2025-05-22"))
    con = derive(CLAIM, observations)
    rows = con.execute("SELECT changed_on, old_value, new_value, release_id FROM marts.changes WHERE kind = 'verdict' "
                       "ORDER BY changed_on").fetchall()
    # 16,700 over 184 days (90.8 a day) bears out 90.0 a day; 19,000 over 184 days (103.3 a day) does not
    assert rows == [(date(2025, 2, 27), "not yet published", "consistent", "q/2025-02-27"),
                    (date(2025, 5, 22), "consistent", "understated", "q/2025-05-22")]


def test_no_change_is_told_of_a_claim_before_it_was_said(derive):
    """The same releases, the claim made on 1 Mar 2025: the move of 27 Feb 2025 happened before anyone said it
    (its as-of answer that day is "not yet said"), so it is not told; the verdict holding when the claim was made is
    told on that day, from "not yet said", as the as-of answers go (audit 7: it was never told, so a feed reader
    learnt of the claim only when its verdict next moved, and some never)."""
    observations = (quarterly("returns_q", {"2024 Q3": 8700}, "q/2024-11-28")
                    + quarterly("returns_q", {"2024 Q3": 8800, "2024 Q4": 7900}, "q/2025-02-27")
                    + quarterly("returns_q", {"2024 Q3": 10000, "2024 Q4": 9000}, "q/2025-05-22"))
    con = derive(CLAIM.replace("said_on = 2025-02-01", "said_on = 2025-03-01"), observations)
    rows = con.execute("SELECT changed_on, old_value, new_value FROM marts.changes WHERE kind = 'verdict'").fetchall()
    assert sorted(rows) == [(date(2025, 3, 1), "not yet said", "consistent"), (date(2025, 5, 22), "consistent", "understated")]
    assert con.execute("SELECT verdict FROM marts.claim_checks_as_of(DATE '2025-02-28')").fetchall() == [("not yet said",)]
    assert con.execute("SELECT verdict FROM marts.claim_checks_as_of(DATE '2025-03-01')").fetchall() == [("consistent",)]
    [summary] = con.execute("SELECT summary FROM marts.changes WHERE changed_on = DATE '2025-03-01'").fetchone()
    assert "not yet said → consistent (made on 1 Mar 2025; " in summary, summary


def test_a_status_from_figures_published_before_the_pledge_was_said_is_told_on_that_day(derive):
    """A pledge said on 1 Jan 2025 whose first figures (2024 Q3: 35,000 against 30,000) came out on 28 Nov 2024: its
    status "off track" holds from the day it was said, and the feed says so that day, from "not yet said"; the next
    release's move is told as ever. Before (audit 7), the first status was dropped as dated before the pledge."""
    observations = (quarterly("hotels", {"2024 Q2": 30000, "2024 Q3": 35000}, "q/2024-11-28")
                    + quarterly("hotels", {"2024 Q2": 30000, "2024 Q3": 29000, "2024 Q4": 20000}, "q/2025-05-22"))
    con = derive(PLEDGE.replace("said_on = 2024-07-05", "said_on = 2025-01-01"), observations)
    assert con.execute("SELECT status FROM marts.pledge_status_as_of(DATE '2024-12-31')").fetchone() == ("not yet said",)
    assert con.execute("SELECT status FROM marts.pledge_status_as_of(DATE '2025-01-01')").fetchone() == ("off track",)
    rows = con.execute("SELECT changed_on, old_value, new_value, release_id, summary FROM marts.changes "
                       "WHERE kind = 'status' ORDER BY changed_on").fetchall()
    assert [r[:4] for r in rows] == [(date(2025, 1, 1), "not yet said", "off track", "q/2024-11-28"),
                                     (date(2025, 5, 22), "off track", "on track", "q/2025-05-22")]
    assert rows[0][4].endswith(": not yet said → off track (said on 1 Jan 2025; 2024 Q3: 35,000 against 30,000)"), rows[0][4]


def test_status_changes_lists_the_change_feed(tmp_path, capsys):
    warehouse = tmp_path / "wh" / "pledges.duckdb"
    older = small_boats_file(tmp_path / "o", date(2024, 9, 6), start=date(2023, 7, 1), days=430)
    newer = small_boats_file(tmp_path / "n", date(2024, 9, 13), start=date(2023, 7, 1), days=437, revised={370: 2000})
    assert cli.main(["load", "--warehouse", str(warehouse), str(older), str(newer)]) == 0
    capsys.readouterr()
    assert cli.main(["status", "--warehouse", str(warehouse), "--changes"]) == 0
    out = capsys.readouterr().out
    assert "changes (newest first):" in out and "5 Jul 2024: revised from 90 to 2,000" in out
    assert out.index("2024-09-13") < out.index("2024-09-06")       # newest first
    assert cli.main(["status", "--warehouse", str(warehouse), "--changes", "--as-of", "2024-09-10"]) == 0
    assert "revised" not in capsys.readouterr().out                 # not yet known on 10 September


def test_revisions_from_zero_are_listed_in_words_and_the_release_publishes(settings, tmp_path):
    """Two days revised from 0 (no crossings recorded, then some) in one release: each is listed as revised
    'from zero' (a percentage of 0 made the summary NULL, the two rows duplicates, and the data test refused
    the whole publish)."""
    from flows.ingest import load_paths
    from tests.sources.small_boats.builders import small_boats_file

    quiet = lambda i: 0 if i < 5 else 100           # noqa: E731  (the first five days had no crossings)
    first = small_boats_file(tmp_path / "a", date(2024, 2, 2), start=date(2024, 1, 1), days=20, arrivals=quiet)
    second = small_boats_file(tmp_path / "b", date(2024, 2, 9), start=date(2024, 1, 1), days=27, arrivals=quiet,
                              revised={0: 60, 1: 60})
    assert [o.status for o in load_paths(settings, [first])] == ["loaded"]
    assert [o.status for o in load_paths(settings, [second])] == ["loaded"]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    rows = con.execute("SELECT subject, summary FROM marts.changes WHERE kind = 'revision' ORDER BY subject, summary").fetchall()
    con.close()
    assert rows and all(summary is not None for _, summary in rows)
    assert sorted(s for m, s in rows if m == "small_boat_boats") == [
        "Small boats detected arriving, per day, 1 Jan 2024: revised from 0 to 2 (from zero)",
        "Small boats detected arriving, per day, 2 Jan 2024: revised from 0 to 2 (from zero)"]


def test_the_feed_is_valid_atom_with_content_links_and_titles_not_ids(realdata, tmp_path):
    """The Atom feed of the real published files is valid RFC 4287: a feed-level link to itself, every entry with
    its text as content and a link to the publisher's page where there is one (rel alternate), sources named by
    their titles and releases by file and date, never by id; entry ids the same as before these words were added
    (made from the change as marts.changes stores it) and after a rebuild. Before: no content, no alternate or
    self link, 'New release of small_boats_page', and summaries ending 'Release: <release id>.'"""
    import hashlib
    import xml.etree.ElementTree as ET

    warehouse = tmp_path / "wh" / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(warehouse), str(realdata)]) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    stored = con.execute("SELECT c.kind, c.subject, c.changed_on, c.old_value, c.new_value, c.release_id, c.summary, "
                         "r.landing_page FROM marts.changes c LEFT JOIN marts.releases r USING (release_id) "
                         "ORDER BY c.changed_on DESC, c.kind, c.subject, c.summary, c.release_id").fetchall()
    titles = dict(con.execute("SELECT DISTINCT source_id, source_title FROM marts.metrics").fetchall())
    release_ids = [r for (r,) in con.execute("SELECT release_id FROM marts.releases").fetchall()]
    con.close()
    assert any(kind == "release" for kind, *_ in stored) and any(r is None for *_, r, _s, _p in stored)

    feed_path = write_feed(warehouse, tmp_path / "out" / FEED_NAME)
    raw = feed_path.read_bytes()
    feed = feedparser.parse(raw)
    assert not feed.bozo and feed.version == "atom10"
    assert [(link.rel, link.href) for link in feed.feed.links if link.rel == "self"] == [("self", FEED_NAME)]
    assert len(feed.entries) == len(stored)
    # each entry found by its id, made from the change as marts.changes stores it (as the feed always made them)
    by_id = {entry.id: entry for entry in feed.entries}
    for kind, subject, changed_on, old, new, release_id, summary, landing_page in stored:
        key = "|".join(str(v) for v in (kind, subject, changed_on, old, new, release_id, summary))
        entry = by_id["urn:sha1:" + hashlib.sha1(key.encode()).hexdigest()]
        text = entry.content[0].value
        assert entry.content[0].type == "text/plain" and text.startswith(entry.title)
        alternates = [link.href for link in entry.get("links", []) if link.rel == "alternate"]
        assert len(alternates) <= 1 and all(href.startswith("https://") for href in alternates)
        if landing_page:                       # the release's publication page (loaded from disk: still the publisher's)
            assert alternates == [landing_page] and f"Publication page: {landing_page}" in text
        for words in (entry.title, entry.summary, text):
            assert not [r for r in release_ids if r in words], words
            assert "Release: " not in words
        if kind == "release":
            assert entry.title == summary.replace(f"New release of {subject}: ", f"New release of {titles[subject]}: ")
            assert f"New release of {subject}:" not in entry.title
        else:
            assert entry.title == summary
    # RFC 4287 elements, read as XML: the feed's id, title, updated, author, self link; each entry's id, title,
    # updated, and content (or, without it, a link rel="alternate")
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(raw)
    assert root.tag == f"{atom}feed"
    for child in ("id", "title", "updated", "author"):
        assert len(root.findall(f"{atom}{child}")) == 1, child
    assert [link.get("href") for link in root.findall(f"{atom}link") if link.get("rel") == "self"] == [FEED_NAME]
    for entry in root.findall(f"{atom}entry"):
        for child in ("id", "title", "updated"):
            assert len(entry.findall(f"{atom}{child}")) == 1, child
        assert (entry.find(f"{atom}content") is not None and entry.find(f"{atom}content").text) or \
            [link for link in entry.findall(f"{atom}link") if link.get("rel", "alternate") == "alternate"]
    # the same entry ids after a rebuild from the archive
    assert cli.main(["rebuild", "--warehouse", str(warehouse)]) == 0
    again = feedparser.parse(write_feed(warehouse, tmp_path / "again.atom").read_bytes())
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    assert [link.href for link in again.feed.links if link.rel == "self"] == ["again.atom"]


def test_a_comparison_beside_the_status_is_listed_once_its_window_holds_four_weeks(tmp_path):
    """The year to date restarts each January. With 2025 at 110 a day (2024: 100; "off track" to 3 Dec),
    2026's first 8 days at 50 are "on track" against the same days of 2025: that move is not listed on 9 Jan, but on
    6 Feb, when the window holds 36 days; the move back to "off track" (days from 6 Feb at 400) on 6 Mar. (The year
    to date of 2024 reaches back before July 2024, when tracking starts: it is never told, row 167.)"""
    start = date(2023, 1, 1)

    def arrivals(i: int) -> int:
        day = start + pd.Timedelta(days=i)
        return 100 if day < date(2025, 1, 1) else 110 if day < date(2026, 1, 1) else 50 if day < date(2026, 2, 6) else 400
    published = [date(2025, 12, 5), date(2026, 1, 9), date(2026, 2, 6), date(2026, 3, 6)]
    files = [small_boats_file(tmp_path / p.isoformat(), p, start=start, days=(p - start).days - 1, arrivals=arrivals)
             for p in published]
    warehouse = tmp_path / "wh" / "pledges.duckdb"
    for path in files:
        assert cli.main(["load", "--warehouse", str(warehouse), str(path)]) == 0
    moves = [(c["changed_on"], c["old_value"], c["new_value"]) for c in changes(warehouse)
             if c["subject"] == "small_boats" and "calendar year to date" in c["summary"]]
    assert sorted(moves) == [(date(2026, 2, 6), "off track", "on track"), (date(2026, 3, 6), "on track", "off track")]
