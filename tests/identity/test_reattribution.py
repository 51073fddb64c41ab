"""A crosswalk delivered on a later night re-attributes history (spec identity.md): the next run
decides every milestone on the pooled evidence, and its marts equal those of a run that had the
crosswalk from the start."""

from __future__ import annotations

import duckdb

from pipelines import schema
from pipelines.defs.ingest.contracts import load_contracts
from pipelines.defs.ingest.feeds import TABULAR_FEEDS
from pipelines.defs.ingest.loader import load_feed
from tests.conftest import DEFAULT_AS_OF
from tests.landing import CONTRACT_YAML, row, write_csv, write_text
from tests.sqlmodels import run_models, set_as_of

OLD, NEW = "M000001", "M000777"
# infusion 2025-06-02 under OLD; 6-month milestone due 2025-12-02, window 2025-11-02..2026-01-01:
# ventilator-free survival and a CHOP-INTEND gain of 4 over the baseline (A0, under OLD)
HISTORY = [
    ("claims", "1_claims.csv", [
        row("claims", oba_contract_id="OBA-ACME", ndc="71894-0120-02", prior_auth_number="PA1",
            diagnosis_codes="G12.0", place_of_service="22", revenue_code="0636"),
        row("claims", line_number="2", procedure_code="96365", units="1"),
        # a second infusion, billed under the new id
        row("claims", claim_id="C2", member_id=NEW, service_date="2025-09-01", ndc="71894-0120-02"),
    ]),
    ("authorizations", "1_pa.csv", [row("authorizations")]),
    ("assessments", "1_a.csv", [
        row("assessments", assessment_id="A0", assessment_date="2025-05-20", score="20"),
        row("assessments", assessment_id="A1", member_id=NEW, assessment_date="2025-12-01", score="31"),
    ]),
    ("respiratory_support", "1_r.csv", [row("respiratory_support", support_date="2025-07-01", hours="20"),
                                        row("respiratory_support", member_id=NEW, support_date="2025-07-01",
                                            hours="3")]),
    ("clinical_events", "1_e.csv", [row("clinical_events", member_id=NEW, event_date="2025-12-20")]),
    ("remittances", "1_rem.csv", [row("remittances", member_id=NEW)]),
    ("enrollment", "1_en.csv", [{"payer_id": "ACME", "member_id": OLD, "coverage_start": "2025-01-01",
                                 "coverage_end": "2025-08-31"},
                                {"payer_id": "ACME", "member_id": NEW, "coverage_start": "2025-09-01",
                                 "coverage_end": ""}]),
]
CROSSWALK = ("member_crosswalk", "2_xw.csv", [{"payer_id": "ACME", "previous_member_id": OLD, "member_id": NEW,
                                               "effective_date": "2025-09-01"}])
MARTS = ["marts.treatment_episodes", "marts.claim_findings", "marts.claims_missing_oba", "marts.milestone_status",
         "marts.refund_reconciliation", "marts.assessment_worklist", "marts.identity_issues", "marts.payer_summary"]


def outcome(tmp_path, nights: list[list[tuple[str, str, list[dict]]]]) -> dict:
    con = duckdb.connect()
    schema.create_all(con)
    set_as_of(con, DEFAULT_AS_OF)
    landing = tmp_path / "landing"
    write_text(landing, "contracts", "oba-acme.yaml", CONTRACT_YAML)
    for i, files in enumerate(nights):
        for feed, name, rows in files:
            write_csv(landing, feed, name, rows)
        load_contracts(con, landing, f"run-{i}")
        for feed in TABULAR_FEEDS:
            load_feed(con, feed, landing, f"run-{i}")
        run_models(con, ["claims", "milestones", "refunds"])  # every night rebuilds the marts
    result = {t: con.execute(f"select * from {t} order by all").fetchall() for t in MARTS}
    con.close()
    return result


def test_a_crosswalk_delivered_later_gives_the_marts_of_a_run_that_had_it_from_the_start(tmp_path):
    from_the_start = outcome(tmp_path / "a", [[*HISTORY, CROSSWALK]])
    later = outcome(tmp_path / "b", [HISTORY, [CROSSWALK]])
    assert later == from_the_start
    status = from_the_start["marts.milestone_status"]
    assert [(r[2], r[8]) for r in status] == [(NEW, "met")]   # pooled: baseline under OLD, score under NEW
    findings = {(r[0], r[3], r[5]) for r in from_the_start["marts.claim_findings"]}
    assert ("C2", NEW, "DUPLICATE_LIFETIME_DOSE") in findings


def test_before_the_crosswalk_arrives_the_two_ids_are_two_people(tmp_path):
    first_night = outcome(tmp_path, [HISTORY])
    assert (OLD, "missing_evidence") in [(r[2], r[8]) for r in first_night["marts.milestone_status"]]
    assert {r[2] for r in first_night["marts.treatment_episodes"]} == {OLD, NEW}
