"""Shared reading steps (flows/parsing/), the catalog's file recognition, and quarter labels."""
from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from flows.catalog import load_catalog, recognise
from flows.parsing import Workbook, map_values, parse_numbers
from flows.sources.home_office_detailed.labels import normalise_categories
from flows.periods import quarter_bounds, quarter_containing, quarter_label
from tests.workbooks import write_xlsx


def test_category_labels_normalised_to_one_spelling_and_new_ones_reported():
    frame = pd.DataFrame({
        "return_type": ["Non-detained Enforced removals", "non-detained enforced  removals", " Non-detained enforced removals ",
                        "Non detained enforced removals", "Brand new type", "Brand  new type", None],
        "accommodation_type": ["Contingency Accommodation – Hotel", "Subsistence only", "Hotel", "Initial Accommodation",
                               "Initial Accommodation", "Subsistence Only", "Dispersal Accommodation"],
        "nationality": ["Albania ", "Albania", "X", "Y", "Z", "W", "V"],
    })
    unknown = normalise_categories(frame)
    assert frame["return_type"].tolist()[:4] == ["Non-detained enforced removals"] * 4
    assert frame["return_type"].tolist()[4:6] == ["Brand new type"] * 2          # kept, whitespace cleaned
    assert frame["return_type"].isna().tolist()[6]                                # missing stays missing
    assert frame["accommodation_type"].tolist()[:3] == ["Contingency Accommodation - Hotel", "Subsistence Only",
                                                        "Contingency Accommodation - Hotel"]
    assert unknown == [("return_type", "Brand new type", 2)]
    assert frame["nationality"].tolist()[0] == "Albania "                         # no known set: left to clean_text


def test_numbers_as_text_parse_and_anything_else_is_left_for_validation():
    frame = pd.DataFrame({"n": ["1,234", " 56 ", "12a", 7, "1,234.5", "12 3", None, "-3"]}, dtype=object)
    parse_numbers(frame, ["n"])
    assert frame["n"].tolist()[:6] == [1234, 56, "12a", 7, 1234.5, "12 3"]
    assert pd.isna(frame["n"].tolist()[6]) and frame["n"].tolist()[7] == -3      # negatives: rejected by the schema


def test_map_values_matches_a_per_cell_map():
    series = pd.Series(["a", " b ", 1.0, None, "a", 2, np.nan], dtype=object)
    def func(v):
        return v.strip().upper() if isinstance(v, str) else v
    expected = series.map(lambda v: pd.NA if v is None or (isinstance(v, float) and np.isnan(v)) else func(v))
    got = map_values(series, func)
    assert got.astype(str).tolist() == expected.astype(str).tolist()


def test_workbook_grid_reads_cells_like_pandas_read_excel(tmp_path):
    grid = [["Title1,2", None, None, None],
            ["Quarter", "Count", "When", "Note"],
            ["2024 Q1", 12.0, datetime(2024, 3, 31), "n/a"],
            ["Q2 2024", 12.5, datetime(2024, 6, 30, 12, 0), ""],
            ["2024 Q3", "1,234", None, "NA"],
            [None, None, None, None],
            ["End of table", None, None, "123"]]
    path = write_xlsx(tmp_path / "cells.xlsx", {"S": grid})
    # only an empty cell is missing: 'n/a' and 'NA' are text here (cut_table reads publishers' markers, and only them)
    expected = pd.read_excel(path, sheet_name="S", header=None, engine="calamine", keep_default_na=False, na_values=[""])
    book = Workbook(path)
    got = book.grid("S")
    assert got.shape == expected.shape
    for i in range(len(expected)):
        for j in range(expected.shape[1]):
            a, b = expected.iat[i, j], got.iat[i, j]
            assert (pd.isna(a) and pd.isna(b)) or (a == b and type(a) is type(b)), (i, j, a, b)
    assert [str(t) for t in got.dtypes] == [str(t) for t in expected.dtypes]
    assert got.iat[2, 3] == "n/a" and got.iat[4, 3] == "NA"
    assert book.head("S", 2).shape[0] == 2
    book.close()


@pytest.mark.parametrize("label, canonical", [("Q3 2023", "2023 Q3"), ("2023 Q3", "2023 Q3"), ("2023Q3", "2023 Q3"),
                                              ("q4-2024", "2024 Q4"), ("Q5 2023", None), ("2023", None)])
def test_quarter_labels_in_both_orders(label, canonical):
    assert quarter_label(label) == canonical
    if canonical:
        assert quarter_bounds(label) == quarter_bounds(canonical)


def test_quarter_containing_a_stock_date():
    assert quarter_containing(date(2024, 9, 30)) == (date(2024, 7, 1), date(2024, 9, 30))
    assert quarter_containing(date(2024, 2, 29)) == (date(2024, 1, 1), date(2024, 3, 31))


@pytest.mark.parametrize("name, source, published", [
    ("returns-datasets-dec-2023.xlsx", "ho_returns", date(2023, 12, 1)),
    ("returns-datasets-jun-2022.xlsx", "ho_returns", date(2022, 6, 1)),
    ("irregular-migration-to-the-UK-detailed-dataset-year-ending-December-2022.xlsx", "ho_irregular_migration", date(2022, 12, 1)),
    ("irregular-migration-to-the-UK-detailed-dataset-year-ending-dec-2023.xlsx", "ho_irregular_migration", date(2023, 12, 1)),
    ("illegal-entry-routes-to-the-uk-dataset-mar-2025.xlsx", "ho_irregular_migration", date(2025, 3, 1)),
    ("asylum-applications-awaiting-decision-datasets-sep-24.xlsx", "ho_asylum_awaiting_decision", date(2024, 9, 1)),
    ("asylum-claims-awaiting-decision-datasets-jun-2025.xlsx", "ho_asylum_awaiting_decision", date(2025, 6, 1)),
    ("section-95-support-local-authority-datasets-dec-2021.xlsx", "ho_asylum_support", date(2021, 12, 1)),
    ("support-local-authority-datasets-sep-24.xlsx", "ho_asylum_support", date(2024, 9, 1)),
    ("IE__Q3_2023_Background_Published.ods", "ie_transparency", date(2023, 9, 1)),
    ("IE_Q1_2023_Published.ods", "ie_transparency", date(2023, 3, 1)),
    ("Immigration_Enforcement_Q2_2023.ods", "ie_transparency", date(2023, 6, 1)),
    ("UKVI_IP_Q3_2023_Background_Published.xlsx", "ukvi_ip_transparency", date(2023, 9, 1)),
    ("UKVI_IP_Q4_2023.xlsx", "ukvi_ip_transparency", date(2023, 12, 1)),
    ("UKVI_I_P_Q2_2022_Published.ods", "ukvi_ip_transparency", date(2022, 6, 1)),
    ("Immigration_and_protection_Q2_2023.ods", "ukvi_ip_transparency", date(2023, 6, 1)),
])
def test_historic_file_names_are_recognised_with_their_dates(name, source, published):
    found = recognise(name)
    assert found is not None and found.id == source
    assert found.date_in_name(name) == published


@pytest.mark.parametrize("name", ["irregular-migration-to-the-UK-data-tables-year-ending-june-2023.xlsx",
                                  "returns-summary-dec-2023-tables.ods", "applications-section-95-support-datasets-dec-2022.xlsx",
                                  "UKVI_RASI_Q3_2023_Background_Published.ods",
                                  "asylum-applications-datasets-sep-2024.xlsx"])
def test_other_files_on_the_same_pages_are_not_recognised(name):
    assert recognise(name) is None


def test_every_metric_has_unit_title_period_type_and_definition():
    metrics = {m.id: m for s in load_catalog().values() for m in s.metrics}
    for metric_id in ["returns_enforced", "returns_voluntary", "returns_port", "returns_total", "fno_returns",
                      "irregular_detections", "small_boat_arrivals_quarterly", "asylum_awaiting_initial_decision",
                      "asylum_awaiting_initial_decision_cases", "asylum_hotel_population", "asylum_supported_population",
                      "illegal_working_penalties", "illegal_working_penalty_value_gbp", "charter_and_overseas_returns_attempted",
                      "asylum_work_in_progress_initial", "illegal_working_visits", "illegal_working_arrests"]:
        m = metrics[metric_id]
        assert m.unit and m.title and m.definition and m.period_type == "quarter", metric_id
    assert "enforced + voluntary" in metrics["returns_total"].title and "ministers" in metrics["returns_total"].definition
    assert metrics["illegal_working_penalty_value_gbp"].unit == "GBP" and "1000000" in metrics["illegal_working_penalty_value_gbp"].value
    assert "quarter's last day" in metrics["asylum_awaiting_initial_decision"].definition


def test_every_table_spec_column_is_in_its_schema():
    """Spec columns are always in the parsed frame (optional ones added empty), so each must be a schema
    column; otherwise the loader would report a column the sheet does not have."""
    for source in load_catalog().values():
        for spec in source.options.get("tables", []):
            model = source.tables[spec["table"]]
            schema_columns = set(model.to_schema().columns)
            spec_columns = set(spec.get("columns", {})) | set(spec.get("optional_columns", {}))
            assert spec_columns <= schema_columns, (source.id, spec["table"], spec_columns - schema_columns)
            assert set(spec.get("numbers", [])) <= spec_columns, (source.id, spec["table"])


@pytest.mark.parametrize("name, source_id, published", [
    ("returns-datasets-dec-2024.xlsx", "ho_returns", date(2025, 2, 28)),           # the end of reference month + 2, across a year end
    ("IE_Q3_2023_Background_Published.xlsx", "ie_transparency", date(2023, 11, 30)),
    ("23_January_2026_Small_boats_-_time_series.ods", "small_boats", date(2026, 1, 23)),   # the name is the release date
])
def test_publication_date_implied_by_a_file_name(name, source_id, published):
    assert load_catalog()[source_id].published_from_name(name) == published


def test_a_sheet_named_for_its_table_id_is_found_by_a_sheet_hint(tmp_path):
    """A newcomer's source: sheets Cover and Enf_D01, found with sheet_hint=re.compile("Enf_D01") as the toolkit
    documents. The hint was searched in the sheet name with its "footnote" stripped (Enf_D01 read as Enf_D), so the
    good file was rejected, "no header row ... in sheets matching 'Enf_D01'" (audit 25 F2); given as text, the hint
    failed with AttributeError. A table id's digits are its own; a footnote glued to a word is still removed."""
    import re

    from flows.parsing import locate_table, open_document
    from flows.parsing.labels import clean_label

    header = ["Year", "Quarter", "Visit type", "Visits"]
    path = write_xlsx(tmp_path / "enforcement.xlsx", {
        "Cover": [["Immigration enforcement visits"], ["Published: 20 November 2025"]],
        "Enf_D01": [["Enf_D01: Enforcement visits by quarter"], header, [2025, "Q1", "Illegal working", 1200]]})
    book = open_document(path, "xlsx", 2**30)
    for hint in (re.compile(r"Enf_D01"), "Enf_D01"):
        match = locate_table(book, header, sheet_hint=hint)
        assert (match.sheet, match.row) == ("Enf_D01", 1)
    assert [clean_label(x) for x in ("Enf_D01", "Data - Asy_D09", "Issued1", "Penalties2,3", "SB_01")] == \
        ["Enf_D01", "Data - Asy_D09", "Issued", "Penalties", "SB_01"]
