"""Which lines and which authorization each claim rule looks at (spec claims.md).

Line rules on ZOLGENSMA lines only, diagnoses pooled over the claim, claim-level
values from the lowest-numbered line, the ZOLGENSMA line test for J3590 / C9399,
and the authorization rules skipped for another person's authorization.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.claims.helpers import (
    BIRTH,
    INFUSION,
    KIT_FOR_WEIGHT,
    clean_auth,
    clean_claim,
    load_clean,
    rows,
    rule_codes,
    run,
)


def test_place_of_service_of_a_non_zolgensma_line_is_not_judged(db):
    load_clean(db, lines=clean_claim(admin={"place_of_service": "11"}))
    run(db)
    assert rule_codes(db) == set()


def test_revenue_code_of_a_non_zolgensma_line_is_not_judged(db):
    load_clean(db, lines=clean_claim(admin={"revenue_code": "0510"}))
    run(db)
    assert rule_codes(db) == set()


def test_claim_payer_comes_from_the_lowest_numbered_line(db):
    load_clean(db, lines=clean_claim(admin={"payer_id": "OTHER"}))
    run(db)
    assert rows(db, "select claim_id, payer_id from marts.treatment_episodes") == [
        {"claim_id": "C1", "payer_id": "ACME"}
    ]
    assert rule_codes(db) == set()


def test_claim_birth_date_comes_from_the_lowest_numbered_line(db):
    # line 2's birth date would make the child over two at the infusion
    load_clean(db, lines=clean_claim(admin={"patient_birth_date": BIRTH.replace(year=2020)}))
    run(db)
    assert rows(db, "select birth_date, under_two from marts.treatment_episodes") == [
        {"birth_date": BIRTH, "under_two": True}
    ]
    assert rule_codes(db) == set()


def test_sma_diagnosis_only_on_the_admin_line_counts(db):
    lines = clean_claim(drug={"diagnosis_codes": ["Z000"]}, admin={"diagnosis_codes": ["G120"]})
    load_clean(db, lines=lines)
    run(db)
    assert rule_codes(db) == set()


def test_ndc_missing_not_raised_when_one_zolgensma_line_has_an_ndc(db):
    # line 3: a second ZOLGENSMA line without an NDC (line 1 has the kit NDC)
    lines = clean_claim(
        extra_lines=[{"procedure_code": "J3399", "ndc": None, "revenue_code": "0636"}]
    )
    load_clean(db, lines=lines)
    run(db)
    assert rows(db, "select claim_id, zolgensma_line_count from core.infusion_claims") == [
        {"claim_id": "C1", "zolgensma_line_count": 2}
    ]
    assert "NDC_MISSING" not in rule_codes(db)


@pytest.mark.parametrize("procedure_code", ["J3590", "C9399"])
@pytest.mark.parametrize(
    "ndc, episode_claims",
    [("12345-6789-01", []), (KIT_FOR_WEIGHT, [{"claim_id": "C1"}])],
    ids=["other-labeler", "labeler-71894"],
)
def test_unclassified_code_is_a_zolgensma_line_only_with_a_71894_ndc(
    db, procedure_code, ndc, episode_claims
):
    load_clean(db, lines=clean_claim(drug={"procedure_code": procedure_code, "ndc": ndc}))
    run(db)
    assert rows(db, "select claim_id from marts.treatment_episodes") == episode_claims
    assert rule_codes(db) == ({"HCPCS_NOT_J3399"} if episode_claims else set())


def test_authorization_of_another_payer_skips_the_aav9_and_smn1_rules(db):
    # same member_id, another payer: not this person's authorization
    load_clean(db, auths=[clean_auth(payer_id="OTHER", aav9_titer="1:100", smn1_biallelic=False)])
    run(db)
    assert rule_codes(db) == {"PA_MEMBER_MISMATCH"}


@pytest.mark.parametrize(
    "titer_date",
    [INFUSION - dt.timedelta(days=15), None],
    ids=["15-days-old", "no-date"],
)
def test_unreadable_titer_is_also_judged_stale(db, titer_date):
    # decision: AAV9_TITER_STALE is judged whenever a titer is present, readable or not
    load_clean(db, auths=[clean_auth(aav9_titer="positive", aav9_titer_date=titer_date)])
    run(db)
    assert rule_codes(db) == {"AAV9_TITER_UNREADABLE", "AAV9_TITER_STALE"}

