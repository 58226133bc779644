"""The series the report charts, shaped in plain Python from rows the read model fetched (flows/readmodel.py).

Everything here works on rows of marts.metric_observations (and marts.pledge_progress, marts.releases,
marts.metrics); the functions are pure so tests can check them against an independent read of the data:

- `aggregate`        a metric's latest figures over its whole history, per progress period of a pledge
                     (flows summed, stocks their last level), the same buckets as marts.pledge_progress;
- `calendar_years`   whole calendar years and the year to date (small boats);
- `vintages`         each release's view of the periods that were revised, per week (daily series) or
                     per published period, for the revisions chart;
- `source_rows`      every source with its latest loaded release, next expected release and whether a
                     release is published but not loaded here;
- `chart_entries`    all of it per register entry, as the report's charts take it.
"""
from __future__ import annotations

import calendar
from bisect import bisect_right
from datetime import date, timedelta

from flows.catalog import add_interval
from flows.formatting import fmt_day
from flows.readmodel import entry_metrics

BUCKETED = ("month", "quarter", "year")
MAX_VINTAGES = 8          # vintages drawn in a revisions chart (the newest always among them)
MAX_REVISION_BUCKETS = 26  # periods shown in a revisions chart


# --- periods -------------------------------------------------------------------------------------

def days_in(start: date, end: date) -> int:
    return (end - start).days + 1


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def bucket(period_type: str, start: date, end: date) -> tuple[date, date]:
    """The month, quarter or year holding a period (as staging.bucket_start/bucket_end); other types keep their bounds."""
    if period_type == "month":
        return start.replace(day=1), month_end(start.year, start.month)
    if period_type == "quarter":
        first = 3 * ((start.month - 1) // 3) + 1
        return date(start.year, first, 1), month_end(start.year, first + 2)
    if period_type == "year":
        return date(start.year, 1, 1), date(start.year, 12, 31)
    return start, end


def period_label(period_type: str, start: date, end: date) -> str:
    """A period as publishers write it (as staging.period_label)."""
    if period_type == "day":
        return f"{start.day} {start:%b %Y}"
    if period_type == "week":
        return f"week ending {end.day} {end:%b %Y}"
    if period_type == "month":
        return f"{start:%b %Y}"
    if period_type == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    if period_type == "year":
        return str(start.year)
    if period_type == "year_ending":
        return f"YE {end:%b %Y}"
    if period_type == "academic_year":
        return f"{start.year}/{(start.year + 1) % 100:02d}"
    return f"{start.day} {start:%b %Y} to {end.day} {end:%b %Y}"


def level_label(day: date) -> str:
    """A stock's level by its date (as staging.level_label): 'end of Jun 2024' for a month's last day, else the day."""
    if (day + timedelta(days=1)).day == 1:
        return f"end of {day:%b %Y}"
    return f"{day.day} {day:%b %Y}"


# --- a metric's history, per progress period ---------------------------------------------------------

def aggregate(rows: list[dict], period_type: str, measure: str = "flow") -> list[dict]:
    """Latest observations (period_start, period_end, value) per `period_type` bucket, oldest first.

    Flows are summed over the bucket, stocks take the level of their last period in it, labelled by its date; a
    month, quarter or year is complete when its published periods cover all of its days, for a stock when its level
    at the end is known (as marts.pledge_progress).
    """
    buckets: dict[tuple[date, date], list[dict]] = {}
    for row in rows:
        buckets.setdefault(bucket(period_type, row["period_start"], row["period_end"]), []).append(row)
    points = []
    for (start, end), members in sorted(buckets.items()):
        last = max(members, key=lambda r: r["period_end"])
        if measure == "stock":
            value, label, whole = last["value"], level_label(last["period_end"]), last["period_end"] == end
        else:
            value, label = sum(r["value"] for r in members), period_label(period_type, start, end)
            whole = sum(days_in(r["period_start"], r["period_end"]) for r in members) == days_in(start, end)
        points.append({"start": start, "end": end, "value": float(value), "label": label,
                       "complete": period_type not in BUCKETED or whole, "data_to": last["period_end"]})
    return points


def overlapping(points: list[dict]) -> bool:
    """True when periods overlap (years ending each quarter, ranges from one date): drawn as a line, not bars."""
    return any(b["start"] <= a["end"] for a, b in zip(points, points[1:]))


def thin(points: list[dict], period_type: str, measure: str, limit: int = 160) -> tuple[list[dict], str]:
    """A claim's series at its own periods; daily or weekly series of more than `limit` periods per month instead."""
    if len(points) <= limit or period_type not in ("day", "week"):
        return points, period_type
    rows = [{"period_start": p["start"], "period_end": p["end"], "value": p["value"]} for p in points]
    return aggregate(rows, "month", measure), "month"


# --- calendar years ------------------------------------------------------------------------------

def calendar_years(rows: list[dict], first_year: int = 2018) -> list[dict]:
    """Totals per calendar year from `first_year` (flows whose periods fall inside one year: days, months,
    quarters), the last one the year to date. A year counts only when published periods cover all of it,
    except the latest, shown as the year to date ('2026 (to 22 Jan)')."""
    years: dict[int, list[dict]] = {}
    for row in rows:
        if row["period_start"].year == row["period_end"].year and row["period_start"].year >= first_year:
            years.setdefault(row["period_start"].year, []).append(row)
    if not years:
        return []
    latest = max(years)
    out = []
    for year in sorted(years):
        members = years[year]
        data_to = max(r["period_end"] for r in members)
        covered = sum(days_in(r["period_start"], r["period_end"]) for r in members)
        full = covered == days_in(date(year, 1, 1), date(year, 12, 31))
        to_date = year == latest and not full
        if not full and not to_date:
            continue
        label = f"{year} (to {data_to.day} {data_to:%b})" if to_date else str(year)
        out.append({"year": year, "label": label, "value": float(sum(r["value"] for r in members)),
                    "complete": full, "data_to": data_to, "covered_days": covered})
    return out


# --- revisions -----------------------------------------------------------------------------------

def revision_bucket(period_type: str, start: date, end: date) -> tuple[date, date, str]:
    """Daily figures are shown per week (Monday to Sunday); other periods as published."""
    if period_type == "day":
        monday = start - timedelta(days=start.weekday())
        sunday = monday + timedelta(days=6)
        return monday, sunday, f"week ending {sunday.day} {sunday:%b %Y}"
    return start, end, period_label(period_type, start, end)


def revised_periods(observations: list[dict]) -> list[dict]:
    """Periods published with more than one value: first and latest value, how many values."""
    by_period: dict[tuple[date, date], list[dict]] = {}
    for o in observations:
        by_period.setdefault((o["period_start"], o["period_end"]), []).append(o)
    out = []
    for (start, end), obs in sorted(by_period.items()):
        values = {o["value"] for o in obs}
        if len(values) > 1:
            obs = sorted(obs, key=lambda o: (o["published_on"], o["rank"]))
            out.append({"start": start, "end": end, "first": obs[0]["value"], "latest": obs[-1]["value"],
                        "values": len(values), "first_published": obs[0]["published_on"],
                        "latest_published": obs[-1]["published_on"]})
    return out


def vintages(observations: list[dict], period_type: str) -> dict | None:
    """Each release's view (vintage) of the revised stretch of a series, for the revisions chart.

    `observations` are every row (every release) of one metric: period_start, period_end, value,
    published_on, release_id, rank (release order). A vintage gives each period the value of the newest
    release published up to it; daily figures are summed per week, keeping only weeks the vintage covers
    in full. Returns None when no figure was ever revised; else the buckets shown (at most
    MAX_REVISION_BUCKETS, to two after the last revised one), the vintages drawn (at most MAX_VINTAGES, the
    first and the newest among them), and the revised periods.
    """
    revised = revised_periods(observations)
    if not revised:
        return None
    releases = sorted({(o["published_on"], o["rank"], o["release_id"]) for o in observations})
    first_rev = revision_bucket(period_type, revised[0]["start"], revised[0]["end"])
    last_rev = revision_bucket(period_type, revised[-1]["start"], revised[-1]["end"])
    all_buckets = sorted({revision_bucket(period_type, o["period_start"], o["period_end"]) for o in observations})
    # two periods either side of the revised stretch, for context; at most MAX_REVISION_BUCKETS, the newest kept
    keys = all_buckets[max(all_buckets.index(first_rev) - 2, 0):all_buckets.index(last_rev) + 3][-MAX_REVISION_BUCKETS:]
    wanted = {b[:2] for b in keys}
    history: dict[tuple[date, date], list[tuple[tuple, float]]] = {}
    for o in sorted(observations, key=lambda o: (o["published_on"], o["rank"])):
        b = revision_bucket(period_type, o["period_start"], o["period_end"])
        if b[:2] in wanted:
            history.setdefault((o["period_start"], o["period_end"]), []).append(((o["published_on"], o["rank"]), o["value"]))
    drawn = []
    for published_on, rank, release_id in releases:
        sums: dict[tuple, list[float]] = {}
        for (start, end), values in history.items():
            i = bisect_right([k for k, _v in values], (published_on, rank))
            if i:
                b = revision_bucket(period_type, start, end)
                cell = sums.setdefault(b, [0.0, 0])
                cell[0] += values[i - 1][1]
                cell[1] += days_in(start, end)
        points = [{"start": b[0], "end": b[1], "label": b[2], "value": sums[b][0]}
                  for b in keys if b in sums and (period_type != "day" or sums[b][1] == 7)]
        if points and (not drawn or points != drawn[-1]["points"]):     # a release that changed nothing here adds no line
            drawn.append({"published_on": published_on, "release_id": release_id, "points": points})
    if len(drawn) > MAX_VINTAGES:      # evenly spread, the first and the newest among them
        drawn = [drawn[i] for i in sorted({round(i * (len(drawn) - 1) / (MAX_VINTAGES - 1)) for i in range(MAX_VINTAGES)})]
    if drawn:
        drawn[-1]["latest"] = True
    largest = max(revised, key=lambda r: abs(r["latest"] - r["first"]))
    return {"buckets": keys, "vintages": drawn, "releases": len(releases), "revised": revised, "largest": largest,
            "bucket_type": "week" if period_type == "day" else period_type}


# --- sources -------------------------------------------------------------------------------------

def source_rows(metrics: list[dict], releases: list[dict], today: date) -> list[dict]:
    """Every source of the catalog (from marts.metrics) with its latest loaded release, the next release
    expected from its release_every, and whether one is published but not loaded here.

    `releases`: marts.releases rows (source_id, status, published_on, file_name, release_id), any order.
    state: 'up to date' (the next release is not due yet), 'published but not loaded here' (its next
    expected date has passed, or nothing of it is loaded at all), 'no schedule' (no release_every).
    """
    sources: dict[str, dict] = {}
    for m in metrics:
        if m.get("source_id") and m["source_id"] not in sources:
            sources[m["source_id"]] = {k: m.get(k) for k in ("source_id", "source_title", "publisher", "page_url", "cadence",
                                                              "publication_lag_months", "release_every")}
    by_source: dict[str, list[dict]] = {}
    for r in releases:
        by_source.setdefault(r["source_id"], []).append(r)
    out = []
    for source_id, s in sorted(sources.items()):
        seen = by_source.get(source_id, [])
        loaded = [r for r in seen if r["status"] == "loaded"]
        latest = max(loaded, key=lambda r: (r["published_on"], r.get("version") or 1, r["release_id"])) if loaded else None
        not_loaded = [r for r in seen if r["status"] not in ("loaded", "unchanged")
                      and (latest is None or r["published_on"] >= latest["published_on"])]
        every = s.get("release_every")
        next_expected = add_interval(latest["published_on"], every) if latest and every else None
        if latest is None:
            state = "published but not loaded here"
            why = "nothing from this source is loaded here"
        elif next_expected is None:
            state, why = "no schedule", "no release interval in the catalog"
        elif next_expected < today:
            state = "published but not loaded here"
            why = f"a new release was expected by {fmt_day(next_expected)} ({every} after the latest loaded)"
        else:
            state, why = "up to date", f"next release expected by {fmt_day(next_expected)}"
        out.append({**s, "latest": latest, "next_expected": next_expected, "state": state, "why": why,
                    "not_loaded": sorted(not_loaded, key=lambda r: r["published_on"])})
    return out


# --- per register entry -------------------------------------------------------------------------

def shaped_series(card: dict, metric: dict | None, observations: list[dict] | None, label: str | None = None,
                  pledge_period: bool = False) -> dict | None:
    """One metric's figures as an entry charts them: per the pledge's progress period (`pledge_period`), else at
    the metric's own periods (monthly when there are too many); None without figures."""
    if not observations or not metric:
        return None
    measure = metric.get("measure") or "flow"
    if pledge_period and card.get("progress_period"):
        period_type, points = card["progress_period"], aggregate(observations, card["progress_period"], measure)
    else:
        points, period_type = thin(aggregate(observations, metric["period_type"], measure), metric["period_type"], measure)
    return {"metric_id": metric["metric_id"], "title": metric["title"], "unit": metric.get("unit"), "measure": measure,
            "period_type": period_type, "source_period_type": metric["period_type"], "points": points,
            "part_label": label, "observations": observations}


def chart_entries(cards: list[dict], progress: list[dict], metrics: dict, observations: dict[str, list[dict]],
                  revision_rows: dict[str, list[dict]]) -> dict[str, dict]:
    """Per quantitative entry: its series over their whole history, related measures, views, calendar years
    and revisions (the charts' data). Entries whose metrics have no figures get no series.

    `observations`: each metric's latest figures; `revision_rows`: each measured metric's vintages of its revised
    stretch (flows.readmodel.report_rows)."""
    views: dict[str, dict[str, list[dict]]] = {}
    for row in progress:
        views.setdefault(row["pledge_id"], {}).setdefault(row["view"], []).append(row)
    revisions: dict[str, dict | None] = {}
    entries = {}
    for card in (c for c in cards if c.get("kind") == "quantitative"):
        pid, is_claim = card["pledge_id"], card.get("type") == "claim"
        series = [s for s in (shaped_series(card, metrics.get(m), observations.get(m), label, pledge_period=not is_claim)
                              for m, label in entry_metrics(card)) if s]
        related = [s for s in (shaped_series(card, metrics.get(m), observations.get(m))
                               for m in card.get("related_metrics") or [] if m not in {x["metric_id"] for x in series}) if s]
        entry = {"series": series, "related": related, "progress": (views.get(pid) or {}).get("period", []),
                 "views": {k: v for k, v in (views.get(pid) or {}).items() if k != "period"}, "revisions": {}}
        if series and "calendar_year_to_date" in (card.get("views") or []) and series[0]["measure"] == "flow":
            entry["years"] = calendar_years(series[0]["observations"])
        for s in series:
            if s["metric_id"] not in revisions:
                revisions[s["metric_id"]] = vintages(revision_rows.get(s["metric_id"], []), s["source_period_type"])
            entry["revisions"][s["metric_id"]] = revisions[s["metric_id"]]
        entries[pid] = entry
    return entries
