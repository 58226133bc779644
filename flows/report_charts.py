"""Inline SVG charts for the HTML report (flows/report.py), drawn here: no scripts, fonts or images.

Every chart is `<svg class="metric-chart" role="img" aria-labelledby="<title> <desc>">` with
`data-chart` (history | related | rolling_12_months | calendar_years | revisions), `data-pledge-id`
and `data-metric-id`, inside a `figure` with a visible title and an HTML legend. Colour is never the
only signal: off-track periods are hatched, on-track points are circles and off-track ones squares,
lines differ by dash pattern and carry labels, and the legend says each in words. Shapes carry
`data-*` attributes (period, value, date) so tests read the figures the chart shows.

`TimeChart` draws against a date axis (bars for flows, lines for stocks and overlapping periods,
shaded periods, dated markers, baseline segments); `category_bars` draws one bar per label.
"""
from __future__ import annotations

import json
import math
import re
from datetime import date, timedelta
from html import escape

W, H = 500, 270
FONT = 13.5          # axis text, in viewBox units: about 9.5 CSS px on a phone 390 px wide, 14 px on a wide screen
SMALL = 12.0         # labels of markers, periods and line ends
ROW = 15             # height of one row of labels above the plot
INK, MUTED, GRID = "#1f2328", "#5f6368", "#e3e6ea"
FILLS = {"good": "#1b7f3b", "bad": "#b3261e", "before": "#7f97ad", "muted": "#aab1b8", "series": "#3d6488",
         "claim": "#3d6488"}
SERIES_STYLES = [("#1f4e79", ""), ("#8a5a00", "7 4"), ("#6a1b9a", "2 3")]
VINTAGE_DASHES = ["5 3", "2 2", "8 3", "3 3 1 3", "1 2", "6 2 2 2", "4 4"]


def esc(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def fmt_num(value) -> str:
    if value is None:
        return "–"
    value = float(value)
    return f"{value:,.0f}" if abs(value) >= 100 or value.is_integer() else f"{value:,.2f}"


def fmt_tick(value: float) -> str:
    """Axis ticks, compact: 15k, 1.2m."""
    for threshold, size, suffix in ((1e9, 1e9, "bn"), (1e6, 1e6, "m"), (1e4, 1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / size:.3g}{suffix}"
    return fmt_num(value)


def fmt_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def text_width(text: str, size: float = FONT) -> float:
    return 0.56 * size * len(text)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


def nice_step(span: float, ticks: int = 5) -> float:
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def y_ticks(values: list[float]) -> tuple[float, float, list[float]]:
    lo, hi = min(values + [0.0]), max(values + [0.0])
    if hi == lo:
        hi = lo + 1
    step = nice_step(hi - lo, 4)
    ymin, ymax = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    if ymax == ymin:
        ymax = ymin + step
    count = int(round((ymax - ymin) / step))
    return ymin, ymax, [ymin + i * step for i in range(count + 1)]


def attrs(data: dict | None) -> str:
    return "".join(f' {k}="{esc(v)}"' for k, v in (data or {}).items() if v is not None)


def pattern_defs(uid: str) -> str:
    """Hatching: off-track periods, and periods still in progress."""
    return (f'<defs><pattern id="{uid}-bad" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="#f3c9c5"/><rect width="3" height="6" fill="{FILLS["bad"]}"/></pattern>'
            f'<pattern id="{uid}-part" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">'
            f'<rect width="6" height="6" fill="#ffffff"/><rect width="2" height="6" fill="#8d969e"/></pattern></defs>')


def svg_open(chart: str, pledge_id: str, metric_id: str | None, uid: str, title: str, desc: str, height: int, extra: dict | None = None) -> list[str]:
    return [f'<svg class="metric-chart" data-chart="{esc(chart)}" data-pledge-id="{esc(pledge_id)}" '
            f'data-metric-id="{esc(metric_id)}"{attrs(extra)} viewBox="0 0 {W} {height}" role="img" '
            f'aria-labelledby="{uid}-title {uid}-desc" xmlns="http://www.w3.org/2000/svg">',
            f'<title id="{uid}-title">{esc(title)}</title><desc id="{uid}-desc">{esc(desc)}</desc>',
            pattern_defs(uid)]


def figure(title: str, svg: str, legend: list[str], note: str = "") -> str:
    items = "".join(f"<span>{item}</span>" for item in legend)
    return (f'<figure class="chart"><div class="chart-title" aria-hidden="true">{esc(title)}</div>'
            f'<div class="chartwrap">{svg}</div>'
            f'<figcaption class="legend">{items}{f"<span class=note>{esc(note)}</span>" if note else ""}</figcaption></figure>')


def swatch(kind: str, text: str) -> str:
    return f'<i class="sw sw-{kind}" aria-hidden="true"></i>{esc(text)}'


def place(boxes: list[tuple[float, float]], x0: float, x1: float) -> bool:
    """True (and the box kept) when [x0, x1] overlaps none of `boxes` (one row of labels)."""
    if any(x0 < b1 + 4 and b0 < x1 + 4 for b0, b1 in boxes):
        return False
    boxes.append((x0, x1))
    return True


class TimeChart:
    """A chart against a date axis. Add shapes, then `render()`."""

    def __init__(self, chart: str, pledge_id: str, metric_id: str | None, title: str, desc: str, unit: str,
                 x_label: str = "", extra: dict | None = None):
        self.chart, self.pledge_id, self.metric_id = chart, pledge_id, metric_id
        self.title, self.desc, self.unit, self.x_label, self.extra = title, desc, unit, x_label, extra
        self.uid = slug(f"c-{pledge_id}-{chart}-{metric_id}")
        self.bars: list[dict] = []
        self.lines: list[dict] = []
        self.points: list[dict] = []
        self.bands: list[dict] = []
        self.markers: list[dict] = []
        self.segments: list[dict] = []

    # shapes
    def bar(self, start: date, end: date, value: float, tone: str, label: str, tip: str, partial: bool = False, data: dict | None = None):
        self.bars.append(dict(start=start, end=end, value=value, tone=tone, label=label, tip=tip, partial=partial, data=data or {}))

    def line(self, points: list[tuple[date, float]], stroke: str = INK, width: float = 2.0, dash: str = "", cls: str = "series",
             end_label: str = "", data: dict | None = None, opacity: float = 1.0):
        if points:
            self.lines.append(dict(points=points, stroke=stroke, width=width, dash=dash, cls=cls, end_label=end_label,
                                   data=data or {}, opacity=opacity))

    def point(self, day: date, value: float, shape: str, fill: str, tip: str, data: dict | None = None, size: float = 3.6):
        self.points.append(dict(day=day, value=value, shape=shape, fill=fill, tip=tip, data=data or {}, size=size))

    def band(self, start: date, end: date, label: str, fill: str = "#e9edf1", data: dict | None = None, dashed: bool = False):
        self.bands.append(dict(start=start, end=end, label=label, fill=fill, data=data or {}, dashed=dashed))

    def marker(self, day: date, label: str, data: dict | None = None):
        self.markers.append(dict(day=day, label=label, data=data or {}))

    def segment(self, x0: date, y0: float, x1: date, y1: float, cls: str, stroke: str = INK, dash: str = "5 3",
                width: float = 1.8, tip: str = "", data: dict | None = None, end_label: str = ""):
        self.segments.append(dict(x0=x0, y0=y0, x1=x1, y1=y1, cls=cls, stroke=stroke, dash=dash, width=width, tip=tip,
                                  data=data or {}, end_label=end_label))

    def empty(self) -> bool:
        return not (self.bars or self.lines or self.points)

    # drawing
    def render(self) -> str:
        days = ([b["start"] for b in self.bars] + [b["end"] + timedelta(days=1) for b in self.bars]
                + [d for ln in self.lines for d, _v in ln["points"]] + [p["day"] for p in self.points]
                + [b["start"] for b in self.bands] + [b["end"] + timedelta(days=1) for b in self.bands]
                + [m["day"] for m in self.markers] + [s["x0"] for s in self.segments] + [s["x1"] for s in self.segments])
        x_lo, x_hi = min(days), max(days)
        span = max(1, (x_hi - x_lo).days)
        pad = max(1, round(span * 0.015))
        x_lo, x_hi = x_lo - timedelta(days=pad), x_hi + timedelta(days=pad)
        values = ([b["value"] for b in self.bars] + [v for ln in self.lines for _d, v in ln["points"]]
                  + [p["value"] for p in self.points] + [s["y0"] for s in self.segments] + [s["y1"] for s in self.segments])
        ymin, ymax, ticks = y_ticks([float(v) for v in values])
        end_labels = [ln["end_label"] for ln in self.lines if ln["end_label"]] + [s["end_label"] for s in self.segments if s["end_label"]]
        left = max(46.0, 14 + max(text_width(fmt_tick(t)) for t in ticks) + 18)
        right = min(130.0, max(14.0, max((text_width(t, SMALL) + 10 for t in end_labels), default=0)))
        pw = W - left - right

        def x(day: date) -> float:
            return left + pw * (day - x_lo).days / max(1, (x_hi - x_lo).days)

        # labels of markers and shaded periods, in rows above the plot
        rows: list[list[tuple[float, float]]] = []
        notes = []
        for item in [(x(m["day"]), m["label"], "marker") for m in self.markers] + \
                    [(x(b["start"]), b["label"], "band") for b in self.bands if b["label"]]:
            x0, text, kind = item
            w = text_width(text, SMALL)
            tx0 = x0 + 3 if x0 + 3 + w <= W - 4 else x0 - 3 - w     # right of its line, else left of it
            tx0 = min(max(2.0, tx0), W - 2 - w)
            r = 0
            while True:
                if r == len(rows):
                    rows.append([])
                if place(rows[r], tx0, tx0 + w):
                    break
                r += 1
            notes.append((x0, tx0, text, r, kind))
        top = 10 + ROW * len(rows) + 4
        bottom = 44 if self.x_label else 28
        height = H + ROW * max(0, len(rows) - 2)
        ph = height - top - bottom

        def y(v: float) -> float:
            return top + ph * (ymax - v) / (ymax - ymin)

        out = svg_open(self.chart, self.pledge_id, self.metric_id, self.uid, self.title, self.desc, height, self.extra)
        for b in self.bands:
            x0, x1 = x(b["start"]), x(b["end"] + timedelta(days=1))
            dash = ' stroke="#8d969e" stroke-dasharray="3 3"' if b["dashed"] else ""
            out.append(f'<rect class="band"{attrs(b["data"])} x="{x0:.1f}" y="{top}" width="{max(1.5, x1 - x0):.1f}" '
                       f'height="{ph:.1f}" fill="{b["fill"]}"{dash}><title>{esc(b["label"])}: {fmt_day(b["start"])} to '
                       f'{fmt_day(b["end"])}</title></rect>')
        for t in ticks:
            out.append(f'<line x1="{left - 4:.1f}" x2="{W - right:.1f}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="{GRID}"/>'
                       f'<text x="{left - 7:.1f}" y="{y(t) + 4:.1f}" text-anchor="end" font-size="{FONT}" fill="{MUTED}">'
                       f'{esc(fmt_tick(t))}</text>')
        out.extend(self._bar_labels(x, top + ph, pw) or self._x_ticks(x, x_lo, x_hi, top + ph, pw))
        out.append(f'<line x1="{left:.1f}" x2="{left:.1f}" y1="{top}" y2="{top + ph:.1f}" stroke="{MUTED}"/>'
                   f'<line x1="{left:.1f}" x2="{W - right:.1f}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="{MUTED}"/>')
        for b in self.bars:
            x0, x1 = x(b["start"]), x(b["end"] + timedelta(days=1))
            gap = min(2.0, 0.18 * (x1 - x0))
            y0, y1 = sorted((y(0), y(b["value"])))
            if b["tone"] == "bad":
                fill = (f'fill="url(#{self.uid}-bad)" stroke="{FILLS["bad"]}" '
                        + ('stroke-width="1.2" stroke-dasharray="3 2"' if b["partial"] else 'stroke-width="0.8"'))
            elif b["partial"]:
                fill = f'fill="url(#{self.uid}-part)" stroke="{FILLS.get(b["tone"], INK)}" stroke-width="1.2" stroke-dasharray="3 2"'
            else:
                fill = f'fill="{FILLS.get(b["tone"], FILLS["muted"])}"'
            data = {"data-period": b["label"], "data-value": f'{b["value"]:g}', "data-start": b["start"].isoformat(),
                    "data-end": b["end"].isoformat(), "data-tone": b["tone"], **b["data"]}
            out.append(f'<rect class="bar"{attrs(data)} x="{x0 + gap / 2:.1f}" y="{y0:.1f}" width="{max(0.8, x1 - x0 - gap):.1f}" '
                       f'height="{max(0.6, y1 - y0):.1f}" {fill}><title>{esc(b["tip"])}</title></rect>')
        labels: list[tuple[float, float, float, float]] = []
        for s in self.segments:
            x1 = x(s["x1"])
            out.append(f'<line class="{s["cls"]}"{attrs(s["data"])} x1="{x(s["x0"]):.1f}" y1="{y(s["y0"]):.1f}" x2="{x1:.1f}" '
                       f'y2="{y(s["y1"]):.1f}" stroke="{s["stroke"]}" stroke-width="{s["width"]}"'
                       + (f' stroke-dasharray="{s["dash"]}"' if s["dash"] else "")
                       + (f'><title>{esc(s["tip"])}</title></line>' if s["tip"] else "/>"))
            if s["end_label"]:
                out.append(self._end_label(labels, x1, y(s["y1"]), s["end_label"], s["stroke"]))
        for ln in self.lines:
            pts = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in ln["points"])
            out.append(f'<polyline class="{ln["cls"]}"{attrs(ln["data"])} points="{pts}" fill="none" stroke="{ln["stroke"]}" '
                       f'stroke-width="{ln["width"]}" stroke-linejoin="round"'
                       + (f' stroke-dasharray="{ln["dash"]}"' if ln["dash"] else "")
                       + (f' stroke-opacity="{ln["opacity"]}"' if ln["opacity"] < 1 else "") + "/>")
        for p in self.points:
            cx, cy, r = x(p["day"]), y(p["value"]), p["size"]
            data = {"data-period": p["data"].get("data-period"), "data-value": f'{p["value"]:g}', **p["data"]}
            if p["shape"] == "square":
                shape = f'<rect class="point"{attrs(data)} x="{cx - r:.1f}" y="{cy - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}"'
            else:
                shape = f'<circle class="point"{attrs(data)} cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}"'
            out.append(f'{shape} fill="{p["fill"]}" stroke="#ffffff" stroke-width="0.8"><title>{esc(p["tip"])}</title>'
                       + ("</rect>" if p["shape"] == "square" else "</circle>"))
        for ln in self.lines:
            if ln["end_label"]:
                d, v = ln["points"][-1]
                out.append(self._end_label(labels, x(d), y(v), ln["end_label"], ln["stroke"]))
        for m in self.markers:
            mx = x(m["day"])
            out.append(f'<g class="marker"{attrs({"data-date": m["day"].isoformat(), **m["data"]})}>'
                       f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top - 2}" y2="{top + ph:.1f}" stroke="{INK}" stroke-width="1.3" '
                       f'stroke-dasharray="1 3" stroke-linecap="round"/><title>{esc(m["label"])}</title></g>')
        for x0, tx, text, r, kind in notes:
            ty = 10 + ROW * r + 10
            out.append(f'<text class="note-label" x="{tx:.1f}" y="{ty}" font-size="{SMALL}" fill="{INK if kind == "marker" else MUTED}">'
                       f'{esc(text)}</text>')
            out.append(f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{ty + 2}" y2="{top}" stroke="#9aa0a6" stroke-width="0.8"/>')
        if self.x_label:
            out.append(f'<text x="{left + pw / 2:.0f}" y="{height - 6}" text-anchor="middle" font-size="{FONT}" fill="{INK}">'
                       f'{esc(self.x_label)}</text>')
        out.append(f'<text transform="translate(13 {top + ph / 2:.0f}) rotate(-90)" text-anchor="middle" font-size="{FONT}" '
                   f'fill="{INK}">{esc(self.unit or "value")}</text>')
        out.append("</svg>")
        return "".join(out)

    def _end_label(self, placed: list, x0: float, y0: float, text: str, colour: str) -> str:
        w = text_width(text, SMALL)
        tx = min(x0 + 4, W - w - 2)
        for dy in (0, 11, -11, 22, -22, 33, -33):
            box = (tx, y0 + dy - 9, tx + w, y0 + dy + 3)
            if all(box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3] for b in placed):
                placed.append(box)
                return (f'<text class="end-label" x="{tx:.1f}" y="{y0 + dy + 4:.1f}" font-size="{SMALL}" fill="{colour}" '
                        f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{esc(text)}</text>')
        return ""

    def _bar_labels(self, x, base: float, pw: float) -> list[str]:
        """A few bars and nothing else: each labelled with its period (2024/25, 2025 Q1); else [] (the date axis)."""
        if not self.bars or self.lines or self.points or len(self.bars) > 12:
            return []
        widths = [text_width(b["label"], SMALL) for b in self.bars]
        room = [x(b["end"] + timedelta(days=1)) - x(b["start"]) for b in self.bars]
        if any(w > r for w, r in zip(widths, room)):
            return []
        return [f'<text x="{(x(b["start"]) + x(b["end"] + timedelta(days=1))) / 2:.1f}" y="{base + 17:.1f}" text-anchor="middle" '
                f'font-size="{SMALL}" fill="{MUTED}">{esc(b["label"])}</text>' for b in self.bars]

    @staticmethod
    def _x_ticks(x, lo: date, hi: date, base: float, pw: float) -> list[str]:
        span = (hi - lo).days
        out = []
        if span > 3 * 365:
            years = list(range(lo.year + 1, hi.year + 1))
            every = max(1, math.ceil(len(years) / max(2, pw // (text_width('2026') + 12))))
            for i, yr in enumerate(years):
                tx = x(date(yr, 1, 1))
                out.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{base:.1f}" y2="{base + 4:.1f}" stroke="{MUTED}"/>')
                if i % every == 0:
                    out.append(f'<text x="{tx:.1f}" y="{base + 17:.1f}" text-anchor="middle" font-size="{FONT}" fill="{MUTED}">{yr}</text>')
            return out
        months = []
        d = date(lo.year, lo.month, 1)
        while d <= hi:
            if d >= lo:
                months.append(d)
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        fits = max(2, pw // (text_width('Jan 2026') + 10))      # labels with room between them
        step = next((s for s in (1, 2, 3, 6, 12, 24) if len(months) / s <= fits), 48)
        shown = [m for m in months if (m.month - 1) % step == 0] if step <= 12 else months[::step]
        for i, m in enumerate(shown):
            tx = x(m)
            label = f"{m:%b %Y}" if i == 0 or m.month == 1 else f"{m:%b}"
            out.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{base:.1f}" y2="{base + 4:.1f}" stroke="{MUTED}"/>'
                       f'<text x="{tx:.1f}" y="{base + 17:.1f}" text-anchor="middle" font-size="{FONT}" fill="{MUTED}">{esc(label)}</text>')
        return out


def category_bars(chart: str, pledge_id: str, metric_id: str, title: str, desc: str, unit: str, x_label: str,
                  bars: list[dict], ticks_extra: list[dict] | None = None) -> str:
    """One bar per label (calendar years), its value written above it; bars with `partial` hatched.
    `ticks_extra`: dashed ticks across a bar ({index, value, label}), e.g. the same days a year before."""
    uid = slug(f"c-{pledge_id}-{chart}-{metric_id}")
    values = [b["value"] for b in bars] + [t["value"] for t in ticks_extra or []]
    ymin, ymax, ticks = y_ticks([float(v) for v in values])
    top, bottom = 26, 44
    left = max(46.0, 14 + max(text_width(fmt_tick(t)) for t in ticks) + 18)
    right = 10
    pw, ph = W - left - right, H - top - bottom

    def y(v: float) -> float:
        return top + ph * (ymax - v) / (ymax - ymin)

    out = svg_open(chart, pledge_id, metric_id, uid, title, desc, H)
    for t in ticks:
        out.append(f'<line x1="{left - 4:.1f}" x2="{W - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="{GRID}"/>'
                   f'<text x="{left - 7:.1f}" y="{y(t) + 4:.1f}" text-anchor="end" font-size="{FONT}" fill="{MUTED}">{esc(fmt_tick(t))}</text>')
    out.append(f'<line x1="{left:.1f}" x2="{left:.1f}" y1="{top}" y2="{top + ph}" stroke="{MUTED}"/>'
               f'<line x1="{left:.1f}" x2="{W - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="{MUTED}"/>')
    slot = pw / max(1, len(bars))
    bw = min(56.0, slot * 0.7)
    small = len(bars) > 8
    for i, b in enumerate(bars):
        cx = left + slot * (i + 0.5)
        y0, y1 = sorted((y(0), y(b["value"])))
        fill = (f'fill="url(#{uid}-part)" stroke="{FILLS["series"]}" stroke-width="1.2" stroke-dasharray="3 2"' if b.get("partial")
                else f'fill="{FILLS["series"]}"')
        data = {"data-period": b["label"], "data-value": f'{b["value"]:g}', **(b.get("data") or {})}
        out.append(f'<rect class="bar"{attrs(data)} x="{cx - bw / 2:.1f}" y="{y0:.1f}" width="{bw:.1f}" height="{max(0.6, y1 - y0):.1f}" '
                   f'{fill}><title>{esc(b.get("tip") or b["label"])}</title></rect>')
        out.append(f'<text x="{cx:.1f}" y="{y(max(b["value"], 0)) - 5:.1f}" text-anchor="middle" font-size="{11 if small else SMALL}" '
                   f'fill="{INK}">{esc(fmt_num(b["value"]) if not small or abs(b["value"]) < 1e4 else fmt_tick(b["value"]))}</text>')
        lines = b["label"].split(" to ", 1)
        out.append(f'<text x="{cx:.1f}" y="{top + ph + 16:.1f}" text-anchor="middle" font-size="{FONT}" fill="{MUTED}">{esc(lines[0])}'
                   + (f'<tspan x="{cx:.1f}" dy="13" font-size="11">to {esc(lines[1])}</tspan>' if len(lines) > 1 else "") + "</text>")
    for t in ticks_extra or []:
        cx = left + slot * (t["index"] + 0.5)
        out.append(f'<line class="baseline" data-kind="prior_year" data-period="{esc(t["label"])}" data-value="{t["value"]:g}" '
                   f'x1="{cx - bw * 0.75:.1f}" x2="{cx + bw * 0.75:.1f}" y1="{y(t["value"]):.1f}" y2="{y(t["value"]):.1f}" '
                   f'stroke="{INK}" stroke-width="1.8" stroke-dasharray="5 3"><title>{esc(t["label"])}: {fmt_num(t["value"])}</title></line>')
    if x_label:
        out.append(f'<text x="{left + pw / 2:.0f}" y="{H - 4}" text-anchor="middle" font-size="{FONT}" fill="{INK}">{esc(x_label)}</text>')
    out.append(f'<text transform="translate(13 {top + ph / 2:.0f}) rotate(-90)" text-anchor="middle" font-size="{FONT}" '
               f'fill="{INK}">{esc(unit or "value")}</text></svg>')
    return "".join(out)


def data_values(points: list[dict]) -> str:
    """A vintage's figures as JSON {label: value} (for tests and scrapers)."""
    return json.dumps({p["label"]: p["value"] for p in points}, separators=(",", ":"))
