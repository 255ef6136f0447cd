"""Charts drawn on the server as inline SVG: no script, no CDN, readable by screen readers.

Colours come from the stylesheet (classes, Codex tokens), so the markup carries no style
attribute and the page's Content-Security-Policy can forbid inline styles. Bar charts
mirror for right-to-left interfaces.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date

from markupsafe import Markup, escape

_ids = itertools.count(1)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    ident = f"chart-{next(_ids)}"
    return Markup(
        # direction="ltr": coordinates and text anchors are computed here, mirrored for RTL
        # already; the page's dir must not flip them a second time.
        f'<svg class="convene-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" direction="ltr" '
        f'aria-labelledby="{ident}"><title id="{ident}">{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def bar_chart(
    rows: Sequence[tuple[str, int]],
    *,
    title: str,
    label: Callable[[str], str] = str,
    css_class: Callable[[str], str] = lambda key: "",
    rtl: bool = False,
    width: int = 460,
    row_height: int = 24,
    label_width: int = 170,
) -> Markup:
    """Horizontal bars, one per (key, count), labelled; mirrored when ``rtl``."""
    height = max(row_height, row_height * len(rows)) + 4
    top = max((n for _, n in rows), default=0) or 1
    area = width - label_width - 50
    body = []
    for i, (key, n) in enumerate(rows):
        y = i * row_height + 2
        bar = area * n / top
        if rtl:
            label_x, anchor_label = width - 4, "end"
            bar_x = width - label_width - bar
            value_x, anchor_value = bar_x - 4, "end"
        else:
            label_x, anchor_label = 4, "start"
            bar_x = label_width
            value_x, anchor_value = label_width + bar + 4, "start"
        text = escape(label(key))
        body.append(
            f'<g class="convene-chart-row {escape(css_class(key))}">'
            f"<title>{text}: {n}</title>"
            f'<text x="{_num(label_x)}" y="{y + row_height * 0.65:.1f}" '
            f'text-anchor="{anchor_label}">{text}</text>'
            f'<rect class="convene-chart-bar" x="{_num(bar_x)}" y="{y + 3}" '
            f'width="{_num(bar)}" height="{row_height - 8}"></rect>'
            f'<text class="convene-chart-value" x="{_num(value_x)}" '
            f'y="{y + row_height * 0.65:.1f}" text-anchor="{anchor_value}">{n}</text></g>'
        )
    return _svg(width, height, title, body)


def column_chart(
    series: Sequence[tuple[date, int]],
    *,
    title: str,
    rtl: bool = False,
    width: int = 640,
    height: int = 200,
) -> Markup:
    """Vertical columns over time (oldest first; newest first when ``rtl``), with the
    first and last dates and the highest count on the axes."""
    points = list(reversed(series)) if rtl else list(series)
    top = max((n for _, n in points), default=0) or 1
    left, bottom, plot_h = 36, 22, height - 22 - 8
    # A few days of data should not make columns as wide as the chart.
    step = min(48.0, (width - left - 4) / max(1, len(points)))
    body = [
        f'<line class="convene-chart-axis" x1="{left}" y1="{height - bottom}" '
        f'x2="{width - 4}" y2="{height - bottom}"></line>',
        f'<text class="convene-chart-value" x="{left - 4}" y="14" text-anchor="end">{top}</text>',
        f'<text class="convene-chart-value" x="{left - 4}" y="{height - bottom}" '
        f'text-anchor="end">0</text>',
    ]
    for i, (day, n) in enumerate(points):
        h = plot_h * n / top
        x = left + i * step + step * 0.1
        body.append(
            f'<rect class="convene-chart-bar" x="{_num(x)}" y="{_num(height - bottom - h)}" '
            f'width="{_num(max(1.0, step * 0.8))}" height="{_num(h)}">'
            f"<title>{day.isoformat()}: {n}</title></rect>"
        )
    if points:
        body.append(
            f'<text class="convene-chart-value" x="{left}" y="{height - 6}" '
            f'text-anchor="start">{points[0][0].isoformat()}</text>'
        )
    if len(points) > 1:
        body.append(
            f'<text class="convene-chart-value" x="{_num(left + len(points) * step)}" '
            f'y="{height - 6}" text-anchor="end">{points[-1][0].isoformat()}</text>'
        )
    return _svg(width, height, title, body)


def mix_bar(
    mix: Sequence[tuple[str, int]],
    *,
    title: str,
    label: Callable[[str], str] = str,
    rtl: bool = False,
    width: int = 160,
    height: int = 12,
) -> Markup:
    """One stacked bar: the share of each status among a unit's comments."""
    total = sum(n for _, n in mix)
    body = []
    offset = 0.0
    for key, n in mix:
        w = width * n / total if total else 0
        x = width - offset - w if rtl else offset
        body.append(
            f'<rect class="convene-status-{escape(key)}" x="{_num(x)}" y="0" '
            f'width="{_num(w)}" height="{height}"><title>{escape(label(key))}: {n}</title></rect>'
        )
        offset += w
    if not total:
        body.append(
            f'<rect class="convene-chart-empty" x="0" y="0" width="{width}" height="{height}"></rect>'
        )
    return _svg(width, height, title, body)
