"""The HTML report's charts: matplotlib SVG, the Kaplan-Meier estimate from lifelines."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from pipelines.defs.reports import charts
from pipelines.defs.reports.data import BY_TIMEPOINT, SURVIVAL, ReportData, Table

EMPTY = Table([], [], [], [])


def report(by_timepoint=(), survival=()) -> ReportData:
    """A payer's report data with by-timepoint rows (timepoint, met, not_met, pending,
    missing_evidence, disenrolled, due, remitted) and survival rows (months, observed)."""
    rows = [(tp, *counts, sum(counts), Decimal(due), Decimal(remitted))
            for tp, *counts, due, remitted in by_timepoint]
    return ReportData(
        payer_id="P1", as_of=None, summary={},
        by_timepoint=Table([c for c, _ in BY_TIMEPOINT], [h for _, h in BY_TIMEPOINT],
                           ["INTEGER", *["BIGINT"] * 6, "DECIMAL(18,2)", "DECIMAL(18,2)"], rows),
        refunds_at_risk=EMPTY, reconciliation=EMPTY, milestones=EMPTY, claims_to_fix=EMPTY, worklist=EMPTY,
        installments=EMPTY, refund_claims=EMPTY,
        survival=Table([c for c, _ in SURVIVAL], [h for _, h in SURVIVAL], ["DECIMAL(8,4)", "BOOLEAN"],
                       [(Decimal(m), o) for m, o in survival]),
    )


def texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


CHILDREN = [("1.5", True), ("2", False), ("3", True), ("7", False), ("7", False), ("12", False)]
TIMEPOINTS = [(6, 3, 1, 0, 0, 0, "361250.00", "0.00"), (12, 1, 0, 2, 1, 1, "0.00", "100.00")]


def test_km_chart_marks_each_censoring_time_and_labels_its_band_and_title():
    svg = charts.ventilator_free_survival(report(survival=CHILDREN))
    (censored,) = re.findall(r'<g id="censored">(.*?)</g>\s*</g>', svg, flags=re.S)
    assert censored.count("<use ") == 3  # censored at 2, 7 (two children) and 12 months
    shown = texts(svg)
    assert "95% confidence band" in shown and "Censored (last contact or as-of)" in shown
    assert "6 treated children, 2 events (death or permanent ventilation)" in shown


def test_km_chart_shows_the_number_at_risk_under_each_tick():
    shown = texts(charts.ventilator_free_survival(report(survival=CHILDREN)))
    at_risk = shown[shown.index("At risk") + 1:]
    # ticks 0, 2, ..., 12; at each, who is still followed after it (lifelines' default)
    assert at_risk[0].split() == ["Children", "6"] and at_risk[1:] == ["4", "3", "3", "1", "1", "0"]


def test_bar_charts_label_each_timepoint_and_their_series():
    data = report(by_timepoint=TIMEPOINTS)
    refunds, status = charts.refunds_by_timepoint(data), charts.status_by_timepoint(data)
    assert {"6 mo", "12 mo", "Refunds due", "Remitted"} <= set(texts(refunds))
    assert {"6 mo", "12 mo", "Met", "Not met", "Pending", "Missing evidence"} <= set(texts(status))
    assert "$350,000" in texts(refunds)  # money on the axis, the bar up to 361,250


@pytest.mark.parametrize("chart", [charts.refunds_by_timepoint, charts.status_by_timepoint,
                                   charts.ventilator_free_survival])
def test_same_data_same_svg_and_nothing_to_draw_is_none(chart):
    data = report(by_timepoint=TIMEPOINTS, survival=CHILDREN)
    first = chart(data)
    assert first == chart(data) and first.startswith('<svg role="img" aria-label="')
    assert "<metadata" not in first
    assert chart(report()) is None
