"""Builders and query helpers for the claims-domain tests.

`clean_claim` builds the lines of an infusion claim that breaks no rule of
spec claims.md; `clean_auth` its prior authorization; `add_contract` a contract.
Tests change one thing and assert that exactly the rule it breaks fires.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb

from tests.conftest import insert
from tests.sqlmodels import run_models

PAYER = "ACME"
MEMBER = "M1"
CONTRACT = "OBA-ACME-2024"
INFUSION = dt.date(2025, 3, 3)
BIRTH = dt.date(2024, 6, 1)
WEIGHT = Decimal("10.0")
KIT_FOR_WEIGHT = "71894-0134-07"  # band 9.6-10.0 kg


def clean_claim(
    claim_id: str = "C1",
    *,
    member_id: str = MEMBER,
    payer_id: str = PAYER,
    prior_auth_number: str | None = "PA1",
    oba_contract_id: str | None = CONTRACT,
    service_date: dt.date = INFUSION,
    frequency_code: str = "1",
    original_claim_id: str | None = None,
    drug: dict[str, Any] | None = None,
    admin: dict[str, Any] | None = None,
    extra_lines: list[dict[str, Any]] | None = None,
    **claim_level: Any,
) -> list[dict[str, Any]]:
    """A clean ZOLGENSMA infusion claim: line 1 the drug, line 2 the 96365 administration.

    `drug` / `admin` override columns of line 1 / line 2 (admin=None keeps it;
    pass admin={"procedure_code": ...} to change it); `claim_level` overrides
    columns on every line.
    """
    common = dict(
        claim_id=claim_id,
        frequency_code=frequency_code,
        original_claim_id=original_claim_id,
        payer_id=payer_id,
        member_id=member_id,
        patient_birth_date=BIRTH,
        service_date=service_date,
        diagnosis_codes=["G120"],
        prior_auth_number=prior_auth_number,
        oba_contract_id=oba_contract_id,
        place_of_service="22",
        billing_npi="1234567890",
    )
    common.update(claim_level)
    drug_line = dict(
        common,
        line_number=1,
        procedure_code="J3399",
        units=Decimal("1"),
        ndc=KIT_FOR_WEIGHT,
        ndc_unit="ML",
        ndc_quantity=Decimal("55.0"),
        revenue_code="0636",
        modifiers=["JZ"],
        patient_weight_kg=WEIGHT,
        billed_amount=Decimal("2125000.00"),
    )
    drug_line.update(drug or {})
    admin_line = dict(common, line_number=2, procedure_code="96365", units=Decimal("1"), revenue_code="0260")
    admin_line.update(admin or {})
    lines = [drug_line, admin_line]
    for i, extra in enumerate(extra_lines or [], start=3):
        line = dict(common, line_number=i, units=Decimal("1"))
        line.update(extra)
        lines.append(line)
    return lines


def clean_auth(prior_auth_number: str = "PA1", **overrides: Any) -> dict[str, Any]:
    row = dict(
        prior_auth_number=prior_auth_number,
        payer_id=PAYER,
        member_id=MEMBER,
        decision="approved",
        decision_date=INFUSION - dt.timedelta(days=20),
        sma_type="1",
        smn1_biallelic=True,
        smn2_copy_number=2,
        aav9_titer="1:25",
        aav9_titer_date=INFUSION - dt.timedelta(days=7),
        weight_kg=WEIGHT,
        weight_date=INFUSION - dt.timedelta(days=7),
        planned_infusion_date=INFUSION,
    )
    row.update(overrides)
    return row


def add_contract(
    con: duckdb.DuckDBPyConnection,
    contract_id: str = CONTRACT,
    payer_id: str = PAYER,
    effective_from: dt.date = dt.date(2024, 1, 1),
    effective_to: dt.date | None = None,
) -> None:
    # conftest.insert cannot be used: staging.contracts has no _row_number column
    con.execute(
        """insert into staging.contracts values
           (?, ?, 'J3399', ?, ?, 2125000.00, 100, 90, 'no_refund', 'closest_to_due', 30, 1, 'test/contract.yaml',
            'continue')""",
        [contract_id, payer_id, effective_from, effective_to],
    )


def load_clean(con, lines=None, auths=None, contracts=True) -> None:
    """Insert a clean claim (or the given lines), its authorization and the contract."""
    insert(con, "staging.claims", lines if lines is not None else clean_claim())
    insert(con, "staging.authorizations", auths if auths is not None else [clean_auth()])
    if contracts:
        add_contract(con)


def run(con) -> None:
    run_models(con, ["claims"])


def rows(con, sql: str, params=None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def findings(con, claim_id: str | None = None) -> list[dict[str, Any]]:
    where = "where claim_id = ?" if claim_id else ""
    return rows(
        con,
        f"select * from marts.claim_findings {where} order by claim_id, rule_code",
        [claim_id] if claim_id else None,
    )


def rule_codes(con, claim_id: str | None = None) -> set[str]:
    return {f["rule_code"] for f in findings(con, claim_id)}
