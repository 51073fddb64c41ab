"""Refunds settled against installments (spec/payments.md "Settling refunds against installments"),
core.refund_offsets, and what marts.refund_reconciliation makes of them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.payments.builders import (
    D, FIVE_YEARLY, add_contract, add_episode, add_payment, add_payment_terms, create_colleague_tables, rows, run)
from tests.refunds.builders import add_remittance

INFUSION = D(2024, 1, 15)  # the spec's example: installments due 2024-02-14, 2025-02-14, ... 2028-02-14


@pytest.fixture
def pdb(db):
    create_colleague_tables(db)
    return db


def offsets(con) -> list[tuple[int, int, Decimal]]:
    return [(r["timepoint_months"], r["installment_number"], r["offset_amount"]) for r in rows(
        con, "select * from core.refund_offsets order by refund_due_date, timepoint_months, installment_number")]


def recon(con) -> dict[int, dict]:
    return {r["timepoint_months"]: r for r in rows(con, "select * from marts.refund_reconciliation")}


def test_spec_example_settles_the_first_installment_due_on_or_after_each_refund_and_later_refunds_are_cash(pdb):
    add_contract(pdb, refund_pcts={6: "17", 12: "17", 24: "20", 36: "17", 60: "10"})
    add_payment_terms(pdb, installments=FIVE_YEARLY)
    add_episode(pdb, infusion_date=INFUSION, statuses={6: "not_met", 12: "met", 24: "not_met", 60: "not_met"})
    run(pdb)
    # 6-month refund due 2024-11-12 -> installment 2 (due 2025-02-14); 24-month refund of 425,000.00
    # due 2026-05-15 -> all of installment 4 (due 2027-02-14); 60-month refund due 2029 -> cash
    assert offsets(pdb) == [(6, 2, Decimal("361250.00")), (24, 4, Decimal("425000.00"))]
    r = recon(pdb)
    assert (r[6]["offset_amount"], r[6]["balance"], r[6]["status"]) == (Decimal("361250.00"), Decimal("0.00"), "offset")
    assert (r[24]["status"], r[24]["days_past_due"]) == ("offset", 0)
    assert (r[60]["offset_amount"], r[60]["balance"], r[60]["status"]) == (
        Decimal("0.00"), Decimal("212500.00"), "unpaid")
    assert [r[t]["cash_refund_amount"] for t in (6, 24, 60)] == [Decimal("0.00"), Decimal("0.00"), Decimal("212500.00")]


def test_a_refund_spills_over_to_later_installments_and_a_later_refund_takes_only_what_is_left(pdb):
    add_contract(pdb, refund_pcts={6: "30", 12: "17"})
    add_payment_terms(pdb, installments=FIVE_YEARLY)
    add_episode(pdb, infusion_date=INFUSION, statuses={6: "not_met", 12: "not_met"})
    run(pdb)
    # 637,500.00 due 2024-11-12: 425,000.00 of installment 2, 212,500.00 of installment 3;
    # 361,250.00 due 2025-05-15: installment 3's remaining 212,500.00, then 148,750.00 of installment 4
    assert offsets(pdb) == [(6, 2, Decimal("425000.00")), (6, 3, Decimal("212500.00")),
                            (12, 3, Decimal("212500.00")), (12, 4, Decimal("148750.00"))]


def test_what_no_installment_due_on_or_after_absorbs_is_a_cash_refund(pdb):
    add_contract(pdb, refund_pcts={36: "30"})
    add_payment_terms(pdb, installments=FIVE_YEARLY)
    add_episode(pdb, infusion_date=INFUSION, statuses={36: "not_met"})
    add_remittance(pdb, "R1", "212500.00", D(2026, 6, 1), timepoint_months=36)
    run(pdb)
    # due 2027-05-15: only installment 5 (due 2028-02-14) is due on or after it
    assert offsets(pdb) == [(36, 5, Decimal("425000.00"))]
    r = recon(pdb)[36]
    assert (r["refund_due_amount"], r["offset_amount"], r["remitted_amount"], r["balance"], r["status"]) == (
        Decimal("637500.00"), Decimal("425000.00"), Decimal("212500.00"), Decimal("0.00"), "paid")
    assert r["cash_refund_amount"] == Decimal("212500.00")  # due - offset, whatever was remitted


def test_refunds_settle_in_order_of_refund_due_date_before_timepoint(pdb):
    add_contract(pdb, refund_pcts={6: "17", 12: "17"})
    add_payment_terms(pdb, installments=FIVE_YEARLY)
    add_episode(pdb, infusion_date=INFUSION, statuses={6: "not_met", 12: "not_met"})
    # the 6-month window closes late: its refund is due 2025-08-30, after the 12-month one (2025-05-15)
    pdb.execute("update core.milestone_decisions set window_end = date '2025-06-01' where timepoint_months = 6")
    run(pdb)
    assert offsets(pdb) == [(12, 3, Decimal("361250.00")), (6, 3, Decimal("63750.00")), (6, 4, Decimal("297500.00"))]


def test_the_cap_applies_before_the_offset(pdb):
    add_contract(pdb, refund_pcts={6: "17", 12: "17"}, refund_cap_pct="20")
    add_payment_terms(pdb, installments=FIVE_YEARLY)
    add_episode(pdb, infusion_date=INFUSION, statuses={6: "not_met", 12: "not_met"})
    run(pdb)
    # the cap (425,000.00) leaves the 12-month refund 63,750.00, and only that is settled
    assert offsets(pdb) == [(6, 2, Decimal("361250.00")), (12, 3, Decimal("63750.00"))]
    assert recon(pdb)[12]["status"] == "offset"


@pytest.mark.parametrize("settlement", ["cash", None])
def test_cash_settlement_or_no_payment_block_settles_nothing(pdb, settlement):
    add_contract(pdb, refund_pcts={6: "17"})
    add_payment_terms(pdb, installments=FIVE_YEARLY if settlement else None, refund_settlement=settlement or "offset")
    add_episode(pdb, infusion_date=INFUSION, statuses={6: "not_met"})
    run(pdb)
    assert offsets(pdb) == []
    r = recon(pdb)[6]
    assert (r["offset_amount"], r["balance"], r["status"]) == (Decimal("0.00"), Decimal("361250.00"), "unpaid")
    count = pdb.execute("select count(*) from marts.installment_schedule").fetchall()[0][0]
    assert count == (5 if settlement else 0)


def test_a_remittance_against_a_refund_settled_entirely_against_installments_is_overpaid(pdb):
    add_contract(pdb, refund_pcts={6: "17"})
    add_payment_terms(pdb, installments=FIVE_YEARLY)
    add_episode(pdb, infusion_date=INFUSION, statuses={6: "not_met"})
    add_remittance(pdb, "R1", "100.00", D(2025, 1, 5))
    run(pdb)
    r = recon(pdb)[6]
    assert (r["status"], r["balance"]) == ("overpaid", Decimal("-100.00"))


def test_a_partly_offset_refund_is_partially_paid_by_less_than_its_cash_part(pdb):
    add_contract(pdb, refund_pcts={36: "30"})
    add_payment_terms(pdb, installments=FIVE_YEARLY)
    add_episode(pdb, infusion_date=INFUSION, statuses={36: "not_met"})
    add_remittance(pdb, "R1", "200000.00", D(2026, 6, 1), timepoint_months=36)
    run(pdb)
    r = recon(pdb)[36]
    assert (r["status"], r["balance"]) == ("partially_paid", Decimal("12500.00"))


def test_a_refund_learnt_late_still_settles_an_installment_already_paid_which_shows_overpaid(pdb):
    add_contract(pdb, refund_pcts={6: "17"})
    add_payment_terms(pdb, installments=FIVE_YEARLY)
    add_episode(pdb, infusion_date=INFUSION, statuses={6: "not_met"})
    add_payment(pdb, "P2", 2, "425000.00", D(2025, 2, 10))
    run(pdb)
    (i2,) = rows(pdb, "select * from marts.installment_schedule where installment_number = 2")
    assert (i2["offset_amount"], i2["net_payable"], i2["paid_amount"], i2["balance"], i2["status"]) == (
        Decimal("361250.00"), Decimal("63750.00"), Decimal("425000.00"), Decimal("-361250.00"), "overpaid")


def test_the_invariant_offsets_stay_within_each_refund_and_installment_holds_after_spill_over(pdb):
    from tests.sqlmodels import manifest

    add_contract(pdb, refund_pcts={6: "30", 12: "30", 24: "30", 36: "30"}, refund_cap_pct="100")
    add_payment_terms(pdb, installments=FIVE_YEARLY)
    add_episode(pdb, infusion_date=INFUSION, statuses={6: "not_met", 12: "not_met", 24: "not_met", 36: "not_met"})
    run(pdb)
    (test,) = [n for n in manifest()["nodes"].values()
               if n["name"] == "payments__offsets_within_refund_and_installment"]
    assert pdb.execute(test["compiled_code"]).fetchall() == []
    # and the installments were filled: 1,700,000.00 of refunds against the 1,700,000.00 of installments 2-5
    assert pdb.execute("select sum(offset_amount) from core.refund_offsets").fetchall() == [(Decimal("1700000.00"),)]
