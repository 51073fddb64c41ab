"""The HTML report: one self-contained page from the Jinja2 template
templates/report.html (autoescaped), with the charts inline as SVG.

The page references no file, font or script: it works offline and prints as it
shows. Its tables fit a 1,366 px window: ids, dates and numbers never wrap, long
text does; printed, it is landscape with each table's header repeated on every page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from pipelines.defs.reports import charts
from pipelines.defs.reports.data import ALL_SUMMARY_ROWS, ReportData, Table
from pipelines.defs.reports.safety import csv_text

# The page is for reading: a detail table shows its first rows and says how many more
# the xlsx holds (at national scale a payer has tens of thousands of milestone rows).
HTML_ROW_LIMIT = 250

_ENV = Environment(loader=PackageLoader("pipelines.defs.reports", "templates"), autoescape=True,
                   trim_blocks=True, lstrip_blocks=True)


@dataclass
class Cell:
    text: str
    css: str


@dataclass
class PageTable:
    headers: list[str]
    rows: list[list[Cell]]
    total: int

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


def cell(value: Any, money: bool = False, long_text: bool = False) -> Cell:
    """A value as the page shows it (the template escapes the text)."""
    if value is None:
        return Cell("", "")
    if isinstance(value, Decimal) and money:
        sign = "-" if value < 0 else ""
        return Cell(f"{sign}${abs(value):,.2f}", "num")
    if isinstance(value, bool):
        return Cell("yes" if value else "no", "")
    if isinstance(value, (int, float, Decimal)):
        return Cell(f"{value:,}" if isinstance(value, int) else str(value), "num")
    if isinstance(value, dt.date):
        return Cell(value.isoformat(), "date")
    # A spreadsheet opening the page (or a table copied from it) would evaluate '=1+2':
    # formula-like text gets the CSV report's leading quote (spec outputs.md "Reports").
    return Cell(csv_text(str(value)), "long" if long_text else "")


def page_table(t: Table, limit: int = HTML_ROW_LIMIT) -> PageTable:
    money = [t.is_money(j) for j in range(len(t.columns))]
    long_text = [t.is_long_text(j) for j in range(len(t.columns))]
    rows = [[cell(v, money[j], long_text[j]) for j, v in enumerate(row)] for row in t.rows[:limit]]
    return PageTable(t.headers, rows, len(t.rows))


def _summary(data: ReportData) -> list[tuple[str, list[tuple[str, Cell]]]]:
    return [(section, [(label, cell(data.summary.get(column), money)) for _, label, column, money in rows])
            for section, rows in groupby(ALL_SUMMARY_ROWS, key=lambda r: r[0])]


def render_html(data: ReportData) -> str:
    svg = {"refunds": charts.refunds_by_timepoint(data), "status": charts.status_by_timepoint(data),
           "survival": charts.ventilator_free_survival(data)}
    tables = {name: page_table(getattr(data, name)) for name in
              ("by_timepoint", "refunds_at_risk", "reconciliation", "milestones", "claims_to_fix", "worklist",
               "installments", "refund_claims")}
    return _ENV.get_template("report.html").render(
        title=f"OBA refund report - payer {data.payer_id}",
        as_of=data.as_of or "unknown",
        summary=_summary(data),
        charts={k: Markup(v) if v else None for k, v in svg.items()},  # drawn by matplotlib, not input
        tables=tables,
    )


def write_html(data: ReportData, path: Path) -> None:
    path.write_text(render_html(data), encoding="utf-8")
