"""The words the public report and feed give readers (journalists, the public), on every real published file of
../shared/realdata: nothing that depends on the order items happen to be printed in, no operator vocabulary
(table names, catalog fields, register and source ids) in the visible text, and counts a copy or a screen reader
keeps apart. Checked against independent reads of the warehouse and the register (reader audit 22)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
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
