"""`pledges`: run the pipeline, load local files, show what is in the warehouse."""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import textwrap
from datetime import date
from pathlib import Path

import duckdb

from flows import ingest
from flows.config import Settings
from flows.errors import WarehouseBusy
from warehouse import db

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
}


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"warehouse": Path(args.warehouse)}
    if getattr(args, "govuk_base", None):
        overrides["govuk_base"] = args.govuk_base
    return dataclasses.replace(Settings(), **overrides)


def _print_outcomes(outcomes: list[ingest.Outcome]) -> int:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
        name = o.name if o.name.isprintable() else repr(o.name)    # a name ending in a newline, say
        line = f"{o.status:<9} {o.source_id:<14} {name}"
        if o.status == "loaded":
            line += f"  ({o.rows:,} rows, {o.release_id})"
        elif o.status in ("skipped", "superseded") and o.error:
            line += f"  ({o.error.splitlines()[0]})"
        print(line)
        for note in o.notes:
            print(f"          note: {note}")
        if o.is_failure and o.error:
            print("          " + o.error.replace("\n", "\n          "), file=sys.stderr)
    print("summary: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) if counts else "summary: nothing to do")
    return EXIT_FAILED if any(o.is_failure for o in outcomes) else EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
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
        print(f"pledges run: the flow run failed: {type(exc).__name__}: {exc} (traceback in Prefect's log above)",
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
    return _print_outcomes(ingest.load_paths(_settings(args), [Path(p) for p in args.paths]))


def cmd_accept(args: argparse.Namespace) -> int:
    return _print_outcomes(ingest.accept(_settings(args), args.release_id))


def _rows(con, sql: str, params: list | None = None) -> list[dict]:
    result = con.execute(sql, params or [])
    columns = [d[0] for d in result.description]
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in zip(columns, row)} for row in result.fetchall()]


def cmd_report(args: argparse.Namespace) -> int:
    from flows.report import write_report
    print(f"wrote {write_report(Path(args.warehouse), Path(args.out))}")
    return EXIT_OK


def cmd_rebuild(args: argparse.Namespace) -> int:
    try:
        outcomes = ingest.rebuild(_settings(args), force=args.force)
    except ingest.RebuildRefused as exc:     # nothing published: what failed, then why nothing was
        if exc.outcomes:
            _print_outcomes(exc.outcomes)
        print(f"pledges rebuild: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return _print_outcomes(outcomes)


def status_data(warehouse: Path, as_of: date | None = None) -> dict:
    """Sources, rejected releases and every pledge and claim, optionally as known on `as_of`."""
    con = db.connect_read_only(warehouse)
    if con is None:
        return {"warehouse": str(warehouse), "published": False, "as_of": as_of, "sources": [], "rejected": [], "held": [],
                "pledges": []}
    cutoff = as_of or date(9999, 12, 31)
    try:
        sources = _rows(con, """
            SELECT source_id,
                   count(*) FILTER (WHERE status = 'loaded') AS releases_loaded,
                   count(*) FILTER (WHERE status = 'rejected') AS releases_rejected,
                   count(*) FILTER (WHERE status = 'held') AS releases_held,
                   max(published_on) FILTER (WHERE status = 'loaded') AS latest_published_on,
                   arg_max(release_id, o.release_rank) FILTER (WHERE status = 'loaded') AS latest_release
            FROM meta.releases LEFT JOIN staging.release_order o USING (release_id, published_on)
            WHERE published_on <= ? GROUP BY source_id ORDER BY source_id""", [cutoff])
        rejected = _rows(con, """
            SELECT r.release_id, r.file_name, r.error,
                   coalesce((SELECT list(coalesce('sheet ' || f.sheet || ' ', '') || coalesce('row ' || f.row_number || ' ', '')
                                || coalesce('column ' || f.column_name || ': ', '') || f.check_name
                                || coalesce(' (value ' || f.value || ')', ''))[1:5]
                    FROM meta.release_failures f WHERE f.release_id = r.release_id), []) AS failures
            FROM meta.releases r WHERE r.status = 'rejected' AND r.published_on <= ? ORDER BY r.published_on DESC""", [cutoff])
        held = _rows(con, """
            SELECT r.release_id, r.source_id, r.file_name, r.status, r.error,
                   coalesce((SELECT list(coalesce('sheet ' || f.sheet || ' ', '') || coalesce('row ' || f.row_number || ' ', '')
                                || coalesce(f.column_name || ': ', '') || f.check_name
                                || coalesce(' (value ' || f.value || ')', '') ORDER BY f.rowid)[1:12]
                    FROM meta.release_failures f WHERE f.release_id = r.release_id), []) AS reasons
            FROM meta.releases r WHERE r.status IN ('held', 'superseded') AND r.published_on <= ?
            ORDER BY r.status, r.published_on DESC""", [cutoff])
        pledges = _rows(con, "SELECT * FROM marts.pledge_status_as_of(?)", [cutoff])
    finally:
        con.close()
    return {"warehouse": str(warehouse), "published": True, "as_of": as_of.isoformat() if as_of else None,
            "sources": sources, "rejected": rejected, "held": held, "pledges": pledges}


def _number(value) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"


def print_table(rows: list[dict], columns: list[str], width: int = 60) -> None:
    if not rows:
        print("  (none)")
        return
    def cell(row, column):
        value = row.get(column)
        if column == "change_pct" and isinstance(value, (int, float)):
            return f"{value:+.1f}%"
        text = _number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value if value is not None else "")
        return text if len(text) <= width else text[: width - 1] + "…"
    widths = {c: max(len(c), *(len(cell(r, c)) for r in rows)) for c in columns}
    print("  " + "  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        print("  " + "  ".join(cell(r, c).ljust(widths[c]) for c in columns))


def print_explained(p: dict) -> None:
    """One entry in words: title and status, the exact quote with who said it and when, method, explanation, evidence."""
    wrap = textwrap.TextWrapper(width=100, initial_indent="    ", subsequent_indent="      ",
                                break_long_words=False, break_on_hyphens=False)   # addresses stay whole
    print(f"\n  {p['pledge_id']}: {p['title']} [{p['status']}]")
    said = f"{p['said_by']}, {p['statement_title']} (statement {p['statement']}), {p['said_on']}"
    if p.get("said_on_basis"):
        said += f"; date: {p['said_on_basis']}"
    print(wrap.fill(f"\u201c{p['quote']}\u201d \u2014 {said}"))
    for also in p.get("also_quoted") or []:
        print(wrap.fill(f"Also: \u201c{also['quote']}\u201d (statement {also['statement']})"))
    if p.get("method"):
        print(wrap.fill(f"Method: {p['method']}"))
    print(wrap.fill(p["explanation"] or ""))
    for e in p.get("evidence") or []:
        print(wrap.fill(f"Evidence ({e['date']}, {e['publisher']}): {e['summary']}" + (f" {e['url']}" if e.get("url") else "")))


def cmd_status(args: argparse.Namespace) -> int:
    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    data = status_data(Path(args.warehouse), as_of)
    if args.json:
        print(json.dumps(data, indent=2, default=str))
        return EXIT_OK
    if not data["published"]:
        print(f"{data['warehouse']}: nothing published yet (run `pledges run` or `pledges load PATH`)")
        return EXIT_OK
    print(f"warehouse {data['warehouse']}" + (f", as published on or before {as_of}" if as_of else ""))
    print("\nsources:")
    print_table(data["sources"], ["source_id", "releases_loaded", "releases_rejected", "releases_held", "latest_published_on",
                                  "latest_release"])
    print("\npledges and claims:")
    print_table(data["pledges"], ["pledge_id", "title", "type", "status", "period_label", "value", "claimed_value",
                                  "baseline_label", "baseline_value", "change_pct"], width=40)
    if args.explain:
        for p in data["pledges"]:
            print_explained(p)
    if args.changes:
        from flows.feed import read_changes
        print("\nchanges (newest first):")
        cutoff = as_of or date(9999, 12, 31)
        print_table([c for c in read_changes(Path(args.warehouse)) if c["changed_on"] <= cutoff],
                    ["changed_on", "kind", "summary"], width=160)
    if held := [r for r in data["held"] if r["status"] == "held"]:
        print("\nheld releases (the release gate: valid, but implausible; not published. Review each, then "
              "`pledges accept RELEASE_ID` publishes it):")
        for r in held:
            print(f"  {r['release_id']} ({r['file_name']})")
            for reason in r["reasons"]:
                print(f"    - {reason}")
    if superseded := [r for r in data["held"] if r["status"] == "superseded"]:
        print("\nheld, then superseded by a later release (never published):")
        for r in superseded:
            print(f"  {r['release_id']} ({r['file_name']}): {r['error']}")
    if data["rejected"]:
        print("\nrejected releases:")
        for r in data["rejected"]:
            print(f"  {r['release_id']} ({r['file_name']}): {r['error']}")
            for f in r["failures"]:
                print(f"    - {f}")
    return EXIT_OK


def data_dictionary(warehouse: Path) -> str:
    """The public tables and views with their columns and descriptions, as Markdown."""
    con = db.connect_read_only(warehouse)
    if con is None:
        raise FileNotFoundError(f"{warehouse}: nothing published yet")
    try:
        relations = con.execute("""
            SELECT schema_name, table_name, 'table' AS kind, comment FROM duckdb_tables() WHERE database_name = current_database()
            UNION ALL
            SELECT schema_name, view_name, 'view', comment FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
            ORDER BY 1, 2""").fetchall()
        columns = con.execute("""
            SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns()
            WHERE database_name = current_database() ORDER BY schema_name, table_name, column_index""").fetchall()
        macros = con.execute("""
            SELECT DISTINCT schema_name, function_name, parameters FROM duckdb_functions()
            WHERE database_name = current_database() AND schema_name = 'marts' ORDER BY 2""").fetchall()
    finally:
        con.close()
    lines = ["# Data dictionary", "", f"Warehouse: `{warehouse}`. Public tables are in `marts`; `raw`, `staging` and `meta` are internal.", ""]
    for schema, name, kind, comment in relations:
        if schema != "marts":
            continue
        lines += [f"## marts.{name} ({kind})", "", comment or "(no description)", "", "| column | type | description |", "|---|---|---|"]
        lines += [f"| {c} | {t} | {(d or '').replace('|', '/')} |" for s, n, c, t, d in columns if s == schema and n == name]
        lines.append("")
    if macros:
        lines += ["## Table functions", ""]
        lines += [f"- `marts.{name}({', '.join(params)})`" for _s, name, params in macros]
        lines.append("")
    return "\n".join(lines)


def cmd_docs(args: argparse.Namespace) -> int:
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
        raise FileNotFoundError(f"{args.warehouse}: nothing published yet")
    try:
        rows = _rows(con, statement)
    except duckdb.PermissionException as exc:   # files, network, extensions, settings: not for a read-only query
        raise db.QueryRefused(f"refused: pledges sql reads the warehouse only (no files, network, extensions or "
                              f"settings): {exc}") from None
    finally:
        con.close()
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
    else:
        print_table(rows, list(rows[0]) if rows else [], width=80)
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return EXIT_OK


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
    return parser


def _progress_to_terminal() -> None:
    """Progress lines (downloads, loads) on stderr, only when a person is watching."""
    logger = logging.getLogger("pledges")
    if sys.stderr.isatty() and not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("  … %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _progress_to_terminal()
    try:
        return args.func(args)
    except BrokenPipeError:   # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except WarehouseBusy as exc:
        print(f"pledges: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except db.QueryRefused as exc:
        print(f"pledges {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyError as exc:
        print(f"pledges: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if args.debug:
            raise
        print(f"pledges: {type(exc).__name__}: {exc} (use --debug for the traceback)", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
