"""The Excel report, written with XlsxWriter: one Excel table per sheet (filter,
banding, frozen header), human headers, columns as wide as their values, long text
wrapped, and a landscape page set-up that prints every column on the page width
with the header row repeated on each page.

Every cell is a value, never a formula: text is written as text, and text from input
data that looks like a formula also gets Excel's quote prefix (spec outputs.md "Reports").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipelines.defs.reports.data import ALL_SUMMARY_ROWS, ReportData, Table
from pipelines.defs.reports.safety import looks_like_formula

MONEY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"
TABLE_STYLE = "Table Style Medium 2"
LONG_TEXT_WIDTH = 60  # characters: wider long text wraps
MAX_WIDTH = 40
MIN_WIDTH = 8
LINE_HEIGHT = 15  # points: a line of 11 pt text


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        top = {"valign": "top"}
        # text and dates are indented so they never touch a right-aligned number to their left
        left = {**top, "align": "left", "indent": 1}
        self.text = wb.add_format(left)
        self.quoted = wb.add_format({**left, "quote_prefix": True})
        self.wrapped = wb.add_format({**left, "text_wrap": True})
        self.wrapped_quoted = wb.add_format({**left, "text_wrap": True, "quote_prefix": True})
        self.money = wb.add_format({**top, "num_format": MONEY_FORMAT})
        self.date = wb.add_format({**left, "num_format": DATE_FORMAT})
        self.number = wb.add_format(top)
        self.header = wb.add_format({"bold": True, "text_wrap": True, "valign": "bottom"})
        self.title = wb.add_format({"bold": True, "font_size": 14})


def _text_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 12  # with the indent
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}") + 2
    return len(str(value)) + 2  # the indent


def _widths(table: Table) -> list[float]:
    """Each column as wide as its widest value, at least as wide as the longest word of
    its header (headers wrap), between MIN_WIDTH and MAX_WIDTH characters; long text up
    to LONG_TEXT_WIDTH, where it wraps."""
    widths = []
    for j, header in enumerate(table.headers):
        widest = max([_text_width(r[j]) for r in table.rows] + [max(map(len, header.split()))])
        cap = LONG_TEXT_WIDTH if table.is_long_text(j) else MAX_WIDTH
        widths.append(min(max(widest + 2, MIN_WIDTH), cap))
    return widths


def _chars_per_line(width: float) -> int:
    """Characters of text on one line of a column `width` characters wide, less the indent. A
    column's width counts the digit '0'; text averages about 1.15 characters in that space
    (checked on the evidence texts in LibreOffice)."""
    return max(int((width - 2) * 1.15), 1)


def _lines(text: str, width: float) -> int:
    """Lines `text` takes wrapped at spaces in a column `width` characters wide
    (`_chars_per_line`); a word longer than a line is broken, from the end of the line it
    starts on.

    Spreadsheet programs also break after a hyphen; this count does not, so a row is at times a
    line taller than it needs, never shorter. It is the number of lines
    textwrap.wrap(break_on_hyphens=False) makes of words one space apart, counted without
    building them: a twelfth of textwrap's time, about 3 s of CPU a night over the long texts
    of six payers at 10,000 episodes (docs/performance.md)."""
    per_line = _chars_per_line(width)
    if len(text) <= per_line:  # fits on one line: no need to wrap it
        return 1
    lines, used = 1, 0  # used: characters on the current line
    for word in text.split():
        n = len(word)
        if used and used + 1 + n <= per_line:
            used += 1 + n
            continue
        if used:
            if n > per_line and used + 1 < per_line:  # a word longer than any line starts on this one
                n -= per_line - used - 1
            lines += 1
        lines += (n - 1) // per_line
        used = (n - 1) % per_line + 1
    return lines


def _write_cell(ws: Worksheet, row: int, col: int, value: Any, f: _Formats,
                money: bool, wrap: bool) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, f.text)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, value, f.date)  # XlsxWriter takes a date as it is
    elif isinstance(value, (int, float, Decimal)):
        ws.write_number(row, col, float(value), f.money if money else f.number)
    else:
        text = str(value)
        if looks_like_formula(text):
            ws.write_string(row, col, text, f.wrapped_quoted if wrap else f.quoted)
        else:
            ws.write_string(row, col, text, f.wrapped if wrap else f.text)


def _page_setup(ws: Worksheet, data: ReportData, title: str, header_row: int) -> None:
    """Landscape, every column on the page width, the header row on every page, and
    the payer, as-of and page number in the margins."""
    ws.set_landscape()
    ws.set_paper(1)  # US Letter
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    payer = data.payer_id.replace("&", "&&")
    ws.set_header(f"&L{title.replace('&', '&&')} - payer {payer}&RAs of {data.as_of or ''}")
    ws.set_footer("&CPage &P of &N")


def _table_sheet(wb: xlsxwriter.Workbook, f: _Formats, data: ReportData, title: str,
                 table: Table) -> None:
    """One sheet holding `table` as an Excel table from A1, its header frozen."""
    ws = wb.add_worksheet(title)
    money = [table.is_money(j) for j in range(len(table.columns))]
    wrap = [table.is_long_text(j) for j in range(len(table.columns))]
    widths = _widths(table)
    for i, row in enumerate(table.rows, start=1):
        for j, value in enumerate(row):
            _write_cell(ws, i, j, value, f, money[j], wrap[j])
        # spreadsheet programs do not all grow a row for its wrapped text (LibreOffice does
        # not on import): the row is as tall as its longest wrapped text
        lines = max([_lines(str(row[j]), widths[j]) for j in range(len(row)) if wrap[j] and row[j]] or [1])
        if lines > 1:
            ws.set_row(i, LINE_HEIGHT * lines)
    # a table needs one data row: an empty one stays empty, with its header and filter
    ws.add_table(0, 0, max(len(table.rows), 1), len(table.columns) - 1, {
        "style": TABLE_STYLE,
        "name": "".join(ch for ch in title.title() if ch.isalnum()),
        "columns": [{"header": h, "header_format": f.header} for h in table.headers],
    })
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    ws.set_row(0, LINE_HEIGHT * max(_lines(h, w) for h, w in zip(table.headers, widths)))
    ws.freeze_panes(1, 0)
    _page_setup(ws, data, title, 0)


def _summary_sheet(wb: xlsxwriter.Workbook, f: _Formats, data: ReportData) -> None:
    """The payer's totals as a table of (section, measure, value) under a title."""
    ws = wb.add_worksheet("Summary")
    ws.write_string(0, 0, f"OBA refund report - payer {data.payer_id}", f.title)
    ws.write_string(1, 0, f"As of {data.as_of or 'unknown'}")
    first = 3  # the table's header row
    for i, (section, label, column, money) in enumerate(ALL_SUMMARY_ROWS, start=first + 1):
        ws.write_string(i, 0, section, f.text)
        ws.write_string(i, 1, label, f.text)
        _write_cell(ws, i, 2, data.summary.get(column), f, money, False)
    ws.add_table(first, 0, first + len(ALL_SUMMARY_ROWS), 2, {
        "style": TABLE_STYLE, "name": "Summary",
        "columns": [{"header": h, "header_format": f.header} for h in ("Section", "Measure", "Value")],
    })
    ws.set_column(0, 0, max(len(s) for s, _, _, _ in ALL_SUMMARY_ROWS) + 2)
    ws.set_column(1, 1, max(len(label) for _, label, _, _ in ALL_SUMMARY_ROWS) + 2)
    ws.set_column(2, 2, 18)
    ws.freeze_panes(first + 1, 0)
    _page_setup(ws, data, "Summary", first)


SHEETS = [
    ("By timepoint", "by_timepoint"),
    ("Lost or at risk", "refunds_at_risk"),
    ("Reconciliation", "reconciliation"),
    ("Milestones", "milestones"),
    ("Claims to fix", "claims_to_fix"),
    ("Worklist", "worklist"),
    ("Installments", "installments"),
    ("Refund claims", "refund_claims"),
]


def write_xlsx(data: ReportData, path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path), {
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
    })
    f = _Formats(wb)
    _summary_sheet(wb, f, data)
    for title, attribute in SHEETS:
        _table_sheet(wb, f, data, title, getattr(data, attribute))
    wb.close()
