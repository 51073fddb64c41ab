"""The reports' parts of spec/payments.md (outputs.md "Reports"): the Summary's offsets, installments
and refund claims, the Installments and Refund claims sheets, the HTML sections, the CSV's
offset_amount column; every figure as the marts have it, one payer only."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.defs.reports.writer import write_report
from tests.payments.builders import FIVE_YEARLY, add_claim, add_payment, add_payment_terms
from tests.refunds.builders import AS_OF, D, add_contract, add_episode
from tests.reports.warehouse import MODELS, build_warehouse
from tests.sqlmodels import run_models, set_as_of


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The reports' two-payer warehouse plus PAYH, a payer that pays in installments and claims its refunds."""
    path = build_warehouse(tmp_path_factory.mktemp("wh") / "oba.duckdb")
    con = duckdb.connect(str(path))
    try:
        set_as_of(con, AS_OF)
        add_contract(con, contract_id="OBA-H", payer_id="PAYH", refund_pcts={6: "17", 12: "17", 24: "17"})
        add_payment_terms(con, "OBA-H", installments=FIVE_YEARLY, claim_submission_days=180)
        add_episode(con, "PAYH", "HM1", "OBA-H", infusion_date=D(2024, 1, 15),
                    statuses={6: "not_met", 12: "not_met", 24: "not_met"})
        add_episode(con, "PAYH", "HM2", "OBA-H", infusion_date=D(2026, 1, 1), statuses={6: "not_met"})
        add_payment(con, "HP1", 1, "425000.00", D(2024, 2, 1), "OBA-H", "PAYH", "HM1")
        add_claim(con, "HC1", D(2024, 9, 1), "361250.00", 6, "disputed", D(2024, 10, 1), "AMOUNT",
                  contract_id="OBA-H", payer_id="PAYH", member_id="HM1")
        add_claim(con, "HC2", D(2025, 4, 1), "361250.00", 12, "rejected", D(2025, 5, 1), "NOT_ELIGIBLE",
                  contract_id="OBA-H", payer_id="PAYH", member_id="HM1")
        run_models(con, MODELS)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def reports(warehouse, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    return {fmt: write_report(warehouse, "PAYH", fmt, out) for fmt in ("xlsx", "csv", "html")}


def mart(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()


def sheet(wb, name) -> list[dict]:
    ws = wb[name]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]


def test_the_summary_shows_offsets_installments_and_claims_as_the_mart_has_them(warehouse, reports):
    (s,) = mart(warehouse, "select * from marts.payer_payments_summary where payer_id = 'PAYH'")
    assert (s["offset_amount"], s["installments_due"], s["installments_paid_amount"], s["claims_to_submit"],
            s["claims_deadline_missed"], s["claims_disputed"], s["claims_rejected"]) == (
        Decimal("1445000.00"), 4, Decimal("425000.00"), 1, 1, 1, 1)
    ws = openpyxl.load_workbook(reports["xlsx"])["Summary"]
    values = {ws.cell(row=r, column=2).value: ws.cell(row=r, column=3).value for r in range(1, ws.max_row + 1)}
    assert values["Refunds settled against installments (offset)"] == float(s["offset_amount"])
    assert values["Installments due, net of offsets"] == float(s["installments_due_amount"])
    assert values["Paid"] == float(s["installments_paid_amount"])
    assert values["To submit before their deadline"] == 1
    assert values["To submit before their deadline (refunds)"] == 361250.0
    assert (values["Disputed"], values["Rejected"]) == (1, 1)


def test_the_installments_sheet_has_every_installment_of_the_payer(warehouse, reports):
    rows = sheet(openpyxl.load_workbook(reports["xlsx"]), "Installments")
    assert [(r["Member"], r["Installment"], r["Status"]) for r in rows] == [
        ("HM1", 1, "paid"), ("HM1", 2, "due"), ("HM1", 3, "due"), ("HM1", 4, "scheduled"), ("HM1", 5, "scheduled"),
        ("HM2", 1, "due"), ("HM2", 2, "scheduled"), ("HM2", 3, "scheduled"), ("HM2", 4, "scheduled"),
        ("HM2", 5, "scheduled")]
    assert rows[1]["Offset (refunds)"] == 361250.0 and rows[1]["Net payable"] == 63750.0
    assert rows[0]["Due date"] == dt.datetime(2024, 2, 14)


def test_the_refund_claims_sheet_has_the_deadline_and_the_dispute_reason(reports):
    rows = sheet(openpyxl.load_workbook(reports["xlsx"]), "Refund claims")
    got = {(r["Member"], r["Timepoint (months)"]): (r["Claim status"], r["Dispute reason"], r["Claim deadline"])
           for r in rows}
    assert got == {
        ("HM1", 6): ("disputed", "AMOUNT", dt.datetime(2025, 2, 10)),
        ("HM1", 12): ("rejected", "NOT_ELIGIBLE", dt.datetime(2025, 8, 13)),
        ("HM1", 24): ("deadline_missed", None, dt.datetime(2026, 8, 13)),
        ("HM2", 6): ("not_submitted", None, dt.datetime(2027, 1, 27)),
    }


def test_the_html_report_shows_both_tables(reports):
    text = reports["html"].read_text()
    assert "<h2>Installments</h2>" in text and "<h2>Refund claims</h2>" in text
    assert "NOT_ELIGIBLE" in text and "$63,750.00" in text and "2027-01-27" in text


def test_the_csv_keeps_the_reconciliation_rows_with_offset_amount(warehouse, reports):
    with reports["csv"].open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["payer_id"] for r in rows} == {"PAYH"}
    got = {(r["member_id"], r["timepoint_months"]): (r["offset_amount"], r["balance"], r["status"]) for r in rows}
    assert got == {("HM1", "6"): ("361250.00", "0.00", "offset"), ("HM1", "12"): ("361250.00", "0.00", "offset"),
                   ("HM1", "24"): ("361250.00", "0.00", "offset"), ("HM2", "6"): ("361250.00", "0.00", "offset")}


def test_another_payers_report_has_none_of_these_rows(warehouse, tmp_path):
    path = write_report(warehouse, "PAYA", "xlsx", tmp_path)
    wb = openpyxl.load_workbook(path)
    assert [r for r in sheet(wb, "Installments") if any(r.values())] == []
    assert all(r["Member"] != "HM1" for r in sheet(wb, "Refund claims"))
    assert "HM1" not in path.read_bytes().decode("latin-1")
