"""Home Office category labels: the known spellings of each category column, and their variants."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from flows.parsing.labels import _WS


# --- category labels ----------------------------------------------------------------------

# The known labels of each category column, by warehouse column name, as the Home Office
# publishes them. A label matching one of these up to case, spacing and dash style becomes
# this exact spelling; any other label is kept as published (whitespace cleaned) and reported
# through Table.unknown_categories so the loader records it in meta.new_categories.
CATEGORY_LABELS: dict[str, tuple[str, ...]] = {
    "return_type_group": ("Enforced return", "Voluntary return", "Refused entry at port and subsequently departed"),
    "return_type": ("Enforced removals", "Enforced removals from detention", "Non-detained enforced removals",
                    "Controlled returns", "Assisted returns", "Other verified returns", "Other returns from detention",
                    "Departed from UK Ports", "Departed from Juxtaposed controls", "N/A - pre-2007", "Not available"),
    "return_destination_group": ("Home country", "EU Member State", "Other country"),
    "age": ("17 and under", "18 to 29", "30 to 49", "50 to 69", "70 and over", "Unknown"),
    "age_group": ("17 and under", "18 to 24", "25 to 39", "40 and over", "Unknown", "Not currently recorded"),
    "sex": ("Male", "Female", "Unknown", "Not currently recorded"),
    "region": ("Africa North", "Africa Sub-Saharan", "America Central and South", "America North", "Asia Central",
               "Asia East", "Asia South", "Asia South East", "EU 14", "EU 8", "EU 2", "EU Other", "Europe Other",
               "Middle East", "Oceania", "Other", "Not currently recorded"),
    "method_of_entry": ("Small boat arrivals", "Inadequately documented air arrivals", "Recorded detections in the UK",
                        "Recorded detections at UK ports"),
    "applicant_type": ("Main applicant", "Dependant"),
    "application_stage": ("Pending initial decision", "Pending further review"),
    "duration": ("6 months or less", "More than 6 months", "N/A - Further review"),
    "support_type": ("Section 95", "Section 4", "Section 98"),
    "accommodation_type": ("Dispersal Accommodation", "Initial Accommodation", "Contingency Accommodation - Hotel",
                           "Contingency Accommodation - Other", "Other Accommodation", "Subsistence Only",
                           "N/A - Section 98 (pre-2023)"),
    "uk_region": ("East Midlands", "East of England", "London", "North East", "North West", "Northern Ireland",
                  "Scotland", "South East", "South West", "Wales", "West Midlands", "Yorkshire and The Humber",
                  "Unknown", "N/A - Section 98 (pre-Dec 2022)", "N/A - Section 4 (pre-2018)",
                  "N/A - Subsistence Only (Dec 2023 - Sep 2024)", "N/A - Subsistence Only (Dec 2023 - Dec 2024)"),
}
CATEGORY_LABELS["return_destination_region"] = CATEGORY_LABELS["region"]

# Spellings that differ by more than case, spacing or dash style: column -> variant -> label.
LABEL_VARIANTS: dict[str, dict[str, str]] = {
    "return_type_group": {"enforced returns": "Enforced return", "voluntary returns": "Voluntary return",
                          "refused entry at port and subsequent departure": "Refused entry at port and subsequently departed",
                          "refused entry at port & subsequently departed": "Refused entry at port and subsequently departed"},
    "return_type": {"non detained enforced removals": "Non-detained enforced removals",
                    "enforced removal from detention": "Enforced removals from detention"},
    "accommodation_type": {"contingency accommodation (hotel)": "Contingency Accommodation - Hotel",
                           "contingency accommodation hotel": "Contingency Accommodation - Hotel",
                           "hotel": "Contingency Accommodation - Hotel"},
    "application_stage": {"pending initial decisions": "Pending initial decision"},
    "sex": {"males": "Male", "females": "Female"},
}

_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]\s*")


def category_key(value: object) -> str:
    """Key for category labels: case-folded, single spaces, every dash style as '-' without spaces around it."""
    return _DASHES.sub("-", _WS.sub(" ", str(value)).strip()).casefold()


_CANONICAL = {column: {**{category_key(v): c for v, c in LABEL_VARIANTS.get(column, {}).items()},
                       **{category_key(label): label for label in labels}}
              for column, labels in CATEGORY_LABELS.items()}


def normalise_categories(frame: pd.DataFrame, columns: list[str] | None = None) -> list[tuple[str, str, int]]:
    """Canonical labels, in place, for every column of `frame` with a known label set (or just `columns`).

    Returns the labels outside the known set as (column, label, rows); they stay in the data.
    Work is per distinct label, not per row.
    """
    unknown: list[tuple[str, str, int]] = []
    for column in columns if columns is not None else list(frame.columns):
        known = _CANONICAL.get(column)
        if known is None or column not in frame.columns:
            continue
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        mapped = np.empty(len(uniques) + 1, dtype=object)
        mapped[-1] = pd.NA
        new: dict[str, int] = {}
        for i, value in enumerate(uniques):
            text = _WS.sub(" ", str(value)).strip()
            label = known.get(category_key(text))
            if label is None:
                label = text
                new[label] = new.get(label, 0) + int(counts[i])
            mapped[i] = label
        frame[column] = pd.Series(mapped[codes], index=frame.index, dtype=object)
        unknown.extend((column, label, rows) for label, rows in sorted(new.items()))
    return unknown


# A category label that stands for every member of its column ('Total', 'All', 'All nationalities', 'Grand total',
# 'Sub-total'): the row is an aggregate of the table's other rows, and a metric summing the table would count them
# twice. Whole labels only: 'Marshall Islands' or 'Other and unknown' are members, and so would 'All other
# nationalities' be (a residual, not a total).
TOTAL_LABEL = re.compile(
    r"^(?:(?:grand |sub-?\s?)?totals?\b.*|all(?: (?:nationalities|nations|countries|regions|ages|age groups|sexes|"
    r"genders|methods(?: of entry)?|types|return types|people|persons|categories))?)$", re.IGNORECASE)


def is_total_label(value: object) -> bool:
    return isinstance(value, str) and bool(TOTAL_LABEL.match(_WS.sub(" ", value).strip()))
