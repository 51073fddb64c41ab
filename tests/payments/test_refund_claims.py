"""marts.refund_claims and marts.refund_claims_to_submit (spec/payments.md "Refund claims and the
manufacturer's answers"): every claim_status, the deadline, the as-of rules, resubmissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.payments.builders import (
    D, add_claim, add_contract, add_episode, add_payment_terms, create_colleague_tables, rows, run)

AS_OF = D(2026, 11, 21)
OWED = "361250.00"  # 17% of 2,125,000.00
INFUSION = D(2024, 1, 15)  # 6-month window ends 2024-08-14; with 180 claim days the deadline is 2025-02-10
DEADLINE = D(2025, 2, 10)


@pytest.fixture
def cdb(db):
    create_colleague_tables(db)
    add_contract(db, refund_pcts={6: "17", 12: "17"})
    add_payment_terms(db, claim_submission_days=180)
    add_episode(db, infusion_date=INFUSION, statuses={6: "not_met", 12: "met"})
    return db


def claims(con) -> list[dict]:
    run(con)
    return rows(con, "select * from marts.refund_claims order by timepoint_months")


def one(con) -> dict:
    found = claims(con)
    assert len(found) == 1, found
    return found[0]


def test_columns_of_outputs_md(cdb):
    claims(cdb)
    cols = [c for (c,) in cdb.execute(
        "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = 'refund_claims' "
        "order by column_index").fetchall()]
    assert cols[:17] == [
        "episode_id", "payer_id", "member_id", "contract_id", "timepoint_months", "refund_due_amount",
        "submission_deadline", "refund_claim_id", "submitted_date", "amount_claimed", "claim_status",
        "response_date", "dispute_reason", "submitted_late", "amount_differs", "days_to_deadline", "as_of_date"]


def test_no_claim_after_the_deadline_is_deadline_missed_and_only_owed_refunds_have_rows(cdb):
    r = one(cdb)
    assert (r["timepoint_months"], r["submission_deadline"], r["claim_status"], r["days_to_deadline"]) == (
        6, DEADLINE, "deadline_missed", (DEADLINE - AS_OF).days)
    assert (r["refund_claim_id"], r["submitted_late"], r["amount_differs"]) == (None, False, False)


def test_no_claim_before_the_deadline_is_not_submitted_and_on_the_worklist_ordered_by_deadline(cdb):
    # 6-month window ends 2026-07-31 -> deadline 2027-01-27; 12-month ends 2027-01-31 -> 2027-07-30
    add_episode(cdb, member_id="M2", infusion_date=D(2026, 1, 1), statuses={12: "not_met", 6: "not_met"})
    run(cdb)
    m2 = rows(cdb, "select * from marts.refund_claims where member_id = 'M2' order by timepoint_months")
    assert [(r["claim_status"], r["days_to_deadline"]) for r in m2] == [
        ("not_submitted", (D(2027, 1, 27) - AS_OF).days), ("not_submitted", (D(2027, 7, 30) - AS_OF).days)]
    todo = rows(cdb, "select * from marts.refund_claims_to_submit")
    assert [(r["member_id"], r["timepoint_months"], r["claim_status"]) for r in todo] == [
        ("M1", 6, "deadline_missed"), ("M2", 6, "not_submitted"), ("M2", 12, "not_submitted")]


def test_the_deadline_day_itself_is_still_not_submitted(cdb):
    set_deadline_to_as_of = f"update core.milestone_decisions set window_end = date '{AS_OF}' - 180"
    cdb.execute(set_deadline_to_as_of + " where timepoint_months = 6")
    r = one(cdb)
    assert (r["submission_deadline"], r["claim_status"], r["days_to_deadline"]) == (AS_OF, "not_submitted", 0)


def test_without_claim_submission_days_there_is_no_deadline(db):
    create_colleague_tables(db)
    add_contract(db, refund_pcts={6: "17"})
    add_episode(db, infusion_date=INFUSION, statuses={6: "not_met"})
    r = one(db)
    assert (r["submission_deadline"], r["claim_status"], r["days_to_deadline"]) == (None, "not_submitted", None)


def test_a_claim_without_an_answer_is_submitted(cdb):
    add_claim(cdb, "C1", D(2024, 9, 1), OWED)
    r = one(cdb)
    assert (r["refund_claim_id"], r["claim_status"], r["submitted_late"], r["amount_differs"]) == (
        "C1", "submitted", False, False)
    assert rows(cdb, "select * from marts.refund_claims_to_submit") == []


@pytest.mark.parametrize("response, reason", [
    ("accepted", None), ("disputed", "EVIDENCE_INSUFFICIENT"), ("rejected", "NOT_ELIGIBLE"), ("withdrawn", None)])
def test_the_answer_is_the_status(cdb, response, reason):
    add_claim(cdb, "C1", D(2024, 9, 1), OWED, response=response, response_date=D(2024, 10, 1),
              dispute_reason=reason)
    r = one(cdb)
    assert (r["claim_status"], r["response_date"], r["dispute_reason"]) == (response, D(2024, 10, 1), reason)


def test_a_claim_sent_after_the_deadline_keeps_its_answer_and_is_marked_late(cdb):
    add_claim(cdb, "C1", DEADLINE + dt.timedelta(days=1), OWED, response="rejected",
              response_date=D(2025, 3, 1), dispute_reason="LATE_SUBMISSION")
    r = one(cdb)
    assert (r["claim_status"], r["submitted_late"]) == ("rejected", True)


def test_a_claim_sent_on_the_deadline_is_not_late(cdb):
    add_claim(cdb, "C1", DEADLINE, OWED)
    assert one(cdb)["submitted_late"] is False


def test_amount_differs_when_the_claim_is_not_the_whole_refund_after_the_cap(cdb):
    add_claim(cdb, "C1", D(2024, 9, 1), "361249.99")
    r = one(cdb)
    assert (r["amount_claimed"], r["amount_differs"]) == (Decimal("361249.99"), True)


def test_a_claim_for_a_milestone_that_owes_nothing_is_unmatched(cdb):
    add_claim(cdb, "C12", D(2025, 3, 1), OWED, timepoint_months=12)
    add_claim(cdb, "C-OTHER", D(2025, 3, 1), OWED, member_id="M-NONE")
    run(cdb)
    unmatched = rows(cdb, "select * from marts.refund_claims where claim_status = 'unmatched' order by member_id")
    assert [(r["member_id"], r["timepoint_months"], r["episode_id"], r["refund_due_amount"], r["amount_differs"])
            for r in unmatched] == [("M-NONE", 6, None, Decimal("0.00"), True), ("M1", 12, None, Decimal("0.00"), True)]


def test_a_claim_submitted_after_the_as_of_date_does_not_exist_yet(cdb):
    add_claim(cdb, "C1", AS_OF + dt.timedelta(days=1), OWED)
    r = one(cdb)
    assert (r["refund_claim_id"], r["claim_status"]) == (None, "deadline_missed")


def test_an_answer_dated_after_the_as_of_date_has_not_arrived_yet(cdb):
    add_claim(cdb, "C1", D(2024, 9, 1), OWED, response="disputed", response_date=D(2026, 12, 1),
              dispute_reason="AMOUNT")
    r = one(cdb)
    assert (r["claim_status"], r["response_date"], r["dispute_reason"]) == ("submitted", None, None)


def test_a_resubmission_after_a_dispute_counts_the_latest_submitted_claim(cdb):
    add_claim(cdb, "C1", D(2024, 9, 1), "300000.00", response="disputed", response_date=D(2024, 10, 1),
              dispute_reason="AMOUNT", delivery=1)
    add_claim(cdb, "C2", D(2024, 10, 15), OWED, response="accepted", response_date=D(2024, 11, 1), delivery=1,
              row_number=2)
    r = one(cdb)
    assert (r["refund_claim_id"], r["claim_status"], r["amount_differs"], r["claim_count"]) == (
        "C2", "accepted", False, 2)


@pytest.mark.parametrize("c1_lineage, c2_lineage, counting", [
    ((1, 5), (2, 1), "C2"),   # the later file wins over the row further down of an earlier file
    ((3, 1), (2, 9), "C1"),
    ((4, 1), (4, 2), "C2"),   # within one file, the row further down
])
def test_a_tie_on_submitted_date_goes_to_the_later_delivery(cdb, c1_lineage, c2_lineage, counting):
    add_claim(cdb, "C1", D(2024, 9, 1), OWED, response="rejected", response_date=D(2024, 9, 20),
              dispute_reason="OTHER", delivery=c1_lineage[0], row_number=c1_lineage[1])
    add_claim(cdb, "C2", D(2024, 9, 1), OWED, delivery=c2_lineage[0], row_number=c2_lineage[1])
    assert one(cdb)["refund_claim_id"] == counting


def test_a_refund_settled_against_installments_is_still_claimed_for_the_whole_amount(cdb):
    cdb.execute("delete from staging.contract_payment_terms")  # the same contract, now with installments
    add_payment_terms(cdb, claim_submission_days=180, installments=[(0, "1062500.00"), (12, "1062500.00")])
    add_claim(cdb, "C1", D(2024, 9, 1), OWED)
    r = one(cdb)
    assert (r["refund_due_amount"], r["amount_differs"]) == (Decimal(OWED), False)
    assert cdb.execute("select sum(offset_amount) from core.refund_offsets").fetchall()[0][0] == Decimal(OWED)
