"""Which charts a register entry gets in the report, built from its series (flows/report_series.py)
with the drawing in flows/report_charts.py.

- history: the entry's metric over its whole history (pledges: per progress period, coloured by
  status once tracked; claims: the metric's own periods, several measures as labelled lines), the
  statement date (and for pledges the date tracking starts) marked, the baseline drawn: a fixed
  baseline's period shaded with its level dashed, a trajectory as the sloping line to the target, the
  same period a year before as dashed ticks; claims shade the claimed period and what it is compared with;
- related: a related measure the register names, with the same dates marked;
- rolling_12_months and calendar_years: for pledges with those views (small boats);
- revisions: where published figures were revised, each release's vintage of the revised stretch.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from flows.formatting import fmt_amount, fmt_day, fmt_num, fmt_pct
from flows.report_charts import TimeChart, category_bars, data_values
from flows.report_series import overlapping
from flows.report_svg import FILLS, INK, SERIES_STYLES, VINTAGE_DASHES, figure, fmt_tick, swatch

BASE_CHECKS = ("ratio", "direction", "fall")    # a period's figure set against base periods (register base_start/end)

STATUS_TONES = {"met": "good", "on track": "good", "off track": "bad"}


def metric_words(title: str) -> str:
    """A metric title without its period suffix ("..., per day" -> "..."), for a chart's title: as staging.metric_words,
    but with its capital kept (the SQL one is for use within a sentence, so it lowers it)."""
    return re.sub(r"(, (per|at the end of each|year ending each) [a-z ]+( \(.*\))?| since 5 July 2024 \(ad-hoc notes\))$", "",
                  title or "") or title


def per(period_type: str) -> str:
    return {"year_ending": "year ending each period", "academic_year": "per academic year", "range": "per period",
            "day": "per day", "week": "per week"}.get(period_type, f"per {period_type.replace('_', ' ')}")


def x_label(period_type: str, source_type: str | None) -> str:
    label = {"year_ending": "year ending (plotted at its last day)", "academic_year": "academic year",
             "range": "period (plotted at its last day)"}.get(period_type, period_type)
    if source_type and source_type != period_type:
        label += f" (sum of {'daily' if source_type == 'day' else source_type + 'ly'} figures)"
    return label


def marker_dates(ch: TimeChart, card: dict, legend: list[str]) -> None:
    said_on, track_from = card.get("said_on"), card.get("track_from")
    verb = "said" if card.get("type") == "claim" else "pledged"
    if said_on:
        ch.marker(said_on, f"{verb} {fmt_day(said_on)}", {"data-kind": "said_on"})
    if card.get("type") != "claim" and track_from and track_from != said_on:
        ch.marker(track_from, f"tracked from {fmt_day(track_from)}", {"data-kind": "track_from"})
    if said_on:
        legend.append(swatch("marker", "dotted vertical lines: when it was " + verb
                             + (" and the date it is tracked from" if card.get("type") != "claim" and track_from else "")))


def claim_bands(ch: TimeChart, card: dict, legend: list[str]) -> None:
    start, end, check = card.get("claim_start"), card.get("claim_end"), card.get("check_type")
    # a claim set against base periods: its own days are the period compared with them (2023/24 for "cut in the last
    # four years"), and every base is shaded (a claim checked on two bases showed neither)
    bases = [(b["start"], b["end"]) for b in card.get("base_periods") or []] or (
        [(card["base_start"], card["base_end"])] if card.get("base_start") and card.get("base_end") else [])
    if start and end:
        what = "the period compared with the base" + ("s" if len(bases) > 1 else "") if check in BASE_CHECKS \
            else "the claimed period"
        ch.band(start, end, "claimed period", fill="#dbe6f1", data={"data-kind": "claim"})
        legend.append(swatch("claim", f"shaded: {what}, {fmt_day(start)} to {fmt_day(end)}"))
    if check in ("pct_change", "at_least") and start and end:
        b0, b1 = year_before(start), year_before(end)
        ch.band(b0, b1, "a year before", fill="#eef0f2", data={"data-kind": "comparison"}, dashed=True)
        legend.append(swatch("band", "shaded with a dashed edge: the same period a year before (what it is compared with)"))
    elif check in BASE_CHECKS and bases:
        for b0, b1 in bases:
            ch.band(b0, b1, "base period", fill="#eef0f2", data={"data-kind": "comparison"}, dashed=True)
        legend.append(swatch("band", f"shaded with a dashed edge: the base period{'s' if len(bases) > 1 else ''}, "
                                     + " and ".join(f"{fmt_day(b0)} to {fmt_day(b1)}" for b0, b1 in bases)))
    elif check == "highest_since" and card.get("since"):
        ch.marker(card["since"], f"compared since {card['since']:%b %Y}", {"data-kind": "since"})


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:       # 29 February
        return day.replace(year=day.year - 1, day=28)


def pledge_history(card: dict, s: dict, progress: list[dict]) -> str:
    """A pledge's metric per progress period since it was first published."""
    pts, unit = s["points"], s.get("unit") or ""
    stock = s.get("measure") == "stock"
    as_line = stock or overlapping(pts)
    words = metric_words(s["title"])
    title = f"{words}, {per(s['period_type'])}, {pts[0]['label']} to {pts[-1]['label']}"
    latest = pts[-1] if stock else next((p for p in reversed(pts) if p["complete"]), pts[-1])
    desc = (f"{'Line' if as_line else 'Bars'}: {words} {per(s['period_type'])} from {pts[0]['label']} to {pts[-1]['label']}; "
            f"latest{'' if stock else ' complete'} {latest['label']}: {fmt_amount(latest['value'], unit)}.")
    ch = TimeChart("history", card["pledge_id"], s["metric_id"], title, "", unit,
                   x_label(s["period_type"], s.get("source_period_type")))
    legend: list[str] = []
    period_shapes(ch, pts, unit, progress, as_line, legend, stock, s["period_type"])
    kind = card.get("baseline_kind")
    end = pts[-1]["end"] + timedelta(days=1)
    if kind == "fixed" and card.get("baseline_start") and card.get("baseline_end"):
        fixed_baseline(ch, card, pts, progress, end, legend)
    elif kind == "trajectory" and card.get("baseline_end") and card.get("target_date") and card.get("target") is not None:
        trajectory(ch, card, pts, legend)
    elif kind == "same_period_year_before":
        prior_year_ticks(ch, progress, legend)
    if card.get("target") is not None and kind != "trajectory":
        target = float(card["target"])
        ch.segment(pts[0]["start"], target, end, target, "target", stroke=FILLS["good"], dash="2 3",
                   data={"data-kind": "target", "data-value": f"{target:g}"}, end_label=f"target {fmt_tick(target)}")
        legend.append(swatch("target", f"dotted: the target, {fmt_num(target)}"))
    marker_dates(ch, card, legend)
    # a flow's period still in progress is shown, not counted: its grade may change before it ends; a stock's latest
    # level is graded like any other (as marts.pledge_progress grades it)
    tracked = [r for r in progress if r.get("status") and (stock or r.get("complete", True))]
    in_progress = [r["period_label"] for r in progress if r.get("status") and not stock and not r.get("complete", True)]
    if tracked:
        desc += f" Tracked since {fmt_day(card['track_from'])}" if card.get("track_from") else ""
        # the first period may start before the day tracking does (2024 Q3 holds 1-4 Jul 2024): said, as the rolling
        # view's explanation says it
        first, track_from = progress[0], card.get("track_from")
        if track_from and first.get("period_start") and first["period_start"] < track_from and first.get("status"):
            early = (track_from - first["period_start"]).days
            desc += (f" ({first['period_label']} counts from {fmt_day(first['period_start'])}: its first {early} "
                     f"day{'s' if early != 1 else ''} come before {fmt_day(track_from)})")
        desc += (f"; {sum(1 for r in tracked if r['status'] == 'off track')} of {len(tracked)} "
                 f"{'tracked levels' if stock else 'complete tracked periods'} off track")
        desc += f" ({', '.join(in_progress)} in progress, not counted)." if in_progress else "."
    ch.desc = desc + " " + legend_words(legend, "points" if as_line else "bars")
    return figure(title, ch.render(), legend)


STATUS_SWATCHES = {"before", "good", "bad", "muted", "pt-before", "pt-good", "pt-square", "pt-muted"}


def legend_words(legend: list[str], shapes: str) -> str:
    """The legend as sentences for a chart's description (read by screen readers, which see no swatch): the status
    colours said as what they colour ("The bars are coloured by status: before the pledge was tracked; on track or
    met."), the other entries as they read (each names its own mark: "dashed: the baseline ...")."""
    statuses, others = [], []
    for item in legend:
        kind = re.search(r'class="sw sw-([\w-]+)"', item)
        text = re.sub(r"<[^>]+>", "", item)
        (statuses if kind and kind.group(1) in STATUS_SWATCHES else others).append(text)
    said = [f"The {shapes} are coloured by status: {'; '.join(statuses)}."] if statuses else []
    return " ".join(said + [text[:1].upper() + text[1:] + "." for text in others])


TONE_WORDS = {"before": "before the pledge was tracked", "good": "on track or met", "bad": "off track",
              "muted": "awaiting data (no baseline figure)"}


def period_shapes(ch: TimeChart, pts: list[dict], unit: str, progress: list[dict], as_line: bool, legend: list[str],
                  stock: bool = False, period_type: str = "period") -> None:
    """Each progress period as a bar (or a point on a line) coloured by its status; periods before tracking began
    in their own colour, a flow's period still in progress outlined and not graded (a stock's latest level is graded,
    as marts.pledge_progress grades it: a level is known whole on its day)."""
    rows = {(r["period_start"], r["period_end"]): r for r in progress}
    tones = set()
    partial = None
    for p in pts:
        row = rows.get((p["start"], p["end"]))
        status = row["status"] if row else None
        tone = STATUS_TONES.get(status, "muted") if row else "before"
        graded = p["complete"] or stock
        if graded:
            tones.add(tone)
        else:                        # not graded: no status colour (its own legend entry, the dotted outline)
            tone, status = "muted", None
        tip = f"{p['label']}: {fmt_amount(p['value'], unit)}"
        if row and row.get("baseline_value") is not None:    # no change for a period not graded (as the text gives none)
            tip += f"; baseline {row.get('baseline_label')}: {fmt_num(row['baseline_value'])}" \
                   + (f" ({fmt_pct(row.get('change_pct'))})" if graded else "")
        if not graded:               # its grade may change before it ends: none given
            tip += f"; in progress, data to {fmt_day(p['data_to'])}: not graded yet"
            partial = p
        elif not p["complete"]:      # a stock: the level on its day, graded; the quarter's own end level is to come
            tip += f"; {status}" if status else "; before the pledge was tracked"
            tip += f" (the latest level; its {period_type.replace('_', ' ')} ends {fmt_day(p['end'])})"
        else:
            tip += f"; {status}" if status else "; before the pledge was tracked"
        data = {"data-status": status}
        if as_line:
            ch.point(p["end"], p["value"], "square" if tone == "bad" else "circle", FILLS[tone], tip,
                     {"data-period": p["label"], **data})
        else:
            ch.bar(p["start"], p["end"], p["value"], tone, p["label"], tip, partial=not p["complete"], data=data)
    if as_line:
        ch.line([(p["end"], p["value"]) for p in pts], stroke="#3d6488", width=1.6)
    for tone in ("before", "good", "bad", "muted"):
        if tone in tones:
            kind = tone if not as_line else ("pt-square" if tone == "bad" else f"pt-{tone}")
            legend.append(swatch(kind, TONE_WORDS[tone] + (" (hatched)" if tone == "bad" and not as_line else
                                                           " (squares)" if tone == "bad" else "")))
    if partial:
        legend.append(swatch("part", f"in progress, data to {fmt_day(partial['data_to'])} (dotted outline)"))


def fixed_baseline(ch: TimeChart, card: dict, pts: list[dict], progress: list[dict], end: date, legend: list[str]) -> None:
    """A fixed baseline: its period shaded and its level dashed across the chart."""
    b0, b1 = card["baseline_start"], card["baseline_end"]
    value = next((r["baseline_value"] for r in progress if r.get("baseline_value") is not None), None)
    label = next((r["baseline_label"] for r in progress if r.get("baseline_label")), None)
    if value is None:    # no tracked period yet: the baseline period's own figure, where it is published
        match = next((p for p in pts if p["start"] == b0 and p["end"] == b1), None)
        value, label = (match["value"], match["label"]) if match else (None, None)
    ch.band(b0, b1, "baseline period", fill="#e6e9ed", data={"data-kind": "baseline"})
    if value is not None:
        ch.segment(b0, value, max(end, b1), value, "baseline", data={"data-kind": "fixed", "data-value": f"{value:g}"},
                   tip=f"baseline {label}: {fmt_num(value)}", end_label=f"baseline {fmt_tick(value)}")
        legend.append(swatch("dash", f"dashed: the baseline, {label}: {fmt_num(value)} (its period shaded)"))
    else:
        legend.append(swatch("band", f"shaded: the baseline period, {fmt_day(b0)} to {fmt_day(b1)} (no figure loaded for it)"))


def trajectory(ch: TimeChart, card: dict, pts: list[dict], legend: list[str]) -> None:
    """A trajectory: the sloping line from the baseline's level to the target on its date (on track at or below it)."""
    b1, due, target = card["baseline_end"], card["target_date"], float(card["target"])
    level = next((p["value"] for p in pts if p["start"] <= b1 <= p["end"]), None)
    if card.get("baseline_start"):
        ch.band(card["baseline_start"], b1, "baseline period", fill="#e6e9ed", data={"data-kind": "baseline"})
    if level is not None:
        ch.segment(b1, level, due, target, "baseline", stroke=FILLS["good"], dash="8 4", width=2,
                   data={"data-kind": "trajectory", "data-from": f"{level:g}", "data-to": f"{target:g}",
                         "data-start": b1.isoformat(), "data-end": due.isoformat()},
                   tip=f"on track at or below the line from {fmt_num(level)} ({fmt_day(b1)}) to {fmt_num(target)} on {fmt_day(due)}",
                   end_label=f"{fmt_num(target)} by {due:%b %Y}")
        legend.append(swatch("traj", f"sloping dashed line: from {fmt_num(level)} at {fmt_day(b1)} to {fmt_num(target)} on "
                                     f"{fmt_day(due)}; on track at or below it"))


def prior_year_ticks(ch: TimeChart, progress: list[dict], legend: list[str]) -> None:
    """The same period a year before: a dashed tick across each tracked period."""
    ticks = [r for r in progress if r.get("baseline_value") is not None]
    for r in ticks:
        ch.segment(r["period_start"], r["baseline_value"], r["period_end"] + timedelta(days=1), r["baseline_value"], "baseline",
                   data={"data-kind": "prior_year", "data-period": r["period_label"], "data-value": f"{r['baseline_value']:g}"},
                   tip=f"{r['period_label']}: baseline {r['baseline_label']}: {fmt_num(r['baseline_value'])}")
    if ticks:
        legend.append(swatch("dash", "dashed ticks: the same period a year before (the baseline)"))


def claim_history(card: dict, series: list[dict], chart: str = "history") -> str:
    """A claim's measures at their own periods over their whole history (or a related measure's)."""
    pid = card["pledge_id"]
    multi = len(series) > 1
    main = series[0]
    unit = main.get("unit") or ""
    words = " and ".join(metric_words(s["title"]) for s in series) if multi else metric_words(main["title"])
    span = f"{main['points'][0]['label']} to {main['points'][-1]['label']}"
    title = ("Related measure: " if chart == "related" else "") + f"{words}, {per(main['period_type'])}, {span}"
    ch = TimeChart(chart, pid, main["metric_id"], title, "", unit, x_label(main["period_type"], main.get("source_period_type")),
                   extra={"data-metrics": " ".join(s["metric_id"] for s in series)} if multi else None)
    legend: list[str] = []
    for i, s in enumerate(series):
        pts = s["points"]
        as_line = multi or s.get("measure") == "stock" or overlapping(pts)
        name = s.get("part_label") or metric_words(s["title"])
        stroke, dash = SERIES_STYLES[i % len(SERIES_STYLES)]
        for p in pts:
            tip = f"{name}: {p['label']}: {fmt_amount(p['value'], s.get('unit') or '')}"
            if as_line:
                ch.point(p["end"], p["value"], "square" if i % 2 else "circle", stroke, tip,
                         {"data-period": p["label"], "data-metric-id": s["metric_id"]}, size=3.0)
            else:
                ch.bar(p["start"], p["end"], p["value"], "series", p["label"], tip, data={"data-metric-id": s["metric_id"]})
        if as_line:
            ch.line([(p["end"], p["value"]) for p in pts], stroke=stroke, dash=dash, width=1.8,
                    end_label=name if multi else "", data={"data-metric-id": s["metric_id"]})
            if multi:
                legend.append(swatch(f"line{i}", f"{name} ({'solid' if not dash else 'dashed' if i == 1 else 'dotted'}, "
                                                 f"{'circles' if i % 2 == 0 else 'squares'})"))
    if chart == "history":
        claim_bands(ch, card, legend)
        if card.get("check_type") == "record_high" and card.get("comparison_value") is not None and not multi:
            ch.segment(main["points"][0]["start"], card["comparison_value"], main["points"][-1]["end"], card["comparison_value"],
                       "baseline", data={"data-kind": "record", "data-value": f"{card['comparison_value']:g}"},
                       end_label="highest before")
            legend.append(swatch("dash", f"dashed: the highest earlier figure, {fmt_num(card['comparison_value'])}"))
    elif card.get("claim_start") and card.get("claim_end"):
        ch.band(card["claim_start"], card["claim_end"], "claimed period", fill="#dbe6f1", data={"data-kind": "claim"})
        # a related series whose figures end before the claim: the shading lies past them, and that is said
        after = all(p["end"] < card["claim_start"] for s in series for p in s["points"])
        legend.append(swatch("claim", "shaded: the claimed period" + (f", after the last figures loaded ({main['points'][-1]['label']})"
                                                                      if after else "")))
    marker_dates(ch, card, legend)
    last = main["points"][-1]
    ch.desc = (f"{words} {per(main['period_type'])} from {main['points'][0]['label']} to {last['label']}; latest: "
               f"{fmt_amount(last['value'], unit)}. " + legend_words(legend, "points"))
    return figure(title, ch.render(), legend)


def rolling_chart(card: dict, rows: list[dict], metric_title: str) -> str:
    """The rolling 12 months to each complete month against the same 12 months a year before."""
    pid = card["pledge_id"]
    rows = [r for r in rows if r.get("value") is not None]
    words = metric_words(metric_title)
    title = f"{words} in the 12 months to each month, {rows[0]['period_label'][13:]} to {rows[-1]['period_label'][13:]}"
    unit = rows[0].get("unit") or ""
    ch = TimeChart("rolling_12_months", pid, rows[0]["metric_id"], title, "", unit, "12 months to the end of each month")
    ch.line([(r["period_end"], r["value"]) for r in rows], stroke=INK, width=2.2, end_label=f"{fmt_tick(rows[-1]['value'])}")
    base = [r for r in rows if r.get("baseline_value") is not None]
    ch.line([(r["period_end"], r["baseline_value"]) for r in base], stroke="#6b7680", width=1.6, dash="5 3", cls="baseline",
            end_label="a year before", data={"data-kind": "prior_year"})
    # windows reaching back before the month the pledge is tracked from are drawn, never graded: they are mostly not
    # its time, and set no status (staging.before_tracking)
    track_from = card.get("track_from")
    tracked_from = track_from.replace(day=1) if track_from else None
    counted = [r for r in rows if not tracked_from or r["period_start"] >= tracked_from]
    for r in rows:
        graded = r in counted
        tone = STATUS_TONES.get(r.get("status"), "muted") if graded else "before"
        tip = (f"{r['period_label']}: {fmt_num(r['value'])}; {r.get('baseline_label')}: {fmt_num(r.get('baseline_value'))} "
               f"({fmt_pct(r.get('change_pct'))}); "
               + ((r.get("status") or "") if graded else f"reaches back before {tracked_from:%B %Y}: not graded"))
        ch.point(r["period_end"], r["value"], "square" if tone == "bad" else "circle", FILLS[tone], tip,
                 {"data-period": r["period_label"], "data-status": r.get("status") if graded else None,
                  "data-baseline": None if r.get("baseline_value") is None else f"{r['baseline_value']:g}"}, size=4)
    off = sum(1 for r in counted if r.get("status") == "off track")
    early = len(rows) - len(counted)
    legend = [swatch("line", "solid: the 12 months to each month")]
    if base:
        legend.append(swatch("dash", "dashed: the same 12 months a year before"))
    tones = {STATUS_TONES.get(r.get("status"), "muted") for r in counted} | ({"before"} if early else set())
    legend += [swatch(kind, text) for tone, kind, text in (("good", "pt-good", "on track (circles)"), ("bad", "pt-square", "off track (squares)"),
                                                          ("muted", "pt-muted", "awaiting data: nothing a year before to compare (grey)"),
                                                          ("before", "pt-before", f"reaching back before {tracked_from:%B %Y}: "
                                                                                  "not graded") if early else ("", "", ""))
               if tone in tones]
    last = rows[-1]
    grade = last.get("status") if last in counted else f"not graded (it reaches back before {tracked_from:%B %Y})"
    ch.desc = (f"The 12 months to each month from {rows[0]['period_label'][13:]} to {last['period_label'][13:]}; latest "
               f"{last['period_label']}: {fmt_num(last['value'])} against {fmt_num(last.get('baseline_value'))} a year before "
               f"({fmt_pct(last.get('change_pct'))}), {grade}"
               + (f"; {off} of {len(counted)} months off track" if counted else "; no 12 months graded yet")
               + (f" (the {early} whose 12 months start before {tracked_from:%B %Y} not counted)." if early else ".")
               + " " + legend_words(legend, "points"))
    return figure(title, ch.render(), legend)


def years_chart(card: dict, years: list[dict], ytd: dict | None, metric_id: str, metric_title: str, unit: str) -> str:
    """Whole calendar years and the year to date, with the same days a year before."""
    pid = card["pledge_id"]
    words = metric_words(metric_title)
    title = (f"{words} per calendar year, {years[0]['label']} to {years[-1]['label']}" if len(years) > 1
             else f"{words} in {years[0]['label']}")
    bars = [{"label": y["label"], "value": y["value"], "partial": not y["complete"],
             "tip": f"{y['label']}: {fmt_amount(y['value'], unit)}" + ("" if y["complete"] else f" (year to date, data to {fmt_day(y['data_to'])})"),
             "data": {"data-year": y["year"], "data-complete": str(y["complete"]).lower()}} for y in years]
    extra, legend = [], [swatch("series", "whole calendar years")]
    if not years[-1]["complete"]:
        legend.append(swatch("part", f"{years[-1]['label']}: the year to date (hatched)"))
        if ytd and ytd.get("baseline_value") is not None and ytd.get("period_end") == years[-1]["data_to"]:
            extra.append({"index": len(years) - 1, "value": ytd["baseline_value"], "label": ytd["baseline_label"]})
            legend.append(swatch("dash", f"dashed: the same days a year before ({ytd['baseline_label']}: "
                                         f"{fmt_num(ytd['baseline_value'])})"))
    desc = (f"Bars: {words} per calendar year: " + "; ".join(f"{y['label']}: {fmt_num(y['value'])}" for y in years) + ".")
    svg = category_bars("calendar_years", pid, metric_id, title, desc, unit, "calendar year (sum of daily figures)", bars, extra)
    return figure(title, svg, legend)


def revisions_chart(card: dict, metric_id: str, metric_title: str, unit: str, v: dict) -> str:
    """Each release's vintage of the revised stretch of a series: older thin and dashed, the newest bold."""
    pid = card["pledge_id"]
    words = metric_words(metric_title)
    bucket = v["bucket_type"]
    title = f"Revisions: {words} per {bucket}, as each release published it"
    ch = TimeChart("revisions", pid, metric_id, title, "", unit, f"{bucket} (each line one release)",
                   extra={"data-vintages": len(v["vintages"]), "data-releases": v["releases"]})
    older = [vin for vin in v["vintages"] if not vin.get("latest")]
    for i, vin in enumerate(v["vintages"]):
        day = vin["published_on"]
        data = {"data-published": day.isoformat(), "data-release-id": vin["release_id"],
                "data-latest": "true" if vin.get("latest") else "false", "data-values": data_values(vin["points"])}
        pts = [(p["end"], p["value"]) for p in vin["points"]]
        if vin.get("latest"):
            ch.line(pts, stroke=INK, width=2.8, cls="vintage", data=data, end_label=f"latest: {day.day} {day:%b}")
            for p in vin["points"]:
                ch.point(p["end"], p["value"], "circle", INK, f"{p['label']}: {fmt_num(p['value'])} (release of {fmt_day(day)})",
                         {"data-period": p["label"]}, size=3.0)
        else:
            ch.line(pts, stroke="#7d8790", width=1.3, dash=VINTAGE_DASHES[i % len(VINTAGE_DASHES)], cls="vintage", data=data,
                    end_label=f"{day.day} {day:%b}", opacity=0.9)
    big = v["largest"]
    change = big["latest"] - big["first"]
    pct = f", {100 * change / big['first']:+.1f}%" if big["first"] else ""
    drawn = f" ({len(v['vintages'])} drawn)" if len(v["vintages"]) < v["releases"] else ""
    note = (f"{len(v['revised'])} published figure{'s' if len(v['revised']) != 1 else ''} revised across {v['releases']} releases"
            f"{drawn}. Largest: "
            f"{fmt_day(big['start']) if big['start'] == big['end'] else fmt_day(big['start']) + ' to ' + fmt_day(big['end'])}, "
            f"first published {fmt_num(big['first'])} ({fmt_day(big['first_published'])}), now {fmt_num(big['latest'])}"
            f" ({fmt_day(big['latest_published'])}{pct}).")
    legend = [swatch("line", f"bold: the latest release ({fmt_day(v['vintages'][-1]['published_on'])})")]
    if older:
        legend.append(swatch("vintage", f"thin dashed: earlier releases, labelled with their publication date "
                                        f"({fmt_day(older[0]['published_on'])} to {fmt_day(older[-1]['published_on'])})"))
    ch.desc = note
    return figure(title, ch.render(), legend, note)


def entry_charts(card: dict, entry: dict) -> list[str]:
    """Every chart of one register entry, in reading order."""
    out = []
    series = entry.get("series") or []
    if series:
        if card.get("type") == "claim":
            out.append(claim_history(card, series))
        else:
            out.append(pledge_history(card, series[0], entry.get("progress") or []))
    views = entry.get("views") or {}
    if views.get("rolling_12_months"):
        out.append(rolling_chart(card, views["rolling_12_months"], series[0]["title"] if series else card.get("metric_id")))
    if entry.get("years") and series:
        ytd = (views.get("calendar_year_to_date") or [None])[-1]
        out.append(years_chart(card, entry["years"], ytd, series[0]["metric_id"], series[0]["title"], series[0].get("unit") or ""))
    for s in series:
        v = (entry.get("revisions") or {}).get(s["metric_id"])
        if v and v["vintages"]:
            out.append(revisions_chart(card, s["metric_id"], s["title"], s.get("unit") or "", v))
    for s in entry.get("related") or []:
        out.append(claim_history(card, [s], chart="related"))
    return out


