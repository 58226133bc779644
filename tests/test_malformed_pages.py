"""One malformed field on one publisher page fails that source only, with the source and address named; the other
source of the run still loads (before: a bare ValueError / AttributeError / TypeError ended the whole run)."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from flows.catalog import load_catalog
from flows.ingest import run_sources
from tests.conftest import SMALL_BOATS_PAGE
from tests.sources.dfe.test_dfe import DATASET, csv_bytes, national, publish_versions
from tests.sources.ons_ltim.test_ons import PAGE as ONS_PAGE
from tests.sources.ons_ltim.test_ons import publish_edition
from tests.sources.small_boats.builders import small_boats_file

RETURNS_PAGE = load_catalog()["ho_returns"].landing_page
SB_NAME = "02_February_2024_Small_boats_-_time_series.ods"


def good_small_boats(mirror, tmp_path) -> str:
    good = small_boats_file(tmp_path / "sb", date(2024, 2, 2), start=date(2024, 1, 1), days=10)
    return mirror.publish(SMALL_BOATS_PAGE, good.name, good.read_bytes())


def good_dfe(mirror, tmp_path) -> None:
    publish_versions(mirror, {"1.0.0": ("2025-07-17T08:30:00+00:00", csv_bytes([national("202324", 339_000)]))})


def page_is_a_list(mirror, tmp_path):
    mirror.serve_json("/api/content" + SMALL_BOATS_PAGE, [{"details": {}}])
    return "small_boats", f"/api/content{SMALL_BOATS_PAGE} returned a JSON list, not an object"


def attachment_is_text(mirror, tmp_path):
    mirror.page(SMALL_BOATS_PAGE, ["/media/abc/" + SB_NAME])
    return "small_boats", f"/api/content{SMALL_BOATS_PAGE} details.attachments[0]: the attachment is text, not an object"


def page_date_is_yesterday(mirror, tmp_path):
    good_small_boats(mirror, tmp_path)
    mirror.pages[SMALL_BOATS_PAGE]["public_updated_at"] = "yesterday"
    return "small_boats", f"/api/content{SMALL_BOATS_PAGE}: public_updated_at 'yesterday' is not an ISO 8601 date"


def url_is_a_number(mirror, tmp_path):
    mirror.page(SMALL_BOATS_PAGE, [{"url": 12345, "filename": SB_NAME, "title": "x"}])
    return "small_boats", f"/api/content{SMALL_BOATS_PAGE} details.attachments[0]: url 12345 is a number, not text"


def attachment_date_day_first(mirror, tmp_path):
    mirror.page(RETURNS_PAGE, [{"url": "/media/abc/returns-datasets-sep-2024.xlsx", "filename": "returns-datasets-sep-2024.xlsx",
                                "published_at": "26-02-2026"}])
    return "ho_returns", (f"/api/content{RETURNS_PAGE} details.attachments[0]: published_at '26-02-2026' is not an ISO 8601 "
                          "date")


def february_31_in_a_name(mirror, tmp_path):
    good = small_boats_file(tmp_path / "bad", date(2024, 2, 2), start=date(2024, 1, 1), days=10)
    mirror.publish(SMALL_BOATS_PAGE, "31_February_2024_Small_boats_-_time_series.ods", good.read_bytes())
    return "small_boats", ("31_February_2024_Small_boats_-_time_series.ods (http://127.0.0.1:{port}/media/") 


def ons_release_date_day_first(mirror, tmp_path):
    publish_edition(mirror, "yearendingjune2025", "ltimnov25.xlsx", "27-11-2025", b"not read")
    return "ons_ltim", f"{ONS_PAGE}/yearendingjune2025/data: description.releaseDate '27-11-2025' is not an ISO 8601 date"


def dfe_published_yesterday(mirror, tmp_path):
    publish_versions(mirror, {"1.0.0": ("yesterday", b"not read")})
    return "dfe_apprenticeships", f"/data-sets/{DATASET}/versions?page=1&pageSize=20 results[0]: published 'yesterday'"


@pytest.mark.parametrize("malformed", [page_is_a_list, attachment_is_text, page_date_is_yesterday, url_is_a_number,
                                       attachment_date_day_first, february_31_in_a_name, ons_release_date_day_first,
                                       dfe_published_yesterday])
def test_a_malformed_page_fails_its_own_source_and_names_it(settings, mirror, tmp_path, malformed):
    settings = dataclasses.replace(settings, ons_base=mirror.base, dfe_base=mirror.base + "/statistics/v1")
    bad_source, message = malformed(mirror, tmp_path)
    good_source = "small_boats" if bad_source == "dfe_apprenticeships" else "dfe_apprenticeships"
    (good_small_boats if good_source == "small_boats" else good_dfe)(mirror, tmp_path)
    outcomes = run_sources(settings, [bad_source, good_source])
    bad = [o for o in outcomes if o.source_id == bad_source]
    good = [o for o in outcomes if o.source_id == good_source]
    assert [o.status for o in good] == ["loaded"], good
    assert [o.status for o in bad] == ["failed"], bad
    assert bad[0].error.startswith(f"{bad_source}: "), bad[0].error
    assert message.format(port=mirror.base.rsplit(":", 1)[1]) in bad[0].error, bad[0].error
    assert mirror.base in bad[0].error                                   # the address is named in full


def test_an_unforeseen_error_in_discovery_is_still_only_that_sources_failure(settings, mirror, tmp_path):
    from flows import fetch

    def broken(source, settings, http=None):
        raise ZeroDivisionError("a bug, or a page shape nobody foresaw")

    good_dfe(mirror, tmp_path)
    settings = dataclasses.replace(settings, dfe_base=mirror.base + "/statistics/v1")
    outcomes = run_sources(settings, ["small_boats", "dfe_apprenticeships"],
                           discover=lambda s, st: broken(s, st) if s.id == "small_boats" else fetch.discover(s, st))
    assert [(o.source_id, o.status) for o in outcomes] == [("small_boats", "failed"), ("dfe_apprenticeships", "loaded")]
    assert outcomes[0].error == (f"small_boats: discovery failed reading {mirror.base}/api/content{SMALL_BOATS_PAGE}: "
                                 "ZeroDivisionError: a bug, or a page shape nobody foresaw")
