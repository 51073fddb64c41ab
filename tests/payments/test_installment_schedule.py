"""marts.installment_schedule (spec/payments.md "The payer's installment payments"): every status,
payments adding up with reversals, the as-of rule, unmatched payments, days past due."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.payments.builders import (
    D, FIVE_YEARLY, add_contract, add_episode, add_payment, add_payment_terms, create_colleague_tables, rows, run)

INFUSION = D(2024, 1, 15)  # installments due 2024-02-14, 2025-02-14, 2026-02-14, 2027-02-14, 2028-02-14
AS_OF = D(2026, 11, 21)
FULL = "425000.00"


@pytest.fixture
def sdb(db):
    create_colleague_tables(db)
    add_contract(db, refund_pcts={6: "17", 12: "17"})
    add_payment_terms(db, installments=FIVE_YEARLY)
    return db


def schedule(con) -> dict[int, dict]:
    run(con)
    return {r["installment_number"]: r for r in rows(
        con, "select * from marts.installment_schedule where episode_id is not null")}


def test_columns_of_outputs_md_and_money_as_decimal(sdb):
    add_episode(sdb, infusion_date=INFUSION)
    schedule(sdb)
    cols = sdb.execute(
        "select column_name, data_type from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'installment_schedule' order by column_index").fetchall()
    assert [c for c, _ in cols][:15] == [
        "episode_id", "payer_id", "member_id", "contract_id", "installment_number", "installment_date", "due_date",
        "amount", "offset_amount", "net_payable", "paid_amount", "balance", "status", "days_past_due", "as_of_date"]
    types = dict(cols)
    assert {types[c] for c in ("amount", "offset_amount", "net_payable", "paid_amount", "balance")} == {
        "DECIMAL(18,2)"}


def test_dates_are_calendar_months_after_infusion_plus_due_days(sdb):
    add_episode(sdb, infusion_date=D(2024, 1, 31))
    s = schedule(sdb)
    # 2024-01-31 + 12 months = 2025-01-31; + 30 days = 2025-03-02
    assert (s[2]["installment_date"], s[2]["due_date"]) == (D(2025, 1, 31), D(2025, 3, 2))


def test_paid_partially_paid_overpaid_due_and_scheduled(sdb):
    add_episode(sdb, infusion_date=INFUSION)
    add_payment(sdb, "P1", 1, FULL, D(2024, 2, 1))
    add_payment(sdb, "P2", 2, "400000.00", D(2025, 2, 1))
    add_payment(sdb, "P3a", 3, FULL, D(2026, 2, 1))
    add_payment(sdb, "P3b", 3, "10.00", D(2026, 2, 2))
    s = schedule(sdb)
    assert {n: r["status"] for n, r in s.items()} == {
        1: "paid", 2: "partially_paid", 3: "overpaid", 4: "scheduled", 5: "scheduled"}
    assert (s[2]["balance"], s[2]["days_past_due"]) == (Decimal("25000.00"), (AS_OF - D(2025, 2, 14)).days)
    assert (s[3]["paid_amount"], s[3]["balance"], s[3]["days_past_due"]) == (
        Decimal("425010.00"), Decimal("-10.00"), 0)
    assert (s[1]["balance"], s[4]["days_past_due"]) == (Decimal("0.00"), 0)


def test_nothing_paid_after_the_due_date_is_due_with_days_past_due(sdb):
    add_episode(sdb, infusion_date=INFUSION)
    s = schedule(sdb)
    assert (s[3]["status"], s[3]["days_past_due"], s[3]["balance"]) == (
        "due", (AS_OF - D(2026, 2, 14)).days, Decimal(FULL))


def test_a_reversal_nets_the_payment_back_to_nothing(sdb):
    add_episode(sdb, infusion_date=INFUSION)
    add_payment(sdb, "P1", 1, FULL, D(2024, 2, 1))
    add_payment(sdb, "P1-REV", 1, "-425000.00", D(2024, 3, 1))
    s = schedule(sdb)
    assert (s[1]["paid_amount"], s[1]["status"], s[1]["payment_count"]) == (Decimal("0.00"), "due", 2)


def test_a_payment_dated_after_the_as_of_date_does_not_exist_yet(sdb):
    add_episode(sdb, infusion_date=INFUSION)
    add_payment(sdb, "P4", 4, FULL, D(2026, 11, 22))
    s = schedule(sdb)
    assert (s[4]["paid_amount"], s[4]["status"]) == (Decimal("0.00"), "scheduled")


def test_an_installment_settled_entirely_by_refunds_and_unpaid_is_offset(sdb):
    # a 6-month refund of 20% (425,000.00) settles all of installment 2
    add_contract(sdb, contract_id="OBA-B", refund_pcts={6: "20"})
    add_payment_terms(sdb, contract_id="OBA-B", installments=FIVE_YEARLY)
    add_episode(sdb, member_id="M2", contract_id="OBA-B", infusion_date=INFUSION, statuses={6: "not_met"})
    run(sdb)
    (i2,) = rows(sdb, "select * from marts.installment_schedule where member_id = 'M2' and installment_number = 2")
    assert (i2["offset_amount"], i2["net_payable"], i2["balance"], i2["status"], i2["days_past_due"]) == (
        Decimal(FULL), Decimal("0.00"), Decimal("0.00"), "offset", 0)


def test_paying_exactly_the_net_payable_after_an_offset_is_paid(sdb):
    add_episode(sdb, infusion_date=INFUSION, statuses={6: "not_met"})
    add_payment(sdb, "P2", 2, "63750.00", D(2025, 2, 1))
    s = schedule(sdb)
    assert (s[2]["net_payable"], s[2]["status"]) == (Decimal("63750.00"), "paid")


@pytest.mark.parametrize("key", [
    dict(installment_number=9), dict(member_id="M-NONE"), dict(contract_id="OBA-OTHER"), dict(payer_id="PAYB")])
def test_payments_matching_no_episode_installment_are_one_unmatched_row_per_key(sdb, key):
    add_episode(sdb, infusion_date=INFUSION)
    args = dict(installment_number=1) | key
    n = args.pop("installment_number")
    add_payment(sdb, "U1", n, "100.00", D(2025, 1, 1), **args)
    add_payment(sdb, "U2", n, "50.00", D(2025, 1, 2), **args)
    run(sdb)
    (u,) = rows(sdb, "select * from marts.installment_schedule where status = 'unmatched'")
    assert (u["episode_id"], u["installment_date"], u["due_date"], u["amount"], u["offset_amount"],
            u["net_payable"], u["paid_amount"], u["balance"], u["days_past_due"]) == (
        None, None, None, Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("150.00"),
        Decimal("-150.00"), 0)
    assert len(rows(sdb, "select * from marts.installment_schedule where status <> 'unmatched'")) == 5
