"""A small streaming xlsx writer: exactly what the report workbooks use, nothing more.

Why not XlsxWriter: a national run writes about 900,000 cells (most of them in
the Milestones sheets) and XlsxWriter's generic per-cell path costs ~3 us a
cell, longer than the whole reports step may take. The reports need few
features, so this writes their SpreadsheetML directly, in the form XlsxWriter
wrote it (constant-memory mode): inline strings (no shared-string table and
never a formula: a cell holds text, a number, a boolean or a date), dates as
serial numbers with a date format, five fixed cell styles, column widths, a
frozen header and an autofilter. Rows stream into the zip in batches, so a
sheet is never held in memory as one string.

Text values that look like a formula keep Excel's quote prefix (style QUOTED);
text is XML-escaped, and control characters become Excel's _xHHHH_ escapes.

The package has the parts XlsxWriter writes, with the same content types and
relationships: workbook, worksheets, styles, the theme (`office_theme.xml` is
Office's default 2007 theme as XlsxWriter, BSD-2-Clause, writes it: the styles'
theme colours and fonts refer to it), and the core and app document properties.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from pipelines.defs.reports.safety import looks_like_formula

MONEY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"

# Indices into cellXfs of STYLES_XML.
BOLD, DATE, MONEY, QUOTED = 1, 2, 3, 4

HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument."

STYLES_XML = (
    f'{HEADER}<styleSheet xmlns="{NS_MAIN}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode={quoteattr(DATE_FORMAT)}/>'
    f'<numFmt numFmtId="165" formatCode={quoteattr(MONEY_FORMAT)}/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


# --- cells ---------------------------------------------------------------------

@lru_cache(maxsize=None)
def column_letter(col: int) -> str:
    """'A' for column 0, 'AA' for column 26."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


EXCEL_MAX_TEXT = 32767  # UTF-16 code units in one cell
_PLAIN_TEXT_MAX = EXCEL_MAX_TEXT // 2  # shorter than this, no string can be over the limit
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")


def _is_plain(text: str) -> bool:
    """True for text that goes into the XML as it is (most of it): short, no
    character to escape, no whitespace at either end."""
    return not (len(text) > _PLAIN_TEXT_MAX or _XML_SPECIAL.search(text) or "_x" in text
                or text[:1].isspace() or text[-1:].isspace())


def _inline_string(ref: str, text: str, style: str) -> str:
    """<c> of an inline string; `style` is '' or ' s="N"'.

    As XlsxWriter does: Excel's cell limit truncates, a literal '_xHHHH_' is
    escaped as '_x005F_xHHHH_', a control character becomes '_xHHHH_' (XML
    cannot carry it), and whitespace at either end is marked to be kept.
    """
    preserve = ""
    if not _is_plain(text):
        if len(text) > _PLAIN_TEXT_MAX:
            text = text.encode("utf-16-le")[: 2 * EXCEL_MAX_TEXT].decode("utf-16-le", "ignore")
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", _LITERAL_ESCAPE.sub(r"_x005F\1", text))
        if text[:1].isspace() or text[-1:].isspace():
            preserve = ' xml:space="preserve"'
        text = escape(text)
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


def text_cell(ref: str, text: str, style: int = 0) -> str:
    """A string cell of text the report itself chose (a label or a header)."""
    return _inline_string(ref, text, f' s="{style}"' if style else "")


_QUOTED = f' s="{QUOTED}"'


def _data_text(ref: str, value: str, money: bool) -> str:
    """Text from input data: never a formula, and formula-like text gets the quote prefix."""
    return _inline_string(ref, value, _QUOTED if looks_like_formula(value) else "")


_MONEY = f' s="{MONEY}"'


def _number(ref: str, value: Any, money: bool) -> str:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("a report cell cannot hold NaN or infinity")
    return f'<c r="{ref}"{_MONEY if money else ""}><v>{number:.16G}</v></c>'


def _boolean(ref: str, value: bool, money: bool) -> str:
    return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'


# Excel's serial day numbers count from 1899-12-31 and include the phantom
# 1900-02-29 (serial 60), so every later date is one more.
_EPOCH = dt.datetime(1899, 12, 31)


def _date(ref: str, value: dt.date, money: bool) -> str:
    serial = value.toordinal() - _EPOCH.toordinal()
    return f'<c r="{ref}" s="{DATE}"><v>{serial + 1 if serial > 59 else serial}</v></c>'


def _datetime(ref: str, value: dt.datetime, money: bool) -> str:
    serial = (value - _EPOCH) / dt.timedelta(days=1)
    return f'<c r="{ref}" s="{DATE}"><v>{serial + 1 if serial > 59 else serial:.16G}</v></c>'


def _other(ref: str, value: Any, money: bool) -> str:
    """Subclasses of the handled types by isinstance; anything else as its text."""
    for kind, encode in _ENCODERS.items():
        if isinstance(value, kind):
            return encode(ref, value, money)
    return text_cell(ref, str(value))


# By exact class: the cheap path of ~900,000 cells. For isinstance in _other,
# bool comes before int and datetime before date.
_ENCODERS = {str: _data_text, bool: _boolean, dt.datetime: _datetime, dt.date: _date,
             Decimal: _number, int: _number, float: _number}


def value_cell(ref: str, value: Any, money: bool = False) -> str:
    """A cell holding a value read from the warehouse (never None).

    Numbers stay numbers (money with the money format), dates become dates,
    text is always text.
    """
    return _ENCODERS.get(value.__class__, _other)(ref, value, money)


@lru_cache(maxsize=None)
def _letters(n: int) -> tuple[str, ...]:
    return tuple(column_letter(j) for j in range(n))


def value_row(row: int, values: Sequence[Any], money: Sequence[bool]) -> str:
    """A <row> of values from column A (1-based row number); None leaves a cell empty.

    value_cell, inlined: this runs once per cell of every sheet.
    """
    encoders = _ENCODERS
    cells = "".join([
        encoders.get(v.__class__, _other)(f"{letter}{row}", v, m)
        for letter, v, m in zip(_letters(len(values)), values, money) if v is not None
    ])
    return f'<row r="{row}">{cells}</row>' if cells else ""


def header_row(row: int, names: Sequence[str]) -> str:
    """A <row> of bold names from column A (1-based row number)."""
    cells = "".join(text_cell(f"{letter}{row}", n, BOLD) for letter, n in zip(_letters(len(names)), names))
    return f'<row r="{row}">{cells}</row>'


# --- sheets and the package ------------------------------------------------------

@dataclass
class Sheet:
    """One worksheet. `rows` are its <row> elements in row order (value_row,
    header_row); its cells lie within the first n_rows rows and n_cols columns.
    `widths` are (first column, last column, characters), columns counted from 0."""

    name: str
    rows: Iterable[str]
    n_rows: int
    n_cols: int
    widths: list[tuple[int, int, float]]
    frozen_rows: int
    filter_rows: int | None = None  # an autofilter over the header and this many rows

    def cells(self, n_rows: int, absolute: bool = False) -> str:
        """'A1:<last column><n_rows>', e.g. 'A1:O11891' or '$A$1:$O$11891'."""
        d = "$" if absolute else ""
        return f"{d}A{d}1:{d}{column_letter(self.n_cols - 1)}{d}{n_rows}"


def _column_width(characters: float) -> str:
    """Column width as Excel stores it: the character width rounded to whole
    pixels of Calibri 11 (7 px a digit, 5 px padding)."""
    pixels = int(characters * 7 + 0.5) + 5
    return f"{pixels * 256 // 7 / 256:.16g}"


def _sheet_head(sheet: Sheet, selected: bool) -> str:
    dim = "A1" if (sheet.n_rows, sheet.n_cols) == (1, 1) else sheet.cells(sheet.n_rows)
    n = sheet.frozen_rows
    pane = (f'<pane ySplit="{n}" topLeftCell="A{n + 1}" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft"/>') if n else ""
    tab = ' tabSelected="1"' if selected else ""
    cols = "".join(f'<col min="{a + 1}" max="{b + 1}" width="{_column_width(w)}" customWidth="1"/>'
                   for a, b, w in sheet.widths)
    return (f'{HEADER}<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><dimension ref="{dim}"/>'
            f'<sheetViews><sheetView{tab} workbookViewId="0">{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>')


def _sheet_tail(sheet: Sheet) -> str:
    autofilter = "" if sheet.filter_rows is None else f'<autoFilter ref="{sheet.cells(1 + sheet.filter_rows)}"/>'
    return (f'</sheetData>{autofilter}<pageMargins left="0.7" right="0.7" top="0.75" '
            'bottom="0.75" header="0.3" footer="0.3"/></worksheet>')


ROWS_PER_WRITE = 2000


def _write_sheet(zf: zipfile.ZipFile, name: str, sheet: Sheet, selected: bool) -> None:
    with zf.open(name, "w") as fh:
        fh.write(_sheet_head(sheet, selected).encode("utf-8"))
        batch: list[str] = []
        for row in sheet.rows:
            batch.append(row)
            if len(batch) == ROWS_PER_WRITE:
                fh.write("".join(batch).encode("utf-8"))
                batch.clear()
        fh.write(("".join(batch) + _sheet_tail(sheet)).encode("utf-8"))


def _quoted_sheet_name(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _workbook_xml(sheets: Sequence[Sheet]) -> str:
    entries = "".join(f'<sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"/>'
                      for i, s in enumerate(sheets, start=1))
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f'{escape(_quoted_sheet_name(s.name))}!{s.cells(1 + s.filter_rows, absolute=True)}</definedName>'
        for i, s in enumerate(sheets) if s.filter_rows is not None
    )
    return (f'{HEADER}<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><bookViews>'
            '<workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/>'
            f'</bookViews><sheets>{entries}</sheets>'
            f'{f"<definedNames>{filters}</definedNames>" if filters else ""}'
            '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')


def _relationships(targets: Sequence[tuple[str, str]]) -> str:
    rels = "".join(f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
                   for i, (kind, target) in enumerate(targets, start=1))
    return f'{HEADER}<Relationships xmlns="{NS_PKG_REL}">{rels}</Relationships>'


THEME_XML = Path(__file__).with_name("office_theme.xml").read_bytes()


def _content_types(n_sheets: int) -> str:
    # in the order XlsxWriter lists them
    parts = [("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml"),
             ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
             ("/xl/styles.xml", CT + "spreadsheetml.styles+xml"),
             ("/xl/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml"),
             ("/xl/workbook.xml", CT + "spreadsheetml.sheet.main+xml")]
    parts += [(f"/xl/worksheets/sheet{i}.xml", CT + "spreadsheetml.worksheet+xml")
              for i in range(1, n_sheets + 1)]
    overrides = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in parts)
    return (f'{HEADER}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>')


def _core_properties() -> str:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f'{HEADER}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')


def _app_properties(sheet_names: Sequence[str]) -> str:
    """The extended properties: the application and the names of the worksheets."""
    n = len(sheet_names)
    titles = "".join(f"<vt:lpstr>{escape(name)}</vt:lpstr>" for name in sheet_names)
    return (f'{HEADER}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            '<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>'
            '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr>'
            f'</vt:variant><vt:variant><vt:i4>{n}</vt:i4></vt:variant></vt:vector></HeadingPairs>'
            f'<TitlesOfParts><vt:vector size="{n}" baseType="lpstr">{titles}</vt:vector></TitlesOfParts>'
            '<Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>'
            '<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>')


# Deflate level 1: the sheets are repetitive XML; level 1 compresses them ~2.5x
# faster than the default level for files about a third larger.
COMPRESS_LEVEL = 1


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write the sheets as one xlsx file at path; the first sheet is the one shown."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as zf:
        zf.writestr("[Content_Types].xml", _content_types(len(sheets)))
        zf.writestr("_rels/.rels", _relationships([
            (f"{NS_REL}/officeDocument", "xl/workbook.xml"),
            ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
             "docProps/core.xml"),
            (f"{NS_REL}/extended-properties", "docProps/app.xml"),
        ]))
        zf.writestr("docProps/core.xml", _core_properties())
        zf.writestr("docProps/app.xml", _app_properties([s.name for s in sheets]))
        zf.writestr("xl/workbook.xml", _workbook_xml(sheets))
        zf.writestr("xl/_rels/workbook.xml.rels", _relationships(
            [(f"{NS_REL}/worksheet", f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]
            + [(f"{NS_REL}/theme", "theme/theme1.xml"), (f"{NS_REL}/styles", "styles.xml")]
        ))
        zf.writestr("xl/styles.xml", STYLES_XML)
        zf.writestr("xl/theme/theme1.xml", THEME_XML)
        for i, sheet in enumerate(sheets, start=1):
            _write_sheet(zf, f"xl/worksheets/sheet{i}.xml", sheet, selected=i == 1)
