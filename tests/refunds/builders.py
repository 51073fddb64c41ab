"""Test builders for the refunds and reports domains.

core.milestone_decisions, core.episodes, marts.claims_missing_oba,
marts.claim_findings, marts.assessment_worklist and core.person_evidence belong to
colleagues; tests create them here with the columns of docs/architecture.md /
spec/outputs.md so the refunds models can run on their own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb

from tests.conftest import insert

D = dt.date
AS_OF = D(2026, 11, 21)

COLLEAGUE_DDL = [
    """create table if not exists core.milestone_decisions (
        episode_id varchar, payer_id varchar, member_id varchar, contract_id varchar,
        timepoint_months integer, due_date date, window_start date, window_end date,
        status varchar, evidence varchar, as_of_date date)""",
    """create table if not exists core.episodes (
        episode_id varchar, payer_id varchar, member_id varchar, claim_id varchar,
        infusion_date date, birth_date date, weight_kg decimal(18,6),
        contract_id varchar, link_status varchar)""",
    """create table if not exists marts.claims_missing_oba (
        claim_id varchar, payer_id varchar, member_id varchar, billed_member_id varchar, service_date date,
        oba_contract_id varchar, reason varchar, suggested_contract_id varchar)""",
    """create table if not exists marts.claim_findings (
        claim_id varchar, payer_id varchar, member_id varchar, billed_member_id varchar, service_date date,
        rule_code varchar, severity varchar, detail varchar)""",
    """create table if not exists marts.assessment_worklist (
        episode_id varchar, payer_id varchar, member_id varchar, contract_id varchar,
        timepoint_months integer, window_start date, window_end date,
        days_until_window_end integer, needed varchar, enrolled boolean, enrolled_on_due_date boolean,
        last_contact_date date)""",
]


def insert_plain(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert dict rows as given (conftest.insert adds _row_number, which
    staging.contracts does not have)."""
    for row in rows:
        names = list(row)
        con.execute(
            f"insert into {table} ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
            [row[n] for n in names],
        )


def create_colleague_tables(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in COLLEAGUE_DDL:
        con.execute(ddl)


def add_contract(
    con: duckdb.DuckDBPyConnection,
    contract_id: str = "OBA-A",
    payer_id: str = "PAYA",
    price_basis: str | Decimal = "2125000.00",
    refund_pcts: dict[int, str | Decimal] | None = None,
    refund_cap_pct: str | Decimal = "100",
    refund_due_days: int = 90,
    missing_evidence: str = "no_refund",
) -> None:
    refund_pcts = refund_pcts or {6: "17", 12: "17", 24: "17", 36: "17", 60: "17"}
    insert_plain(con, "staging.contracts", [{
        "contract_id": contract_id, "payer_id": payer_id, "product_hcpcs": "J3399",
        "effective_from": D(2024, 1, 1), "price_basis": Decimal(str(price_basis)),
        "refund_cap_pct": Decimal(str(refund_cap_pct)), "refund_due_days": refund_due_days,
        "missing_evidence": missing_evidence, "assessment_selection": "closest_to_due",
        "baseline_window_days": 30, "_delivery_seq": 1, "_file_path": f"contracts/{contract_id}.yaml",
    }])
    insert(con, "staging.contract_milestones", [
        {"contract_id": contract_id, "timepoint_months": tp, "window_days_before": 30,
         "window_days_after": 30, "refund_pct": Decimal(str(pct))}
        for tp, pct in refund_pcts.items()
    ])


def episode_id(payer_id: str, member_id: str) -> str:
    return f"EP-{payer_id}-{member_id}"


def add_episode(
    con: duckdb.DuckDBPyConnection,
    payer_id: str = "PAYA",
    member_id: str = "M1",
    contract_id: str = "OBA-A",
    infusion_date: dt.date = D(2023, 1, 10),
    statuses: dict[int, str] | None = None,
    window_days: int = 30,
) -> str:
    """An episode with one decision row per timepoint in `statuses`.

    due_date = infusion + N months; window = due ± window_days.
    """
    ep = episode_id(payer_id, member_id)
    insert(con, "core.episodes", [{
        "episode_id": ep, "payer_id": payer_id, "member_id": member_id,
        "claim_id": f"CLM-{member_id}", "infusion_date": infusion_date,
        "birth_date": infusion_date - dt.timedelta(days=200), "weight_kg": Decimal("5.5"),
        "contract_id": contract_id, "link_status": "linked",
    }])
    rows: list[dict[str, Any]] = []
    for tp, status in (statuses or {}).items():
        due = con.execute(
            "select (?::date + interval (?) month)::date", [infusion_date, tp]
        ).fetchone()[0]
        rows.append({
            "episode_id": ep, "payer_id": payer_id, "member_id": member_id,
            "contract_id": contract_id, "timepoint_months": tp, "due_date": due,
            "window_start": due - dt.timedelta(days=window_days),
            "window_end": due + dt.timedelta(days=window_days),
            "status": status, "evidence": f"test evidence {status}", "as_of_date": AS_OF,
        })
    insert(con, "core.milestone_decisions", rows)
    return ep


def add_remittance(
    con: duckdb.DuckDBPyConnection,
    remittance_id: str,
    amount: str | Decimal,
    remitted_date: dt.date,
    contract_id: str = "OBA-A",
    payer_id: str = "PAYA",
    member_id: str = "M1",
    timepoint_months: int = 6,
    reference: str | None = None,
) -> None:
    insert(con, "staging.remittances", [{
        "remittance_id": remittance_id, "contract_id": contract_id, "payer_id": payer_id,
        "member_id": member_id, "timepoint_months": timepoint_months,
        "amount": Decimal(str(amount)), "remitted_date": remitted_date, "reference": reference,
    }])
