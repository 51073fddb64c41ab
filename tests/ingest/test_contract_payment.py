"""The contract's `payment` block and `claim_submission_days` (spec/payments.md): validation naming the
field, and the tables they land in (staging.contract_payment_terms, staging.contract_installments)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipelines.defs.ingest.contracts import load_contracts
from tests.landing import CONTRACT_YAML, write_text


def with_payment(installments: str, extra: str = "") -> str:
    """CONTRACT_YAML (price_basis 2,125,000.00) with a payment block."""
    return CONTRACT_YAML + "payment:\n  installments:\n" + installments + extra


FIVE = "".join(f"    - {{months_after_infusion: {m}, amount: 425000.00}}\n" for m in (48, 0, 12, 36, 24))


def load_one(con, tmp_path, text: str):
    write_text(tmp_path, "contracts", "c.yaml", text)
    return load_contracts(con, tmp_path, "run-1")[-1]


def test_installments_land_numbered_in_order_of_months_with_the_defaults(con, tmp_path):
    r = load_one(con, tmp_path, with_payment(FIVE) + "claim_submission_days: 180\n")
    assert r.status == "loaded", r.message
    assert con.execute("select installment_number, months_after_infusion, amount from staging.contract_installments "
                       "order by installment_number").fetchall() == [
        (n, m, Decimal("425000.00")) for n, m in enumerate((0, 12, 24, 36, 48), start=1)]
    assert con.execute("select claim_submission_days, installment_due_days, refund_settlement "
                       "from staging.contract_payment_terms").fetchall() == [(180, 30, "offset")]


def test_a_contract_without_payment_or_deadline_has_no_installments_and_null_terms(con, tmp_path):
    assert load_one(con, tmp_path, CONTRACT_YAML).status == "loaded"
    assert con.execute("select count(*) from staging.contract_installments").fetchone() == (0,)
    assert con.execute("select * from staging.contract_payment_terms").fetchall() == [
        ("OBA-ACME", None, None, None)]


def test_a_later_delivery_without_the_payment_block_removes_the_installments(con, tmp_path):
    write_text(tmp_path, "contracts", "a.yaml", with_payment(FIVE, "  refund_settlement: cash\n"))
    write_text(tmp_path, "contracts", "b.yaml", CONTRACT_YAML)
    assert [r.status for r in load_contracts(con, tmp_path, "run-1")] == ["loaded", "loaded"]
    assert con.execute("select count(*) from staging.contract_installments").fetchone() == (0,)
    assert con.execute("select count(*) from staging.contract_payment_terms").fetchone() == (1,)


BAD = [
    (with_payment(FIVE.replace("months_after_infusion: 36", "months_after_infusion: 24")),
     "payment.installments: months_after_infusion repeats"),
    (with_payment(FIVE.replace("months_after_infusion: 48", "months_after_infusion: -12")),
     "payment.installments[0].months_after_infusion: Input should be greater than or equal to 0"),
    (with_payment(FIVE.replace("amount: 425000.00}\n", "amount: 425000.01}\n", 1)),
     "payment.installments: the amounts do not add up to price_basis to the cent"),
    (with_payment(FIVE.replace("425000.00", "425000.001", 1)),
     "payment.installments[0].amount: Decimal input should have no more than 2 decimal places"),
    (with_payment("    - {months_after_infusion: 0, amount: 2125000.00}\n"),
     "payment.installments: List should have at least 2 items"),
    (with_payment("    - {months_after_infusion: 0, amount: 2125000.00}\n"
                  "    - {months_after_infusion: 12, amount: 0}\n"),
     "payment.installments[1].amount: Input should be greater than 0"),
    (with_payment(FIVE, "  installment_due_days: -1\n"), "payment.installment_due_days"),
    (with_payment(FIVE, "  installment_due_days: 2.5\n"), "payment.installment_due_days"),
    (with_payment(FIVE, "  refund_settlement: barter\n"), "payment.refund_settlement: Input should be 'offset' or 'cash'"),
    (CONTRACT_YAML + "payment:\n  refund_settlement: cash\n", "payment.installments: required field is missing"),
    (CONTRACT_YAML + "claim_submission_days: -5\n", "claim_submission_days"),
    (CONTRACT_YAML + "claim_submission_days: soon\n", "claim_submission_days"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[m for _, m in BAD])
def test_a_bad_payment_block_or_deadline_rejects_the_file_naming_the_field(con, tmp_path, text, message):
    r = load_one(con, tmp_path, text)
    assert r.status == "rejected"
    assert message in r.message, r.message
    for table in ("contracts", "contract_payment_terms", "contract_installments"):
        assert con.execute(f"select count(*) from staging.{table}").fetchone() == (0,)
