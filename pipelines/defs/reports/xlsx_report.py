"""The Excel report: Summary, Reconciliation, Milestones, Claims to fix, Worklist.

Written with the small streaming writer of xlsx_package (why not XlsxWriter or
openpyxl: see there). Every cell is a value, never a formula; text from input
data that looks like a formula also gets Excel's quote prefix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any

from pipelines.defs.reports.data import STATUSES, ReportData, Table
from pipelines.defs.reports.xlsx_package import (
    BOLD, Sheet, header_row, text_cell, value_cell, value_row, write_workbook,
)


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}") + 2
    return len(str(value))


def _widest(column: tuple[Any, ...]) -> int:
    """max(_width(v)) over a column. A column holds one DuckDB type: text and
    date columns (most cells) are measured without a Python call per value."""
    kinds = set(map(type, column)) - {type(None)}
    if kinds == {str}:
        return max(len(v) for v in column if v is not None)
    if kinds == {dt.date}:
        return 10
    return max(map(_width, column))


def _column_widths(table: Table) -> list[tuple[int, int, float]]:
    """Each column as wide as its longest value or name (+2), between 10 and 60
    characters; neighbours of equal width share one entry."""
    widths = [len(c) for c in table.columns]
    for j, column in enumerate(zip(*table.rows)):
        widths[j] = max(widths[j], _widest(column))
    runs: list[tuple[int, int, float]] = []
    for j, w in enumerate(min(max(w + 2, 10), 60) for w in widths):
        if runs and runs[-1][2] == w and runs[-1][1] == j - 1:
            runs[-1] = (runs[-1][0], j, w)
        else:
            runs.append((j, j, w))
    return runs


def _table_rows(table: Table, first_row: int) -> Iterator[str]:
    """The rows of a table as <row> XML from 1-based row first_row on."""
    money = [table.is_money(j) for j in range(len(table.columns))]
    for i, row in enumerate(table.rows, start=first_row):
        yield value_row(i, row, money)


def _table_sheet(title: str, table: Table) -> Sheet:
    """A header row (frozen, with an autofilter) and one row per table row."""
    def rows():
        yield header_row(1, table.columns)
        yield from _table_rows(table, 2)

    return Sheet(
        name=title, rows=rows(), n_rows=1 + len(table.rows), n_cols=len(table.columns),
        widths=_column_widths(table), frozen_rows=1, filter_rows=max(len(table.rows), 1),
    )


# Labels of the Summary sheet (column A), value in column B.
SUMMARY_ROWS = [
    ("Refunds due", "refunds_due_amount", True),
    ("Remitted", "remitted_amount", True),
    ("Outstanding", "outstanding_amount", True),
    ("Overdue", "overdue_amount", True),
    ("Overpaid / unmatched (credit)", "credit_amount", True),
    ("Net balance (due - remitted)", "net_balance", True),
    ("Claims missing OBA link", "claims_missing_oba", False),
    ("Refunds at risk (amount)", "refunds_at_risk_amount", True),
    ("Refunds at risk (milestones)", "refunds_at_risk_milestones", False),
]

TIMEPOINT_HEADER = ["Timepoint (months)", *STATUSES, "total", "refunds due", "remitted"]


def _labelled_row(row: int, label: str, value: Any, label_style: int = 0, money: bool = False) -> str:
    """A label in column A and, unless None, a value in column B."""
    cells = text_cell(f"A{row}", label, label_style)
    if value is not None:
        cells += value_cell(f"B{row}", value, money)
    return f'<row r="{row}">{cells}</row>'


def _summary_sheet(data: ReportData) -> Sheet:
    """Payer and as-of, the totals, milestones by timepoint, then the refunds at risk."""
    t = data.refunds_at_risk
    rows = [
        _labelled_row(1, "Payer", data.payer_id, BOLD),
        _labelled_row(2, "As of", data.as_of, BOLD),
    ]
    r = 4
    for label, key, money in SUMMARY_ROWS:
        rows.append(_labelled_row(r, label, data.summary.get(key), money=money))
        r += 1
    r += 1
    rows += [header_row(r, ["Milestones by status and timepoint"]), header_row(r + 1, TIMEPOINT_HEADER)]
    r += 1
    money = [False] * (len(TIMEPOINT_HEADER) - 2) + [True, True]
    for row in data.by_timepoint.dicts():
        r += 1
        rows.append(value_row(r, [row["timepoint_months"], *(row[s] for s in STATUSES), row["total"],
                                  row["refunds_due_amount"], row["remitted_amount"]], money))
    r += 2
    rows += [header_row(r, ["Refunds at risk"]), header_row(r + 1, t.columns)]
    n_cols = max(len(TIMEPOINT_HEADER), len(t.columns))
    return Sheet(
        name="Summary", rows=chain(rows, _table_rows(t, r + 2)), n_rows=r + 1 + len(t.rows),
        n_cols=n_cols, widths=[(0, 0, 34), (1, n_cols - 1, 18)], frozen_rows=2,
    )


def write_xlsx(data: ReportData, path: Path) -> None:
    write_workbook(path, [
        _summary_sheet(data),
        _table_sheet("Reconciliation", data.reconciliation),
        _table_sheet("Milestones", data.milestones),
        _table_sheet("Claims to fix", data.claims_to_fix),
        _table_sheet("Worklist", data.worklist),
    ])
