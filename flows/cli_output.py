"""What the `pledges` commands print: what a run did with each file, tables of rows, the status page, entries in words.

Light on purpose (no pandas, no parsers): `pledges status` and `pledges sql` print through here.
"""
from __future__ import annotations

import math
import sys
import textwrap
from datetime import date
from typing import TYPE_CHECKING

from flows.formatting import also_said_words, cited_statement, claimed_text, date_basis_words, fmt_day, fmt_evidence_date, fmt_num, fmt_pct

if TYPE_CHECKING:
    from flows.ingest import Outcome

SOURCE_COLUMNS = ["source_id", "releases_loaded", "releases_rejected", "releases_held", "latest_published_on",
                  "latest_release"]
PLEDGE_COLUMNS = ["pledge_id", "title", "type", "status", "period_label", "value", "claimed_value", "baseline_label",
                  "baseline_value", "change_pct"]


def print_outcomes(outcomes: list[Outcome]) -> bool:
    """One line per file (status, source, name, and rows or the reason), errors on stderr, then a summary.
    True when something failed (rejected, held or not fetched)."""
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
    return any(o.is_failure for o in outcomes)


def table_cell(row: dict, column: str, width: int) -> str:
    value = row.get(column)
    if column == "change_pct" and isinstance(value, (int, float)):
        return fmt_pct(value)
    if column == "claimed_value" and row.get("check_type"):    # a claim's terms in words: +24%, at least 3×
        value = claimed_text(row)
    text = fmt_num(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value if value is not None else "")
    return text if len(text) <= width else text[: width - 1] + "…"


def sql_cell(row: dict, column: str, width: int) -> str:
    """A cell of `pledges sql`: every value as the query gave it, for copying (a year 2023, an id, a count 12345,
    a figure 0.125), never with thousands separators or rounded; NULL as an empty cell."""
    value = row.get(column)
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def json_safe(value):
    """`value` for strict JSON: NaN and infinities (which JSON cannot write) as None (null), in lists and dicts too."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def print_table(rows: list[dict], columns: list[str], width: int = 60, cell=table_cell) -> None:
    """Rows as a text table, two spaces in, each cell cut to `width` characters (`cell` writes one: by default
    figures with thousands separators, as the status page shows them)."""
    if not rows:
        print("  (none)")
        return
    widths = {c: max(len(c), *(len(cell(r, c, width)) for r in rows)) for c in columns}
    print("  " + "  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        print("  " + "  ".join(cell(r, c, width).ljust(widths[c]) for c in columns))


def print_explained(p: dict) -> None:
    """One entry in words: title and status, the exact quote with who said it and when, method, explanation, evidence."""
    wrap = textwrap.TextWrapper(width=100, initial_indent="    ", subsequent_indent="      ",
                                break_long_words=False, break_on_hyphens=False)   # addresses stay whole
    print(f"\n  {p['pledge_id']}: {p['title']} [{p['status']}]")
    cited = cited_statement(p)
    said = f"{p['said_by']}, {p['statement_title']}{f' ({cited})' if cited else ''}, {fmt_day(p['said_on'])}"
    if p.get("said_on_basis"):
        said += f"; {date_basis_words(p['said_on_basis'])}"
    if p.get("quote_verbatim") is False:     # as the report's card says it
        said += "; words as reported, not from the two source statements"
    print(wrap.fill(f"\u201c{p['quote']}\u201d \u2014 {said}"))
    for also in p.get("also_quoted") or []:
        print(wrap.fill(f"Also: \u201c{also['quote']}\u201d \u2014 {also_said_words(also)}"))
    if p.get("method"):
        print(wrap.fill(f"Method: {p['method']}"))
    explanation = p["explanation"] or ""
    if p.get("kind") == "qualitative" and p.get("method") and p["method"] in explanation:
        # the status and since when; the method and the evidence are on their own lines (evidence with addresses)
        explanation = explanation.split(p["method"])[0].rstrip()
    if explanation:
        print(wrap.fill(explanation))
    for e in p.get("evidence") or []:
        print(wrap.fill(f"Evidence ({fmt_evidence_date(e['date'])}, {e['publisher']}): {e['summary']}" + (f" {e['url']}" if e.get("url") else "")
                        + (f" (read at a copy: {e['read_at']})" if e.get("read_at") else "")))


def print_status(data: dict, as_of: date | None, explain: bool, changes: list[dict] | None) -> None:
    """The status page: sources, every pledge and claim (in words with `explain`), `changes` when given, then files
    the parser failed on, releases held by the release gate, held ones superseded, and rejected ones with their
    failing cells."""
    print(f"warehouse {data['warehouse']}" + (f", as published on or before {as_of}" if as_of else ""))
    print("\nsources:")
    print_table(data["sources"], SOURCE_COLUMNS)
    print("\npledges and claims:")
    print_table(data["pledges"], PLEDGE_COLUMNS, width=40)
    if explain:
        for p in data["pledges"]:
            print_explained(p)
    if changes is not None:
        print("\nchanges (newest first):")
        print_table(changes, ["changed_on", "kind", "summary"], width=160)
    print_releases_not_published(data)


def _own_words(error: str, release_id: str) -> str:
    """A rejected release's error without the source and release it begins with (the line names them already)."""
    prefix = f"{release_id.split('/')[0]} release "
    if error.startswith(prefix) and (cut := error.find(": ", len(prefix))) >= 0:
        return error[cut + 2:]
    return error


def print_left_out(release_id: str, shown: int, total: int | None) -> None:
    """The count of a release's failing cells or reasons not listed, and where every one of them is."""
    if total and total > shown:
        print(f"    ... and {total - shown:,} more ({total:,} in all: pledges sql \"SELECT * FROM marts.release_failures "
              f"WHERE release_id = '{release_id}'\")")


def print_releases_not_published(data: dict) -> None:
    if faults := data.get("parser_faults"):
        print("\nfiles the parser failed on (not recorded, so a load or run that finds one again tries it, and exits 1 "
              "until it loads; look at the file and the parser; the run or load with --debug shows the traceback):")
        for f in faults:
            print(f"  {f['source_id']} release {f['published_on']} ({f['file_name']}), last tried "
                  f"{str(f['tried_at'])[:16].replace('T', ' ')}: {f['reason']}")
    if held := [r for r in data["held"] if r["status"] == "held"]:
        print("\nheld releases (the release gate: valid, but implausible; not published. Review each, then "
              "`pledges accept RELEASE_ID` publishes it):")
        for r in held:
            print(f"  {r['release_id']} ({r['file_name']})")
            for reason in r["reasons"]:
                print(f"    - {reason}")
            print_left_out(r["release_id"], len(r["reasons"]), r.get("reasons_total"))
    if unreviewed := data.get("unreviewed"):
        print("\npublished, but the release gate would hold them (found after they were published, when an older "
              "release loaded or in a rebuild; review each):")
        for r in unreviewed:
            print(f"  {r['release_id']} ({r['file_name']}): {r['held_reasons']}")
    if superseded := [r for r in data["held"] if r["status"] == "superseded"]:
        print("\nheld, then superseded by a later release (never published):")
        for r in superseded:
            print(f"  {r['release_id']} ({r['file_name']}): {r['error']}")
    if new := data.get("new_categories"):
        print("\nlabels the newest releases use that their parsers did not know (kept; a metric whose filter names "
              "another label counts none of them: a category relabelled?):")
        for r in new:
            print(f"  {r['release_id']}: table {r['table_name']}, column {r['column_name']}: {r['label']!r} "
                  f"({r['rows']:,} rows)")
    if data["rejected"]:
        print("\nrejected releases:")
        for r in data["rejected"]:
            print(f"  {r['release_id']} ({r['file_name']}): {_own_words(r['error'], r['release_id'])}")
            for f in r["failures"]:
                print(f"    - {f}")
            print_left_out(r["release_id"], len(r["failures"]), r.get("failures_total"))
