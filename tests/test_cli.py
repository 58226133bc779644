"""The CLI around the warehouse: data dictionary, read-only SQL, help with examples."""
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


def test_every_public_column_is_described_and_in_the_dictionary(warehouse, tmp_path, capsys):
    con = duckdb.connect(str(warehouse), read_only=True)
    undocumented = con.execute("SELECT table_name || '.' || column_name FROM duckdb_columns() "
                               "WHERE schema_name = 'marts' AND comment IS NULL").fetchall()
    tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
                                        "UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts'").fetchall()}
    con.close()
    assert undocumented == []
    out = tmp_path / "docs" / "dictionary.md"
    assert cli.main(["docs", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    text = out.read_text()
    for table in tables:
        assert f"## marts.{table} " in text
    assert "| is_latest | BOOLEAN | True for the value from the newest release" in text
    assert "`marts.claim_checks_as_of(as_of_date)`" in text
    # every metric of the catalog, with its source (audit 13: a newcomer's new metric never showed in the docs)
    from flows.catalog import load_catalog
    for source in load_catalog().values():
        for m in source.metrics:
            assert f"| {m.id} | {m.title.replace('|', '/')} | {m.unit} | {m.period_type} |" in text, m.id
            assert f"| {source.id} |" in text[text.index(f"| {m.id} |"):].split("\n")[0]


def test_sql_is_read_only_and_prints_a_table(warehouse, capsys):
    assert cli.main(["sql", "--warehouse", str(warehouse), "SELECT count(*) AS n FROM marts.pledges"]) == 0
    assert "(1 row)" in capsys.readouterr().out
    assert cli.main(["sql", "--warehouse", str(warehouse), "DELETE FROM meta.releases"]) == cli.EXIT_USAGE
    assert "read-only" in capsys.readouterr().err
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM meta.releases").fetchone() == (1,)
    con.close()


@pytest.mark.parametrize("command", ["run", "load", "status", "report", "sql", "docs", "rebuild"])
def test_help_has_examples(command, capsys):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and f"pledges {command}" in out and "--warehouse" in out


@pytest.mark.parametrize("command", [["sql", "SELECT 1"], ["docs"], ["report", "--out", "r.html"]])
def test_a_warehouse_that_does_not_exist_is_a_usage_error(settings, capsys, tmp_path, command):
    """Reading a warehouse that was never written (a mistyped --warehouse) is a usage error, exit 2, naming the
    file, without a traceback. Before, exit 1, which README gives to rejected or held releases."""
    argv = [command[0], "--warehouse", str(settings.warehouse), *command[1:]]
    assert cli.main([a.replace("r.html", str(tmp_path / "r.html")) for a in argv]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert f"{settings.warehouse}: nothing published yet" in err and "Traceback" not in err
    assert not settings.warehouse.exists() and not (tmp_path / "r.html").exists()


def test_errors_without_traceback_unless_debug(settings, capsys):
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    (settings.warehouse.parent / "not-a-warehouse.duckdb").write_text("plain text")
    bad = str(settings.warehouse.parent / "not-a-warehouse.duckdb")
    assert cli.main(["sql", "--warehouse", bad, "SELECT 1"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "not-a-warehouse.duckdb" in err and "Traceback" not in err
    with pytest.raises(Exception):
        cli.main(["--debug", "sql", "--warehouse", bad, "SELECT 1"])


def test_loading_a_path_that_does_not_exist_is_a_usage_error_and_loads_nothing(settings, capsys, tmp_path):
    """`pledges load good.ods mistyped.ods`: exit 2 naming the missing path, and nothing is loaded, so a mistyped
    path in a scheduled job is not mistaken for a rejected release (exit 1). Before, the good file loaded and the
    command exited 1."""
    good = tmp_path / "good.csv"
    good.write_text("a,b\n1,2\n")
    missing = tmp_path / "mistyped.ods"
    assert cli.main(["load", "--warehouse", str(settings.warehouse), str(good), str(missing)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert f"{missing}: no such file or folder (nothing was loaded)" in err
    assert not settings.warehouse.exists()


def test_status_changes_with_json_gives_the_changes_as_json(warehouse, capsys):
    """`pledges status --changes --json`: the JSON holds the changes (marts.changes, newest first, dates as ISO
    text), as `--changes` prints them; plain `--json` has no changes key. Before, --changes was ignored with --json."""
    import json

    capsys.readouterr()
    assert cli.main(["status", "--warehouse", str(warehouse), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "changes" not in plain
    assert cli.main(["status", "--warehouse", str(warehouse), "--changes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    con = duckdb.connect(str(warehouse), read_only=True)
    expected = con.execute("SELECT kind, changed_on, subject, summary, release_id FROM marts.changes "
                           "ORDER BY changed_on DESC, kind, subject, summary, release_id").fetchall()
    con.close()
    assert expected and any(kind == "release" for kind, *_ in expected)
    assert [(c["kind"], c["changed_on"], c["subject"], c["stored_summary"], c["release_id"]) for c in data["changes"]] == \
        [(k, d.isoformat(), s, t, r) for k, d, s, t, r in expected]
    # `summary` in words, as the text output, the feed and the report say it: a source by its title, not its id
    from flows.catalog import load_catalog
    [release] = [c for c in data["changes"] if c["kind"] == "release"]
    assert release["summary"].startswith(f"New release of {load_catalog()['small_boats'].title}: ")
    assert {k: v for k, v in data.items() if k != "changes"} == plain
    # as of a day before the release: the same keys, only the changes known by then (statuses set by hand from
    # evidence dated by then, such as europol_officers' first on 21 Aug 2024), no release nor figure yet
    assert cli.main(["status", "--warehouse", str(warehouse), "--changes", "--json", "--as-of", "2024-09-01"]) == 0
    early = json.loads(capsys.readouterr().out)["changes"]
    assert [(c["kind"], c["changed_on"], c["subject"]) for c in early] == \
        [(k, d.isoformat(), s) for k, d, s, _t, _r in expected if d <= date(2024, 9, 1)]
    assert early and all(c["kind"] == "status" and c["release_id"] is None for c in early)
