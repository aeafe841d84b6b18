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


def _bar(bar: Bar, y: int, scale: float) -> str:
    length = round(bar.value * scale, 1)
    top = y + BAR_TOP
    parts = [f'<text x="0" y="{y + LABEL_BASELINE}" font-size="14" fill="{TEXT_COLOUR}">'
             f'{escape(bar.label)}</text>']
    if bar.hidden:
        parts.append(f'<rect x="0.75" y="{top + 0.75}" width="{max(length - 1.5, 1)}" '
                     f'height="{BAR_HEIGHT - 1.5}" fill="#ffffff" stroke="{BAR_COLOUR}" '
                     'stroke-width="1.5" stroke-dasharray="4 3"/>')
    elif length > 0:
        parts.append(f'<rect x="0" y="{top}" width="{length}" height="{BAR_HEIGHT}" '
                     f'fill="{BAR_COLOUR}"/>')
    parts.append(f'<text x="{length + 6}" y="{top + BAR_HEIGHT - 3}" font-size="14" '
                 f'font-weight="600" fill="{TEXT_COLOUR}">{escape(bar.shown)}</text>')
    return "".join(parts)


def bar_chart(bars: list[Bar], *, chart_id: str, title: str, description: str) -> Markup:
    """An SVG with one labelled bar per item, scaled to the longest."""
    longest = max((b.value for b in bars), default=0)
    scale = BAR_SPACE / longest if longest else 0.0
    height = ROW * len(bars) + 4
    body = "".join(_bar(bar, index * ROW, scale) for index, bar in enumerate(bars))
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>{body}</svg>')
