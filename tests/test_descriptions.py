"""The descriptions a reader of `pledges docs` (and of COMMENT ON in any SQL client) gets: every public column and
table function described, in words that say more than its name, and true to what the column holds."""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from flows import cli
from tests.sources.small_boats.builders import small_boats_file


@pytest.fixture
def warehouse(settings, tmp_path):
    path = small_boats_file(tmp_path / "f", date(2024, 9, 13), start=date(2024, 6, 1), days=100)
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(path)]) == 0
    return settings.warehouse


def comments(warehouse) -> dict[tuple[str, str], str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {(t, c): d for t, c, d in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'marts'").fetchall()}
    finally:
        con.close()


def test_no_description_only_repeats_its_name_or_points_at_itself(warehouse):
    found = comments(warehouse)
    bare = [(t, c, d) for (t, c), d in found.items() if d and d.lower().rstrip(". ") in (c.replace("_", " "), c)]
    assert bare == []                                   # before: 'Title.' for marts.releases, metrics and changes
    self_pointing = [(t, c, d) for (t, c), d in found.items() if d and f"(marts.{t})" in d]
    assert self_pointing == []                          # before: marts.metrics.metric_id 'Metric id (marts.metrics).'
    # marts.release_failures.value is the failing cell as published, not an official figure
    assert "official" not in found[("release_failures", "value")].lower()
    assert "as published" in found[("release_failures", "value")]


def test_every_table_function_is_described_in_the_database_and_the_dictionary(warehouse, tmp_path):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        functions = dict(con.execute("SELECT DISTINCT function_name, comment FROM duckdb_functions() "
                                     "WHERE database_name = current_database() AND schema_name = 'marts'").fetchall())
    finally:
        con.close()
    assert set(functions) == {"observations_as_of", "metric_vintages", "pledge_progress_as_of", "claim_checks_as_of",
                              "pledge_status_as_of"}
    assert all(functions.values()), functions          # before: no description; `pledges docs` listed names only
    out = tmp_path / "dictionary.md"
    assert cli.main(["docs", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    text = out.read_text()
    for name, description in functions.items():
        assert f"`: {description}" in text and f"- `marts.{name}(" in text


def test_value_describing_columns_name_every_value_the_column_holds(warehouse):
    """A description that lists a column's values lists all of them: pledge_progress.period_type also holds the
    comparisons' names (audit 9: the dictionary gave only day ... range), and status its 'not graded'."""
    found = comments(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for column in ("period_type", "status", "view"):
            values = [v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM marts.pledge_progress").fetchall()]
            assert len(values) > 1 and "rolling_12_months" in values or column == "status", (column, values)
            for value in values:
                assert value in found[("pledge_progress", column)], (column, value)
    finally:
        con.close()
    # a fall check's claimed value is the size of the fall: said beside the unit that calls it a % change
    assert "size of the fall" in found[("claim_checks", "measure_unit")]
    assert "size of the fall" in found[("claim_checks", "claimed_value")]
    assert "7 days" in found[("metrics", "publication_lag_months")]


def test_the_change_lists_description_says_which_moves_it_leaves_out(warehouse):
    """marts.changes leaves out moves only between not yet said, not yet published and not loaded here (audit 9 found
    29 such as-of transitions untold while the comment and README said every move was told): its description says
    so, and the table holds none."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        [comment] = con.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = 'changes'"
                                ).fetchone()
        quiet = ("not yet said", "not yet published", "not loaded here")
        told = con.execute("SELECT count(*) FROM marts.changes WHERE old_value IN ? AND new_value IN ?",
                           [list(quiet), list(quiet)]).fetchone()[0]
    finally:
        con.close()
    assert "not yet said, not yet published and not loaded here" in comment and "is not listed" in comment
    assert told == 0


def test_no_metric_definition_quotes_a_figure_no_file_here_carries():
    """A metric's definition (marts.metrics, `pledges docs`) says what is counted, not what the count was: a figure
    there is never checked against a release. The national hotel stock quoted "38,054 at 31 December 2024, 30,657 at
    31 December 2025", found in no file in ../shared and in no loaded release (audit 18). Counts written with a
    thousands separator are what such a quoted figure looks like."""
    import re

    from flows.catalog import definitions
    quoting = {m["metric_id"]: re.findall(r"\b\d{1,3}(?:,\d{3})+\b", m.get("definition") or "")
               for m in definitions().descriptions}
    assert {metric: figures for metric, figures in quoting.items() if figures} == {}
