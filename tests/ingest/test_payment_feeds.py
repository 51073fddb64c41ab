"""The feeds of spec/payments.md (feeds.md "payments", "refund_claims"): every quarantine reason,
required-when rules, money with 2 decimals, amendments and rows read = loaded + quarantined."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pipelines.defs.ingest.loader import load_feed
from tests.landing import write_csv

PAYMENT = {"payment_id": "PAY-1", "contract_id": "OBA-ACME", "payer_id": "ACME", "member_id": "M1",
           "installment_number": "2", "amount": "425000.00", "paid_date": "2025-02-10", "reference": "WIRE-1"}
CLAIM = {"refund_claim_id": "RC-1", "contract_id": "OBA-ACME", "payer_id": "ACME", "member_id": "M1",
         "timepoint_months": "6", "submitted_date": "2024-09-01", "amount_claimed": "361250.00",
         "response": "disputed", "response_date": "2024-10-01", "dispute_reason": "EVIDENCE_INSUFFICIENT",
         "note": "sent with the 6-month packet"}
BASE = {"payments": PAYMENT, "refund_claims": CLAIM}
KEY = {"payments": "payment_id", "refund_claims": "refund_claim_id"}

REASONS = [
    ("payments", {"payment_id": ""}, "MISSING_REQUIRED:payment_id"),
    ("payments", {"contract_id": ""}, "MISSING_REQUIRED:contract_id"),
    ("payments", {"payer_id": " "}, "MISSING_REQUIRED:payer_id"),
    ("payments", {"member_id": ""}, "MISSING_REQUIRED:member_id"),
    ("payments", {"installment_number": ""}, "MISSING_REQUIRED:installment_number"),
    ("payments", {"installment_number": "0"}, "OUT_OF_RANGE:installment_number"),
    ("payments", {"installment_number": "two"}, "BAD_NUMBER:installment_number"),
    ("payments", {"amount": ""}, "MISSING_REQUIRED:amount"),
    ("payments", {"amount": "425000.001"}, "BAD_NUMBER:amount"),
    ("payments", {"amount": "425,000.00"}, "BAD_NUMBER:amount"),
    ("payments", {"paid_date": ""}, "MISSING_REQUIRED:paid_date"),
    ("payments", {"paid_date": "2025-2-10"}, "BAD_DATE:paid_date"),
    ("refund_claims", {"refund_claim_id": ""}, "MISSING_REQUIRED:refund_claim_id"),
    ("refund_claims", {"contract_id": ""}, "MISSING_REQUIRED:contract_id"),
    ("refund_claims", {"payer_id": ""}, "MISSING_REQUIRED:payer_id"),
    ("refund_claims", {"member_id": ""}, "MISSING_REQUIRED:member_id"),
    ("refund_claims", {"timepoint_months": ""}, "MISSING_REQUIRED:timepoint_months"),
    ("refund_claims", {"timepoint_months": "six"}, "BAD_NUMBER:timepoint_months"),
    ("refund_claims", {"submitted_date": ""}, "MISSING_REQUIRED:submitted_date"),
    ("refund_claims", {"submitted_date": "01/09/2024"}, "BAD_DATE:submitted_date"),
    ("refund_claims", {"amount_claimed": ""}, "MISSING_REQUIRED:amount_claimed"),
    ("refund_claims", {"amount_claimed": "361250.005"}, "BAD_NUMBER:amount_claimed"),
    ("refund_claims", {"response": "maybe"}, "BAD_CODE:response"),
    ("refund_claims", {"response_date": ""}, "MISSING_REQUIRED:response_date"),
    ("refund_claims", {"response_date": "2024-10-32"}, "BAD_DATE:response_date"),
    ("refund_claims", {"dispute_reason": ""}, "MISSING_REQUIRED:dispute_reason"),
    ("refund_claims", {"response": "rejected", "dispute_reason": ""}, "MISSING_REQUIRED:dispute_reason"),
    ("refund_claims", {"dispute_reason": "TOO_EXPENSIVE"}, "BAD_CODE:dispute_reason"),
]


@pytest.mark.parametrize("feed,overrides,reason", REASONS, ids=[f"{f}-{r}-{i}" for i, (f, _, r) in enumerate(REASONS)])
def test_bad_row_is_quarantined_with_its_reason_and_the_good_row_loads(tmp_path, con, feed, overrides, reason):
    bad = {**BASE[feed], KEY[feed]: "OTHER", **overrides}
    write_csv(tmp_path, feed, "f1.csv", [BASE[feed], bad])
    (r,) = load_feed(con, feed, tmp_path, "run-1")
    assert (r.status, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("loaded", 2, 1, 1)
    assert con.execute("select feed, row_number, reason from audit.quarantine").fetchall() == [(feed, 2, reason)]


def test_duplicate_key_within_one_file_is_quarantined(tmp_path, con):
    write_csv(tmp_path, "payments", "f1.csv", [PAYMENT, {**PAYMENT, "amount": "1.00"}])
    load_feed(con, "payments", tmp_path, "run-1")
    assert con.execute("select reason from audit.quarantine").fetchall() == [("DUPLICATE_KEY",)]


@pytest.mark.parametrize("response", ["accepted", "withdrawn"])
def test_an_answer_that_needs_no_reason_loads_without_one(tmp_path, con, response):
    write_csv(tmp_path, "refund_claims", "f1.csv", [{**CLAIM, "response": response, "dispute_reason": ""}])
    (r,) = load_feed(con, "refund_claims", tmp_path, "run-1")
    assert (r.rows_loaded, r.rows_quarantined) == (1, 0)


def test_a_claim_without_an_answer_needs_no_date_nor_reason(tmp_path, con):
    write_csv(tmp_path, "refund_claims", "f1.csv",
              [{**CLAIM, "response": "", "response_date": "", "dispute_reason": ""}])
    load_feed(con, "refund_claims", tmp_path, "run-1")
    assert con.execute("select response, response_date, dispute_reason from staging.refund_claims").fetchall() == [
        (None, None, None)]


def test_a_later_delivery_of_a_claim_updates_it_with_its_answer_and_money_is_exact(tmp_path, con):
    write_csv(tmp_path, "refund_claims", "f1.csv",
              [{**CLAIM, "response": "", "response_date": "", "dispute_reason": ""}])
    write_csv(tmp_path, "refund_claims", "f2.csv", [{**CLAIM, "response": "Disputed"}])
    load_feed(con, "refund_claims", tmp_path, "run-1")
    assert con.execute("select response, response_date, dispute_reason, amount_claimed, _file_path "
                       "from staging.refund_claims").fetchall() == [
        ("disputed", dt.date(2024, 10, 1), "EVIDENCE_INSUFFICIENT", Decimal("361250.00"), "refund_claims/f2.csv")]


def test_a_negative_payment_is_a_reversal_that_loads(tmp_path, con):
    write_csv(tmp_path, "payments", "f1.csv", [PAYMENT, {**PAYMENT, "payment_id": "PAY-1-REV", "amount": "-425000.00"}])
    (r,) = load_feed(con, "payments", tmp_path, "run-1")
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 2, 0)


def test_a_file_missing_a_required_column_is_rejected_whole_naming_it(tmp_path, con):
    write_csv(tmp_path, "payments", "f1.csv", [{k: v for k, v in PAYMENT.items() if k != "installment_number"}])
    (r,) = load_feed(con, "payments", tmp_path, "run-1")
    assert r.status == "rejected" and "installment_number" in r.message
    assert "M1" not in r.message
