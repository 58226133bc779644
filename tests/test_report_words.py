"""The words the public report and feed give readers (journalists, the public), on every real published file of
../shared/realdata: nothing that depends on the order items happen to be printed in, no operator vocabulary
(table names, catalog fields, register and source ids) in the visible text, and counts a copy or a screen reader
keeps apart. Checked against independent reads of the warehouse and the register (reader audit 22)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from flows.feed import FEED_NAME
from flows.report import write_report
from tests.conftest import REALDATA
from tests.report_pages import load, query

ATOM = "{http://www.w3.org/2005/Atom}"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory) -> Path:
    if not (REALDATA / "small_boats").is_dir():
        pytest.skip(f"real published files not present at {REALDATA} (the ../shared/realdata tier runs in CI)")
    return load(tmp_path_factory.mktemp("words-real") / "pledges.duckdb", REALDATA)


@pytest.fixture(scope="module")
def report(real_warehouse, tmp_path_factory) -> tuple[str, ET.Element]:
    """The report page's HTML and the feed beside it, as `pledges report` writes them."""
    out = write_report(real_warehouse, tmp_path_factory.mktemp("words-out") / "pledges.html")
    return out.read_text(encoding="utf-8"), ET.parse(out.parent / FEED_NAME).getroot()


class VisibleText(HTMLParser):
    """The text a reader sees (or a screen reader reads): every text node outside <style>, with block elements on
    lines of their own; attributes (ids, data-*) are not text."""
    BLOCKS = {"p", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "div", "section", "dd", "dt", "blockquote", "br",
              "caption", "footer", "ul"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag == "style"
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        self._skip -= tag == "style"
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def day_in_words(iso: str) -> str:
    year, month, day = (int(x) for x in iso.split("-"))
    return f"{day} {MONTHS[month - 1]} {year}"


def test_evidence_names_the_item_it_refers_to_by_its_date_not_by_its_place(real_warehouse, report):
    """An evidence item that points to another (the Home Office's Rwanda cost breakdown: "the release The Epoch Times
    reports") names it in words that hold in every output: the card and claim table print the items in one order,
    the feed joins them on one line and ends with it (audit 22 FAULT 2: "reports below", printed after the Epoch Times
    item, and followed by nothing in the feed)."""
    html, feed = report
    pointing = []
    for pledge_id, evidence in query(real_warehouse, "SELECT pledge_id, evidence FROM marts.pledges WHERE evidence IS NOT NULL"):
        for item in evidence:
            # no place on the page: the items are printed in one order on a card, another in the feed
            assert not re.search(r"\b(below|above|following|preceding|next item|previous item)\b", item["summary"], re.I), \
                (pledge_id, item["summary"])
            for other in evidence:
                name = other["publisher"].split(" (")[0]
                # an item saying another reports or reported it ("the release The Epoch Times reports")
                if other is not item and re.search(rf"{re.escape(name)} report", item["summary"]):
                    pointing.append((pledge_id, item, other))
    assert [(p, o["publisher"]) for p, _i, o in pointing] == [("rwanda_cost", "The Epoch Times (report of a Home Office release)")]
    for pledge_id, item, other in pointing:
        # the item referred to, by its date as the register gives it (a day: "2 Dec 2024")
        assert day_in_words(other["date"]) in item["summary"], item["summary"]
        # and the reader gets those words on the card and in the feed entry of the move it rests on
        card = html[html.index(f'id="card-{pledge_id}"'):]
        assert item["summary"].replace("'", "&#x27;") in card[:card.index("</section>")]
        texts = [e.find(f"{ATOM}content").text for e in feed.findall(f"{ATOM}entry")
                 if item["summary"].rstrip(".") in (e.find(f"{ATOM}content").text or "")]
        assert texts, pledge_id


def test_the_public_page_speaks_without_operator_vocabulary(real_warehouse, report):
    """What a journalist or member of the public reads names no table (marts.changes), catalog field (release_every),
    register, source or measure id (apprenticeships_up, small_boats) nor a file of ours ("the evidence file"): the
    ids stay on the page as anchors and data-* attributes for scrapers, and analysts get them and the tables from
    `pledges docs` and the marts (audit 22 FAULT 3). Release ids stay in small print after "Data as of", as documented."""
    html, feed = report
    text = visible(html)
    for (release_id,) in query(real_warehouse, "SELECT release_id FROM marts.releases"):
        text = text.replace(f"(release {release_id})", "")
    tables = [t for (t,) in query(real_warehouse, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
                                                  "UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts'")]
    ids = {i for (i,) in query(real_warehouse, "SELECT pledge_id FROM marts.pledges UNION SELECT source_id FROM marts.metrics "
                                               "UNION SELECT metric_id FROM marts.metrics")}
    # names that are also plain words ("changes", "releases", "immigration") are not looked for: only those with an
    # underscore, which no reader's word has
    tables, ids = [t for t in tables if "_" in t], {i for i in ids if "_" in i}
    assert "pledge_status" in tables and {"apprenticeships_up", "small_boats", "ons_ltim"} <= ids
    feed_text = " ".join(e.text or "" for e in feed.iter() if e.tag in (f"{ATOM}title", f"{ATOM}summary", f"{ATOM}content"))
    for where, words in (("report", text), ("feed", feed_text)):
        found = sorted({m for m in re.findall(r"\bmarts\.\w+", words)}
                       | {t for t in tables if re.search(rf"(?<![\w/.-]){t}(?![\w/-])", words)}
                       | {i for i in ids if re.search(rf"(?<![\w/.-]){i}(?![\w/-])", words)}
                       | set(re.findall(r"release_every|evidence file|\bcatalog\b", words)))
        assert found == [], (where, found)
    # the ids are still there for scrapers and links: every card's anchor, every source row's data-source-id
    for (pledge_id,) in query(real_warehouse, "SELECT pledge_id FROM marts.pledges"):
        assert f'id="card-{pledge_id}" data-pledge-id="{pledge_id}"' in html
    for (source_id,) in query(real_warehouse, "SELECT DISTINCT source_id FROM marts.metrics"):
        assert f'<tr data-source-id="{source_id}"' in html
    # each card says what it is in words: pledge or claim, and how it is judged
    kinds = dict(query(real_warehouse, "SELECT pledge_id, type || ' ' || kind FROM marts.pledges"))
    heads = dict(re.findall(r'id="card-(\w+)".*?<p class="tags">(.*?)</p>', html, re.S))
    assert heads.keys() == kinds.keys()
    for pledge_id, head in heads.items():
        entry_type, kind = kinds[pledge_id].split()
        assert head.startswith(entry_type.capitalize() + " · "), (pledge_id, head)
        assert ("published figures" in head) == (kind == "quantitative") and ("by hand" in head) == (kind == "qualitative")


def test_a_status_on_the_trackers_own_yardstick_says_so_on_its_badge(real_warehouse, report):
    """Where the words promise no figure or direction of the measure (marts.pledges.direction_from 'yardstick': small
    boats), a graded status is the tracker's, and its badge says so wherever it is shown (the card, the summary at
    the top), as the explanation does; a promised direction keeps the bare status (audit 22 D14: a bare "off track"
    is repeated as "the pledge is off track")."""
    html, _feed = report
    rows = query(real_warehouse, "SELECT s.pledge_id, s.status, p.direction_from FROM marts.pledge_status s "
                                 "JOIN marts.pledges p USING (pledge_id) WHERE s.status IN ('on track', 'off track', 'met')")
    yardstick = {pid: status for pid, status, basis in rows if basis == "yardstick"}
    assert yardstick == {"small_boats": "off track"}          # the 12 months to Dec 2025 against a year before
    assert [pid for pid, _s, basis in rows if basis == "promised"]      # apprenticeships go up: on track, promised
    summary = visible(html[html.index('class="summary"'):html.index("</header>")])
    for pid, status, basis in rows:
        card = html[html.index(f'id="card-{pid}"'):]
        (head,) = re.findall(r'<span class="badge [^"]*">(.*?)</span>', card[:card.index("<blockquote>")])
        want = f"{status} (tracker&#x27;s yardstick)" if basis == "yardstick" else status
        assert head == want, (pid, head)
        assert ("(tracker's yardstick)" in visible(head)) == (basis == "yardstick")
        # the explanation it stands beside says the same in full
        assert (f"{status.capitalize()} on this tracker's yardstick" in visible(card[:card.index("</section>")])) \
            == (basis == "yardstick"), pid
    assert f"{yardstick['small_boats']} (tracker's yardstick)" in summary


def test_the_summary_counts_stay_apart_when_copied_or_read_aloud(real_warehouse, report):
    """The header's count of each status, as text with its markup taken away (what a copy or a screen reader
    gives): each badge's words, its count, then a comma (the last a full stop), as many as marts.pledge_status has
    of each (audit 22 D15: "not loaded here ×14kept ×3in progress ×3")."""
    html, _feed = report
    block = html[html.index('class="summary"'):]
    block = block[block.index(">") + 1:block.index("</ul>")]
    text = unescape(re.sub(r"<[^>]+>", "", block)).strip()
    items = re.findall(r"(.+?) ×(\d+)([,.])(?: |$)", text)
    assert ", ".join(f"{w} ×{n}" for w, n, _sep in items) + "." == text, text
    assert [sep for _w, _n, sep in items] == [","] * (len(items) - 1) + ["."]
    want: dict[str, int] = {}
    for status, basis in query(real_warehouse, "SELECT s.status, p.direction_from FROM marts.pledge_status s "
                                               "JOIN marts.pledges p USING (pledge_id)"):
        words = f"{status} (tracker's yardstick)" if basis == "yardstick" and status in ("on track", "off track", "met") else status
        want[words] = want.get(words, 0) + 1
    assert {w: int(n) for w, n, _sep in items} == want and sum(want.values()) == 32
    # a list, so a screen reader says how many there are and reads each apart
    assert html[html.index('class="summary"') - 4:].startswith('<ul class="summary"')


def test_the_data_dictionary_names_the_warehouse_file_not_the_builders_path(real_warehouse, tmp_path, capsys):
    """`pledges docs` is shared with analysts: it names the warehouse by its file name, never the folder it was built
    in on one machine (audit 22 D15: "Warehouse: `/tmp/audit22/w.duckdb`")."""
    from flows import cli
    out = tmp_path / "dictionary.md"
    assert cli.main(["docs", "--warehouse", str(real_warehouse), "--out", str(out)]) == 0
    text = out.read_text()
    assert f"Warehouse: `{real_warehouse.name}`." in text
    assert str(real_warehouse.parent) not in text and str(tmp_path) not in text
    assert cli.main(["docs", "--warehouse", str(real_warehouse)]) == 0      # printed, the same
    assert str(real_warehouse.parent) not in capsys.readouterr().out


def test_a_status_newer_figures_may_have_overtaken_says_so_beside_its_figures(real_warehouse, report):
    """Small boats read "off track" on figures to 22 Jan 2026 and apprenticeships "on track" on 2024/25, with newer
    figures due since; only the end of a long explanation said the status may be out of date (audit 22 D2). The
    card's figures say it, with the due date marts.pledge_status gives; a status whose figures are current does not."""
    html, _feed = report
    rows = query(real_warehouse, "SELECT pledge_id, newer_figures_due_on FROM marts.pledge_status "
                                 "WHERE type = 'pledge' AND value IS NOT NULL")
    overdue = {pid: due for pid, due in rows if due is not None}
    assert {"small_boats", "apprenticeships_up"} <= set(overdue), overdue
    for pid, due in rows:
        card = visible(html[html.index(f'id="card-{pid}"'):][:html[html.index(f'id="card-{pid}"'):].index("</section>")])
        said = (f"No: newer figures were due by {day_in_words(due.isoformat())} and are not loaded here, so this "
                "status may be out of date")
        assert (said in card) == (due is not None), (pid, due)


def test_the_sources_caption_does_not_send_readers_to_get_what_was_refused(real_warehouse, report):
    """The caption said, of every source, "a newer release is published but not loaded here: get it from the
    publication page", including one whose newer release this tracker refused or held (audit 23 D10); a row names such
    a release under the latest one loaded, and the caption points there."""
    html, _feed = report
    start = html.index('<table id="sources">')
    caption = visible(html[start:html.index("</caption>", start)])
    assert "get it from" not in caption
    assert "where this tracker refused or held one back, the row says so under the latest release loaded" in caption


def test_a_release_date_reads_alike_in_the_report_and_in_sql():
    """The report's "Data as of" and card source lines said "published 1 Dec 2025" of a local file dated by its
    modification time (audit 27 F2); they now word a release's date as staging.release_words does for the
    explanations and the change list. The two are held alike here, for every date basis."""
    import duckdb

    from datetime import date

    from flows.formatting import fmt_day, release_date_words
    from warehouse.build import MARTS_DIR
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute((MARTS_DIR / "00_periods.sql").read_text())
    day = date(2025, 12, 1)
    for basis in (None, "file_name", "content", "page", "api", "file_time", "estimated"):
        [(words,)] = con.execute("SELECT staging.release_words('f.csv', ?, ?)", [day, basis]).fetchall()
        assert words == "f.csv, " + release_date_words(fmt_day(day), basis), basis
    con.close()
