"""marts.refund_reconciliation and marts.payer_summary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import DEFAULT_AS_OF, insert
from tests.refunds.builders import D, add_contract, add_episode, add_remittance, create_colleague_tables
from tests.sqlmodels import run_models, set_as_of

MODELS = ["refunds"]

DUE = Decimal("361250.00")


@pytest.fixture
def rdb(db):
    create_colleague_tables(db)
    add_contract(db)
    return db


def recon(con):
    run_models(con, MODELS)
    cur = con.execute(
        "select * from marts.refund_reconciliation order by member_id, timepoint_months"
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def one(con):
    rows = recon(con)
    assert len(rows) == 1, rows
    return rows[0]


def test_output_columns_and_money_types(rdb):
    add_episode(rdb, statuses={6: "not_met"})
    recon(rdb)
    cols = rdb.execute(
        "select column_name, data_type from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'refund_reconciliation' order by column_index"
    ).fetchall()
    names = [c for c, _ in cols]
    assert names[:12] == [
        "contract_id", "payer_id", "member_id", "episode_id", "timepoint_months",
        "refund_due_amount", "refund_due_date", "offset_amount", "remitted_amount", "balance", "status",
        "days_past_due",
    ]
    types = dict(cols)
    assert (types["refund_due_amount"] == types["offset_amount"] == types["remitted_amount"] == types["balance"]
            == "DECIMAL(18,2)")


def test_unpaid_when_nothing_remitted_and_only_owing_milestones_appear(rdb):
    add_episode(rdb, statuses={6: "not_met", 12: "met", 24: "pending"})
    r = one(rdb)
    assert r["timepoint_months"] == 6 and r["status"] == "unpaid"
    assert r["remitted_amount"] == Decimal("0.00") and r["balance"] == DUE
    assert r["episode_id"] == "EP-PAYA-M1"


def test_paid_exactly(rdb):
    add_episode(rdb, statuses={6: "not_met"})
    add_remittance(rdb, "R1", "300000.00", D(2024, 1, 5))
    add_remittance(rdb, "R2", "61250.00", D(2024, 2, 5))
    r = one(rdb)
    assert (r["status"], r["remitted_amount"], r["balance"], r["days_past_due"]) == (
        "paid", DUE, Decimal("0.00"), 0)
    assert r["remittance_count"] == 2


def test_partially_paid_and_one_cent_short(rdb):
    add_episode(rdb, statuses={6: "not_met"})
    add_remittance(rdb, "R1", "361249.99", D(2024, 1, 5))
    r = one(rdb)
    assert r["status"] == "partially_paid" and r["balance"] == Decimal("0.01")


def test_overpaid(rdb):
    add_episode(rdb, statuses={6: "not_met"})
    add_remittance(rdb, "R1", "361250.01", D(2024, 1, 5))
    r = one(rdb)
    assert r["status"] == "overpaid" and r["balance"] == Decimal("-0.01")
    assert r["days_past_due"] == 0


def test_reversal_netting_to_zero_is_unpaid(rdb):
    add_episode(rdb, statuses={6: "not_met"})
    add_remittance(rdb, "R1", "361250.00", D(2024, 1, 5))
    add_remittance(rdb, "R1-REV", "-361250.00", D(2024, 1, 20))
    r = one(rdb)
    assert r["remitted_amount"] == Decimal("0.00")
    assert r["status"] == "unpaid" and r["balance"] == DUE
    assert r["remittance_count"] == 2


def test_partial_reversal_adds_up(rdb):
    add_episode(rdb, statuses={6: "not_met"})
    add_remittance(rdb, "R1", "361250.00", D(2024, 1, 5))
    add_remittance(rdb, "R1-REV", "-1250.00", D(2024, 1, 20))
    r = one(rdb)
    assert r["remitted_amount"] == Decimal("360000.00") and r["status"] == "partially_paid"


def test_unmatched_remittance_without_episode_milestone(rdb):
    add_episode(rdb, statuses={6: "not_met"})
    add_remittance(rdb, "R9", "5000.00", D(2024, 1, 5), member_id="NOBODY", timepoint_months=12)
    add_remittance(rdb, "R10", "1000.00", D(2024, 1, 6), member_id="NOBODY", timepoint_months=12)
    rows = recon(rdb)
    assert len(rows) == 2
    orphan = [r for r in rows if r["member_id"] == "NOBODY"][0]
    assert orphan["status"] == "unmatched" and orphan["episode_id"] is None
    assert orphan["remitted_amount"] == Decimal("6000.00")  # one row per key, added up
    assert orphan["refund_due_amount"] == Decimal("0.00")
    assert orphan["balance"] == Decimal("-6000.00")
    assert orphan["days_past_due"] == 0 and orphan["refund_due_date"] is None


@pytest.mark.parametrize("key", [
    {"contract_id": "OBA-OTHER"},
    {"payer_id": "PAYB"},
    {"member_id": "M2"},
    {"timepoint_months": 12},
])
def test_a_remittance_matches_only_on_its_whole_key(rdb, key):
    # (contract_id, payer_id, member_id, timepoint_months): one part different, and it pays nothing
    add_episode(rdb, statuses={6: "not_met"})
    add_remittance(rdb, "R1", "361250.00", D(2024, 1, 5), **key)
    owing, other = sorted(recon(rdb), key=lambda r: r["status"] == "unmatched")
    assert (owing["status"], owing["remitted_amount"], owing["balance"]) == ("unpaid", Decimal("0.00"), DUE)
    assert (other["status"], other["episode_id"], other["remitted_amount"]) == ("unmatched", None, DUE)
    assert {k: other[k] for k in key} == key


def test_remittance_on_milestone_that_owes_nothing_is_unmatched(rdb):
    add_episode(rdb, statuses={6: "met"})
    add_remittance(rdb, "R1", "361250.00", D(2024, 1, 5))
    r = one(rdb)
    assert r["status"] == "unmatched" and r["episode_id"] == "EP-PAYA-M1"
    assert r["balance"] == -DUE


def test_remittance_dated_after_as_of_does_not_exist(rdb):
    add_episode(rdb, statuses={6: "not_met"})
    add_remittance(rdb, "R1", "361250.00", DEFAULT_AS_OF + dt.timedelta(days=1))
    add_remittance(rdb, "R2", "100.00", DEFAULT_AS_OF + dt.timedelta(days=1), member_id="LATE")
    add_remittance(rdb, "R3", "50.00", DEFAULT_AS_OF)  # on the as-of date: exists
    r = one(rdb)
    assert r["remitted_amount"] == Decimal("50.00") and r["status"] == "partially_paid"


def due_date_of(con):
    run_models(con, MODELS)
    return con.execute(
        "select refund_due_date from core.milestone_refunds where timepoint_months = 6"
    ).fetchall()[0][0]


@pytest.mark.parametrize("offset, expected", [(-1, 0), (0, 0), (1, 1), (30, 30)])
def test_days_past_due_around_the_due_date(rdb, offset, expected):
    add_episode(rdb, statuses={6: "not_met"})
    due = due_date_of(rdb)
    set_as_of(rdb, due + dt.timedelta(days=offset))
    assert one(rdb)["days_past_due"] == expected


def test_days_past_due_zero_when_paid_after_due_date(rdb):
    add_episode(rdb, statuses={6: "not_met"})
    add_remittance(rdb, "R1", "361250.00", D(2026, 1, 5))
    r = one(rdb)
    assert r["refund_due_date"] < DEFAULT_AS_OF
    assert r["days_past_due"] == 0
    # and the same row one cent short is past due
    add_remittance(rdb, "R1-REV", "-0.01", D(2026, 1, 6))
    r = one(rdb)
    assert r["days_past_due"] == (DEFAULT_AS_OF - r["refund_due_date"]).days > 0


def test_payer_summary_totals(rdb):
    add_contract(rdb, contract_id="OBA-B", payer_id="PAYB")
    add_episode(rdb, member_id="M1", statuses={6: "not_met", 12: "pending"})   # unpaid, overdue
    add_episode(rdb, member_id="M2", statuses={6: "not_met", 12: "met"})       # overpaid by 10
    add_remittance(rdb, "R1", "361260.00", D(2024, 1, 5), member_id="M2")
    add_remittance(rdb, "R2", "7.50", D(2024, 1, 5), member_id="GHOST")         # unmatched
    add_episode(rdb, payer_id="PAYB", member_id="B1", contract_id="OBA-B", statuses={6: "met"})
    insert(rdb, "marts.claims_missing_oba", [
        {"claim_id": "C1", "payer_id": "PAYA", "member_id": "M9", "reason": "missing"},
        {"claim_id": "C2", "payer_id": "PAYA", "member_id": "M8", "reason": "unknown"},
    ])
    run_models(rdb, MODELS)
    cur = rdb.execute("select * from marts.payer_summary order by payer_id")
    cols = [d[0] for d in cur.description]
    rows = {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}
    a = rows["PAYA"]
    assert a["refunds_due_amount"] == 2 * DUE
    assert a["remitted_amount"] == Decimal("361267.50")
    assert a["outstanding_amount"] == DUE
    assert a["overdue_amount"] == DUE
    assert a["credit_amount"] == Decimal("17.50")
    assert a["net_balance"] == 2 * DUE - Decimal("361267.50")
    assert a["net_balance"] == a["outstanding_amount"] - a["credit_amount"]
    assert (a["milestones_not_met"], a["milestones_pending"], a["milestones_met"]) == (2, 1, 1)
    assert (a["refunds_unpaid"], a["refunds_overpaid"], a["remittances_unmatched"]) == (1, 1, 1)
    assert a["claims_missing_oba"] == 2
    assert a["refunds_at_risk_milestones"] == 1 and a["refunds_at_risk_amount"] == DUE
    b = rows["PAYB"]
    assert b["refunds_due_amount"] == Decimal("0.00") and b["milestones_met"] == 1
    assert b["claims_missing_oba"] == 0
    assert set(rows) == {"PAYA", "PAYB"}


def test_payer_summary_includes_payer_known_only_from_remittances(rdb):
    add_remittance(rdb, "R1", "10.00", D(2024, 1, 5), payer_id="ONLYREMIT", contract_id="X")
    run_models(rdb, MODELS)
    rows = rdb.execute(
        "select payer_id, remittances_unmatched, remitted_amount from marts.payer_summary order by 1"
    ).fetchall()
    assert ("ONLYREMIT", 1, Decimal("10.00")) in rows
    assert any(r[0] == "PAYA" for r in rows)  # from contracts alone
