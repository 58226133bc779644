"""The SVG pieces every chart of the HTML report is made of: sizes, colours, ticks, the opening of a chart's
`<svg>` with its title and description, hatching, the `figure` with its legend, label placement.

Charts themselves are drawn in flows/report_charts.py.
"""
from __future__ import annotations

import math
import re
from html import escape

from flows.formatting import fmt_num

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


def fmt_tick(value: float) -> str:
    """Axis ticks, compact: 15k, 1.2m."""
    for threshold, size, suffix in ((1e9, 1e9, "bn"), (1e6, 1e6, "m"), (1e4, 1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / size:.3g}{suffix}"
    return fmt_num(value)


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
