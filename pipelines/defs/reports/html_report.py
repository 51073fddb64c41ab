"""The HTML report: one self-contained page with inline CSS and the charts as
inline SVG elements (see charts: a few milliseconds per chart, where the former
matplotlib PNGs took ~0.075 s each). The page references no URL of any kind, not
even an xmlns. Every value is HTML-escaped."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipelines.defs.reports import charts
from pipelines.defs.reports.data import STATUSES, ReportData, Table
from pipelines.defs.reports.safety import csv_text
from pipelines.defs.reports.xlsx_report import SUMMARY_ROWS

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; }
th { background: #f0f0f0; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #666; font-size: 0.85em; }
figure { margin: 0.5em 0 1.5em; }
figure svg { max-width: 100%; height: auto; }
"""


def _fmt(value: Any, money: bool = False) -> tuple[str, bool]:
    """(escaped text, is numeric)."""
    if value is None:
        return "", False
    if isinstance(value, Decimal) and money:
        sign = "-" if value < 0 else ""
        return f"{sign}${abs(value):,.2f}", True
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return html.escape(str(value)), True
    if isinstance(value, dt.date):
        return value.isoformat(), False
    # A spreadsheet opening the page (or a table copied from it) would evaluate '=1+2':
    # formula-like text gets the CSV report's leading quote (spec outputs.md "Reports").
    return html.escape(csv_text(str(value))), False


# The page is for reading: a detail table shows its first rows and says how many more
# the xlsx holds (at national scale a payer has tens of thousands of milestone rows).
HTML_ROW_LIMIT = 250


def _table(t: Table, limit: int = HTML_ROW_LIMIT) -> str:
    if not t.rows:
        return '<p class="note">No rows.</p>'
    head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
    body = []
    for row in t.rows[:limit]:
        cells = []
        for i, v in enumerate(row):
            text, num = _fmt(v, money=t.is_money(i))
            cells.append(f'<td class="num">{text}</td>' if num else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = len(t.rows) - limit
    note = (f'<p class="note">First {limit} of {len(t.rows)} rows; all of them are in the xlsx report.</p>'
            if more > 0 else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"


def _chart(svg: str | None, empty: str) -> str:
    """A chart's SVG inline in a figure (it carries its own alt text), else a note."""
    if svg is None:
        return f'<p class="note">{html.escape(empty)}</p>'
    return f"<figure>{svg}</figure>"


def render_html(data: ReportData) -> str:
    s = data.summary
    summary_rows = "".join(
        f"<tr><th>{html.escape(label)}</th><td class=\"num\">{_fmt(s.get(key), money)[0]}</td></tr>"
        for label, key, money in SUMMARY_ROWS
    )
    tp_cols = ["timepoint_months", *STATUSES, "total", "refunds_due_amount", "remitted_amount"]
    by_tp = Table(tp_cols, [data.by_timepoint.types[data.by_timepoint.columns.index(c)]
                            if c in data.by_timepoint.columns else "VARCHAR" for c in tp_cols],
                  [tuple(r[c] for c in tp_cols) for r in data.by_timepoint.dicts()])
    title = f"OBA refund report - payer {data.payer_id}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>As of {html.escape(str(data.as_of or ''))}.</p>",
        "<h2>Summary</h2>",
        f"<table><tbody>{summary_rows}</tbody></table>",
        "<h2>Refunds due vs remitted by timepoint</h2>",
        _chart(charts.refunds_by_timepoint(data), "No milestones."),
        "<h2>Milestone status by timepoint</h2>",
        _chart(charts.status_by_timepoint(data), "No milestones."),
        _table(by_tp),
        "<h2>Ventilator-free survival</h2>",
        _chart(charts.ventilator_free_survival(data), "No treated children to plot."),
        f'<p class="note">Time from infusion to death or permanent ventilation onset; '
        f"children without an event are censored at their last contact or the as-of date. "
        f"Source: {html.escape(data.survival_source)}.</p>",
        "<h2>Refunds at risk</h2>",
        _table(data.refunds_at_risk),
        "<h2>Reconciliation</h2>",
        _table(data.reconciliation),
        "<h2>Milestones</h2>",
        _table(data.milestones),
        "<h2>Claims to fix</h2>",
        _table(data.claims_to_fix),
        "<h2>Assessment worklist</h2>",
        _table(data.worklist),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_html(data: ReportData, path: Path) -> None:
    path.write_text(render_html(data), encoding="utf-8")
