"""How figures and dates are written wherever people read them: the terminal, the report, the Prefect artifacts.

Plain functions without dependencies, so the quick commands (`pledges status`, `sql`) stay quick.
"""
from __future__ import annotations

from datetime import date


MISSING = "–"      # an absent figure or date in the report


def fmt_num(value, missing: str = MISSING) -> str:
    """A figure: whole numbers (and anything of 100 or more) with thousands separators, others to 2 decimals."""
    if value is None:
        return missing
    value = float(value)
    return f"{value:,.0f}" if abs(value) >= 100 or value.is_integer() else f"{value:,.2f}"


def fmt_signed(value) -> str:
    """A change, with its sign: +1,234 or -0.25."""
    if value is None:
        return MISSING
    value = float(value)
    return f"{value:+,.0f}" if abs(value) >= 100 or value.is_integer() else f"{value:+,.2f}"


def fmt_pct(value) -> str:
    """A percentage change, with its sign: +12.6%."""
    return MISSING if value is None else f"{float(value):+.1f}%"


def fmt_amount(value, unit: str) -> str:
    """A figure with its unit as a reader writes it: pounds as "£13.8m" and "£0.6m" (the transparency data publish
    millions to one decimal place, so the full number would claim a precision they do not have), any other unit
    after the number ("41,472 people")."""
    if value is None:
        return MISSING
    if unit == "GBP":               # every pound series here is published in millions to one decimal
        return f"£{float(value) / 1e6:,.1f}m"
    return f"{fmt_num(value)} {unit}".strip()


def fmt_date(value) -> str:
    """A date (or time) as ISO text; other values as they are."""
    if value is None:
        return MISSING
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def release_date_words(day_text: str, date_basis: str | None) -> str:
    """How a release's date reads, `day_text` being the date as shown (plain, or an HTML <time>): "published 16 Jul
    2026", or for a local file whose publication date is not known, the date it is dated by, said for what it is
    (as staging.release_words words it in SQL; tests/test_report_words.py holds the two alike)."""
    if date_basis == "file_time":
        return f"a local file dated {day_text} by its modification time (its publication date is not in it)"
    if date_basis == "estimated":
        return (f"a local file dated {day_text} by estimate (the month its data run to plus the usual publication lag; "
                "its publication date is not in it)")
    return f"published {day_text}"


def fmt_day(day) -> str:
    """A date (or its ISO text) as people write it: 23 Jan 2026 (a missing one as MISSING; anything else as
    fmt_date gives it)."""
    if isinstance(day, str) and len(day) == 10:
        try:
            day = date.fromisoformat(day)
        except ValueError:
            pass
    return f"{day.day} {day:%b %Y}" if hasattr(day, "year") else fmt_date(day)


def fmt_evidence_date(text) -> str:
    """An evidence date as precisely as the register gives it, as people write it: "2 Dec 2025", "Dec 2025"
    (dated to the month), "2025" (to the year); anything else as it is (staging.evidence_date_words in SQL)."""
    text = "" if text is None else str(text)
    if len(text) == 7:
        try:
            return f"{date.fromisoformat(text + '-01'):%b %Y}"
        except ValueError:
            return text
    return fmt_day(text) if len(text) == 10 else text or MISSING


def also_said_words(also: dict) -> str:
    """Who said an "Also" extract and when, as the entry's own quote is attributed: "Yvette Cooper MP, Home
    Secretary, Newspaper column by the Home Secretary (statement A), 14 Feb 2025" (marts.pledges.also_quoted; a
    warehouse built before said_by was carried gives "statement A")."""
    cited = also.get("cited_as") or f"statement {also.get('statement')}"
    if not also.get("said_by"):
        return cited
    title = f", {also['statement_title']}" if also.get("statement_title") else ""
    basis = f"; {date_basis_words(also['said_on_basis'])}" if also.get("said_on_basis") else ""   # an inferred date says so
    return f"{also['said_by']}{title} ({cited}), {fmt_day(also.get('said_on'))}{basis}"


def date_basis_words(basis: str) -> str:
    """How a statement's date is known, after its date: "date inferred: the week of ..." for an inferred date,
    else "dated by ..." (the register's date_basis reads "inferred: ..." or names what dates it)."""
    return f"date {basis}" if basis.startswith("inferred") else f"dated by {basis}"


def cited_statement(row: dict) -> str | None:
    """How a pledge row cites its statement after the statement's title ("statement A", "statement A,
    introduction"; None for words reported outside the two statements): marts.pledges.statement_cited_as, or, from
    a warehouse published before that column, "statement <key>"."""
    return row["statement_cited_as"] if "statement_cited_as" in row else f"statement {row.get('statement')}"


def claimed_text(card: dict) -> str:
    """What a claim says, in words from its register terms: +24%, at least 3×, a fall of at least 25%, a record high."""
    value, check = card.get("claimed_value"), card.get("check_type")
    if check == "pct_change" and value is not None:
        return f"{value:+g}%"
    if check == "ratio" and value is not None:
        return f"at least {value:g}×"
    if check == "direction":         # a claimed cut or rise of any size
        return {"down": "a fall", "up": "a rise"}.get(card.get("claimed_direction"), "a change")
    if check == "highest_since":
        since = card.get("since")           # a date, or its ISO text once rows are made printable
        return f"highest since {str(since)[:4]}" if since else "highest on record"
    if check == "fall" and value is not None:
        return f"a fall of at least {value:g}%"
    if check == "record_high":
        return "a record high"
    if check == "at_least" and value is not None:
        return f"at least {fmt_num(value)}"
    return fmt_num(value) + (f" {card['unit']}" if card.get("unit") and value is not None else "")
