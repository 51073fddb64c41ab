"""Test builders for the payments domain (spec/payments.md): a contract's payment terms and
installments, the payer's payments and refund claims. Episodes and milestone decisions come from
tests/refunds/builders.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb

from tests.conftest import insert
from tests.refunds.builders import D, add_contract, add_episode, create_colleague_tables, insert_plain
from tests.sqlmodels import run_models

__all__ = ["D", "add_contract", "add_episode", "create_colleague_tables", "add_payment_terms", "add_payment",
           "add_claim", "run", "rows", "FIVE_YEARLY"]

# ZOLGENSMA's launch offer: five yearly installments of 425,000.00 (price basis 2,125,000.00)
FIVE_YEARLY = [(0, "425000.00"), (12, "425000.00"), (24, "425000.00"), (36, "425000.00"), (48, "425000.00")]

# the refunds and payments models these tests run (not the evidence rows: they need the milestone models)
MODELS = ["refunds", "payments__counting_claims", "payments__episode_installments", "payments__refund_offsets",
          "payments__installment_schedule", "payments__refund_claims", "payments__refund_claims_to_submit",
          "payments__payer_payments_summary"]


def add_payment_terms(
    con: duckdb.DuckDBPyConnection,
    contract_id: str = "OBA-A",
    installments: list[tuple[int, str]] | None = None,
    installment_due_days: int = 30,
    refund_settlement: str = "offset",
    claim_submission_days: int | None = None,
) -> None:
    """The contract's claim deadline and `payment` block, as the contract loader stages them."""
    insert_plain(con, "staging.contract_payment_terms", [{
        "contract_id": contract_id, "claim_submission_days": claim_submission_days,
        "installment_due_days": installment_due_days if installments else None,
        "refund_settlement": refund_settlement if installments else None,
    }])
    insert_plain(con, "staging.contract_installments", [
        {"contract_id": contract_id, "installment_number": n, "months_after_infusion": months,
         "amount": Decimal(amount)}
        for n, (months, amount) in enumerate(sorted(installments or []), start=1)
    ])


def add_payment(con: duckdb.DuckDBPyConnection, payment_id: str, installment_number: int, amount: str,
                paid_date: dt.date, contract_id: str = "OBA-A", payer_id: str = "PAYA", member_id: str = "M1") -> None:
    insert(con, "staging.payments", [{
        "payment_id": payment_id, "contract_id": contract_id, "payer_id": payer_id, "member_id": member_id,
        "installment_number": installment_number, "amount": Decimal(amount), "paid_date": paid_date,
    }])


def add_claim(con: duckdb.DuckDBPyConnection, refund_claim_id: str, submitted_date: dt.date, amount_claimed: str,
              timepoint_months: int = 6, response: str | None = None, response_date: dt.date | None = None,
              dispute_reason: str | None = None, delivery: int = 1, row_number: int = 1,
              contract_id: str = "OBA-A", payer_id: str = "PAYA", member_id: str = "M1") -> None:
    insert(con, "staging.refund_claims", [{
        "refund_claim_id": refund_claim_id, "contract_id": contract_id, "payer_id": payer_id,
        "member_id": member_id, "timepoint_months": timepoint_months, "submitted_date": submitted_date,
        "amount_claimed": Decimal(amount_claimed), "response": response, "response_date": response_date,
        "dispute_reason": dispute_reason, "_delivery_seq": delivery, "_row_number": row_number,
    }])


def run(con: duckdb.DuckDBPyConnection) -> None:
    run_models(con, MODELS)


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
