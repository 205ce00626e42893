"""Bar charts as SVG text, drawn on the server: no script, no network, no style attribute.

Pure functions from labels and numbers to SVG. Every label is escaped; colours and fonts
are presentation attributes (not CSS), so a chart reads the same inline in a page under
the strict CSP, saved alone as a file, or printed. The font list names the CJK system
fonts first, so Chinese labels are drawn with a real Chinese face.
"""
from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

FONT = "Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Micro Hei, Microsoft YaHei, " \
       "PingFang SC, sans-serif"
COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#9c755f")
SIZE = 12           # label font size in px
LEFT, RIGHT, TOP, AXIS = 72, 16, 20, 40   # margins; AXIS: room for category labels
LEGEND_ROW = 20


def text_width(text: str, size: int = SIZE) -> float:
    """Return the drawn width of ``text``: a CJK (wide) character is a full em, others 0.6."""
    return sum(size if ord(c) > 0x2E7F else 0.6 * size for c in text)


TICKS = 4           # steps of the value axis


def axis_top(peak: float, whole: bool = True) -> float:
    """Return the value axis's top for ``peak``: four steps of a round size (1, 1.5, 2,
    2.5, 3, 4, 5, 6 or 8 × 10ⁿ), whole for counts (``whole``), the smallest that fits."""
    need = max(peak, 0) / TICKS
    if need <= 0:
        return TICKS
    power = 10 ** math.floor(math.log10(need))
    steps = [m * power for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
             if not whole or (m * power) == int(m * power)]
    step = next(s for s in steps if s >= need)
    return TICKS * max(step, 1) if whole else TICKS * step


def number(value: float, decimals: int) -> str:
    """Return ``value`` with thousands separators and ``decimals`` decimals."""
    return f"{value:,.{decimals}f}"


def _lines(label: str, room: float) -> tuple[list[str], int]:
    """Return ``label`` as lines that fit ``room`` px, and their font size: Chinese wraps
    onto a second line (cut short after it); words are never split but drawn smaller."""
    if text_width(label) <= room:
        return [label], SIZE
    if " " in label:
        size = max(8, int(SIZE * room / text_width(label)))
        while label and text_width(label, size) > room:
            label = label[:-2] + "…"
        return [label], size
    lines, line = [], ""
    for char in label:
        if line and text_width(line + char) > room:
            lines.append(line)
            line = ""
        line += char
    lines.append(line)
    return (lines if len(lines) <= 2 else [lines[0], lines[1][:-1] + "…"]), SIZE


def _text(x: float, y: float, content: str, anchor: str = "middle", cls: str = "label",
          size: int = SIZE, fill: str = "#333") -> str:
    return (f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
            f'font-size="{size}" fill="{fill}">{escape(content)}</text>')


def _legend(series_names: list[str], width: float, top: float) -> tuple[list[str], int]:
    """Return the legend's elements laid out in rows from ``top``, and the rows used."""
    parts, x, row = [], LEFT, 0
    for index, name in enumerate(series_names):
        item = 14 + 6 + text_width(name) + 18
        if x + item > width - RIGHT and x > LEFT:
            x, row = LEFT, row + 1
        y = top + row * LEGEND_ROW
        parts.append(f'<rect class="legend-key" x="{x:.1f}" y="{y - 10:.1f}" width="14" '
                     f'height="10" fill="{COLOURS[index % len(COLOURS)]}"/>')
        parts.append(_text(x + 20, y, name, anchor="start", cls="legend"))
        x += item
    return parts, row + 1


def bar_chart(title: str, categories: list[str], series: list[tuple[str, list[float]]],
              stacked: bool = False, decimals: int = 0, width: int = 640,
              height: int = 300) -> str:
    """Return an SVG bar chart: one bar per category and series, grouped side by side or
    ``stacked``; a value above each bar (each stack's total), a legend for two or more
    series. Each bar is a ``rect class="bar"`` with a tooltip."""
    names = [str(name) for name, _values in series]
    legend, rows = _legend(names, width, 0) if len(series) > 1 else ([], 0)
    plot_bottom = height - AXIS - rows * LEGEND_ROW
    plot_height, plot_width = plot_bottom - TOP, width - LEFT - RIGHT
    sums = [sum(values[i] for _n, values in series) for i in range(len(categories))]
    peak = max(sums if stacked else [v for _n, values in series for v in values] or [0])
    top = axis_top(peak, whole=decimals == 0)

    def y_of(value: float) -> float:
        return plot_bottom - plot_height * value / top

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} '
             f'{height}" width="{width}" height="{height}" role="img" '
             f'aria-label={quoteattr(title)} font-family={quoteattr(FONT)}>',
             f"<title>{escape(title)}</title>"]
    for tick in range(TICKS + 1):
        value = top * tick / TICKS
        y = y_of(value)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" '
                     f'y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>')
        parts.append(_text(LEFT - 6, y + 4, number(value, 0 if value == int(value) else 2),
                           anchor="end", cls="tick"))
    group = plot_width / max(len(categories), 1)
    bar = group * (0.6 if stacked or len(series) == 1 else 0.8 / len(series))
    for i, category in enumerate(categories):
        left = LEFT + i * group + (group - (bar if stacked else bar * len(series))) / 2
        base = plot_bottom
        for s, (name, values) in enumerate(series):
            value = values[i]
            x = left if stacked else left + s * bar
            y = (base if stacked else plot_bottom) - plot_height * value / top
            tip = f"{category} · {name}: {number(value, decimals)}"
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                         f'height="{max((base if stacked else plot_bottom) - y, 0):.1f}" '
                         f'fill="{COLOURS[s % len(COLOURS)]}"><title>{escape(tip)}</title>'
                         f'</rect>')
            if stacked:
                base = y
            elif value:
                parts.append(_text(x + bar / 2, y - 4, number(value, decimals), cls="value",
                                   size=10))
        if stacked and sums[i]:
            parts.append(_text(left + bar / 2, base - 4, number(sums[i], decimals),
                               cls="value", size=10))
        lines, size = _lines(str(category), group - 4)
        for n, line in enumerate(lines):
            parts.append(_text(LEFT + (i + 0.5) * group, plot_bottom + 16 + n * 14, line,
                               cls="category", size=size))
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{plot_bottom}" x2="{width - RIGHT}" '
                 f'y2="{plot_bottom}" stroke="#666" stroke-width="1"/>')
    if legend:
        shift = plot_bottom + AXIS + 8
        parts.append(f'<g class="legend" transform="translate(0 {shift})">')
        parts += legend
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
