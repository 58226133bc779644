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
from dataclasses import dataclass
from datetime import date, timedelta

from flows.formatting import fmt_day, fmt_num
from flows.report_svg import (FILLS, FONT, GRID, H, INK, MUTED, ROW, SMALL, W, attrs, esc, fmt_tick, place, slug,
                              svg_open, text_width, y_ticks)


@dataclass
class Frame:
    """Where a chart's plot sits in its SVG (viewBox units) and how dates and values map onto it."""
    x_lo: date
    x_hi: date
    ymin: float
    ymax: float
    ticks: list[float]
    left: float
    right: float
    top: float = 0
    ph: float = 0           # the plot's height
    height: int = H         # the whole SVG's

    @property
    def pw(self) -> float:
        """The plot's width."""
        return W - self.left - self.right

    @property
    def bottom(self) -> float:
        return self.top + self.ph

    def x(self, day: date) -> float:
        return self.left + self.pw * (day - self.x_lo).days / max(1, (self.x_hi - self.x_lo).days)

    def y(self, v: float) -> float:
        return self.top + self.ph * (self.ymax - v) / (self.ymax - self.ymin)


# the value axis names its unit as a reader writes it (pounds as £, as the tooltips give them)
UNIT_WORDS = {"GBP": "£"}


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
        frame, notes = self._frame()
        out = svg_open(self.chart, self.pledge_id, self.metric_id, self.uid, self.title, self.desc, frame.height, self.extra)
        out += self._bands(frame) + self._grid(frame)
        out.extend(self._bar_labels(frame.x, frame.bottom, frame.pw)
                   or self._x_ticks(frame.x, frame.x_lo, frame.x_hi, frame.bottom, frame.pw))
        out.append(f'<line x1="{frame.left:.1f}" x2="{frame.left:.1f}" y1="{frame.top}" y2="{frame.bottom:.1f}" stroke="{MUTED}"/>'
                   f'<line x1="{frame.left:.1f}" x2="{W - frame.right:.1f}" y1="{frame.y(0):.1f}" y2="{frame.y(0):.1f}" '
                   f'stroke="{MUTED}"/>')
        end_labels: list[tuple[float, float, float, float]] = []
        out += self._bar_shapes(frame) + self._segments(frame, end_labels) + self._polylines(frame) + self._points(frame)
        out += [self._end_label(end_labels, frame.x(ln["points"][-1][0]), frame.y(ln["points"][-1][1]), ln["end_label"],
                                ln["stroke"]) for ln in self.lines if ln["end_label"]]
        out += self._markers(frame) + self._notes(frame, notes) + self._axis_titles(frame)
        out.append("</svg>")
        return "".join(out)

    def _frame(self) -> tuple[Frame, list[tuple]]:
        """The plot's place and scales, and the labels of markers and shaded periods set in rows above it."""
        days = ([b["start"] for b in self.bars] + [b["end"] + timedelta(days=1) for b in self.bars]
                + [d for ln in self.lines for d, _v in ln["points"]] + [p["day"] for p in self.points]
                + [b["start"] for b in self.bands] + [b["end"] + timedelta(days=1) for b in self.bands]
                + [m["day"] for m in self.markers] + [s["x0"] for s in self.segments] + [s["x1"] for s in self.segments])
        x_lo, x_hi = min(days), max(days)
        pad = max(1, round(max(1, (x_hi - x_lo).days) * 0.015))
        values = ([b["value"] for b in self.bars] + [v for ln in self.lines for _d, v in ln["points"]]
                  + [p["value"] for p in self.points] + [s["y0"] for s in self.segments] + [s["y1"] for s in self.segments])
        ymin, ymax, ticks = y_ticks([float(v) for v in values])
        end_labels = [ln["end_label"] for ln in self.lines if ln["end_label"]] + [s["end_label"] for s in self.segments if s["end_label"]]
        frame = Frame(x_lo=x_lo - timedelta(days=pad), x_hi=x_hi + timedelta(days=pad), ymin=ymin, ymax=ymax, ticks=ticks,
                      left=max(46.0, 14 + max(text_width(fmt_tick(t)) for t in ticks) + 18),
                      right=min(130.0, max(14.0, max((text_width(t, SMALL) + 10 for t in end_labels), default=0))))
        rows, notes = self._note_rows(frame)
        frame.top = 10 + ROW * rows + 4
        frame.height = H + ROW * max(0, rows - 2)
        frame.ph = frame.height - frame.top - (44 if self.x_label else 28)
        return frame, notes

    def _note_rows(self, frame: Frame) -> tuple[int, list[tuple]]:
        """Labels of markers and shaded periods, each beside its own line (right of it, else left), in rows above
        the plot: (rows used, [(x of the line, x of the text, text, row, kind)]).

        A label's line runs from its row down to the plot, so a label whose text spans another label's line is set
        in a row above that one (never across its line, which would read as its own): the side of each line is
        chosen to span no other line where it can, then rows are given in that order, each label in the first row
        below every label spanning its line where its text has room."""
        items = [(frame.x(m["day"]), m["label"], "marker") for m in self.markers] + \
                [(frame.x(b["start"]), b["label"], "band") for b in self.bands if b["label"]]

        def spanned(i: int, tx: float, w: float) -> set[int]:
            return {j for j, (x, _t, _k) in enumerate(items) if j != i and tx - 2 <= x <= tx + w + 2}

        spans = []
        for i, (x0, text, _kind) in enumerate(items):
            w = text_width(text, SMALL)
            sides = [tx for tx in (x0 + 3, x0 - 3 - w) if 2.0 <= tx and tx + w <= W - 2] or \
                    [min(max(2.0, x0 + 3 if x0 + 3 + w <= W - 4 else x0 - 3 - w), W - 2 - w)]
            tx0 = min(sides, key=lambda tx: len(spanned(i, tx, w)))      # right first, unless it spans more lines
            spans.append((tx0, w, spanned(i, tx0, w)))
        # rows: a label above every label whose line its text spans (a cycle, two texts spanning each other's
        # lines, is broken in order of the labels)
        order: list[int] = []
        waiting = set(range(len(items)))
        while waiting:
            free = sorted(i for i in waiting if not any(i in spans[j][2] for j in waiting if j != i)) or [min(waiting)]
            order.append(free[0])
            waiting.discard(free[0])
        rows: list[list[tuple[float, float]]] = []
        row_of: dict[int, int] = {}
        for i in order:
            tx0, w, _lines = spans[i]
            r = max((row_of[j] + 1 for j in row_of if i in spans[j][2]), default=0)
            while True:
                while r >= len(rows):
                    rows.append([])
                if place(rows[r], tx0, tx0 + w):
                    break
                r += 1
            row_of[i] = r
        notes = [(x0, spans[i][0], text, row_of[i], kind) for i, (x0, text, kind) in enumerate(items)]
        return len(rows), notes

    def _bands(self, f: Frame) -> list[str]:
        out = []
        for b in self.bands:
            x0, x1 = f.x(b["start"]), f.x(b["end"] + timedelta(days=1))
            dash = ' stroke="#8d969e" stroke-dasharray="3 3"' if b["dashed"] else ""
            out.append(f'<rect class="band"{attrs(b["data"])} x="{x0:.1f}" y="{f.top}" width="{max(1.5, x1 - x0):.1f}" '
                       f'height="{f.ph:.1f}" fill="{b["fill"]}"{dash}><title>{esc(b["label"])}: {fmt_day(b["start"])} to '
                       f'{fmt_day(b["end"])}</title></rect>')
        return out

    def _grid(self, f: Frame) -> list[str]:
        return [f'<line x1="{f.left - 4:.1f}" x2="{W - f.right:.1f}" y1="{f.y(t):.1f}" y2="{f.y(t):.1f}" stroke="{GRID}"/>'
                f'<text x="{f.left - 7:.1f}" y="{f.y(t) + 4:.1f}" text-anchor="end" font-size="{FONT}" fill="{MUTED}">'
                f'{esc(fmt_tick(t))}</text>' for t in f.ticks]

    def _bar_shapes(self, f: Frame) -> list[str]:
        out = []
        for b in self.bars:
            x0, x1 = f.x(b["start"]), f.x(b["end"] + timedelta(days=1))
            gap = min(2.0, 0.18 * (x1 - x0))
            y0, y1 = sorted((f.y(0), f.y(b["value"])))
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
        return out

    def _segments(self, f: Frame, end_labels: list) -> list[str]:
        out = []
        for s in self.segments:
            x1 = f.x(s["x1"])
            out.append(f'<line class="{s["cls"]}"{attrs(s["data"])} x1="{f.x(s["x0"]):.1f}" y1="{f.y(s["y0"]):.1f}" x2="{x1:.1f}" '
                       f'y2="{f.y(s["y1"]):.1f}" stroke="{s["stroke"]}" stroke-width="{s["width"]}"'
                       + (f' stroke-dasharray="{s["dash"]}"' if s["dash"] else "")
                       + (f'><title>{esc(s["tip"])}</title></line>' if s["tip"] else "/>"))
            if s["end_label"]:
                out.append(self._end_label(end_labels, x1, f.y(s["y1"]), s["end_label"], s["stroke"]))
        return out

    def _polylines(self, f: Frame) -> list[str]:
        out = []
        for ln in self.lines:
            pts = " ".join(f"{f.x(d):.1f},{f.y(v):.1f}" for d, v in ln["points"])
            out.append(f'<polyline class="{ln["cls"]}"{attrs(ln["data"])} points="{pts}" fill="none" stroke="{ln["stroke"]}" '
                       f'stroke-width="{ln["width"]}" stroke-linejoin="round"'
                       + (f' stroke-dasharray="{ln["dash"]}"' if ln["dash"] else "")
                       + (f' stroke-opacity="{ln["opacity"]}"' if ln["opacity"] < 1 else "") + "/>")
        return out

    def _points(self, f: Frame) -> list[str]:
        out = []
        for p in self.points:
            cx, cy, r = f.x(p["day"]), f.y(p["value"]), p["size"]
            data = {"data-period": p["data"].get("data-period"), "data-value": f'{p["value"]:g}', **p["data"]}
            if p["shape"] == "square":
                shape = f'<rect class="point"{attrs(data)} x="{cx - r:.1f}" y="{cy - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}"'
            else:
                shape = f'<circle class="point"{attrs(data)} cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}"'
            out.append(f'{shape} fill="{p["fill"]}" stroke="#ffffff" stroke-width="0.8"><title>{esc(p["tip"])}</title>'
                       + ("</rect>" if p["shape"] == "square" else "</circle>"))
        return out

    def _markers(self, f: Frame) -> list[str]:
        return [f'<g class="marker"{attrs({"data-date": m["day"].isoformat(), **m["data"]})}>'
                f'<line x1="{f.x(m["day"]):.1f}" x2="{f.x(m["day"]):.1f}" y1="{f.top - 2}" y2="{f.bottom:.1f}" stroke="{INK}" '
                f'stroke-width="1.3" stroke-dasharray="1 3" stroke-linecap="round"/><title>{esc(m["label"])}</title></g>'
                for m in self.markers]

    def _notes(self, f: Frame, notes: list[tuple]) -> list[str]:
        out = []
        for x0, tx, text, r, kind in notes:
            ty = 10 + ROW * r + 10
            out.append(f'<text class="note-label" x="{tx:.1f}" y="{ty}" font-size="{SMALL}" fill="{INK if kind == "marker" else MUTED}">'
                       f'{esc(text)}</text>')
            out.append(f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{ty + 2}" y2="{f.top}" stroke="#9aa0a6" stroke-width="0.8"/>')
        return out

    def _axis_titles(self, f: Frame) -> list[str]:
        out = []
        if self.x_label:
            out.append(f'<text x="{f.left + f.pw / 2:.0f}" y="{f.height - 6}" text-anchor="middle" font-size="{FONT}" fill="{INK}">'
                       f'{esc(self.x_label)}</text>')
        out.append(f'<text transform="translate(13 {f.top + f.ph / 2:.0f}) rotate(-90)" text-anchor="middle" font-size="{FONT}" '
                   f'fill="{INK}">{esc(UNIT_WORDS.get(self.unit, self.unit) or "value")}</text>')
        return out

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
