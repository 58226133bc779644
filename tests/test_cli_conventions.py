"""CLI conventions: --warehouse and --debug go before or after the command, for every command; given both,
the command's own value wins."""
from __future__ import annotations

import argparse
import json
from datetime import date

import pytest

from flows import cli
from tests.sources.small_boats.builders import small_boats_file


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _required(sub: argparse.ArgumentParser) -> list[str]:
    """Placeholder values for the command's required arguments (positionals, required options)."""
    args: list[str] = []
    for action in sub._actions:
        if not action.option_strings and action.nargs != argparse.SUPPRESS:
            if action.nargs not in ("?", "*"):
                args.append("x")
        elif action.required:
            args += [action.option_strings[0], "x"]
    return args


COMMANDS = sorted(_subparsers())


def test_every_command_is_covered():
    assert {"run", "load", "status", "report", "sql", "docs", "rebuild", "export"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_warehouse_before_or_after_the_command(command, monkeypatch):
    monkeypatch.setenv("PLEDGES_WAREHOUSE", "/from/env.duckdb")
    rest = _required(_subparsers()[command])
    parse = cli.build_parser().parse_args
    assert parse([command, *rest]).warehouse == "/from/env.duckdb"
    assert parse(["--warehouse", "/before.duckdb", command, *rest]).warehouse == "/before.duckdb"
    assert parse([command, *rest, "--warehouse", "/after.duckdb"]).warehouse == "/after.duckdb"
    assert parse([command, "--warehouse=/after.duckdb", *rest]).warehouse == "/after.duckdb"
    both = parse(["--warehouse", "/before.duckdb", command, *rest, "--warehouse", "/after.duckdb"])
    assert both.warehouse == "/after.duckdb"     # the command's own value wins


@pytest.mark.parametrize("command", COMMANDS)
def test_debug_before_or_after_the_command(command):
    rest = _required(_subparsers()[command])
    parse = cli.build_parser().parse_args
    assert parse([command, *rest]).debug is False
    assert parse(["--debug", command, *rest]).debug is True
    assert parse([command, *rest, "--debug"]).debug is True


def test_help_says_where_the_global_options_go(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    top = " ".join(capsys.readouterr().out.split())     # help text wraps with the terminal's width
    assert "--warehouse" in top and "--debug" in top and "before or after the command" in top
    with pytest.raises(SystemExit):
        cli.main(["load", "--help"])
    sub = " ".join(capsys.readouterr().out.split())
    assert "--debug" in sub and "given both, this one wins" in sub


def test_load_with_the_warehouse_before_the_command_then_status_reads_it(tmp_path, capsys):
    """The failing case of the issue: `pledges --warehouse X load ...`."""
    warehouse = tmp_path / "wh" / "pledges.duckdb"
    path = small_boats_file(tmp_path / "f", date(2024, 9, 13), start=date(2024, 8, 4), days=40)   # to the day before
    assert cli.main(["--warehouse", str(warehouse), "load", str(path)]) == 0
    assert warehouse.exists()
    capsys.readouterr()
    # both given: the command's value wins (the global one points nowhere)
    assert cli.main(["--warehouse", str(tmp_path / "nowhere.duckdb"), "status", "--json", "--warehouse", str(warehouse)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["published"] is True and data["warehouse"] == str(warehouse)
    assert any(p["title"] for p in data["pledges"])     # human titles, not only ids


def test_debug_after_the_command_shows_the_traceback(tmp_path, capsys):
    broken = tmp_path / "not-a-warehouse.duckdb"      # a file that is no DuckDB database: an unexpected failure
    broken.write_text("plain text")
    assert cli.main(["sql", "SELECT 1", "--warehouse", str(broken)]) == cli.EXIT_FAILED
    assert "use --debug" in capsys.readouterr().err
    with pytest.raises(Exception) as raised:
        cli.main(["sql", "SELECT 1", "--warehouse", str(broken), "--debug"])
    with pytest.raises(type(raised.value)):
        cli.main(["--debug", "--warehouse", str(broken), "sql", "SELECT 1"])
