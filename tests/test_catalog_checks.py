"""The catalog fails when it loads on a field whose value would silently change what the code does."""
from __future__ import annotations

import pytest

from flows.catalog import CATALOG_FILE, CatalogError, load_catalog


@pytest.mark.parametrize("old, new, message", [
    ('date_from = "file_name"       # the file name', 'date_from = "filename"       # the file name',
     "[small_boats]: field date_from: 'filename' is not one of"),
    ('format = "ods"\nparser = "small_boats"', 'format = "odt"\nparser = "small_boats"', "[small_boats]: field format: 'odt'"),
    ('parser = "small_boats"\nschema = "small_boats"', 'parser = "small_boat"\nschema = "small_boats"', "[small_boats]: field parser: 'small_boat'"),
    ('parser = "small_boats"\nschema = "small_boats"', 'parser = "small_boats"\nschema = "small_boat"', "[small_boats]: field schema: no module schemas/small_boat.py"),
    ('discovery = "govuk_collection"   # the collection lists one publication page per quarter; the workbooks are their attachments\nattachment = \'^(?:IE_',
     'discovery = "govuk_colection"\nattachment = \'^(?:IE_', "[ie_transparency]: field discovery: 'govuk_colection'"),
    ('measure = "stock"\ntitle = "Asylum seekers in contingency hotel', 'measure = "stocks"\ntitle = "Asylum seekers in contingency hotel',
     "metric asylum_hotel_population: field measure: 'stocks'"),
])
def test_a_mistyped_choice_fails_at_load_naming_entry_and_field(tmp_path, old, new, message):
    text = CATALOG_FILE.read_text()
    assert old in text, old
    bad = tmp_path / "sources.toml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(CatalogError) as err:
        load_catalog(bad)
    assert message in str(err.value)


def test_the_catalog_as_shipped_loads():
    assert {"small_boats", "ho_returns", "ons_ltim", "dfe_apprenticeships", "moj_outcomes_by_offence"} <= set(load_catalog())
