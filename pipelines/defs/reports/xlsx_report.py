"""The Excel report: Summary, Reconciliation, Milestones, Claims to fix, Worklist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.defs.reports.data import STATUSES, ReportData, Table
from pipelines.defs.reports.safety import looks_like_formula

MONEY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"
BOLD = Font(bold=True)


def _put(ws: Worksheet, row: int, col: int, value: Any, money: bool = False):
    """Write one value: money and numbers as numbers, dates as dates, text as text."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = value
        if looks_like_formula(value):
            # input data, never a formula: a string cell, shown with a quote prefix
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
        if isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT
        elif money and isinstance(value, (Decimal, int, float)):
            cell.number_format = MONEY_FORMAT
    return cell


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}") + 2
    return len(str(value))


def _table_sheet(wb: Workbook, title: str, table: Table) -> Worksheet:
    ws = wb.create_sheet(title)
    widths = [len(c) for c in table.columns]
    for j, name in enumerate(table.columns, start=1):
        ws.cell(row=1, column=j, value=name).font = BOLD
    for i, row in enumerate(table.rows, start=2):
        for j, value in enumerate(row, start=1):
            _put(ws, i, j, value, money=table.is_money(j - 1))
            widths[j - 1] = max(widths[j - 1], _width(value))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 10), 60)
    ws.freeze_panes = "A2"
    last_col = get_column_letter(max(len(table.columns), 1))
    ws.auto_filter.ref = f"A1:{last_col}{max(len(table.rows) + 1, 1)}"
    return ws


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


def _summary_sheet(wb: Workbook, data: ReportData) -> None:
    ws = wb.active
    ws.title = "Summary"
    ws.cell(row=1, column=1, value="Payer").font = BOLD
    _put(ws, 1, 2, data.payer_id)
    ws.cell(row=2, column=1, value="As of").font = BOLD
    _put(ws, 2, 2, data.as_of)
    r = 4
    for label, key, money in SUMMARY_ROWS:
        ws.cell(row=r, column=1, value=label)
        _put(ws, r, 2, data.summary.get(key), money=money)
        r += 1

    r += 1
    ws.cell(row=r, column=1, value="Milestones by status and timepoint").font = BOLD
    r += 1
    header = ["Timepoint (months)", *STATUSES, "total", "refunds due", "remitted"]
    for j, h in enumerate(header, start=1):
        ws.cell(row=r, column=j, value=h).font = BOLD
    for row in data.by_timepoint.dicts():
        r += 1
        values = [row["timepoint_months"], *(row[s] for s in STATUSES), row["total"],
                  row["refunds_due_amount"], row["remitted_amount"]]
        for j, v in enumerate(values, start=1):
            _put(ws, r, j, v, money=j >= len(header) - 1)

    r += 2
    ws.cell(row=r, column=1, value="Refunds at risk").font = BOLD
    r += 1
    t = data.refunds_at_risk
    for j, h in enumerate(t.columns, start=1):
        ws.cell(row=r, column=j, value=h).font = BOLD
    for row in t.rows:
        r += 1
        for j, v in enumerate(row, start=1):
            _put(ws, r, j, v, money=t.is_money(j - 1))

    ws.column_dimensions["A"].width = 34
    for j in range(2, max(len(header), len(t.columns)) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 18
    ws.freeze_panes = "A3"


def write_xlsx(data: ReportData, path: Path) -> None:
    wb = Workbook()
    _summary_sheet(wb, data)
    _table_sheet(wb, "Reconciliation", data.reconciliation)
    _table_sheet(wb, "Milestones", data.milestones)
    _table_sheet(wb, "Claims to fix", data.claims_to_fix)
    _table_sheet(wb, "Worklist", data.worklist)
    wb.save(path)
