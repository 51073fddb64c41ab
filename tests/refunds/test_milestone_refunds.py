"""core.milestone_refunds and marts.milestone_status: amounts, rounding, cap, due dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.refunds.builders import add_contract, add_episode, create_colleague_tables
from tests.sqlmodels import domain_models, model, run_models

MODELS = ["refunds"]


@pytest.fixture
def rdb(db):
    create_colleague_tables(db)
    return db


def refunds(con, member_id="M1"):
    run_models(con, MODELS)
    rows = con.execute(
        "select timepoint_months, status, refund_due_amount, refund_due_date, window_end, "
        "refund_at_risk_amount from core.milestone_refunds where member_id = ? "
        "order by timepoint_months",
        [member_id],
    ).fetchall()
    return {r[0]: r for r in rows}


def test_not_met_owes_price_times_pct_due_after_window(rdb):
    add_contract(rdb, refund_due_days=90)
    add_episode(rdb, statuses={6: "not_met", 12: "met"})
    r = refunds(rdb)
    assert r[6][2] == Decimal("361250.00")  # 2,125,000 x 17%
    assert r[6][3] == r[6][4] + dt.timedelta(days=90)
    assert r[12][2] == Decimal("0.00") and r[12][3] is None


def test_cap_crossing_milestone_owes_only_the_rest(rdb):
    # 17 + 17 + 17 + 17 with a 40% cap: 17, 17, then only 6, then 0
    add_contract(rdb, refund_cap_pct="40")
    add_episode(rdb, statuses={6: "not_met", 12: "not_met", 24: "not_met", 36: "not_met"})
    r = refunds(rdb)
    assert [r[t][2] for t in (6, 12, 24, 36)] == [
        Decimal("361250.00"), Decimal("361250.00"), Decimal("127500.00"), Decimal("0.00")
    ]
    assert r[24][3] is not None  # owes > 0: has a due date
    assert r[36][3] is None  # capped out: owes nothing, no due date
    assert sum(r[t][2] for t in r) == Decimal("850000.00")


def test_cap_counts_in_timepoint_order_not_insert_order(rdb):
    add_contract(rdb, refund_cap_pct="20", refund_pcts={6: "10", 12: "15"})
    add_episode(rdb, statuses={12: "not_met", 6: "not_met"})
    r = refunds(rdb)
    assert r[6][2] == Decimal("212500.00")  # 10% first
    assert r[12][2] == Decimal("212500.00")  # only the remaining 10%, not 15%


def test_cap_is_per_episode(rdb):
    add_contract(rdb, refund_cap_pct="20")
    add_episode(rdb, member_id="M1", statuses={6: "not_met", 12: "not_met"})
    add_episode(rdb, member_id="M2", statuses={6: "not_met"})
    assert refunds(rdb, "M2")[6][2] == Decimal("361250.00")
    assert refunds(rdb, "M1")[12][2] == Decimal("63750.00")


@pytest.mark.parametrize("policy, owed", [("refund", Decimal("361250.00")), ("no_refund", Decimal("0.00"))])
def test_missing_evidence_owes_only_under_refund_policy(rdb, policy, owed):
    add_contract(rdb, missing_evidence=policy)
    add_episode(rdb, statuses={6: "missing_evidence"})
    r = refunds(rdb)[6]
    assert r[2] == owed
    assert (r[3] is not None) == (owed > 0)


def test_pending_and_met_owe_nothing(rdb):
    add_contract(rdb, missing_evidence="refund")
    add_episode(rdb, statuses={6: "met", 12: "pending"})
    r = refunds(rdb)
    assert r[6][2] == r[12][2] == Decimal("0.00")
    assert r[6][3] is None and r[12][3] is None


def test_exact_cents_half_cent_rounds_up(rdb):
    # 2,125,000.10 x 17.5% = 371,875.0175 -> 371,875.02
    add_contract(rdb, price_basis="2125000.10", refund_pcts={6: "17.5"})
    add_episode(rdb, statuses={6: "not_met"})
    assert refunds(rdb)[6][2] == Decimal("371875.02")


@pytest.mark.parametrize("price, pct, expected", [
    ("2125000.03", "50", "1062500.02"),  # 1,062,500.015 exactly: a double reads it as ...01499
    ("2010.01", "50", "1005.01"),        # 1,005.005 exactly: a double reads it as ...00499
    ("0.01", "50", "0.01"),              # 0.005: banker's rounding would give 0.00
    ("2125000.05", "10", "212500.01"),   # 212,500.005
])
def test_exactly_half_a_cent_rounds_away_from_zero(rdb, price, pct, expected):
    add_contract(rdb, price_basis=price, refund_pcts={6: pct})
    add_episode(rdb, statuses={6: "not_met"})
    assert refunds(rdb)[6][2] == Decimal(expected)


def test_no_float_drift_on_large_sums(rdb):
    add_contract(rdb, price_basis="2999999.99", refund_pcts={6: "33.3333", 12: "33.3333"})
    add_episode(rdb, statuses={6: "not_met", 12: "not_met"})
    r = refunds(rdb)
    expected = (Decimal("2999999.99") * Decimal("33.3333") / 100).quantize(Decimal("0.01"))
    assert r[6][2] == r[12][2] == expected == Decimal("999999.00")


def test_refund_at_risk_respects_cap_and_policy(rdb):
    add_contract(rdb, refund_cap_pct="40")
    add_episode(rdb, statuses={6: "not_met", 12: "missing_evidence", 24: "pending", 36: "pending"})
    add_contract(rdb, contract_id="OBA-R", missing_evidence="refund")
    add_episode(rdb, member_id="M2", contract_id="OBA-R", statuses={6: "pending"})
    r = refunds(rdb)
    assert r[12][5] == Decimal("361250.00")
    assert r[24][5] == Decimal("127500.00")  # the rest of the 40% cap
    assert r[36][5] == Decimal("0.00")
    assert r[6][5] == Decimal("0.00")  # already owed, not at risk
    assert refunds(rdb, "M2")[6][5] == Decimal("0.00")  # refund policy: nothing lost
    at_risk = rdb.execute(
        "select timepoint_months, refund_at_risk_amount from marts.refunds_at_risk order by 1"
    ).fetchall()
    assert at_risk == [(12, Decimal("361250.00")), (24, Decimal("127500.00"))]


OUTPUT_COLUMNS = [
    "episode_id", "payer_id", "member_id", "contract_id", "timepoint_months", "due_date",
    "window_start", "window_end", "status", "refund_due_amount", "refund_due_date",
    "evidence", "as_of_date",
]


def test_milestone_status_has_every_output_column_with_decimal_money(rdb):
    add_contract(rdb)
    add_episode(rdb, statuses={6: "not_met", 12: "met", 24: "pending"})
    run_models(rdb, MODELS)
    cols = dict(rdb.execute(
        "select column_name, data_type from duckdb_columns() "
        "where schema_name = 'marts' and table_name = 'milestone_status'"
    ).fetchall())
    for c in OUTPUT_COLUMNS:
        assert c in cols, c
    assert cols["refund_due_amount"] == "DECIMAL(18,2)"
    assert cols["due_date"] == cols["refund_due_date"] == cols["as_of_date"] == "DATE"
    rows = rdb.execute(
        f"select {', '.join(OUTPUT_COLUMNS)} from marts.milestone_status order by timepoint_months"
    ).fetchall()
    assert len(rows) == 3
    assert [r[9] for r in rows] == [Decimal("361250.00"), Decimal("0.00"), Decimal("0.00")]
    assert [r[10] is None for r in rows] == [False, True, True]
    assert rows[0][11] == "test evidence not_met"
    # column comments applied from the .yml
    comment = rdb.execute(
        "select comment from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'milestone_status' and column_name = 'refund_due_amount'"
    ).fetchall()[0][0]
    assert comment and "0.00" in comment


def test_every_model_is_one_select_ending_in_final():
    for name in domain_models("refunds"):
        sql = model(name)["raw_code"]
        assert sql.rstrip().endswith("select * from final"), name
        code = "\n".join(line.split("--")[0] for line in sql.splitlines())
        assert ";" not in code, name
        assert code.lstrip().lower().startswith("with "), name
        assert model(name)["description"], name
