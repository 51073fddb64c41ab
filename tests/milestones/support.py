"""Builders shared by the milestones tests: episodes, contracts, criteria trees."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from tests.conftest import insert
from tests.sqlmodels import run_models, set_as_of

D = dt.date.fromisoformat

# core.episodes is produced by the claims domain; tests create it
# themselves with the columns docs/architecture.md lists.
EPISODES_DDL = """
create table if not exists core.episodes (
    episode_id varchar,
    payer_id varchar,
    member_id varchar,
    claim_id varchar,
    infusion_date date,
    birth_date date,
    weight_kg decimal(18,6),
    contract_id varchar,
    link_status varchar
)
"""


def add_episode(con: duckdb.DuckDBPyConnection, infusion: str, member: str = "M1",
                contract: str | None = "C1", payer: str = "P1") -> str:
    con.execute(EPISODES_DDL)
    episode_id = f"EP-{payer}-{member}"
    insert(con, "core.episodes", [{
        "episode_id": episode_id, "payer_id": payer, "member_id": member,
        "claim_id": f"CL-{member}", "infusion_date": D(infusion), "birth_date": D("2024-01-01"),
        "weight_kg": 5, "contract_id": contract,
        "link_status": "linked" if contract else "unlinked",
    }])
    return episode_id


def tree_rows(tree: Any) -> list[dict[str, Any]]:
    """Flatten a criteria tree written as the YAML would read:
    "alive", "ventilator_free_survival", ("score_min", I, V), ("score_gain", I, P),
    ("motor_milestone", M), ("all", [...]), ("any", [...])."""
    rows: list[dict[str, Any]] = []

    def walk(node: Any, parent: int | None, position: int, depth: int) -> None:
        node_id = len(rows) + 1
        row = {"node_id": node_id, "parent_node_id": parent, "position": position, "depth": depth,
               "instrument": None, "threshold": None, "milestone": None}
        rows.append(row)
        if isinstance(node, str):
            row["kind"] = node
            return
        kind = node[0]
        row["kind"] = kind
        if kind in ("all", "any"):
            for i, child in enumerate(node[1], start=1):
                walk(child, node_id, i, depth + 1)
        elif kind in ("score_min", "score_gain"):
            row["instrument"], row["threshold"] = node[1], node[2]
        elif kind == "motor_milestone":
            row["milestone"] = node[1]
        else:
            raise ValueError(kind)

    walk(tree, None, 1, 0)
    return rows


def add_contract(con: duckdb.DuckDBPyConnection, milestones: list[dict[str, Any]],
                 contract_id: str = "C1", selection: str = "closest_to_due",
                 baseline_window_days: int = 30, payer: str = "P1") -> None:
    """milestones: dicts with timepoint_months, criteria, optional before/after."""
    # Not via tests.conftest.insert: staging.contracts has _delivery_seq but no
    # _row_number, and that helper fills both.
    con.execute(
        "insert into staging.contracts (contract_id, payer_id, product_hcpcs, effective_from, "
        "price_basis, refund_cap_pct, refund_due_days, missing_evidence, assessment_selection, "
        "baseline_window_days, _delivery_seq, _file_path) "
        "values (?, ?, 'J3399', date '2020-01-01', 2125000, 100, 90, 'no_refund', ?, ?, 1, ?)",
        [contract_id, payer, selection, baseline_window_days, f"test/contracts/{contract_id}.yaml"],
    )
    for m in milestones:
        insert(con, "staging.contract_milestones", [{
            "contract_id": contract_id, "timepoint_months": m["timepoint_months"],
            "window_days_before": m.get("before", 30), "window_days_after": m.get("after", 30),
            "refund_pct": 17,
        }])
        insert(con, "staging.contract_criteria", [
            {"contract_id": contract_id, "timepoint_months": m["timepoint_months"], **r}
            for r in tree_rows(m["criteria"])
        ])


def score(aid: str, date: str, value: int, instrument: str = "CHOP-INTEND", member: str = "M1",
          status: str = "final", seq: int = 1, row: int = 1, payer: str = "P1") -> dict[str, Any]:
    return {"assessment_id": aid, "payer_id": payer, "member_id": member,
            "assessment_date": D(date), "instrument": instrument, "score": value,
            "status": status, "_delivery_seq": seq, "_row_number": row}


def motor(aid: str, date: str, milestone: str, achieved: bool, member: str = "M1",
          status: str = "final", payer: str = "P1") -> dict[str, Any]:
    return {"assessment_id": aid, "payer_id": payer, "member_id": member,
            "assessment_date": D(date), "instrument": "MOTOR_MILESTONE", "milestone": milestone,
            "achieved": achieved, "status": status}


def event(eid: str, date: str, event_type: str, member: str = "M1", payer: str = "P1") -> dict[str, Any]:
    return {"event_id": eid, "payer_id": payer, "member_id": member,
            "event_type": event_type, "event_date": D(date)}


def resp(date: dt.date | str, hours: float, member: str = "M1", acute: bool = False,
         periop: bool = False, payer: str = "P1") -> dict[str, Any]:
    return {"payer_id": payer, "member_id": member,
            "support_date": D(date) if isinstance(date, str) else date,
            "hours": hours, "support_type": "niv",
            "acute_reversible_illness": acute, "perioperative": periop}


def run(con: duckdb.DuckDBPyConnection, as_of: str | None = None) -> None:
    con.execute(EPISODES_DDL)
    if as_of:
        set_as_of(con, D(as_of))
    run_models(con, ["milestones"])


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def decision(con: duckdb.DuckDBPyConnection, timepoint: int = 6, member: str = "M1",
             payer: str | None = None) -> dict[str, Any]:
    """The one decision of the member's milestone (of that payer's member, when given)."""
    found = rows(con, "select * from core.milestone_decisions where member_id = ? and timepoint_months = ? "
                      "and payer_id = coalesce(?, payer_id)", [member, timepoint, payer])
    assert len(found) == 1, found
    return found[0]


def node(con: duckdb.DuckDBPyConnection, node_id: int, timepoint: int = 6, member: str = "M1") -> dict[str, Any]:
    found = rows(con, "select * from core.criteria_results where member_id = ? and timepoint_months = ? "
                      "and node_id = ?", [member, timepoint, node_id])
    assert len(found) == 1, found
    return found[0]
