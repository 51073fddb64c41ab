"""The streaming xlsx writer: cells as XlsxWriter wrote them, read back as values."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from pipelines.defs.reports.safety import looks_like_formula
from pipelines.defs.reports.xlsx_package import (
    DATE_FORMAT, MONEY_FORMAT, Sheet, header_row, value_row, write_workbook,
)

D = dt.date
# The first row uses the styles in the order of their index (bold, date, money, quoted),
# so XlsxWriter, which numbers formats by first use, numbers them the same way.
FIRST = [D(2026, 11, 21), Decimal("1.00"), "=first"]
MONEY = [False, True, False]
ROWS = [
    ["plain", " leading", "trailing ", "a<b & c>d", "tab\tin", "new\nline"],
    ["ctrl\x01\x1f", "cr\rhere", "_x0041_ literal", "\ufffe", "emoji \U0001F389", "=1+2", "+kit", "-x", "@SUM(A1)"],
    ["\tstarts with tab", "\rstarts with cr", "x" * 40_000, "\U0001F389" * 20_000],
    [D(1900, 1, 1), D(1900, 2, 28), D(1900, 3, 1), D(2026, 11, 21), dt.datetime(2024, 1, 1, 12, 30)],
    [Decimal("-4000.00"), Decimal("465250.37"), Decimal("0.10"), 7, -3, 2.5, True, False, None, "end"],
]


def _write_ours(path: Path) -> None:
    rows = [header_row(1, ["name"])]
    rows.append(value_row(2, FIRST, MONEY))
    rows += [value_row(r, values, [True] * len(values)) for r, values in enumerate(ROWS, start=3)]
    write_workbook(path, [Sheet(name="S", rows=rows, n_rows=len(ROWS) + 2, n_cols=10,
                                widths=[(0, 0, 12)], frozen_rows=1)])


def _write_xlsxwriter(path: Path) -> None:
    """What the reports wrote before (xlsx_report with XlsxWriter, constant memory)."""
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    bold, date = wb.add_format({"bold": True}), wb.add_format({"num_format": DATE_FORMAT})
    money, quoted = wb.add_format({"num_format": MONEY_FORMAT}), wb.add_format({"quote_prefix": True})
    ws = wb.add_worksheet("S")
    ws.write_string(0, 0, "name", bold)
    for r, (values, is_money) in enumerate([(FIRST, MONEY)] + [(v, [True] * len(v)) for v in ROWS], 1):
        for c, v in enumerate(values):
            if isinstance(v, str):
                ws.write_string(r, c, v, quoted if looks_like_formula(v) else None)
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, v, date)
            elif v is not None:
                ws.write_number(r, c, float(v), money if is_money[c] else None)
    wb.close()


def _sheet_data(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return re.search(r"<sheetData>.*</sheetData>", xml, re.S).group(0)


def test_cells_are_written_as_xlsxwriter_wrote_them(tmp_path):
    _write_xlsxwriter(tmp_path / "before.xlsx")
    _write_ours(tmp_path / "after.xlsx")
    assert _sheet_data(tmp_path / "after.xlsx") == _sheet_data(tmp_path / "before.xlsx")


def test_cells_read_back_as_values_of_their_type(tmp_path):
    _write_ours(tmp_path / "book.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "book.xlsx")["S"]
    assert ws["A1"].value == "name" and ws["A1"].font.b
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[3]][:len(ROWS[0])] == ROWS[0]  # whitespace kept, XML unescaped
    formula_like = ws[4][5:9]
    assert [c.value for c in formula_like] == ["=1+2", "+kit", "-x", "@SUM(A1)"]
    assert all(c.data_type == "s" and c.quotePrefix for c in formula_like)
    assert not any(c.quotePrefix for c in ws[3])
    assert len(ws["C5"].value) == 32767  # Excel's cell limit
    dates = ws[6]
    assert [c.value.date() for c in dates[1:4]] == [D(1900, 2, 28), D(1900, 3, 1), D(2026, 11, 21)]
    assert dates[4].value == dt.datetime(2024, 1, 1, 12, 30)
    assert all(c.is_date and c.number_format == DATE_FORMAT for c in dates[:5])
    numbers = ws[7]
    assert [c.value for c in numbers[:6]] == [-4000, 465250.37, 0.1, 7, -3, 2.5]
    assert all(c.data_type == "n" and c.number_format == MONEY_FORMAT for c in numbers[:6])
    assert [numbers[6].value, numbers[7].value, numbers[8].value] == [True, False, None]
    with zipfile.ZipFile(tmp_path / "book.xlsx") as z:
        assert not [n for n in z.namelist() if "<f>" in z.read(n).decode("utf-8")]


def test_not_a_number_is_refused(tmp_path):
    with pytest.raises(ValueError, match="NaN"):
        value_row(2, [float("nan")], [False])


def test_sheet_names_and_autofilter_ranges(tmp_path):
    sheets = [
        Sheet(name="Summary", rows=[header_row(1, ["a"])], n_rows=1, n_cols=1, widths=[],
              frozen_rows=0),
        Sheet(name="Claims to fix", rows=[header_row(1, ["a", "b"])], n_rows=1, n_cols=2,
              widths=[(0, 1, 10)], frozen_rows=1, filter_rows=1),
    ]
    write_workbook(tmp_path / "book.xlsx", sheets)
    wb = openpyxl.load_workbook(tmp_path / "book.xlsx")
    assert wb.sheetnames == ["Summary", "Claims to fix"]
    ws = wb["Claims to fix"]
    assert ws.auto_filter.ref == "A1:B2"
    a_to_b = ws.column_dimensions["A"]
    assert (a_to_b.min, a_to_b.max, a_to_b.width) == (1, 2, pytest.approx(10.7109375))
    with zipfile.ZipFile(tmp_path / "book.xlsx") as z:  # openpyxl drops the filter's name
        workbook = z.read("xl/workbook.xml").decode("utf-8")
    assert ('<definedName name="_xlnm._FilterDatabase" localSheetId="1" hidden="1">'
            "'Claims to fix'!$A$1:$B$2</definedName>") in workbook


def test_the_package_has_the_parts_content_types_and_relationships_xlsxwriter_wrote(tmp_path):
    import xlsxwriter
    names = ["Summary", "Claims & fixes"]
    wb = xlsxwriter.Workbook(str(tmp_path / "before.xlsx"))
    for name in names:
        wb.add_worksheet(name)
    wb.close()
    write_workbook(tmp_path / "after.xlsx", [
        Sheet(name=name, rows=[], n_rows=0, n_cols=0, widths=[], frozen_rows=0) for name in names
    ])
    with zipfile.ZipFile(tmp_path / "before.xlsx") as before, zipfile.ZipFile(tmp_path / "after.xlsx") as after:
        assert sorted(after.namelist()) == sorted(before.namelist())
        # the parts that say what the package holds, the theme the styles refer to, and the
        # document properties (the sheet names, escaped); sheets, styles and times differ by design
        for part in ["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels",
                     "xl/theme/theme1.xml", "docProps/app.xml"]:
            assert after.read(part) == before.read(part), part
    assert openpyxl.load_workbook(tmp_path / "after.xlsx").sheetnames == names
