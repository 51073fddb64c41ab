"""The Excel report: Summary, Reconciliation, Milestones, Claims to fix, Worklist.

Written with XlsxWriter in constant-memory mode (rows stream to disk in order):
at national scale a payer's Milestones sheet has tens of thousands of rows,
and openpyxl's per-cell objects made the nightly reports the slowest step.
XlsxWriter never turns a string into a formula (strings_to_formulas off), and
text from input data that looks like one also gets Excel's quote prefix.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from pipelines.defs.reports.data import STATUSES, ReportData, Table
from pipelines.defs.reports.safety import looks_like_formula

MONEY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.bold = wb.add_format({"bold": True})
        self.money = wb.add_format({"num_format": MONEY_FORMAT})
        self.date = wb.add_format({"num_format": DATE_FORMAT})
        self.quoted = wb.add_format({"quote_prefix": True})


def _put(ws: Worksheet, f: _Formats, row: int, col: int, value: Any, money: bool = False) -> None:
    """Write one value (0-based row/col): money and numbers as numbers, dates as dates, text as text."""
    if value is None:
        return
    if isinstance(value, str):
        # input data, never a formula: always a string cell; formula-like text gets the quote prefix
        ws.write_string(row, col, value, f.quoted if looks_like_formula(value) else None)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(row, col, value, f.date)
    elif isinstance(value, (Decimal, int, float)):
        ws.write_number(row, col, float(value), f.money if money else None)
    else:
        ws.write_string(row, col, str(value))


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}") + 2
    return len(str(value))


def _table_sheet(wb: xlsxwriter.Workbook, f: _Formats, title: str, table: Table) -> None:
    ws = wb.add_worksheet(title)
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        for j, value in enumerate(row):
            w = _width(value)
            if w > widths[j]:
                widths[j] = w
    # constant-memory mode writes rows in order: column widths and panes first
    for j, w in enumerate(widths):
        ws.set_column(j, j, min(max(w + 2, 10), 60))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(table.rows), 1), max(len(table.columns) - 1, 0))
    for j, name in enumerate(table.columns):
        ws.write_string(0, j, name, f.bold)
    money = [table.is_money(j) for j in range(len(table.columns))]
    for i, row in enumerate(table.rows, start=1):
        for j, value in enumerate(row):
            _put(ws, f, i, j, value, money=money[j])


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


def _summary_sheet(wb: xlsxwriter.Workbook, f: _Formats, data: ReportData) -> None:
    ws = wb.add_worksheet("Summary")
    header = ["Timepoint (months)", *STATUSES, "total", "refunds due", "remitted"]
    t = data.refunds_at_risk
    ws.set_column(0, 0, 34)
    ws.set_column(1, max(len(header), len(t.columns)) - 1, 18)
    ws.freeze_panes(2, 0)
    ws.write_string(0, 0, "Payer", f.bold)
    _put(ws, f, 0, 1, data.payer_id)
    ws.write_string(1, 0, "As of", f.bold)
    _put(ws, f, 1, 1, data.as_of)
    r = 3
    for label, key, money in SUMMARY_ROWS:
        ws.write_string(r, 0, label)
        _put(ws, f, r, 1, data.summary.get(key), money=money)
        r += 1

    r += 1
    ws.write_string(r, 0, "Milestones by status and timepoint", f.bold)
    r += 1
    for j, h in enumerate(header):
        ws.write_string(r, j, h, f.bold)
    for row in data.by_timepoint.dicts():
        r += 1
        values = [row["timepoint_months"], *(row[s] for s in STATUSES), row["total"],
                  row["refunds_due_amount"], row["remitted_amount"]]
        for j, v in enumerate(values):
            _put(ws, f, r, j, v, money=j >= len(header) - 2)

    r += 2
    ws.write_string(r, 0, "Refunds at risk", f.bold)
    r += 1
    for j, h in enumerate(t.columns):
        ws.write_string(r, j, h, f.bold)
    for row in t.rows:
        r += 1
        for j, v in enumerate(row):
            _put(ws, f, r, j, v, money=t.is_money(j))


def write_xlsx(data: ReportData, path: Path) -> None:
    wb = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
         "strings_to_urls": False},
    )
    try:
        f = _Formats(wb)
        _summary_sheet(wb, f, data)
        _table_sheet(wb, f, "Reconciliation", data.reconciliation)
        _table_sheet(wb, f, "Milestones", data.milestones)
        _table_sheet(wb, f, "Claims to fix", data.claims_to_fix)
        _table_sheet(wb, f, "Worklist", data.worklist)
    finally:
        wb.close()
