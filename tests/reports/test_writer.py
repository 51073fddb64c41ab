"""Per-payer reports: exact money, one payer only, safe paths, formula guard, offline HTML,
xlsx tables set up to work in and to print."""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
import textwrap
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.defs.reports.safety import safe_file_stem
from pipelines.defs.reports.writer import write_all_reports, write_report
from pipelines.defs.reports.xlsx_report import _chars_per_line, _lines
from tests.refunds.builders import AS_OF, D, add_contract, add_episode
from tests.reports.warehouse import (
    A_FIX, A_INJECTION_MEMBER, A_INJECTION_REASON, B_SECRETS, MODELS, add_payer_only, build_warehouse,
)
from tests.sqlmodels import run_models, set_as_of


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("wh") / "oba.duckdb")


@pytest.fixture(scope="module")
def reports_a(warehouse, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    return {fmt: write_report(warehouse, "PAYA", fmt, out) for fmt in ("xlsx", "csv", "html")}


def sql_one(warehouse, sql, params=()):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def xlsx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def summary_values(ws) -> dict[str, object]:
    """Measure -> value of the Summary sheet's table (columns B and C)."""
    return {ws.cell(row=r, column=2).value: ws.cell(row=r, column=3).value
            for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=2).value}


def sheet_rows(ws) -> list[dict[str, object]]:
    """The rows of a sheet whose table starts at A1, by header."""
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=2)]


SHEETS = ["Summary", "By timepoint", "Lost or at risk", "Reconciliation", "Milestones",
          "Claims to fix", "Worklist", "Installments", "Refund claims"]


def test_xlsx_summary_equals_the_payer_summary_to_the_cent(warehouse, reports_a):
    wb = openpyxl.load_workbook(reports_a["xlsx"])
    assert wb.sheetnames == SHEETS
    s = summary_values(wb["Summary"])
    (due, remitted, outstanding, overdue, lost, now, later, claims), = sql_one(
        warehouse,
        "select refunds_due_amount, remitted_amount, outstanding_amount, overdue_amount, "
        "refunds_lost_amount, refunds_at_risk_now_amount, refunds_at_risk_later_amount, claims_missing_oba "
        "from marts.payer_summary where payer_id = ?", ["PAYA"],
    )
    # the totals recomputed from the reconciliation rows
    (rdue, rrem), = sql_one(
        warehouse,
        "select sum(refund_due_amount), sum(remitted_amount) from marts.refund_reconciliation "
        "where payer_id = ?", ["PAYA"],
    )
    assert due == rdue == Decimal("1211250.00")  # 361,250 x 3 (cap 40% -> 6% on the third) + 361,250
    assert remitted == rrem == Decimal("465250.37")
    assert lost == Decimal("361250.00") and later == Decimal("0.00")  # AM2's 12-month: window closed
    for label, expected in [("Refunds due", due), ("Remitted", remitted), ("Outstanding", outstanding),
                            ("Overdue", overdue),
                            ("Already lost: window closed without evidence", lost),
                            ("At risk now: window open or opening within 60 days", now),
                            ("At risk later: window opening in more than 60 days", later)]:
        value = s[label]
        assert isinstance(value, (int, float)) and not isinstance(value, bool), label
        assert Decimal(str(value)).quantize(Decimal("0.01")) == expected, label
        assert wb["Summary"].cell(row=list(s).index(label) + 4, column=3).number_format.startswith('"$"')
    assert s["Claims missing an OBA link"] == claims == 1
    # written as exact decimal text in the file, not a float approximation
    assert "<v>465250.37</v>" in xlsx_text(reports_a["xlsx"])


def test_xlsx_every_sheet_is_one_excel_table_with_a_frozen_header_printed_landscape_on_the_page_width(reports_a):
    wb = openpyxl.load_workbook(reports_a["xlsx"])
    for ws in wb.worksheets:
        (table,) = ws.tables.values()
        header_row = 4 if ws.title == "Summary" else 1
        assert table.ref.startswith(f"A{header_row}:") and table.autoFilter is not None, ws.title
        assert ws.freeze_panes == f"A{header_row + 1}", ws.title
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # one page wide (OOXML leaves out the default 1), as many pages tall as it takes
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert ws.print_title_rows == f"${header_row}:${header_row}", ws.title
        headers = [c.value for c in ws[header_row] if c.value]
        assert not [h for h in headers if "_" in h], (ws.title, headers)  # words, not column names


def test_xlsx_columns_fit_their_values_and_long_text_wraps(reports_a):
    wb = openpyxl.load_workbook(reports_a["xlsx"])
    for ws in wb.worksheets[1:]:
        rows = sheet_rows(ws)
        for j, header in enumerate(c.value for c in ws[1]):
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(j + 1)].width
            values = [r[header] for r in rows if r[header].value is not None]
            if header in ("Evidence", "Evidence needed", "Detail", "Fix"):
                assert all(c.alignment.wrap_text for c in values), (ws.title, header)
            elif values and all(c.data_type == "s" for c in values):
                assert width >= max(len(c.value) for c in values), (ws.title, header)


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.text(alphabet="abc-0123456789:;()[]", min_size=1, max_size=90), max_size=40),
       width=st.integers(min_value=3, max_value=62))
def test_a_wrapped_rows_height_counts_the_lines_its_text_wraps_to_at_spaces(words, width):
    """The row height of long text: as many lines as the text takes wrapped at spaces, a word
    longer than a line broken (textwrap's count, without its breaks after hyphens)."""
    text = " ".join(words)
    per_line = _chars_per_line(width)
    expected = max(1, len(textwrap.wrap(text, per_line, break_on_hyphens=False))) if len(text) > per_line else 1
    assert _lines(text, width) == expected


def test_xlsx_data_sheets_are_typed(warehouse, reports_a):
    wb = openpyxl.load_workbook(reports_a["xlsx"])
    rows = sheet_rows(wb["Reconciliation"])
    n_sql = sql_one(warehouse, "select count(*) from marts.refund_reconciliation where payer_id = ?",
                    ["PAYA"])[0][0]
    assert len(rows) == n_sql
    paid = [r for r in rows if r["Status"].value == "paid"][0]
    assert isinstance(paid["Due date"].value, dt.datetime) and paid["Due date"].is_date
    assert paid["Refund due"].data_type == "n" and "$" in paid["Refund due"].number_format
    # a negative balance is a number, not guarded text
    ghost = [r for r in rows if r["Member"].value == "GHOST"][0]
    assert ghost["Balance"].data_type == "n" and ghost["Balance"].value == -4000
    claims = sheet_rows(wb["Claims to fix"])
    assert sorted(r["Claim"].value for r in claims) == ["ACLAIM1", "ACLAIM2"]  # warnings are not claims to fix
    assert [r["Fix"].value for r in claims if r["Claim"].value == "ACLAIM1"] == [A_FIX]
    assert len(sheet_rows(wb["Worklist"])) == 1
    horizons = [r["Horizon"].value for r in sheet_rows(wb["Lost or at risk"])]
    assert horizons[0] == "lost" and set(horizons) == {"lost", "at_risk_now"}


def test_formula_injection_guard_xlsx(reports_a):
    wb = openpyxl.load_workbook(reports_a["xlsx"])
    found = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value[:1] in "=+-@":
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    assert c.quotePrefix, (ws.title, c.coordinate)
                    found += 1
    assert found >= 3  # the member id, the reason, the finding detail
    xml = xlsx_text(reports_a["xlsx"])
    assert "<f>" not in xml  # no formula anywhere in the workbook
    values = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert A_INJECTION_MEMBER in values and A_INJECTION_REASON in values  # text kept as is


def test_csv_is_the_reconciliation_rows_exact_and_guarded(warehouse, reports_a):
    with reports_a["csv"].open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    sql_rows = sql_one(
        warehouse,
        "select member_id, timepoint_months, refund_due_amount, remitted_amount, balance, status "
        "from marts.refund_reconciliation where payer_id = ? order by member_id, contract_id, "
        "timepoint_months", ["PAYA"],
    )
    assert len(rows) == len(sql_rows)
    for r, (member, tp, due, rem, bal, status) in zip(rows, sql_rows):
        expected_member = "'" + member if member[:1] in "=+-@" else member
        assert r["member_id"] == expected_member
        assert Decimal(r["refund_due_amount"]) == due and r["refund_due_amount"] == f"{due:.2f}"
        assert Decimal(r["balance"]) == bal and r["status"] == status
    assert any(r["member_id"] == "'" + A_INJECTION_MEMBER for r in rows)
    ghost = [r for r in rows if r["member_id"] == "GHOST"][0]
    assert ghost["balance"] == "-4000.00"  # a negative number is not prefixed


def test_html_is_self_contained_with_charts(reports_a):
    text = reports_a["html"].read_text(encoding="utf-8")
    assert text.count("<svg") == text.count("<figure><svg ") == 3  # inline: due vs remitted, status, KM
    for reference in ("<img", "<script", "<link", "src=", "@import"):
        assert reference not in text, reference
    # the charts' markers and clip paths are defined in the page itself
    assert set(re.findall(r'href="(.)', text)) == set(re.findall(r"url\((.)", text)) == {"#"}
    # the only URLs are the SVG namespace names, which nothing fetches
    assert set(re.findall(r'(\S+)="https?://', text)) <= {"xmlns", "xmlns:xlink"}
    assert "Ventilator-free survival" in text and "marts.ventilator_free_survival" in text
    assert "$1,211,250.00" in text
    assert "At risk now: window open or opening within 60 days" in text
    assert A_FIX in text  # the claims to fix say what to do


def test_formula_guard_html(reports_a):
    """A spreadsheet opening the page (or a table copied from it) must not evaluate input text:
    formula-like text carries the csv report's leading quote, escaped like any text."""
    text = reports_a["html"].read_text(encoding="utf-8")
    for value in (A_INJECTION_MEMBER, A_INJECTION_REASON):
        assert f"<td>&#39;{html.escape(value)}</td>" in text, value  # the quote, escaped
        assert f"<td>{html.escape(value)}</td>" not in text, value
    assert '<td class="num">-$4,000.00</td>' in text  # a negative amount is a number, not guarded


def test_report_holds_only_its_payer(reports_a):
    for fmt, path in reports_a.items():
        text = xlsx_text(path) if fmt == "xlsx" else path.read_text(encoding="utf-8")
        for secret in B_SECRETS:
            assert secret not in text, (fmt, secret)
        assert "PAYA" in text or fmt == "xlsx" and "PAYA" in xlsx_text(path)


def test_unknown_payer_is_a_value_error_without_member_ids(warehouse, tmp_path):
    with pytest.raises(ValueError) as err:
        write_report(warehouse, "NOPE", "xlsx", tmp_path)
    msg = str(err.value)
    assert "NOPE" in msg and "PAYA" in msg
    for member in ("AM1", "AM2", "BMEMBER77", "GHOST"):
        assert member not in msg
    assert list(tmp_path.iterdir()) == []


def _without(warehouse: Path, tmp_path: Path, sql: str) -> Path:
    """A copy of the test warehouse changed by sql: what an incomplete build would leave."""
    copy = tmp_path / "incomplete.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    con = duckdb.connect(str(copy))
    try:
        con.execute(sql)
    finally:
        con.close()
    return copy


@pytest.mark.parametrize("sql, named", [
    ("drop table marts.claims_to_fix", "marts.claims_to_fix (the table)"),
    ("alter table marts.refund_reconciliation drop column remitted_amount",
     "marts.refund_reconciliation (remitted_amount)"),
    ("drop table marts.ventilator_free_survival", "marts.ventilator_free_survival (the table)"),
    ("alter table marts.payer_summary drop column refunds_lost_amount", "marts.payer_summary (refunds_lost_amount)"),
])
def test_a_warehouse_lacking_a_report_input_is_refused_with_what_it_lacks(warehouse, tmp_path, sql, named):
    # never a report that looks like a payer with nothing to reconcile
    incomplete = _without(warehouse, tmp_path, sql)
    out = tmp_path / "out"
    for write in (lambda: write_report(incomplete, "PAYA", "xlsx", out),
                  lambda: write_all_reports(incomplete, out)):
        with pytest.raises(ValueError, match="run `oba run`") as err:
            write()
        assert named in str(err.value)
    assert not out.exists() or list(out.iterdir()) == []


def test_unknown_format_is_a_value_error(warehouse, tmp_path):
    with pytest.raises(ValueError, match="format"):
        write_report(warehouse, "PAYA", "pdf", tmp_path)


@pytest.mark.parametrize("payer_id", ["../evil", "/etc/x", "..", "a/../../b", "C:\\x"])
def test_payer_id_never_leaves_out_dir(tmp_path, payer_id):
    wh = build_warehouse(tmp_path / "oba.duckdb")
    add_payer_only(wh, payer_id)
    out = tmp_path / "out"
    for fmt in ("xlsx", "csv", "html"):
        path = write_report(wh, payer_id, fmt, out)
        assert path.parent == out.resolve()
        assert path.exists()
        assert "/" not in path.name and "\\" not in path.name and ".." not in path.name
    assert not (tmp_path / "evil").exists() and not Path("/etc/x.csv").exists()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("oba_report_")) == []


def test_payers_whose_ids_share_a_prefix_or_differ_by_case_get_only_their_own_rows(tmp_path):
    """'PAYA', 'PAYA2' and 'paya' are three payers: exact matches, three sets of files."""
    wh = build_warehouse(tmp_path / "oba.duckdb")
    con = duckdb.connect(str(wh))
    try:
        set_as_of(con, AS_OF)
        for payer, member in (("PAYA2", "PREFIXMEMBER"), ("paya", "LOWERMEMBER")):
            add_contract(con, contract_id=f"OBA-{payer}", payer_id=payer)
            add_episode(con, payer, member, f"OBA-{payer}", infusion_date=D(2023, 2, 2), statuses={6: "not_met"})
        run_models(con, MODELS)
    finally:
        con.close()
    out = tmp_path / "out"
    paths = write_all_reports(wh, out)
    assert len({p.name.lower() for p in paths}) == len(paths) == 4 * 3  # PAYA, PAYA2, paya, PAYB
    members = {"PAYA": "AM1", "PAYA2": "PREFIXMEMBER", "paya": "LOWERMEMBER", "PAYB": "BMEMBER77"}
    for payer, own in members.items():
        for fmt in ("xlsx", "csv", "html"):
            path = out / f"oba_report_{safe_file_stem(payer)}.{fmt}"
            text = xlsx_text(path) if fmt == "xlsx" else path.read_text(encoding="utf-8")
            others = [m for p, m in members.items() if p != payer]
            assert not [m for m in others if m in text], (payer, fmt)
            assert own in text, (payer, fmt)


@pytest.mark.parametrize("text", ["=1+2", "+3+4", "-5+6", "@SUM(1,2)", "\t=1+2", "\r=1+2"])
def test_csv_cells_guard_formula_like_text_but_not_numbers(text):
    from pipelines.defs.reports.csv_report import _cell

    assert _cell(text) == "'" + text
    assert _cell("M000001") == "M000001" and _cell("") == ""
    assert _cell(Decimal("-500.00")) == "-500.00" and _cell(-3) == "-3"  # numbers stay numbers


def test_safe_file_stem_distinguishes_ids():
    assert safe_file_stem("PAYA") == "PAYA"
    assert safe_file_stem("A/B") != safe_file_stem("A_B")
    # file systems that ignore case (Windows, macOS, SMB shares) must not merge two payers' files
    stems = [safe_file_stem(p) for p in ("ACME", "acme", "Acme", "ACME2")]
    assert len({s.lower() for s in stems}) == 4 and stems[0] == "ACME"
    assert all(ch.isalnum() or ch in "_-" for ch in safe_file_stem("../../etc/passwd"))


def test_write_all_reports(warehouse, reports_a, tmp_path):
    paths = write_all_reports(warehouse, tmp_path / "reports")
    names = sorted(p.name for p in paths)
    assert names == sorted(f"oba_report_{p}.{f}" for p in ("PAYA", "PAYB") for f in ("xlsx", "csv", "html"))
    assert all(p.exists() and p.parent == (tmp_path / "reports").resolve() for p in paths)
    assert not [p for p in (tmp_path / "reports").iterdir() if p.name.startswith(".tmp")]
    for fmt, single in reports_a.items():  # each payer's files are its single reports
        (path,) = [p for p in paths if p.name == single.name]
        assert report_content(path) == report_content(single), fmt


def report_content(path: Path) -> dict[str, bytes]:
    """A report's content: the file, or for an xlsx every part but its creation time."""
    if path.suffix != ".xlsx":
        return {"": path.read_bytes()}
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_reports_open_the_warehouse_read_only(warehouse, tmp_path):
    # a writer holding the file would block a read-write open; read-only opens coexist
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        path = write_report(warehouse, "PAYA", "csv", tmp_path)
    finally:
        con.close()
    assert path.read_text().startswith("contract_id,payer_id,member_id")


def test_html_detail_tables_are_capped_and_say_where_the_rest_is(warehouse):
    from pipelines.defs.reports.data import load_report_data
    from pipelines.defs.reports.html_report import HTML_ROW_LIMIT, render_html

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        data = load_report_data(con, "PAYA")
    finally:
        con.close()
    row = data.claims_to_fix.rows[0]
    data.claims_to_fix.rows = [(f"C{i}", *row[1:]) for i in range(HTML_ROW_LIMIT + 5)]
    text = render_html(data)
    assert f"First {HTML_ROW_LIMIT} of {HTML_ROW_LIMIT + 5} rows" in text
    assert f"<td>C{HTML_ROW_LIMIT - 1}</td>" in text and f"<td>C{HTML_ROW_LIMIT}</td>" not in text
