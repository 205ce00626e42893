"""The charts: SVG drawn on the server (well-formed, one bar per value, labels escaped)
and the workbook's native Excel charts over the right cells of their tables."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import openpyxl
import pytest

from models.report_breakdowns import category_table, files_years_table, monthly_table
from models.report_tables import Chart, Table
from portal.charts import axis_top, bar_chart
from portal.report_charts import chart_series, draw
from tests.test_report import YEAR
from tests.test_report_years import build_more

SVG = "{http://www.w3.org/2000/svg}"


def bars(svg: str) -> list[ET.Element]:
    return [e for e in ET.fromstring(svg).iter(f"{SVG}rect") if e.get("class") == "bar"]


def texts(svg: str) -> list[str]:
    return [e.text for e in ET.fromstring(svg).iter(f"{SVG}text")]


def test_bar_chart_is_well_formed_with_one_bar_per_value_and_escaped_labels():
    svg = bar_chart('甲<b>"乙"&丙', ["一月", "<script>", "三&四"],
                    [("生活救助", [1, 2, 3]), ("医疗</text>救助", [0, 5, 1])])
    root = ET.fromstring(svg)     # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg" and root.get("aria-label") == '甲<b>"乙"&丙'
    assert len(bars(svg)) == 6
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "三&amp;四" in svg
    assert "医疗&lt;/text&gt;救助" in svg
    labels = texts(svg)
    assert "<script>" in labels and "三&四" in labels and "医疗</text>救助" in labels
    heights = [float(b.get("height")) for b in bars(svg)]
    # Grouped: category by category, the series side by side; 5 is the tallest bar.
    assert heights[3] == max(heights) and heights[1] == 0
    assert "style=" not in svg and "<script" not in svg


def test_stacked_bars_pile_up_and_the_axis_is_nice():
    svg = bar_chart("t", ["a", "b"], [("x", [1, 2]), ("y", [3, 0])], stacked=True)
    first_x, first_y = bars(svg)[0], bars(svg)[1]      # category a: x then y on top
    assert first_x.get("x") == first_y.get("x")
    assert float(first_y.get("y")) + float(first_y.get("height")) == pytest.approx(
        float(first_x.get("y")), abs=0.11)
    assert "4" in texts(svg)   # the stack's total above it
    # Four round steps: whole ones for counts (never 12.5), any for money.
    assert [axis_top(v) for v in (0, 3, 7, 41, 45, 240, 2600)] == [4, 4, 8, 60, 60, 240, 3200]
    assert axis_top(41, whole=False) == 60 and axis_top(0.3, whole=False) == pytest.approx(0.32)
    assert axis_top(45100, whole=False) == 60000
    ticks = [t for t in texts(bar_chart("t", ["a"], [("x", [41])])) if t.isdigit()]
    assert ticks[:5] == ["0", "15", "30", "45", "60"]


def test_tables_draw_their_charts(app):
    with app.test_request_context():
        monthly = monthly_table({"living": [(1, Decimal("100.00"))] * 12})
        categories = category_table({"deep": 3, "relative": 1})
        years = files_years_table({2024: {"new": 5, "exited": 1}, 2025: {"new": 2, "exited": 3}})
        drawn = [draw(t) for t in (monthly, categories, years)]
        cats, series = chart_series(years)
    assert [len(bars(d.svg)) for d in drawn] == [12 * 7, 4, 2 * 2]
    assert cats == ["2024年", "2025年"]
    assert series == [("本年新建档（户）", [5, 2]), ("本年脱困（户）", [1, 3])]
    assert "1月" in texts(drawn[0].svg) and "深度困难" in texts(drawn[1].svg)
    assert drawn[0].title == "各月救助金额（按类别，元）"


def _chart_refs(chart) -> list[tuple[str, str]]:
    """Return (title ref, values ref) of each series of an openpyxl chart, and categories."""
    return [(s.tx.strRef.f if s.tx and s.tx.strRef else None, s.val.numRef.f,
             (s.cat.strRef or s.cat.numRef).f if s.cat else None) for s in chart.series]


def _find(sheet, value, column=1) -> int:
    return next(r for r in range(1, sheet.max_row + 1)
                if sheet.cell(r, column).value == value)


def test_workbook_charts_reference_their_tables(app, client, auth):
    with app.test_request_context():
        build_more()
    auth.login("manager")
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/admin/report/xlsx/?year={YEAR}").data))

    aid = book["帮扶救助"]
    kinds_header = _find(aid, "帮扶类别")
    months_header = _find(aid, "月份")
    charts = aid._charts
    assert len(charts) == 3    # by kind, by month (stacked), by school level
    by_kind = _chart_refs(charts[0])
    # One series: the 合计（元） column (F) over the seven kinds, the total row left out.
    assert by_kind == [(f"'帮扶救助'!F{kinds_header}",
                        f"'帮扶救助'!$F${kinds_header + 1}:$F${kinds_header + 7}",
                        f"'帮扶救助'!$A${kinds_header + 1}:$A${kinds_header + 7}")]
    by_month = _chart_refs(charts[1])
    assert len(by_month) == 7 and charts[1].grouping == "stacked"
    assert by_month[0] == (f"'帮扶救助'!B{months_header}",
                           f"'帮扶救助'!$B${months_header + 1}:$B${months_header + 12}",
                           f"'帮扶救助'!$A${months_header + 1}:$A${months_header + 12}")
    assert by_month[6][1] == f"'帮扶救助'!$H${months_header + 1}:$H${months_header + 12}"
    assert aid.cell(months_header + 9, 2).value == 0 and aid.cell(months_header + 13, 1).value \
        == "合计"

    years = book["近五年对比"]
    header = _find(years, "统计项目")
    new_row, exited_row = _find(years, "本年新建档（户）"), _find(years, "本年脱困（户）")
    refs = _chart_refs(years._charts[0])
    # By row: the label in A, the five years in B..F (累计 in G left out).
    assert refs == [(f"'近五年对比'!A{new_row}", f"'近五年对比'!$B${new_row}:$F${new_row}",
                     f"'近五年对比'!$B${header}:$F${header}"),
                    (f"'近五年对比'!A{exited_row}",
                     f"'近五年对比'!$B${exited_row}:$F${exited_row}",
                     f"'近五年对比'!$B${header}:$F${header}")]
    assert years.cell(header, 7).value == "累计" and years.cell(header, 6).value == "2025年"

    funds = book["筹集资金"]
    top = _find(funds, "资金来源")
    assert _chart_refs(funds._charts[0]) == [(f"'筹集资金'!B{top}",
                                              f"'筹集资金'!$B${top + 1}:$B${top + 3}",
                                              f"'筹集资金'!$A${top + 1}:$A${top + 3}")]
    assert funds.cell(top + 1, 2).value == 70000
    workers = book["困难职工建档"]
    assert len(workers._charts) == 1


def test_a_chart_by_row_takes_its_labels_from_the_headers(app):
    table = Table("t", ["", "2024", "2025", "累计"], [["新建档", 1, 2, 3], ["脱困", 0, 1, 1]],
                  chart=Chart("k", "t", (1,), by_row=True, columns=(1, 3)))
    assert chart_series(table) == (["2024", "2025"], [("脱困", [0, 1])])


def test_long_labels_wrap_chinese_and_shrink_words():
    """Chinese wraps onto two lines; English words are never split (a lone "help" would
    read as a raw code), they are drawn smaller, or cut short with an ellipsis."""
    names = ["助学（金秋助学）", "Employment help", "A very long English category label"]
    labels = [t for t in texts(bar_chart("t", names, [("x", [1, 2, 3])], width=320))
              if t not in ("0", "1", "2", "3", "4") and t != "t"]
    assert "助学（金秋" in labels[0] and labels[1].endswith("）")
    assert "help" not in labels and any(t.startswith("Employment") for t in labels)
    assert any(t.endswith("…") and t.startswith("A very") for t in labels)
