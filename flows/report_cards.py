"""The report's register entries: one card per pledge and claim (its words, figures, sources and charts), and
the claim checks table (marts.claim_checks)."""
from __future__ import annotations

import re

from flows.formatting import also_said_words, cited_statement, claimed_text, date_basis_words, fmt_day, fmt_evidence_date, fmt_num, fmt_pct, fmt_signed, release_date_words
from flows.readmodel import entry_metrics
from flows.report_figures import BASE_CHECKS, entry_charts
from flows.report_html import badge, link, status_words
from flows.report_svg import esc


def official_text(card: dict) -> str:
    check, measure, official = card.get("check_type"), card.get("official_measure"), card.get("official_value")
    if official is None:   # no figure: why, as the verdict says (figures already due are out, just not loaded)
        return "not loaded here" if (card.get("verdict") or card.get("status")) == "not loaded here" else "not published yet"
    if check == "pct_change":
        main = fmt_pct(measure)
        detail = f"{fmt_num(official)} against {fmt_num(card.get('comparison_value'))} a year before"
    elif check == "ratio":
        main = "–" if measure is None else f"{measure:.2f}×"
        detail = f"{fmt_num(official)} against {fmt_num(card.get('comparison_value'))}"
    elif check in ("direction", "fall") and len(bases := card.get("base_periods") or []) > 1 \
            and len(parts := card.get("part_verdicts") or []) == len(bases):
        # set against several bases: the change against each, as the periods row names them all
        main = fmt_num(official)
        detail = "; ".join(f"{fmt_pct(p.get('official_measure'))} against {b['label']}" for p, b in zip(parts, bases))
    elif check in ("direction", "fall"):
        main = fmt_num(official)
        base = f"for {card['comparison_periods']}" if card.get("comparison_periods") else "in the base period"
        detail = f"against {fmt_num(card.get('comparison_value'))} {base}"
    elif check == "record_high":
        main = fmt_num(official)
        detail = f"highest earlier: {fmt_num(card.get('comparison_value'))}"
    else:
        main, detail = fmt_num(official) + (f" {card['unit']}" if card.get("unit") else ""), ""
    text = main + (f" ({detail})" if detail else "")
    parts = card.get("part_verdicts") or []
    if len(parts) > 1 and len({p.get("metric_id") for p in parts}) > 1:
        # checked on several measures (arrests and visits; net migration and immigration): each one's, never the
        # first alone as if it were the claim's only figure (audit 27)
        def shown(p: dict) -> str:
            m = p.get("official_measure")
            if m is None:
                return p.get("verdict") or "–"
            return f"{m:.2f}×" if check == "ratio" else fmt_pct(m) if check in ("pct_change", "fall") else fmt_num(m)
        text = f"{parts[0].get('part')}: {text}; " + "; ".join(f"{p.get('part')}: {shown(p)}" for p in parts[1:])
    return text


def coverage_text(row: dict) -> str:
    if row.get("official_periods") is None:
        return ""
    text = f"{row['official_periods']}"
    if row.get("check_type") in BASE_CHECKS:
        # the period compared and its bases, not "claimed days": for "cut in the last four years" the claim spans the
        # four years and 2023/24 is the one set against the bases (audit 15)
        bases = [b["label"] for b in row.get("base_periods") or []] or [row.get("comparison_periods")]
        bases = [b for b in bases if b]
        return text + (f", set against {' and '.join(bases)}" if bases else "")
    if row.get("covered_days") is not None and row.get("claimed_days"):
        whole = row["covered_days"] == row["claimed_days"]
        text += f" (all {row['claimed_days']} claimed days" if whole else f" ({row['covered_days']} of {row['claimed_days']} claimed days"
        text += f", +{row['extra_days']} days outside" if row.get("extra_days") else ""
        text += ")"
    return text


def render_card(card: dict, entry: dict | None = None) -> str:
    """One register entry: its words, figures, sources and (quantitative entries with data) charts."""
    charts = entry_charts(card, entry or {}) if card.get("kind") == "quantitative" else []
    parts = card_head(card, wide=len(charts) > 1)
    parts.append('<dl class="figures">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in card_figures(card))
                 + "</dl>")
    parts.append(f'<p class="explanation">{esc(card.get("explanation"))}</p>')
    parts += card_sources(card)
    parts.append(card_charts(card, charts))
    parts.append("</section>")
    return "\n".join(parts)


def card_head(card: dict, wide: bool) -> list[str]:
    """The card's opening: title, what it is and how it is judged (in words: its id is the card's anchor and
    data-pledge-id, for links, scrapers and SQL, never text a reader is shown), status badge, the exact quote(s), who
    said it and when, the method."""
    pid = card["pledge_id"]
    parts = [f'<section class="pledge-card{" wide" if wide else ""}" id="card-{esc(pid)}" data-pledge-id="{esc(pid)}" '
             f'data-status="{esc(card.get("status"))}">',
             f'<div class="card-head"><div><h3>{esc(card.get("title") or pid.replace("_", " "))}</h3>'
             f'<p class="tags">{esc(kind_words(card))}</p></div>'
             f'{badge(card.get("status"), status_words(card))}</div>',
             f"<blockquote>“{esc(card.get('quote'))}”</blockquote>",
             # who said it, right under the words they said: an extract of another statement comes after, as "Also"
             f'<p class="who">— {esc(said_by(card))}</p>']
    for also in card.get("also_quoted") or []:
        parts.append(f"<blockquote class=\"also\">Also: “{esc(also['quote'])}” "
                     f"<span class=\"meta\">— {esc(also_said_words(also))}</span></blockquote>")
    if card.get("method"):
        parts.append(f'<p class="method"><b>Method:</b> {esc(card["method"])}</p>')
    return parts


def kind_words(card: dict) -> str:
    """What an entry is and how it is judged, in words: "Pledge · checked against published figures", "Claim · judged
    by hand from dated evidence" (the register's type and kind; quantitative, qualitative are its words, not a
    reader's)."""
    what = "Claim" if card.get("type") == "claim" else "Pledge"
    if card.get("kind") == "quantitative":
        return f"{what} · checked against published figures"
    return f"{what} · judged by hand" + (" from dated evidence" if any(card.get("evidence") or []) else "")


def said_by(card: dict) -> str:
    who = f"{card.get('said_by') or 'unknown'}"
    if card.get("statement_title"):
        cited = cited_statement(card)
        who += f", {card['statement_title']}" + (f" ({cited})" if cited else "")
    who += f", {fmt_day(card.get('said_on'))}"
    if card.get("said_on_basis"):
        who += f"; {date_basis_words(card['said_on_basis'])}"
    if card.get("quote_verbatim") is False:
        who += "; words as reported, not from the two source statements"
    return who


def card_figures(card: dict) -> list[tuple[str, str]]:
    """(label, text) pairs: the verdict or status set from evidence (qualitative entries), the claimed against the
    official figure (claims), or the latest figure against the baseline and what was promised (pledges)."""
    if card.get("kind") == "qualitative":
        # as precisely as the evidence dates it (status_since_label: "Dec 2024", not its last day); a warehouse
        # built before the label has the date alone
        since = (f" since {card.get('status_since_label') or fmt_day(card['status_since'])}"
                 if card.get("status_since") else "")
        return [("Verdict" if card.get("type") == "claim" else "Status",
                 f"{card.get('status') or card.get('manual_status') or '–'}{since} "
                 # an entry with no evidence (not measurable) was set by hand, not "from the evidence"
                 + (f"(set {fmt_day(card.get('manual_status_on'))} from the evidence)" if any(card.get("evidence") or [])
                  else f"(set by hand on {fmt_day(card.get('manual_status_on'))})"))]
    if card.get("type") == "claim":
        # the figure the verdict rests on, named by its source: the Home Office's ad-hoc note is not official statistics
        figures = [("Claimed", claimed_text(card)), ("Home Office ad-hoc note" if rests_on_note(card) else "Official", official_text(card))]
        if card.get("official_periods"):
            figures.append(("Periods used", coverage_text(card)))
        return figures
    unit = f" {card['unit']}" if card.get("unit") else ""
    figures = [("Latest", f"{card.get('period_label') or '–'}: {fmt_num(card.get('value'))}{unit}"
                if card.get("value") is not None else "no data yet"),
               ("Baseline", f"{card.get('baseline_label')}: {fmt_num(card.get('baseline_value'))}{unit}"
                if card.get("baseline_value") is not None else "no baseline figure yet")]
    if card.get("change") is not None:
        figures.append(("Change", f"{fmt_signed(card['change'])} ({fmt_pct(card.get('change_pct'))})"))
    figures.append(direction_row(card))
    # a status newer figures may have overtaken says so beside the figures, not only at the end of the explanation
    # (audit 22 D2: small boats read "off track" on figures to 22 Jan 2026, ten months on)
    if card.get("newer_figures_due_on") and card.get("value") is not None:
        figures.append(("Up to date?", f"No: newer figures were due by {fmt_day(card['newer_figures_due_on'])} and "
                                       "are not loaded here, so this status may be out of date"))
    return figures


def direction_row(card: dict) -> tuple[str, str]:
    """What the status is measured against: a promised direction (and target), or, where the words promise none of
    this measure, the direction tracked and whose it is (a card saying "Promised down" beside a method saying nothing
    was promised contradicted itself)."""
    direction = f"{card.get('direction') or '?'}"
    if card.get("target") is not None:
        direction += f", target {fmt_num(card['target'])}"
    basis = card.get("direction_from")
    if basis == "yardstick":
        return "Tracked", f"{direction}: this tracker's yardstick; the words promise no figure or direction"
    if basis == "proxy":
        return "Tracked", f"{direction}: a proxy for what the words promise"
    if basis == "promised":
        return "Promised", direction
    return "Direction tracked", direction     # a warehouse built before direction_from: whose, it cannot tell


def card_sources(card: dict) -> list[str]:
    """The release the figures come from and its publication page, dated evidence, and the register's note."""
    parts = []
    if card.get("release_id"):
        url = card.get("release_url")
        local = url and not re.match(r"https?://", url, re.I)
        parts.append(f'<p class="source">Source: {esc(card.get("release_file_name") or card["release_id"])}, '
                     + esc(release_date_words(fmt_day(card.get("published_on")), card.get("release_date_basis")))
                     + (f' · {link(url, "the file", official=True)}' if url and not local else "")
                     # a file dated by its time or by estimate already says it is a local file
                     + (" (a file loaded locally)" if local and card.get("release_date_basis") not in ("file_time", "estimated")
                        else "")
                     + (f' · {link(card["source_page_url"], "publication page", official=True)}' if card.get("source_page_url") else "")
                     + "</p>")
    elif card.get("source_page_url"):
        parts.append(f'<p class="source">Publication page: {link(card["source_page_url"], official=True)}</p>')
    evidence = [e for e in (card.get("evidence") or []) if e]
    if evidence:
        items = []
        for e in evidence:
            head = link(e["url"], e.get("publisher")) if e.get("url") else esc(e.get("publisher"))
            if e.get("read_at"):      # the publisher's address is cited; the copy the text was read at, beside it
                head += f' (read at {link(e["read_at"], "a copy")})'
            items.append(f"<li>{head}, {esc(fmt_evidence_date(e.get('date')))}: {esc(e.get('summary'))}</li>")
        parts.append('<div class="evidence"><b>Evidence</b><ul>' + "".join(items) + "</ul></div>")
    note = (card.get("note") or "").strip()
    if note and note.rstrip(".") not in (card.get("explanation") or ""):
        parts.append(f'<p class="note">{esc(note)}</p>')
    return parts


def card_charts(card: dict, charts: list[str]) -> str:
    """The entry's charts, or why it has none."""
    if charts:
        return '<div class="charts">' + "".join(charts) + "</div>"
    if card.get("kind") == "qualitative":
        return '<p class="nochart">No chart: not measurable from official statistics.</p>'
    planned = "not yet in the catalog" in (card.get("measurability") or "")
    metric_ids = [m for m, _label in entry_metrics(card)] or [card.get("metric_id")]
    names = card.get("metric_words") or " or ".join(dict.fromkeys(str(m) for m in metric_ids))
    return (f'<p class="nochart">No chart: no official figures for {esc(names)} are loaded yet'
            + (" (its source is not yet in the catalog)." if planned else ".")
            + (' Checked in the <a href="#claim-checks">claim checks table</a>.' if card.get("type") == "claim" else "") + "</p>")


def rests_on_note(row: dict) -> bool:
    """Whether a claim's verdict, and the figures beside it, rest on the Home Office's ad-hoc note
    (marts.claim_checks.verdict_source; "ministers' note" in warehouses built before session 18)."""
    return (row.get("verdict_source") or "").startswith(("Home Office ad-hoc note", "ministers' note"))


def render_claims_table(claims: list[dict]) -> str:
    head = ["Claim", "Claimed", "Official figure (or the Home Office's ad-hoc note)", "Periods used (coverage)", "Verdict", "Explanation",
            "Verdict when made"]
    out = ['<div class="tablewrap"><table id="claim-checks">',
           "<caption class=\"meta\">Each claim against the latest revision of the official figures, "
           "and against the figures published when it was made.</caption>",
           "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in (18, 9, 14, 12, 10, 26, 11)) + "</colgroup>",
           "<thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    for c in claims:
        when = badge(c.get("when_made_verdict"))
        if c.get("when_made_official_periods"):
            when += f'<br><span class="meta">{esc(c["when_made_official_periods"])}</span>'
        claimed = claimed_text(c) if c.get("check_type") else "–"
        official = official_text(c) if c.get("check_type") else "–"
        if rests_on_note(c):     # not official statistics: named
            official = f"Home Office ad-hoc note: {official}"
        out.append(f'<tr data-claim-id="{esc(c["claim_id"])}">'
                   f'<td><b>{esc(c.get("title") or c["claim_id"])}</b><br>“{esc(c.get("quote"))}”<br><span class="meta">{esc(c.get("said_by"))}, '
                   f'{esc(fmt_day(c.get("said_on")))}</span></td>'
                   f'<td class="num claimed">{esc(claimed)}</td><td>{esc(official)}</td>'
                   f'<td>{esc(coverage_text(c) or "–")}</td><td>{badge(c.get("verdict"))}</td>'
                   f'<td>{esc(c.get("explanation"))}</td><td>{when}</td></tr>')
    out.append("</tbody></table></div>")
    return "\n".join(out)
