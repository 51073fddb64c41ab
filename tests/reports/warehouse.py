"""A small published warehouse with two payers, built through the real refunds models
and the real evidence models (core.person_evidence, core.permanent_ventilation)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

from pipelines import schema
from tests.conftest import insert
from tests.refunds.builders import (
    AS_OF, D, add_contract, add_episode, add_remittance, create_colleague_tables, insert_plain,
)
from tests.payments.builders import MODELS as PAYMENT_MODELS
from tests.sqlmodels import run_models, set_as_of

# the refunds marts and the payments marts the reports read (tests/payments/builders.py)
MODELS = PAYMENT_MODELS

# Payer B's identifiers and amounts: none of these may appear in payer A's reports.
B_SECRETS = ["PAYB", "BMEMBER77", "OBA-BETA", "BCLAIM55", "EP-PAYB-BMEMBER77",
             "209876.54", "209,876.54", "4321.98", "4,321.98"]

A_INJECTION_MEMBER = "=1+2"
A_INJECTION_REASON = "@SUM(A1)"

EVIDENCE_MODELS = [
    "milestones__assessment_evidence", "milestones__person_evidence", "milestones__permanent_ventilation",
    "milestones__ventilator_free_survival",
]
A_FIX = "Set oba_contract_id to OBA-A and resubmit the claim."


def build_evidence(con: duckdb.DuckDBPyConnection) -> None:
    """The survival mart as a published warehouse has it: the evidence models and
    marts.ventilator_free_survival run on the staged events and core.episodes."""
    run_models(con, EVIDENCE_MODELS)


def build_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    schema.create_all(con)
    set_as_of(con, AS_OF)
    create_colleague_tables(con)
    con.execute("alter table marts.claims_missing_oba add column fix varchar")  # the claims domain's plain words
    # payer A: 2,125,000 x 17% = 361,250.00 per missed milestone, cap 40%
    add_contract(con, contract_id="OBA-A", payer_id="PAYA", refund_cap_pct="40")
    add_episode(con, "PAYA", "AM1", "OBA-A", infusion_date=D(2023, 1, 10),
                statuses={6: "not_met", 12: "not_met", 24: "not_met", 36: "pending"})
    add_episode(con, "PAYA", "AM2", "OBA-A", infusion_date=D(2024, 3, 1),
                statuses={6: "met", 12: "missing_evidence", 24: "pending"})
    add_episode(con, "PAYA", A_INJECTION_MEMBER, "OBA-A", infusion_date=D(2024, 6, 1),
                statuses={6: "not_met", 12: "pending"})
    add_remittance(con, "RA1", "361250.00", D(2024, 1, 5), "OBA-A", "PAYA", "AM1", 6)
    add_remittance(con, "RA2", "100000.37", D(2024, 6, 5), "OBA-A", "PAYA", "AM1", 12)
    add_remittance(con, "RA3", "10000.00", D(2024, 6, 6), "OBA-A", "PAYA", "GHOST", 12)
    add_remittance(con, "RA4", "-6000.00", D(2024, 6, 7), "OBA-A", "PAYA", "GHOST", 12)
    insert(con, "marts.claims_missing_oba", [
        {"claim_id": "ACLAIM1", "payer_id": "PAYA", "member_id": "AM3",
         "service_date": D(2025, 2, 2), "oba_contract_id": None, "reason": A_INJECTION_REASON,
         "suggested_contract_id": "OBA-A", "fix": A_FIX},
    ])
    insert(con, "marts.claim_findings", [
        {"claim_id": "ACLAIM2", "payer_id": "PAYA", "member_id": "AM1", "service_date": D(2023, 1, 10),
         "rule_code": "NDC_MISMATCH", "severity": "error", "detail": "+kit does not match weight"},
        {"claim_id": "ACLAIM3", "payer_id": "PAYA", "member_id": "AM1", "service_date": D(2023, 1, 10),
         "rule_code": "INFO_ONLY", "severity": "warning", "detail": "not an error"},
    ])
    insert(con, "marts.assessment_worklist", [
        {"episode_id": "EP-PAYA-AM2", "payer_id": "PAYA", "member_id": "AM2", "contract_id": "OBA-A",
         "timepoint_months": 24, "window_start": D(2026, 2, 1), "window_end": D(2026, 3, 31),
         "days_until_window_end": 130, "needed": "CHOP-INTEND score"},
    ])

    # payer B: 1,234,567.89 x 17% = 209,876.5413 -> 209,876.54
    add_contract(con, contract_id="OBA-BETA", payer_id="PAYB", price_basis="1234567.89")
    add_episode(con, "PAYB", "BMEMBER77", "OBA-BETA", infusion_date=D(2023, 5, 5),
                statuses={6: "not_met", 12: "pending"})
    add_remittance(con, "RB1", "4321.98", D(2024, 1, 5), "OBA-BETA", "PAYB", "BMEMBER77", 6)
    insert(con, "marts.claims_missing_oba", [
        {"claim_id": "BCLAIM55", "payer_id": "PAYB", "member_id": "BMEMBER77",
         "service_date": D(2023, 5, 5), "reason": "missing"},
    ])
    insert(con, "marts.claim_findings", [
        {"claim_id": "BCLAIM55", "payer_id": "PAYB", "member_id": "BMEMBER77",
         "service_date": D(2023, 5, 5), "rule_code": "X", "severity": "error", "detail": "BMEMBER77"},
    ])
    insert(con, "marts.assessment_worklist", [
        {"episode_id": "EP-PAYB-BMEMBER77", "payer_id": "PAYB", "member_id": "BMEMBER77",
         "contract_id": "OBA-BETA", "timepoint_months": 12, "needed": "anything"},
    ])

    insert(con, "staging.clinical_events", [
        {"event_id": "EA1", "payer_id": "PAYA", "member_id": "AM1", "event_type": "death",
         "event_date": D(2023, 6, 1)},
        {"event_id": "EA2", "payer_id": "PAYA", "member_id": "AM2", "event_type": "alive_contact",
         "event_date": D(2026, 10, 1)},
        {"event_id": "EB1", "payer_id": "PAYB", "member_id": "BMEMBER77", "event_type": "tracheostomy",
         "event_date": D(2023, 7, 1)},
    ])
    build_evidence(con)

    run_models(con, ["claims__claims_to_fix", *MODELS])
    con.execute("checkpoint")
    con.close()
    return path


def add_payer_only(path: Path, payer_id: str) -> None:
    """A payer present only through a contract (for file-name tests)."""
    con = duckdb.connect(str(path))
    set_as_of(con, AS_OF)
    insert_plain(con, "staging.contracts", [{
        "contract_id": f"C-{abs(hash(payer_id))}", "payer_id": payer_id, "product_hcpcs": "J3399",
        "effective_from": D(2024, 1, 1), "price_basis": Decimal("1.00"),
        "refund_cap_pct": Decimal("100"), "refund_due_days": 90, "missing_evidence": "no_refund",
        "assessment_selection": "closest_to_due", "baseline_window_days": 30,
        "_delivery_seq": 1, "_file_path": "x.yaml",
    }])
    run_models(con, MODELS)
    con.close()
