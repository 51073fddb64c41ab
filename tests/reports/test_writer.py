"""Per-payer reports: exact money, one payer only, safe paths, formula guard, offline HTML."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
import html
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.defs.reports import writer
from pipelines.defs.reports.safety import safe_file_stem
from pipelines.defs.reports.writer import write_all_reports, write_report
from tests.refunds.builders import AS_OF, D, add_contract, add_episode
from tests.reports.warehouse import (
    A_INJECTION_MEMBER, A_INJECTION_REASON, B_SECRETS, add_payer_only, build_warehouse,
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
    return {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value
            for r in range(1, 20) if ws.cell(row=r, column=1).value}


def test_xlsx_sheets_and_summary_totals_equal_sql_to_the_cent(warehouse, reports_a):
    wb = openpyxl.load_workbook(reports_a["xlsx"])
    assert wb.sheetnames == ["Summary", "Reconciliation", "Milestones", "Claims to fix", "Worklist"]
    s = summary_values(wb["Summary"])
    (due, remitted, outstanding, overdue, at_risk, claims), = sql_one(
        warehouse,
        "select refunds_due_amount, remitted_amount, outstanding_amount, overdue_amount, "
        "refunds_at_risk_amount, claims_missing_oba from marts.payer_summary where payer_id = ?",
        ["PAYA"],
    )
    # the totals recomputed from the reconciliation rows
    (rdue, rrem), = sql_one(
        warehouse,
        "select sum(refund_due_amount), sum(remitted_amount) from marts.refund_reconciliation "
        "where payer_id = ?", ["PAYA"],
    )
    assert due == rdue == Decimal("1211250.00")  # 361,250 x 3 (cap 40% -> 6% on the third) + 361,250
    assert remitted == rrem == Decimal("465250.37")
    for label, expected in [("Refunds due", due), ("Remitted", remitted), ("Outstanding", outstanding),
                            ("Overdue", overdue), ("Refunds at risk (amount)", at_risk)]:
        value = s[label]
        assert isinstance(value, (int, float)) and not isinstance(value, bool), label
        assert Decimal(str(value)).quantize(Decimal("0.01")) == expected, label
    assert s["Claims missing OBA link"] == claims == 1
    # written as exact decimal text in the file, not a float approximation
    # (openpyxl writes 16 significant digits: exact to the cent for any realistic amount)
    assert "<v>465250.37</v>" in xlsx_text(reports_a["xlsx"])
    assert wb["Summary"]["B4"].number_format.startswith('"$"')


def test_xlsx_data_sheets_are_typed_frozen_filtered(warehouse, reports_a):
    wb = openpyxl.load_workbook(reports_a["xlsx"])
    ws = wb["Reconciliation"]
    header = [c.value for c in ws[1]]
    assert header[:11] == ["contract_id", "payer_id", "member_id", "episode_id", "timepoint_months",
                           "refund_due_amount", "refund_due_date", "remitted_amount", "balance",
                           "status", "days_past_due"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    rows = [dict(zip(header, [c for c in r])) for r in ws.iter_rows(min_row=2)]
    n_sql = sql_one(warehouse, "select count(*) from marts.refund_reconciliation where payer_id = ?",
                    ["PAYA"])[0][0]
    assert len(rows) == n_sql
    paid = [r for r in rows if r["status"].value == "paid"][0]
    assert isinstance(paid["refund_due_date"].value, dt.datetime)  # a real date
    assert paid["refund_due_date"].is_date
    assert paid["refund_due_amount"].data_type == "n"
    assert "$" in paid["refund_due_amount"].number_format
    # a negative balance is a number, not guarded text
    ghost = [r for r in rows if r["member_id"].value == "GHOST"][0]
    assert ghost["balance"].data_type == "n" and ghost["balance"].value == -4000
    assert ghost["status"].value == "unmatched"
    assert ws.column_dimensions["A"].width >= 10
    assert {"Milestones", "Claims to fix", "Worklist"} <= set(wb.sheetnames)
    claims = wb["Claims to fix"]
    claim_ids = [r[1].value for r in claims.iter_rows(min_row=2)]
    assert sorted(claim_ids) == ["ACLAIM1", "ACLAIM2"]  # warnings are not claims to fix
    assert wb["Worklist"].max_row == 2


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
    assert "<img" not in text
    for reference in ("http", "xmlns", "src=", "url("):  # no URL of any kind, not even xmlns
        assert reference not in text, reference
    assert "<script" not in text and "<link" not in text
    assert "Ventilator-free survival" in text and "core.person_evidence" in text
    assert "$1,211,250.00" in text
    assert "$1,211,250.00" in text and "<td>-$4,000.00</td>" not in text  # numbers stay numbers


def test_formula_guard_html(reports_a):
    """A spreadsheet opening the page (or a table copied from it) must not evaluate input text:
    formula-like text carries the csv report's leading quote, escaped like any text."""
    text = reports_a["html"].read_text(encoding="utf-8")
    for value in (A_INJECTION_MEMBER, A_INJECTION_REASON):
        assert f"<td>&#x27;{html.escape(value)}</td>" in text, value
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
    ("drop table marts.claim_findings", "marts.claim_findings (the table)"),
    ("alter table marts.refund_reconciliation drop column remitted_amount",
     "marts.refund_reconciliation (remitted_amount)"),
    ("drop table core.permanent_ventilation", "core.permanent_ventilation (the table)"),
])
def test_a_warehouse_lacking_a_report_input_is_refused_with_what_it_lacks(warehouse, tmp_path, sql, named):
    # never a report that looks like a payer with nothing to reconcile
    incomplete = _without(warehouse, tmp_path, sql)
    out = tmp_path / "out"
    for write in (lambda: write_report(incomplete, "PAYA", "xlsx", out),
                  lambda: write_all_reports(incomplete, out, helper=False)):
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
        run_models(con, ["refunds"])
    finally:
        con.close()
    out = tmp_path / "out"
    paths = write_all_reports(wh, out, helper=False)
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


@pytest.mark.parametrize("helper", [False, True])
def test_write_all_reports(warehouse, tmp_path, helper):
    paths = write_all_reports(warehouse, tmp_path / "reports", helper=helper)
    names = sorted(p.name for p in paths)
    assert names == sorted(f"oba_report_{p}.{f}" for p in ("PAYA", "PAYB") for f in ("xlsx", "csv", "html"))
    assert all(p.exists() and p.parent == (tmp_path / "reports").resolve() for p in paths)
    assert not [p for p in (tmp_path / "reports").iterdir() if p.name.startswith(".tmp")]


def report_content(path: Path) -> dict[str, bytes]:
    """A report's content: the file, or for an xlsx every part but its creation time."""
    if path.suffix != ".xlsx":
        return {"": path.read_bytes()}
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("helper", [False, True])
def test_all_payers_get_exactly_the_single_payer_reports(warehouse, reports_a, tmp_path, helper):
    """Sharing the payers with a helper process changes nothing in any file."""
    paths = write_all_reports(warehouse, tmp_path, helper=helper)
    for fmt, single in reports_a.items():
        (path,) = [p for p in paths if p.name == single.name]
        assert report_content(path) == report_content(single), fmt


def test_a_failed_helper_fails_the_run(warehouse, tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "_start_helper",
                        lambda *args: subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"]))
    with pytest.raises(RuntimeError, match="helper process failed"):
        write_all_reports(warehouse, tmp_path, helper=True)


def test_a_failure_here_stops_the_helper(warehouse, tmp_path, monkeypatch):
    helpers = []

    def start(*args):
        helpers.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]))
        return helpers[0]

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(writer, "_start_helper", start)
    monkeypatch.setattr(writer, "_write_payers", fail)
    with pytest.raises(OSError, match="disk full"):
        write_all_reports(warehouse, tmp_path, helper=True)
    assert helpers[0].returncode is not None  # stopped and waited for, not left running


def test_helper_entry_point_writes_the_payers_it_is_given(warehouse, tmp_path):
    done = subprocess.run([sys.executable, "-m", "pipelines.defs.reports", str(warehouse),
                           str(tmp_path), "csv,html", "PAYB"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["oba_report_PAYB.csv", "oba_report_PAYB.html"]


def test_reports_open_the_warehouse_read_only(warehouse, tmp_path):
    # a writer holding the file would block a read-write open; read-only opens coexist
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        path = write_report(warehouse, "PAYA", "csv", tmp_path)
    finally:
        con.close()
    assert path.read_text().startswith("contract_id,payer_id,member_id")


def test_html_detail_tables_are_capped_and_say_where_the_rest_is():
    from pipelines.defs.reports.data import Table
    from pipelines.defs.reports.html_report import HTML_ROW_LIMIT, _table

    rows = [(f"C{i}",) for i in range(HTML_ROW_LIMIT + 5)]
    text = _table(Table(["claim_id"], ["VARCHAR"], rows))
    assert text.count("<tr>") == HTML_ROW_LIMIT + 1  # header + the first rows
    assert f"First {HTML_ROW_LIMIT} of {HTML_ROW_LIMIT + 5} rows" in text
    assert f"C{HTML_ROW_LIMIT - 1}<" in text and f"C{HTML_ROW_LIMIT}<" not in text
