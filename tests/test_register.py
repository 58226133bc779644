"""The pledge register: complete against the brief, and validated with errors naming entry and field."""
from __future__ import annotations

import textwrap

import pytest

from warehouse.register import RegisterError, load_register

BRIEF_IDS = {
    "returns_seven_months", "returns_six_year_high", "fno_returns_up_21", "enforced_returns_up_24",
    "illegal_working_up_38", "charter_flights", "net_migration_down", "legal_migration_trebled",
    "apprenticeships_up", "small_boats", "asylum_backlog", "asylum_hotels", "smuggling_convictions",
    "rwanda_cost", "europe_security_agreement", "europol_partnership", "europol_officers", "soc_strategy",
    "scpo_powers", "border_security_command",
}


def test_every_pledge_and_claim_of_the_brief_is_registered():
    entries = {e.id: e for e in load_register()}
    assert set(entries) == BRIEF_IDS
    assert entries["returns_seven_months"].claimed_value == 19000
    assert entries["rwanda_cost"].kind == "qualitative"
    assert all(e.metric for e in entries.values() if e.kind == "quantitative")


def write(tmp_path, body: str):
    path = tmp_path / "pledges.toml"
    path.write_text(textwrap.dedent(body))
    return path


GOOD = """
[[entry]]
id = "x"
type = "claim"
statement = "A"
said_by = "Minister"
said_on = 2025-02-01
quote = "q"
kind = "quantitative"
metric = "small_boat_arrivals"
check = "total"
claimed_value = 1
claim_start = 2024-07-05
claim_end = 2025-01-31
"""


def test_a_good_entry_loads(tmp_path):
    assert [e.id for e in load_register(write(tmp_path, GOOD))] == ["x"]


@pytest.mark.parametrize("change, message", [
    (("claimed_value = 1\n", ""), "entry 'x': field (entry): Value error, claim of kind quantitative needs claimed_value"),
    (("said_on = 2025-02-01", 'said_on = "last week"'), "entry 'x': field said_on"),
    (('metric = "small_boat_arrivals"', 'metric = "smal_boat_arrivals"'), "entry 'x': field metric: 'smal_boat_arrivals' is not a catalog metric"),
    (('check = "total"', 'check = "vibes"'), "entry 'x': field check"),
    (("claim_end = 2025-01-31", "claim_end = 2024-01-31"), "claim_end is before claim_start"),
    (('quote = "q"', 'quote = "q"\nquoted = "typo"'), "entry 'x': field quoted: Extra inputs are not permitted"),
])
def test_bad_entries_name_entry_and_field(tmp_path, change, message):
    with pytest.raises(RegisterError, match="pledges.toml: ") as err:
        load_register(write(tmp_path, GOOD.replace(*change)))
    assert message in str(err.value)


def test_duplicate_ids_are_refused(tmp_path):
    with pytest.raises(RegisterError, match="entry 'x': field id: duplicate id"):
        load_register(write(tmp_path, GOOD + GOOD))
