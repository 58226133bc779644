"""`pledges`: run the pipeline, load local files, show what is in the warehouse."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

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
    "status": "pledges status\n  pledges status --json",
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
        line = f"{o.status:<9} {o.source_id:<14} {o.name}"
        if o.status == "loaded":
            line += f"  ({o.rows:,} rows, {o.release_id})"
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
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from flows.pipeline import RunFailed, pledges_run
    try:
        result = pledges_run(source_ids=args.source or None, warehouse=str(settings.warehouse),
                             govuk_base=settings.govuk_base)
    except RunFailed as exc:
        return _print_outcomes(exc.outcomes)
    return _print_outcomes([ingest.Outcome(**o) for o in result])


def cmd_load(args: argparse.Namespace) -> int:
    return _print_outcomes(ingest.load_paths(_settings(args), [Path(p) for p in args.paths]))


def status_data(warehouse: Path) -> dict:
    con = db.connect_read_only(warehouse)
    if con is None:
        return {"warehouse": str(warehouse), "published": False, "sources": [], "rejected": []}
    try:
        sources = con.execute("""
            SELECT source_id,
                   count(*) FILTER (WHERE status = 'loaded') AS releases_loaded,
                   count(*) FILTER (WHERE status = 'rejected') AS releases_rejected,
                   max(published_on) FILTER (WHERE status = 'loaded') AS latest_published_on,
                   arg_max(release_id, published_on) FILTER (WHERE status = 'loaded') AS latest_release,
                   max(fetched_at) AS last_fetched_at
            FROM meta.releases GROUP BY source_id ORDER BY source_id""").fetchall()
        rejected = con.execute("""
            SELECT r.release_id, r.file_name, r.error,
                   (SELECT list(coalesce('sheet ' || f.sheet || ' ', '') || coalesce('row ' || f.row_number || ' ', '')
                                || coalesce('column ' || f.column_name || ': ', '') || f.check_name
                                || coalesce(' (value ' || f.value || ')', ''))[1:5]
                    FROM meta.release_failures f WHERE f.release_id = r.release_id) AS failures
            FROM meta.releases r WHERE r.status = 'rejected' ORDER BY r.published_on DESC""").fetchall()
    finally:
        con.close()
    cols = ["source_id", "releases_loaded", "releases_rejected", "latest_published_on", "latest_release", "last_fetched_at"]
    return {
        "warehouse": str(warehouse), "published": True,
        "sources": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in zip(cols, row)} for row in sources],
        "rejected": [{"release_id": r[0], "file_name": r[1], "error": r[2], "failures": r[3] or []} for r in rejected],
    }


def print_table(rows: list[dict], columns: list[str]) -> None:
    if not rows:
        print("  (none)")
        return
    widths = {c: max(len(c), *(len(str(r.get(c, "") if r.get(c) is not None else "")) for r in rows)) for c in columns}
    print("  " + "  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        print("  " + "  ".join(str(r.get(c) if r.get(c) is not None else "").ljust(widths[c]) for c in columns))


def cmd_status(args: argparse.Namespace) -> int:
    data = status_data(Path(args.warehouse))
    if args.json:
        print(json.dumps(data, indent=2, default=str))
        return EXIT_OK
    if not data["published"]:
        print(f"{data['warehouse']}: nothing published yet (run `pledges run` or `pledges load PATH`)")
        return EXIT_OK
    print(f"warehouse {data['warehouse']}\n\nsources:")
    print_table(data["sources"], ["source_id", "releases_loaded", "releases_rejected", "latest_published_on", "latest_release"])
    if data["rejected"]:
        print("\nrejected releases:")
        for r in data["rejected"]:
            print(f"  {r['release_id']} ({r['file_name']}): {r['error']}")
            for f in r["failures"]:
                print(f"    - {f}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pledges", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str, func) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog="examples:\n  " + EXAMPLES[name],
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--warehouse", default=os.environ.get("PLEDGES_WAREHOUSE", "warehouse/pledges.duckdb"),
                       help="warehouse file (env PLEDGES_WAREHOUSE; default %(default)s)")
        p.set_defaults(func=func)
        return p

    run = add("run", "discover, download, validate, load and publish", cmd_run)
    run.add_argument("--source", action="append", help="a catalog source id (repeatable; default all)")
    run.add_argument("--govuk-base", help="GOV.UK base URL (env PLEDGES_GOVUK_BASE; default https://www.gov.uk)")
    run.add_argument("--no-prefect", action="store_true", help="run the same steps without Prefect")
    load = add("load", "load local published files or folders of them", cmd_load)
    load.add_argument("paths", nargs="+", help="files or folders (searched recursively)")
    status = add("status", "what is loaded: sources, releases, latest dates, rejections", cmd_status)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except WarehouseBusy as exc:
        print(f"pledges: {exc}", file=sys.stderr)
        return EXIT_BUSY
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
