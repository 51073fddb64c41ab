"""Every rule of claims.md and contracts.md applies to the pooled person (spec identity.md):
evidence under a new id decides the milestone of an episode billed under the old one, a second
infusion under a new id is a duplicate lifetime dose, a respiratory run spans an id change. The
marts show the current id, and the claim marts the id billed."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.claims.helpers import CONTRACT, INFUSION, PAYER, clean_auth, clean_claim
from tests.conftest import insert
from tests.identity.support import crosswalk, link, rows, run_night
from tests.milestones.support import add_contract, resp, score
from tests.sqlmodels import manifest


def night(db, *, linked: bool, evidence_member: str = "NEW") -> None:
    """A clean infusion claim (2025-03-03) billed under OLD, an evidence row under `evidence_member`,
    and a 6-month CHOP-INTEND >= 40 milestone (window 2025-08-04..2025-10-03, closed at as-of)."""
    insert(db, "staging.claims", clean_claim("C1", member_id="OLD"))
    insert(db, "staging.authorizations", [clean_auth(member_id="OLD")])
    add_contract(db, [{"timepoint_months": 6, "criteria": ("score_min", "CHOP-INTEND", 40)}],
                 contract_id=CONTRACT, payer=PAYER)
    insert(db, "staging.assessments", [score("S1", "2025-09-01", 45, member=evidence_member, payer=PAYER)])
    if linked:
        crosswalk(db, link("OLD", "NEW"))
    run_night(db)


def status(db) -> dict:
    (found,) = rows(db, "select member_id, status from marts.milestone_status")
    return found


@pytest.mark.parametrize(("linked", "expected"), [(True, {"member_id": "NEW", "status": "met"}),
                                                   (False, {"member_id": "OLD", "status": "missing_evidence"})])
def test_pooled_evidence_under_a_new_id_decides_the_milestone(db, linked, expected):
    night(db, linked=linked)
    assert status(db) == expected


def test_marts_show_the_current_member_id_and_the_claim_marts_the_billed_one(db):
    night(db, linked=True)
    assert rows(db, "select member_id from marts.treatment_episodes") == [{"member_id": "NEW"}]
    insert(db, "staging.claims", clean_claim("C2", member_id="OLD", oba_contract_id=None,
                                             service_date=INFUSION + dt.timedelta(days=40)))
    run_night(db)
    billed = rows(db, "select distinct claim_id, member_id, billed_member_id from marts.claim_findings order by 1")
    assert billed == [{"claim_id": "C2", "member_id": "NEW", "billed_member_id": "OLD"}]
    assert rows(db, "select claim_id, member_id, billed_member_id from marts.claims_missing_oba") == [
        {"claim_id": "C2", "member_id": "NEW", "billed_member_id": "OLD"}]


def test_second_infusion_under_a_new_id_is_a_duplicate_lifetime_dose_of_one_episode(db):
    crosswalk(db, link("OLD", "NEW"))
    insert(db, "staging.claims", clean_claim("C1", member_id="OLD")
           + clean_claim("C2", member_id="NEW", prior_auth_number="PA2", service_date=INFUSION + dt.timedelta(days=200)))
    insert(db, "staging.authorizations", [clean_auth(member_id="OLD"), clean_auth("PA2", member_id="NEW")])
    add_contract(db, [{"timepoint_months": 6, "criteria": "alive"}], contract_id=CONTRACT, payer=PAYER)
    run_night(db)
    assert rows(db, "select claim_id, member_id from marts.treatment_episodes") == [
        {"claim_id": "C1", "member_id": "NEW"}]
    assert rows(db, "select claim_id, billed_member_id from marts.claim_findings "
                    "where rule_code = 'DUPLICATE_LIFETIME_DOSE'") == [{"claim_id": "C2", "billed_member_id": "NEW"}]


def test_a_respiratory_run_logged_across_an_id_change_is_one_run(db):
    crosswalk(db, link("OLD", "NEW"))
    start = dt.date(2025, 5, 1)
    days = [start + dt.timedelta(days=i) for i in range(14)]
    insert(db, "staging.respiratory_support",
           [resp(d, 20, member="OLD" if i < 7 else "NEW", payer=PAYER) for i, d in enumerate(days)])
    run_night(db)
    assert rows(db, "select member_id, onset_date, run_days from core.permanent_ventilation") == [
        {"member_id": "NEW", "onset_date": start, "run_days": 14}]


def test_the_singular_dbt_test_finds_a_mart_row_under_a_renamed_id(db):
    night(db, linked=True)
    (node,) = [n for n in manifest()["nodes"].values() if n["name"] == "identity__marts_show_the_current_member_id"]
    assert db.execute(node["compiled_code"]).fetchall() == []
    db.execute("update marts.milestone_status set member_id = 'OLD'")   # as if a mart skipped the crosswalk
    assert db.execute(f"select mart, member_id from ({node['compiled_code']})").fetchall() == [
        ("milestone_status", "OLD")]
