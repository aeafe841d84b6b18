"""A horizontal bar chart as inline SVG, drawn on the server: no script, no third-party
assets, readable without internet and in print.

The chart is one image to assistive technology (role="img" with a <title> and a <desc>);
the numbers it shows are in the table next to it. Each bar sits below its label, so the
chart stays legible when it shrinks to a phone's width. A hidden small count ("<3") is
drawn as a dashed outline as long as the threshold, so its length gives nothing away.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360  # drawn at about 1:1.3 on a desktop and 1:0.9 on a phone (reports.css)
BAR_SPACE = 290  # the longest bar; the rest of the width is for its number
ROW = 38
LABEL_BASELINE, BAR_TOP, BAR_HEIGHT = 14, 19, 14
BAR_COLOUR, TEXT_COLOUR = "#0b5a8a", "#1b1f24"  # --primary and --text: 7:1 on white


@dataclass(frozen=True)
class Bar:
    label: str
    value: int  # the length: the count, or the threshold for a hidden one
    shown: str  # the number written beside the bar
    hidden: bool = False
    colour: str = BAR_COLOUR


def _bar(bar: Bar, y: int, scale: float) -> str:
    length = round(bar.value * scale, 1)
    top = y + BAR_TOP
    parts = [f'<text x="0" y="{y + LABEL_BASELINE}" font-size="14" fill="{TEXT_COLOUR}">'
             f'{escape(bar.label)}</text>']
    if bar.hidden:
        parts.append(f'<rect x="0.75" y="{top + 0.75}" width="{max(length - 1.5, 1)}" '
                     f'height="{BAR_HEIGHT - 1.5}" fill="#ffffff" stroke="{bar.colour}" '
                     'stroke-width="1.5" stroke-dasharray="4 3"/>')
    elif length > 0:
        parts.append(f'<rect x="0" y="{top}" width="{length}" height="{BAR_HEIGHT}" '
                     f'fill="{bar.colour}"/>')
    parts.append(f'<text x="{length + 6}" y="{top + BAR_HEIGHT - 3}" font-size="14" '
                 f'font-weight="600" fill="{TEXT_COLOUR}">{escape(bar.shown)}</text>')
    return "".join(parts)


def _svg(body: str, width: int, height: int, chart_id: str, title: str,
         description: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>{body}</svg>')


def bar_chart(bars: list[Bar], *, chart_id: str, title: str, description: str) -> Markup:
    """An SVG with one labelled bar per item, scaled to the longest."""
    longest = max((b.value for b in bars), default=0)
    scale = BAR_SPACE / longest if longest else 0.0
    height = ROW * len(bars) + 4
    body = "".join(_bar(bar, index * ROW, scale) for index, bar in enumerate(bars))
    return _svg(body, WIDTH, height, chart_id, title, description)


GROUP_HEAD = 24


def grouped_bar_chart(groups: list[tuple[str, list[Bar]]], *, chart_id: str, title: str,
                      description: str) -> Markup:
    """Bars in named groups (e.g. registered, confirmed, attended per organization), all
    on one scale so that the groups compare."""
    longest = max((b.value for _name, bars in groups for b in bars), default=0)
    scale = BAR_SPACE / longest if longest else 0.0
    parts, y = [], 0
    for name, bars in groups:
        parts.append(f'<text x="0" y="{y + 17}" font-size="15" font-weight="700" '
                     f'fill="{TEXT_COLOUR}">{escape(name)}</text>')
        y += GROUP_HEAD
        for bar in bars:
            parts.append(_bar(bar, y, scale))
            y += ROW
        y += 8
    return _svg("".join(parts), WIDTH, y + 4, chart_id, title, description)


COLUMN_AREA, COLUMN_WIDTH, MONTH_STEP, PANEL_GAP = 80, 9, 24, 28
PANEL_HEAD, PANEL_FOOT = 24, 16
LIGHT_COLOUR = "#7fb0cf"  # registered: 3:1 against white next to the darker attended


@dataclass(frozen=True)
class Column:
    label: str  # the month, e.g. "J" or "01"
    light: Bar  # registered
    dark: Bar  # attended


def _column(bar: Bar, x: float, base: float, scale: float) -> str:
    height = round(bar.value * scale, 1)
    if bar.hidden:
        return (f'<rect x="{x + 0.75}" y="{base - height + 0.75}" width="{COLUMN_WIDTH - 1.5}" '
                f'height="{max(height - 1.5, 1)}" fill="#ffffff" stroke="{bar.colour}" '
                'stroke-width="1.5" stroke-dasharray="3 2"/>')
    if height <= 0:
        return ""
    return (f'<rect x="{x}" y="{base - height}" width="{COLUMN_WIDTH}" height="{height}" '
            f'fill="{bar.colour}"/>')


def _panel(name: str, columns: list[Column], x0: float, y0: float, width: float,
           scale: float) -> str:
    parts = [f'<text x="{x0}" y="{y0 + 16}" font-size="14" font-weight="700" '
             f'fill="{TEXT_COLOUR}">{escape(name)}</text>']
    base = y0 + PANEL_HEAD + COLUMN_AREA
    parts.append(f'<line x1="{x0}" x2="{x0 + width}" y1="{base}" y2="{base}" '
                 'stroke="#6b7280"/>')
    for index, column in enumerate(columns):
        x = x0 + 3 + index * MONTH_STEP
        parts.append(_column(column.light, x, base, scale))
        parts.append(_column(column.dark, x + COLUMN_WIDTH, base, scale))
        parts.append(f'<text x="{x}" y="{base + 12}" font-size="10" '
                     f'fill="{TEXT_COLOUR}">{escape(column.label)}</text>')
    return "".join(parts)


def trend_chart(panels: list[tuple[str, list[Column]]], *, chart_id: str, title: str,
                description: str) -> Markup:
    """One panel per organization, two side by side (one for periods over 18 months), a
    pair of columns per month (registered light, attended dark), all on one scale."""
    longest = max((max(c.light.value, c.dark.value) for _n, cols in panels for c in cols),
                  default=0)
    scale = COLUMN_AREA / longest if longest else 0.0
    months = max((len(cols) for _n, cols in panels), default=0)
    per_row = 2 if months <= 18 else 1
    panel_width = max(months * MONTH_STEP + 6, 120)
    panel_height = PANEL_HEAD + COLUMN_AREA + PANEL_FOOT + PANEL_GAP
    parts = [_panel(name, columns, (i % per_row) * (panel_width + PANEL_GAP),
                    (i // per_row) * panel_height, panel_width, scale)
             for i, (name, columns) in enumerate(panels)]
    rows = -(-len(panels) // per_row)
    width = per_row * panel_width + (per_row - 1) * PANEL_GAP
    return _svg("".join(parts), int(width), rows * panel_height - PANEL_GAP + 4, chart_id,
                title, description)
