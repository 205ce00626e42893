"""The year-end tables' charts as SVG: the series a table's ``Chart`` names, drawn by
``portal.charts``. The page and the start page show them; the workbook draws the same
series natively (``portal.report_xlsx``)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup

from models.report_tables import Table
from portal.charts import bar_chart


@dataclass(frozen=True)
class Drawn:
    """A chart ready for a page: its key, title and SVG text (escaped inside)."""

    key: str
    title: str
    svg: Markup


def chart_series(table: Table) -> tuple[list[str], list[tuple[str, list]]]:
    """Return the categories and ``(name, values)`` series of ``table``'s chart."""
    chart = table.chart
    if chart.by_row:
        start, stop = chart.columns
        categories = [str(label) for label in table.headers[start:stop]]
        return categories, [(str(table.rows[r][0]), table.rows[r][start:stop])
                            for r in chart.series]
    rows = table.rows[:-1] if table.total else table.rows
    return ([str(row[0]) for row in rows],
            [(str(table.headers[c]), [row[c] for row in rows]) for c in chart.series])


def draw(table: Table) -> Drawn:
    """Return ``table``'s chart drawn as SVG (yuan with two decimals on money charts)."""
    categories, series = chart_series(table)
    money = any(isinstance(v, Decimal) for _name, values in series for v in values)
    svg = bar_chart(str(table.chart.title), categories,
                    [(name, [float(v) for v in values]) for name, values in series],
                    stacked=table.chart.stacked, decimals=2 if money else 0)
    return Drawn(table.chart.key, str(table.chart.title), Markup(svg))  # noqa: S704 (escaped)


def draw_all(tables) -> dict[int, Drawn]:
    """Return the charts of those of ``tables`` that have one, by the table's ``id``."""
    return {id(table): draw(table) for table in tables if table.chart is not None}
