"""The HTML report's charts: inline SVG whose marks stand for the data."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal

import pytest

from pipelines.defs.reports import charts
from pipelines.defs.reports.charts import STATUS_COLOURS, nice_ticks
from pipelines.defs.reports.data import STATUSES, ReportData, Table

BY_TIMEPOINT = ["timepoint_months", *STATUSES, "total", "refunds_due_amount", "remitted_amount"]
BY_TIMEPOINT_TYPES = ["INTEGER", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "BIGINT",
                      "DECIMAL(18,2)", "DECIMAL(18,2)"]


def report(by_timepoint=(), survival=()) -> ReportData:
    """A payer's report data with the given by-timepoint rows
    (timepoint, met, not_met, pending, missing_evidence, due, remitted) and survival."""
    rows = [(tp, *counts, sum(counts), Decimal(due), Decimal(remitted))
            for tp, *counts, due, remitted in by_timepoint]
    empty = Table(["x"], ["VARCHAR"], [])
    return ReportData(
        payer_id="P1", as_of=None, summary={},
        by_timepoint=Table(BY_TIMEPOINT, BY_TIMEPOINT_TYPES, rows),
        reconciliation=empty, milestones=empty, claims_to_fix=empty, worklist=empty,
        refunds_at_risk=empty, survival=list(survival), survival_source="test",
    )


def rects(svg: str) -> list[dict[str, str | float]]:
    """The data bars in drawing order: series, fill and geometry."""
    found = re.findall(r'<rect data-series="([^"]+)" x="([\d.]+)" y="([\d.]+)" '
                       r'width="([\d.]+)" height="([\d.]+)" fill="([^"]+)"/>', svg)
    return [{"series": s, "x": float(x), "y": float(y), "width": float(w), "height": float(h),
             "fill": fill} for s, x, y, w, h, fill in found]


def axis_labels(svg: str, axis: str) -> dict[str, float]:
    """Tick label -> its position along the axis (x for the x axis, y for the y axis)."""
    (group,) = re.findall(rf'<g data-axis="{axis}"[^>]*>(.*?)</g>', svg)
    texts = re.findall(r'<text x="([\d.]+)" y="([\d.]+)">([^<]*)</text>', group)
    return {label: float(x if axis == "x" else y) for x, y, label in texts}


def path_moves(svg: str, series: str) -> list[tuple[str, float, ...]]:
    (d,) = re.findall(rf'<path data-series="{series}" d="([^"]+)"', svg)
    return [(cmd, *(float(v) for v in args.split())) for cmd, args in re.findall(r"([MHVZ])([\d. ]*)", d)]


def close(a: float, b: float, tolerance: float = 0.15) -> bool:
    """Equal up to the one-decimal rounding of the coordinates."""
    return abs(a - b) <= tolerance


# --- nice ticks ----------------------------------------------------------------

@pytest.mark.parametrize("lo, hi, expected", [
    (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (0, 0.6, [0, 0.2, 0.4, 0.6]),  # 0.6 / 0.2 is 2.9999...: no extra tick
    (0, 1_234_567, [0, 500_000, 1_000_000, 1_500_000]),
    (0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),  # all-zero data: a range of 1
    (0, 70.3, [0, 20, 40, 60, 80]),
    (-150, 300, [-200, -100, 0, 100, 200, 300]),
])
def test_nice_ticks_are_round_steps_covering_the_range(lo, hi, expected):
    ticks = nice_ticks(lo, hi)
    assert ticks == expected
    assert ticks[0] <= lo and ticks[-1] >= hi and len(ticks) - 1 <= 5


# --- refunds due vs remitted ---------------------------------------------------

def test_refund_bars_are_proportional_to_the_amounts():
    svg = charts.refunds_by_timepoint(report([(6, 1, 0, 0, 0, "100.00", "0.00"),
                                              (12, 0, 1, 0, 0, "300.00", "150.00")]))
    bars = rects(svg)
    due = [b for b in bars if b["series"] == "due"]
    remitted = [b for b in bars if b["series"] == "remitted"]
    assert {b["fill"] for b in due} == {"#1565c0"} and {b["fill"] for b in remitted} == {"#7cb342"}
    assert due[0]["height"] > 0 and close(due[1]["height"], 3 * due[0]["height"])
    assert remitted[0]["height"] == 0
    assert close(remitted[1]["height"], due[1]["height"] / 2)
    # every bar stands on the zero line, the one at 300 reaches the 300 tick
    y = axis_labels(svg, "y")
    assert all(close(b["y"] + b["height"], y["0"]) for b in bars)
    assert close(due[1]["y"], y["300"])
    # side by side around their timepoint's label: due left, remitted right
    x = axis_labels(svg, "x")
    for label, d, r in zip(["6 mo", "12 mo"], due, remitted):
        assert close(d["x"] + d["width"], x[label]) and close(r["x"], x[label])


def test_refunds_chart_axis_title_and_legend():
    svg = charts.refunds_by_timepoint(report([(6, 1, 0, 0, 0, "1250000.00", "0.00"),
                                              (None, 1, 0, 0, 0, "0.00", "0.00")]))
    assert list(axis_labels(svg, "y")) == ["0", "500,000", "1,000,000", "1,500,000"]
    assert list(axis_labels(svg, "x")) == ["6 mo", "?"]
    assert ">Refunds due vs remitted by timepoint</text>" in svg
    assert ">USD</text>" in svg and ">Refunds due</text>" in svg and ">Remitted</text>" in svg


def test_all_zero_amounts_draw_flat_bars_on_a_unit_axis():
    svg = charts.refunds_by_timepoint(report([(6, 0, 0, 0, 0, "0.00", "0.00")]))
    assert [b["height"] for b in rects(svg)] == [0, 0]
    assert list(axis_labels(svg, "y")) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]


# --- milestone status ----------------------------------------------------------

def test_status_bars_stack_in_status_order_up_to_the_total():
    svg = charts.status_by_timepoint(report([(6, 3, 0, 5, 2, "0", "0"), (12, 1, 1, 2, 1, "0", "0")]))
    bars = rects(svg)
    assert [b["series"] for b in bars] == [*STATUSES, *STATUSES]
    assert all(b["fill"] == STATUS_COLOURS[b["series"]] for b in bars)
    y = axis_labels(svg, "y")
    unit = (y["0"] - y["10"]) / 10  # pixels per milestone
    for stack, counts in ((bars[:4], [3, 0, 5, 2]), (bars[4:], [1, 1, 2, 1])):
        assert close(stack[0]["y"] + stack[0]["height"], y["0"])  # from the zero line up
        for below, above in zip(stack, stack[1:]):
            assert close(above["y"] + above["height"], below["y"])  # each on top of the last
        assert [round(b["height"] / unit, 2) for b in stack] == counts
        assert close(y["0"] - stack[-1]["y"], sum(counts) * unit, 0.2)  # the total's height
    assert ">Milestone status by timepoint</text>" in svg and ">milestones</text>" in svg
    assert all(f">{s}</text>" in svg for s in STATUSES)  # the legend


# --- Kaplan-Meier ----------------------------------------------------------------

# at risk 5, 5, 4, 2, 1; one event at 1, 2 and 3; censored at 2 and 4
FIVE_CHILDREN = [(1.0, True), (2.0, True), (2.0, False), (3.0, True), (4.0, False)]


def test_km_curve_starts_at_one_and_steps_down_at_each_event():
    svg = charts.ventilator_free_survival(report(survival=FIVE_CHILDREN))
    x, y = axis_labels(svg, "x"), axis_labels(svg, "y")

    def probability(pixel_y: float) -> float:
        return (y["0.0"] - pixel_y) / (y["0.0"] - y["1.0"])

    moves = path_moves(svg, "survival")
    assert moves[0][0] == "M" and close(moves[0][1], x["0"]) and close(moves[0][2], y["1.0"])
    assert [m[0] for m in moves[1:]] == ["H", "V", "H", "V", "H", "V", "H"]
    assert [m[1] for m in moves[1::2]] == pytest.approx([x["1"], x["2"], x["3"], x["4"]], abs=0.15)
    assert [probability(m[1]) for m in moves[2::2]] == pytest.approx([0.8, 0.6, 0.3], abs=0.002)
    band = path_moves(svg, "band")
    assert band[-1] == ("Z",) and 'fill="#1f77b4" fill-opacity="0.25"' in svg
    assert ">months since infusion</text>" in svg and ">probability</text>" in svg
    assert ">ventilator-free survival</text>" in svg


def test_km_band_only_with_more_than_one_child():
    svg = charts.ventilator_free_survival(report(survival=[(2.0, True)]))
    assert 'data-series="band"' not in svg
    x, y = axis_labels(svg, "x"), axis_labels(svg, "y")
    (m, start_x, start_y), (h, end_x), (v, bottom) = path_moves(svg, "survival")
    assert (m, h, v) == ("M", "H", "V")
    assert close(start_x, x["0.0"]) and close(start_y, y["1.0"])
    assert close(end_x, x["2.0"]) and close(bottom, y["0.0"])  # the one event: down to 0
    assert 'data-series="band"' in charts.ventilator_free_survival(
        report(survival=[(2.0, True), (3.0, False)]))


@pytest.mark.parametrize("survival, wording", [
    ([(2.0, True)], "1 treated child, 1 event (death or permanent ventilation)"),
    (FIVE_CHILDREN, "5 treated children, 3 events (death or permanent ventilation)"),
    ([(2.0, False), (3.0, False)], "2 treated children, 0 events (death or permanent ventilation)"),
])
def test_km_title_wording(survival, wording):
    svg = charts.ventilator_free_survival(report(survival=survival))
    assert f">Kaplan-Meier: {wording}</text>" in svg


# --- every chart -----------------------------------------------------------------

CHARTS = [charts.refunds_by_timepoint, charts.status_by_timepoint, charts.ventilator_free_survival]


def test_labels_are_escaped():
    svg = charts.refunds_by_timepoint(report([("<b>&", 1, 0, 0, 0, "1.00", "0.00")]))
    assert "&lt;b&gt;&amp; mo" in svg and "<b>" not in svg


@pytest.mark.parametrize("chart", CHARTS)
def test_same_data_same_svg_with_no_url(chart):
    def data() -> ReportData:
        return report([(6, 3, 1, 2, 0, "1234.56", "100.00"), (12, 1, 0, 4, 1, "99.99", "0.00")],
                      survival=FIVE_CHILDREN)

    svg = chart(data())
    assert svg == chart(data())
    assert svg.startswith('<svg role="img" aria-label="') and 'viewBox="0 0 700 350"' in svg
    assert svg.count("<svg") == 1 and svg.endswith("</svg>")
    for banned in ("xmlns", "http", "xlink", "url(", "href"):
        assert banned not in svg


@pytest.mark.parametrize("chart", CHARTS)
def test_nothing_to_draw_is_none(chart):
    assert chart(report()) is None


def test_report_modules_import_no_matplotlib_nor_numpy():
    code = ("import sys, pipelines.defs.reports.html_report; "
            "print(sorted(m for m in ('matplotlib', 'numpy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
