"""The marts the reports show: refunds lost vs at risk now vs later, milestones by
timepoint and the claims to fix. Built by the real models from small inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import insert
from tests.refunds.builders import D, add_contract, add_episode, add_remittance, create_colleague_tables
from tests.sqlmodels import run_models

MODELS = ["refunds"]

DUE = Decimal("361250.00")  # 2,125,000 x 17%


@pytest.fixture
def rdb(db):
    create_colleague_tables(db)
    add_contract(db)
    return db


def horizons(con) -> dict[str, tuple[str, Decimal]]:
    run_models(con, MODELS)
    return {m: (h, a) for m, h, a in con.execute(
        "select member_id, risk_horizon, refund_at_risk_amount from marts.refunds_at_risk").fetchall()}


def test_refunds_lost_are_apart_from_those_at_risk_now_and_later(rdb):
    # as-of 2026-11-21; windows are the due date +- 30 days
    add_episode(rdb, member_id="CLOSED", infusion_date=D(2025, 1, 10), statuses={6: "missing_evidence"})
    add_episode(rdb, member_id="OPEN", infusion_date=D(2026, 5, 21), statuses={6: "pending"})
    add_episode(rdb, member_id="IN60", infusion_date=D(2026, 8, 19), statuses={6: "pending"})  # opens as-of + 60
    add_episode(rdb, member_id="IN61", infusion_date=D(2026, 8, 20), statuses={6: "pending"})  # opens as-of + 61
    add_episode(rdb, member_id="MET", infusion_date=D(2025, 1, 10), statuses={6: "met"})
    assert horizons(rdb) == {
        "CLOSED": ("lost", DUE), "OPEN": ("at_risk_now", DUE),
        "IN60": ("at_risk_now", DUE), "IN61": ("at_risk_later", DUE),
    }
    cur = rdb.execute("select * from marts.payer_summary")
    s = dict(zip([d[0] for d in cur.description], cur.fetchall()[0]))
    assert (s["refunds_lost_milestones"], s["refunds_lost_amount"]) == (1, DUE)
    assert (s["refunds_at_risk_now_milestones"], s["refunds_at_risk_now_amount"]) == (2, 2 * DUE)
    assert (s["refunds_at_risk_later_milestones"], s["refunds_at_risk_later_amount"]) == (1, DUE)
    assert s["refunds_at_risk_amount"] == s["refunds_lost_amount"] + s["refunds_at_risk_now_amount"] \
        + s["refunds_at_risk_later_amount"]


def test_a_payer_with_nothing_at_risk_has_zero_in_each_horizon(rdb):
    add_episode(rdb, member_id="MET", infusion_date=D(2025, 1, 10), statuses={6: "met"})
    run_models(rdb, MODELS)
    assert rdb.execute(
        "select refunds_lost_amount, refunds_at_risk_now_amount, refunds_at_risk_later_amount, "
        "refunds_lost_milestones from marts.payer_summary").fetchall() == [(0, 0, 0, 0)]


def test_milestones_by_timepoint_count_statuses_and_sum_refunds_per_payer(rdb):
    add_contract(rdb, contract_id="OBA-B", payer_id="PAYB")
    add_episode(rdb, member_id="M1", statuses={6: "not_met", 12: "pending"})
    add_episode(rdb, member_id="M2", statuses={6: "met", 12: "missing_evidence"})
    add_episode(rdb, payer_id="PAYB", member_id="B1", contract_id="OBA-B", statuses={6: "not_met"})
    add_remittance(rdb, "R1", "100.00", D(2024, 1, 5), member_id="M1")
    add_remittance(rdb, "R2", "7.50", D(2024, 1, 5), member_id="GHOST", timepoint_months=24)  # no milestone
    run_models(rdb, MODELS)
    got = rdb.execute(
        "select payer_id, timepoint_months, milestones_met, milestones_not_met, milestones_pending, "
        "milestones_missing_evidence, milestones, refunds_due_amount, remitted_amount "
        "from marts.milestones_by_timepoint order by all").fetchall()
    assert got == [
        ("PAYA", 6, 1, 1, 0, 0, 2, DUE, Decimal("100.00")),
        ("PAYA", 12, 0, 0, 1, 1, 2, Decimal("0.00"), Decimal("0.00")),
        ("PAYA", 24, 0, 0, 0, 0, 0, Decimal("0.00"), Decimal("7.50")),
        ("PAYB", 6, 0, 1, 0, 0, 1, DUE, Decimal("0.00")),
    ]


def test_claims_to_fix_are_link_problems_and_error_findings_each_with_a_fix(db):
    create_colleague_tables(db)
    db.execute("alter table marts.claims_missing_oba add column fix varchar")
    insert(db, "marts.claims_missing_oba", [
        {"claim_id": "C1", "payer_id": "PAYA", "member_id": "M1", "service_date": D(2025, 1, 2),
         "reason": "MISSING", "suggested_contract_id": "OBA-A", "fix": "Set oba_contract_id to OBA-A."},
    ])
    insert(db, "marts.claim_findings", [
        {"claim_id": "C2", "payer_id": "PAYA", "member_id": "M2", "service_date": D(2025, 1, 3),
         "rule_code": "UNITS_NOT_ONE", "severity": "error", "detail": "3 units; expected exactly 1"},
        {"claim_id": "C3", "payer_id": "PAYA", "member_id": "M3", "service_date": D(2025, 1, 4),
         "rule_code": "AAV9_TITER_STALE", "severity": "warning", "detail": "old titer"},
    ])
    run_models(db, ["claims__claims_to_fix"])
    got = db.execute("select source, claim_id, problem, suggested_contract_id, fix "
                     "from marts.claims_to_fix order by claim_id").fetchall()
    assert [r[:4] for r in got] == [("oba_link", "C1", "MISSING", "OBA-A"),
                                    ("finding", "C2", "UNITS_NOT_ONE", None)]  # the warning needs no fix
    assert got[0][4] == "Set oba_contract_id to OBA-A."
    assert "3 units; expected exactly 1" in got[1][4] and "resubmit" in got[1][4]


@pytest.mark.parametrize("mart", ["claims_to_fix", "milestones_by_timepoint", "refunds_at_risk", "payer_summary"])
def test_every_column_is_documented(rdb, mart):
    rdb.execute("alter table marts.claims_missing_oba add column fix varchar")
    run_models(rdb, ["claims__claims_to_fix", *MODELS])
    assert rdb.execute(
        "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ? "
        "and (comment is null or comment = '')", [mart]).fetchall() == []
