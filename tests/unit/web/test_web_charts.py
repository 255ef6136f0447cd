"""Server-rendered SVG charts: escaped labels, proportional bars, mirrored for RTL."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from services.web.dashboard import charts

SVG = "{http://www.w3.org/2000/svg}"


def _bars(svg) -> list[ET.Element]:
    return ET.fromstring(str(svg)).findall(f".//{SVG}rect[@class='convene-chart-bar']")


def test_bar_chart_is_valid_svg_with_escaped_labels():
    svg = charts.bar_chart([("<script>", 4), ("fr", 2), ("ar", 0)], title="By <language>")
    root = ET.fromstring(str(svg))  # well-formed: nothing unescaped broke it
    assert root.find(f"{SVG}title").text == "By <language>"
    widths = [float(r.get("width")) for r in _bars(svg)]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert "<script>" not in str(svg) and "&lt;script&gt;" in str(svg)


def test_bar_chart_mirrors_right_to_left():
    ltr = _bars(charts.bar_chart([("a", 4), ("b", 2)], title="t"))
    rtl = _bars(charts.bar_chart([("a", 4), ("b", 2)], title="t", rtl=True))
    for left, right in zip(ltr, rtl):
        assert float(left.get("width")) == float(right.get("width"))
        # Mirrored: an LTR bar starts where an RTL bar ends, measured from the other side.
        assert float(right.get("x")) + float(right.get("width")) == 460 - float(left.get("x"))


def test_column_chart_heights_follow_counts_and_dates_label_the_axis():
    start = date(2024, 3, 1)
    svg = str(charts.column_chart([(start, 1), (start + timedelta(days=1), 3)], title="t"))
    heights = [float(r.get("height")) for r in _bars(svg)]
    assert heights[1] == pytest.approx(3 * heights[0], abs=0.2)
    assert "2024-03-01" in svg and "2024-03-02" in svg
    assert re.search(r"<title>2024-03-02: 3</title>", svg)


def test_mix_bar_shares():
    svg = charts.mix_bar([("new", 3), ("accepted", 1)], title="mix", width=100)
    rects = ET.fromstring(str(svg)).findall(f"{SVG}rect")
    assert [(r.get("class"), float(r.get("width"))) for r in rects] == [
        ("convene-status-new", 75.0),
        ("convene-status-accepted", 25.0),
    ]
    empty = ET.fromstring(str(charts.mix_bar([], title="none")))
    assert empty.find(f"{SVG}rect").get("class") == "convene-chart-empty"
