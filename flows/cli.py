"""`pledges`: run the pipeline, load local files, show what is in the warehouse."""
# The commands that only read (status, sql, docs) import nothing heavy: the pipeline's modules (ingest, the
# parsers, pandas, pandera, Prefect) are imported inside the commands that need them.
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from flows import readmodel
from flows.cli_output import json_safe, print_outcomes, print_status, print_table, sql_cell
from flows.errors import WarehouseBusy
from warehouse.errors import NothingPublished
from flows.run_settings import settings_for
from warehouse import db

if TYPE_CHECKING:
    from flows.config import Settings
    from flows.ingest import Outcome

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3

EXAMPLES = {
    "run": "pledges run                      # every source in the catalog\n"
           "  pledges run --source small_boats  # one source\n"
           "  pledges run --no-prefect          # same work without a Prefect server",
    "load": "pledges load ../shared/realdata   # every recognised file, recursively\n"
            "  pledges load 23_January_2026_Small_boats_-_time_series.ods",
    "report": "pledges report\n  pledges report --out /var/www/pledges.html",
    "rebuild": "pledges rebuild\n  pledges rebuild --warehouse /srv/pledges/pledges.duckdb\n"
               "  pledges rebuild --force           # publish what can be rebuilt, even with releases lost",
    "docs": "pledges docs\n  pledges docs --out docs/data-dictionary.md",
    "export": "pledges export --out export                 # Parquet files and datapackage.json\n"
              "  pledges export --out export-csv --format csv",
    "sql": "pledges sql \"SELECT * FROM marts.claim_checks\"\n"
           "  pledges sql --json \"SELECT metric_id, unit FROM marts.metrics\"",
    "accept": "pledges accept small_boats/2026-01-30/0123456789ab   # a release id that `pledges status` lists as held",
    "status": "pledges status\n  pledges status --explain\n  pledges status --as-of 2025-02-01\n  pledges status --changes\n  pledges status --json",
    "check": "pledges check                          # every source: page read, attachments matched, newest file, new?\n"
             "  pledges check --download               # also download, parse and validate each newest file\n"
             "  pledges check --source small_boats --json",
}


def _settings(args: argparse.Namespace) -> Settings:
    return settings_for(args.warehouse, getattr(args, "govuk_base", None) or None)


def _print_outcomes(outcomes: list[Outcome]) -> int:
    return EXIT_FAILED if print_outcomes(outcomes) else EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from flows import ingest
    settings = _settings(args)
    if args.no_prefect:
        return _print_outcomes(ingest.run_sources(settings, args.source or None))
    # before Prefect is imported: no telemetry from the client or the temporary server (a user's own value is kept)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.pipeline import RunFailed, pledges_run
    try:
        result = pledges_run(source_ids=args.source or None, warehouse=str(settings.warehouse),
                             govuk_base=settings.govuk_base)
    except RunFailed as exc:
        return _print_outcomes(exc.outcomes)
    except (WarehouseBusy, KeyError, db.QueryRefused):
        raise                                   # their own exit codes (main)
    except Exception as exc:
        if args.debug or not _raised_in(exc, pledges_run.fn):
            raise
        # raised in the flow run: Prefect has already logged it with its traceback, so no "use --debug" hint
        print(f"pledges run: the flow run failed: {error_words(exc)} (traceback in Prefect's log above)",
              file=sys.stderr)
        return EXIT_FAILED
    return _print_outcomes([ingest.Outcome(**o) for o in result])


def _raised_in(exc: BaseException, function) -> bool:
    """Whether `function` is on the exception's traceback (so it was raised while it ran)."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is function.__code__:
            return True
        tb = tb.tb_next
    return False


def cmd_load(args: argparse.Namespace) -> int:
    from flows.noop import noop_load       # light: a load that changes nothing imports no pandas, pandera or parser
    settings, paths = _settings(args), [Path(p) for p in args.paths]
    if missing := [p for p in paths if not p.exists()]:     # a mistyped path: a usage error, before anything loads
        for path in missing:
            print(f"pledges load: {path}: no such file or folder (nothing was loaded)", file=sys.stderr)
        return EXIT_USAGE
    if (outcomes := noop_load(settings, paths)) is not None:
        return _print_outcomes(outcomes)
    from flows import ingest
    return _print_outcomes(ingest.load_paths(settings, paths))


def cmd_accept(args: argparse.Namespace) -> int:
    from flows import ingest
    return _print_outcomes(ingest.accept(_settings(args), args.release_id))


def cmd_report(args: argparse.Namespace) -> int:
    from flows.report import write_report
    print(f"wrote {write_report(Path(args.warehouse), Path(args.out))}")
    return EXIT_OK


def cmd_rebuild(args: argparse.Namespace) -> int:
    from flows import ingest
    try:
        outcomes = ingest.rebuild(_settings(args), force=args.force)
    except ingest.RebuildRefused as exc:     # nothing published: what failed, then why nothing was
        if exc.outcomes:
            _print_outcomes(exc.outcomes)
        print(f"pledges rebuild: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return _print_outcomes(outcomes)


def status_data(warehouse: Path, as_of: date | None = None) -> dict:
    """Sources, rejected releases and every pledge and claim, optionally as known on `as_of` (flows.readmodel)."""
    return readmodel.status(warehouse, as_of)


def cmd_status(args: argparse.Namespace) -> int:
    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    data = status_data(Path(args.warehouse), as_of)
    changes = None
    if args.changes:           # read before either output, so --json gives them too
        cutoff = as_of or readmodel.EVERYTHING
        from flows.feed import read_changes     # in words, as the feed and the report say them (sources by title)
        changes = [c for c in read_changes(Path(args.warehouse)) if c["changed_on"] <= cutoff]
    if args.json:
        print(json.dumps(data if changes is None else {**data, "changes": readmodel.as_text(changes)},
                         indent=2, default=str))
        return EXIT_OK
    if not data["published"]:
        print(f"{data['warehouse']}: nothing published yet (run `pledges run` or `pledges load PATH`)")
        return EXIT_OK
    print_status(data, as_of, args.explain, changes)
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    from flows.data_dictionary import data_dictionary
    text = data_dictionary(Path(args.warehouse))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    else:
        print(text)
    return EXIT_OK


def cmd_sql(args: argparse.Namespace) -> int:
    statement = db.read_statement(args.query)    # exactly one read statement, else QueryRefused (exit 2)
    con = db.connect_query_only(Path(args.warehouse))
    if con is None:
        raise NothingPublished(args.warehouse)
    try:
        rows = readmodel.as_text(readmodel.rows(con, statement))
    except duckdb.PermissionException as exc:   # files, network, extensions, settings: not for a read-only query
        raise db.QueryRefused(f"refused: pledges sql reads the warehouse only (no files, network, extensions or "
                              f"settings): {exc}") from None
    except (duckdb.ProgrammingError, duckdb.DataError) as exc:
        # the query itself is wrong (a table, column or function that does not exist, a type or value that does not
        # convert): a usage error, exit 2, as a syntax error is
        raise db.QueryRefused(f"the query does not run: {exc}") from None
    finally:
        con.close()
    if args.json:
        print(json.dumps(json_safe(rows), indent=2, default=str, allow_nan=False))
    else:
        print_table(rows, list(rows[0]) if rows else [], width=80, cell=sql_cell)
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from flows import check as dry_run     # flows/check.py: the whole command; nothing published
    return dry_run.main(_settings(args), args.source or None, download_files=args.download, as_json=args.json)


def cmd_export(args: argparse.Namespace) -> int:
    from flows.export import ExportRefused, export
    try:
        package = export(Path(args.warehouse), Path(args.out), args.format)
    except ExportRefused as exc:
        print(f"pledges export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {args.out}: {len(package['resources'])} tables as {args.format} and datapackage.json")
    return EXIT_OK


def _iso_date(text: str) -> str:
    """A YYYY-MM-DD date argument, checked (a usage error, exit 2, if it is not a real date); kept as given."""
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: {exc} (expected YYYY-MM-DD, e.g. 2025-02-01)") from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pledges", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    # --warehouse and --debug go before or after the command (users try both); given both, the command's wins:
    # the command's copies default to SUPPRESS, so they set the value only when given.
    parser.add_argument("--warehouse", metavar="PATH", default=os.environ.get("PLEDGES_WAREHOUSE", "warehouse/pledges.duckdb"),
                        help="warehouse file (env PLEDGES_WAREHOUSE; default %(default)s); before or after the command")
    parser.add_argument("--debug", action="store_true", help="show tracebacks; before or after the command")
    parser.epilog = ("--warehouse and --debug go before or after the command:\n"
                     "  pledges --warehouse X load DIR  is the same as  pledges load DIR --warehouse X\n"
                     "given both, the command's own value wins.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str, func) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog="examples:\n  " + EXAMPLES[name],
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--warehouse", metavar="PATH", default=argparse.SUPPRESS,
                       help=f"warehouse file (env PLEDGES_WAREHOUSE; default {parser.get_default('warehouse')}); may "
                            f"also go before the command (pledges --warehouse PATH {name} ...): given both, this one wins")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show tracebacks (may also go before the command)")
        p.set_defaults(func=func)
        return p

    _add_publishing_commands(add)
    _add_reading_commands(add)
    _add_dry_run_command(add)
    return parser


def _add_publishing_commands(add) -> None:
    """run, load, accept, rebuild: the commands that write the warehouse."""
    run = add("run", "discover, download, validate, load and publish", cmd_run)
    run.add_argument("--source", action="append", help="a catalog source id (repeatable; default all)")
    run.add_argument("--govuk-base", help="GOV.UK base URL (env PLEDGES_GOVUK_BASE; default https://www.gov.uk)")
    run.add_argument("--no-prefect", action="store_true", help="run the same steps without Prefect")
    load = add("load", "load local published files or folders of them", cmd_load)
    load.add_argument("paths", nargs="+", help="files or folders (searched recursively)")
    accept = add("accept", "publish a release the release gate held, after review (from the raw archive)", cmd_accept)
    accept.add_argument("release_id", help="the held release's id, as `pledges status` lists it")
    rebuild = add("rebuild", "recreate the warehouse from the archived raw files alone (no network)", cmd_rebuild)
    rebuild.add_argument("--force", action="store_true",
                         help="publish even if archived files fail their checks or the new warehouse would hold fewer "
                              "loaded releases than the published one (they are left out)")


def _add_reading_commands(add) -> None:
    """status, report, docs, export, sql: the commands that only read the published warehouse."""
    status = add("status", "what is loaded: sources, releases, latest dates, rejections", cmd_status)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--as-of", metavar="YYYY-MM-DD", type=_iso_date, help="only releases published on or before this date")
    status.add_argument("--explain", action="store_true", help="one sentence per pledge and claim")
    status.add_argument("--changes", action="store_true",
                        help="what changed, newest first: status and verdict changes, new releases, revisions")
    report = add("report", "write a self-contained HTML report of every pledge and claim", cmd_report)
    report.add_argument("--out", default="reports/pledges.html", help="HTML file (or folder) to write (default %(default)s)")
    docs = add("docs", "print the data dictionary (tables, columns, descriptions) as Markdown", cmd_docs)
    docs.add_argument("--out", help="write to this file instead of printing")
    export = add("export", "write every marts table as Parquet or CSV files with a Frictionless datapackage.json",
                 cmd_export)
    export.add_argument("--out", required=True, metavar="DIR",
                        help="folder to write (replaced whole, in one step; must be new, empty or an earlier export)")
    export.add_argument("--format", choices=["parquet", "csv"],
                        default=os.environ.get("PLEDGES_EXPORT_FORMAT", "parquet"),
                        help="file format (env PLEDGES_EXPORT_FORMAT; default %(default)s)")
    sql = add("sql", "run a read-only SQL query against the warehouse and print a table", cmd_sql)
    sql.add_argument("query")
    sql.add_argument("--json", action="store_true", help="print rows as JSON")


def _add_dry_run_command(add) -> None:
    """check: discovery tried against the publishers, nothing published."""
    check_cmd = add("check", "dry run of discovery: each source's page, attachments found and matched, newest file, "
                             "whether it is new; exit 1 if a page, a match or a layout fails (nothing published)", cmd_check)
    check_cmd.add_argument("--source", action="append", help="a catalog source id (repeatable; default all)")
    check_cmd.add_argument("--download", action="store_true",
                           help="download each newest matching file to a temporary folder, parse and validate it "
                                "(never archived or published)")
    check_cmd.add_argument("--govuk-base", help="GOV.UK base URL (env PLEDGES_GOVUK_BASE; default https://www.gov.uk)")
    check_cmd.add_argument("--json", action="store_true", help="print the rows as JSON")


def _progress_to_terminal(debug: bool = False) -> logging.Handler | None:
    """Progress lines (downloads, loads) on stderr, only when a person is watching; with --debug, always, and the
    debug lines too (a parser fault's traceback from the parse process). The handler added, for main to remove."""
    logger = logging.getLogger("pledges")
    if not (sys.stderr.isatty() or debug) or logger.handlers:
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("  … %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    return handler


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = _progress_to_terminal(args.debug)
    try:
        return args.func(args)
    except BrokenPipeError:   # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except WarehouseBusy as exc:
        print(f"pledges: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except (db.QueryRefused, NothingPublished) as exc:
        print(f"pledges {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyError as exc:
        print(f"pledges: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if args.debug:
            raise
        print(f"pledges: {error_words(exc)} (use --debug for the traceback)", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if handler is not None:
            logging.getLogger("pledges").removeHandler(handler)


def error_words(exc: BaseException) -> str:
    """An error in one line, with the notes added to it on its way up (what it left unchanged)."""
    return " ".join([f"{type(exc).__name__}: {exc}", *getattr(exc, "__notes__", [])])


if __name__ == "__main__":
    sys.exit(main())
