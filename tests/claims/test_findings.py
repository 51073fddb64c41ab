"""marts.claim_findings: a clean claim raises nothing; each broken rule fires alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.claims.helpers import (
    BIRTH,
    INFUSION,
    add_contract,
    clean_auth,
    clean_claim,
    findings,
    load_clean,
    rows,
    rule_codes,
    run,
)
from tests.conftest import insert

# spec claims.md, "Claim findings": every rule_code and its severity
SEVERITY = {
    "OBA_ID_MISSING": "error",
    "OBA_ID_UNKNOWN": "error",
    "OBA_PAYER_MISMATCH": "error",
    "OBA_NOT_EFFECTIVE": "error",
    "HCPCS_NOT_J3399": "error",
    "UNITS_NOT_ONE": "error",
    "ADMIN_CPT_INVALID": "error",
    "ADMIN_CPT_MISSING": "warning",
    "NDC_MISSING": "error",
    "NDC_NOT_A_KIT": "error",
    "NDC_KIT_WEIGHT_MISMATCH": "error",
    "WEIGHT_OVER_CEILING": "error",
    "WEIGHT_BELOW_KIT_RANGE": "error",
    "AGE_AT_INFUSION": "error",
    "DIAGNOSIS_NOT_SMA": "error",
    "PLACE_OF_SERVICE_INELIGIBLE": "error",
    "REVENUE_CODE_UNEXPECTED": "warning",
    "PA_MISSING": "error",
    "PA_NOT_FOUND": "warning",
    "PA_NOT_APPROVED": "error",
    "PA_MEMBER_MISMATCH": "error",
    "AAV9_TITER_MISSING": "error",
    "AAV9_TITER_UNREADABLE": "error",
    "AAV9_TITER_HIGH": "error",
    "AAV9_TITER_STALE": "error",
    "SMN1_NOT_CONFIRMED": "error",
    "DUPLICATE_LIFETIME_DOSE": "error",
}


def test_clean_claim_raises_no_finding_at_all(db):
    load_clean(db)
    run(db)
    assert findings(db) == []
    # ... and it is a linked infusion claim with an episode (so "no finding" is not "no claim")
    ep = rows(db, "select * from marts.treatment_episodes")
    assert [(e["claim_id"], e["link_status"], e["contract_id"]) for e in ep] == [("C1", "linked", "OBA-ACME-2024")]
    assert ep[0]["weight_kg"] == Decimal("10")
    assert ep[0]["under_two"] is True


def _claim(**kw):
    return lambda db: load_clean(db, lines=clean_claim(**kw))


def _auth(**kw):
    return lambda db: load_clean(db, auths=[clean_auth(**kw)])


def _other_contract(contract_id, payer_id, effective_from, effective_to):
    def setup(db):
        load_clean(db, lines=clean_claim(oba_contract_id=contract_id))
        add_contract(db, contract_id, payer_id, effective_from, effective_to)

    return setup


# (rule that must fire, setup breaking only that rule).  Where the broken input
# makes a second rule unavoidable the expected set says so in `also`.
CASES = [
    ("OBA_ID_MISSING", _claim(oba_contract_id=None)),
    ("OBA_ID_UNKNOWN", _claim(oba_contract_id="OBA-NO-SUCH")),
    ("OBA_PAYER_MISMATCH", _other_contract("OBA-OTHER-2024", "OTHER", dt.date(2024, 1, 1), None)),
    ("OBA_NOT_EFFECTIVE", _other_contract("OBA-ACME-2020", "ACME", dt.date(2020, 1, 1), dt.date(2023, 12, 31))),
    ("HCPCS_NOT_J3399", _claim(drug={"procedure_code": "J3490"})),
    ("HCPCS_NOT_J3399", _claim(drug={"procedure_code": "J3590"})),
    ("HCPCS_NOT_J3399", _claim(drug={"procedure_code": "C9399"})),
    ("UNITS_NOT_ONE", _claim(drug={"units": Decimal("2")})),
    ("UNITS_NOT_ONE", _claim(drug={"units": Decimal("0.5")})),
    # two ZOLGENSMA lines of 1 unit each add up to 2
    ("UNITS_NOT_ONE", _claim(extra_lines=[{"procedure_code": "J3399", "ndc": "71894-0134-07", "revenue_code": "0636"}])),
    ("ADMIN_CPT_INVALID", _claim(extra_lines=[{"procedure_code": "96413", "revenue_code": "0260"}])),
    ("ADMIN_CPT_INVALID", _claim(extra_lines=[{"procedure_code": "96415", "revenue_code": "0260"}])),
    ("ADMIN_CPT_INVALID", _claim(extra_lines=[{"procedure_code": "96417", "revenue_code": "0260"}])),
    ("ADMIN_CPT_INVALID", _claim(extra_lines=[{"procedure_code": "79101", "revenue_code": "0260"}])),
    ("ADMIN_CPT_INVALID", _claim(extra_lines=[{"procedure_code": "96374", "revenue_code": "0260"}])),
    ("ADMIN_CPT_MISSING", _claim(admin={"procedure_code": "96366"})),
    ("NDC_MISSING", _claim(drug={"ndc": None})),
    ("NDC_NOT_A_KIT", _claim(drug={"ndc": "71894-0999-99"})),
    ("NDC_NOT_A_KIT", _claim(drug={"ndc": "12345-6789-01"})),
    ("NDC_KIT_WEIGHT_MISMATCH", _claim(drug={"ndc": "71894-0135-07"})),
    # no kit exists above 21.0 kg: the billed largest kit is not also a kit mismatch
    ("WEIGHT_OVER_CEILING", _claim(drug={"patient_weight_kg": Decimal("21.5"), "ndc": "71894-0156-14"})),
    ("WEIGHT_BELOW_KIT_RANGE", _claim(drug={"patient_weight_kg": Decimal("2.4"), "ndc": "71894-0120-02"})),
    # infused on the 2nd birthday exactly
    ("AGE_AT_INFUSION", _claim(patient_birth_date=INFUSION.replace(year=INFUSION.year - 2))),
    ("DIAGNOSIS_NOT_SMA", _claim(diagnosis_codes=["G710", "Z000"])),
    ("DIAGNOSIS_NOT_SMA", _claim(diagnosis_codes=None)),
    ("PLACE_OF_SERVICE_INELIGIBLE", _claim(drug={"place_of_service": "11"})),
    ("PLACE_OF_SERVICE_INELIGIBLE", _claim(drug={"place_of_service": "12"})),
    ("PLACE_OF_SERVICE_INELIGIBLE", _claim(drug={"place_of_service": "49"})),
    ("REVENUE_CODE_UNEXPECTED", _claim(drug={"revenue_code": "0300"})),
    ("PA_MISSING", _claim(prior_auth_number=None)),
    ("PA_NOT_FOUND", _claim(prior_auth_number="PA-NO-SUCH")),
    ("PA_NOT_APPROVED", _auth(decision="denied")),
    ("PA_NOT_APPROVED", _auth(decision="pended")),
    ("PA_MEMBER_MISMATCH", _auth(member_id="M2")),
    ("PA_MEMBER_MISMATCH", _auth(payer_id="OTHER")),
    # a missing titer is not also judged stale (its date describes nothing)
    ("AAV9_TITER_MISSING", _auth(aav9_titer=None)),
    ("AAV9_TITER_UNREADABLE", _auth(aav9_titer="positive")),
    ("AAV9_TITER_UNREADABLE", _auth(aav9_titer="1/25")),
    ("AAV9_TITER_HIGH", _auth(aav9_titer="1:100")),
    ("AAV9_TITER_HIGH", _auth(aav9_titer="1:51")),
    ("AAV9_TITER_HIGH", _auth(aav9_titer="<1:100")),
    ("AAV9_TITER_STALE", _auth(aav9_titer_date=INFUSION - dt.timedelta(days=15))),
    ("AAV9_TITER_STALE", _auth(aav9_titer_date=INFUSION + dt.timedelta(days=1))),
    ("AAV9_TITER_STALE", _auth(aav9_titer_date=None)),
    ("SMN1_NOT_CONFIRMED", _auth(smn1_biallelic=False)),
    ("SMN1_NOT_CONFIRMED", _auth(smn1_biallelic=None)),
]


@pytest.mark.parametrize(
    "rule_code, setup", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_breaking_one_rule_fires_exactly_that_rule(db, rule_code, setup):
    setup(db)
    run(db)
    found = findings(db, "C1")
    assert [f["rule_code"] for f in found] == [rule_code]
    (f,) = found
    assert f["severity"] == SEVERITY[rule_code]
    assert (f["payer_id"], f["member_id"], f["service_date"]) == ("ACME", "M1", INFUSION)
    # detail says what was expected ("needs <kit>" for the kit rule, as in the spec's example)
    assert "expected" in f["detail"] or " needs " in f["detail"]


def test_every_rule_code_of_the_spec_is_covered_by_a_case():
    assert {c[0] for c in CASES} | {"DUPLICATE_LIFETIME_DOSE"} == set(SEVERITY)


def test_duplicate_lifetime_dose_on_the_later_infusion_claim_only(db):
    later = INFUSION + dt.timedelta(days=40)
    insert(db, "staging.claims", clean_claim("C1") + clean_claim("C2", service_date=later))
    insert(db, "staging.authorizations", [clean_auth(aav9_titer_date=INFUSION - dt.timedelta(days=7))])
    add_contract(db)
    run(db)
    # C2's titer is 47 days old for its own infusion date: stale is the unavoidable
    # consequence of a second infusion sharing the first one's authorization
    assert rule_codes(db, "C1") == set()
    assert rule_codes(db, "C2") == {"DUPLICATE_LIFETIME_DOSE", "AAV9_TITER_STALE"}
    (dup,) = [f for f in findings(db, "C2") if f["rule_code"] == "DUPLICATE_LIFETIME_DOSE"]
    assert "C1" in dup["detail"] and str(INFUSION) in dup["detail"]
    assert dup["severity"] == "error"


def test_duplicate_lifetime_dose_tie_on_date_goes_to_smallest_claim_id(db):
    insert(db, "staging.claims", clean_claim("C9") + clean_claim("C10"))
    insert(db, "staging.authorizations", [clean_auth()])
    add_contract(db)
    run(db)
    # lexically "C10" < "C9"
    assert rule_codes(db, "C10") == set()
    assert rule_codes(db, "C9") == {"DUPLICATE_LIFETIME_DOSE"}
    assert rows(db, "select claim_id from marts.treatment_episodes") == [{"claim_id": "C10"}]


@pytest.mark.parametrize(
    "overrides",
    [
        {"aav9_titer": "1:50"},
        {"aav9_titer": "<1:50"},
        {"aav9_titer": " Negative "},
        {"aav9_titer": "NOT DETECTED"},
        {"aav9_titer": "<1:25"},
        {"aav9_titer_date": INFUSION},
        {"aav9_titer_date": INFUSION - dt.timedelta(days=14)},
    ],
    ids=["1:50", "<1:50", "negative", "not-detected", "<1:25", "titer-same-day", "titer-14-days"],
)
def test_titer_rules_accept_the_boundaries(db, overrides):
    load_clean(db, auths=[clean_auth(**overrides)])
    run(db)
    assert rule_codes(db) == set()


@pytest.mark.parametrize(
    "drug, claim_level",
    [
        ({"revenue_code": "0250"}, {}),
        ({"revenue_code": "0260"}, {}),
        ({"place_of_service": "19"}, {}),
        ({"place_of_service": "21"}, {}),
        ({}, {"diagnosis_codes": ["Z000", "G121"]}),
        ({}, {"diagnosis_codes": ["G128"]}),
        ({}, {"diagnosis_codes": ["G129"]}),
        ({}, {"patient_birth_date": INFUSION.replace(year=INFUSION.year - 2) + dt.timedelta(days=1)}),
        # decision: a ZOLGENSMA line without revenue code / place of service is not "another" code
        ({"revenue_code": None}, {}),
        ({"place_of_service": None}, {}),
        # a zero-unit second ZOLGENSMA line keeps the total at exactly 1
        ({}, {"extra_lines": [{"procedure_code": "J3399", "units": Decimal("0"), "ndc": "71894-0134-07",
                               "revenue_code": "0636"}]}),
    ],
    ids=["rev-0250", "rev-0260", "pos-19", "pos-21", "dx-G121-secondary", "dx-G128", "dx-G129",
         "age-day-before-2nd-birthday", "rev-missing", "pos-missing", "units-add-up-to-1"],
)
def test_allowed_values_raise_nothing(db, drug, claim_level):
    load_clean(db, lines=clean_claim(drug=drug, **claim_level))
    run(db)
    assert rule_codes(db) == set()


def test_pa_not_approved_and_member_mismatch_together_skip_the_aav9_rules(db):
    # another member's denied authorization with a missing titer: the AAV9/SMN1
    # rules do not apply to someone else's authorization
    load_clean(db, auths=[clean_auth(member_id="M2", decision="denied", aav9_titer=None, smn1_biallelic=False)])
    run(db)
    assert rule_codes(db) == {"PA_NOT_APPROVED", "PA_MEMBER_MISMATCH"}


def test_pa_not_found_skips_the_aav9_rules_and_the_auth_weight(db):
    load_clean(db, lines=clean_claim(prior_auth_number="PA-X", drug={"patient_weight_kg": None}))
    run(db)
    assert rule_codes(db) == {"PA_NOT_FOUND"}
    assert rows(db, "select weight_kg from marts.treatment_episodes") == [{"weight_kg": None}]


def test_kit_mismatch_detail_says_billed_kit_weight_and_needed_kit(db):
    load_clean(db, lines=clean_claim(drug={"ndc": "71894-0135-07"}))
    run(db)
    (f,) = findings(db)
    assert f["detail"] == "billed kit 71894-0135-07 (10.1–10.5 kg); weight 10.0 kg needs 71894-0134-07 (9.6–10.0 kg)"


def test_kit_mismatch_uses_the_authorization_weight_when_the_claim_has_none(db):
    lines = clean_claim(drug={"patient_weight_kg": None, "ndc": "71894-0134-07"})
    load_clean(db, lines=lines, auths=[clean_auth(weight_kg=Decimal("12.04"))])
    run(db)
    (f,) = findings(db)
    assert f["rule_code"] == "NDC_KIT_WEIGHT_MISMATCH"
    assert "weight 12.04 kg (rounded 12.0 kg) from authorization PA1 needs 71894-0138-08" in f["detail"]


def test_claim_weight_is_the_largest_over_its_lines_and_wins_over_the_authorization(db):
    lines = clean_claim(
        drug={"patient_weight_kg": Decimal("9.7"), "ndc": "71894-0136-08"},
        admin={"patient_weight_kg": Decimal("10.6")},
    )
    load_clean(db, lines=lines, auths=[clean_auth(weight_kg=Decimal("9.7"))])
    run(db)
    assert rule_codes(db) == set()
    assert rows(db, "select weight_kg from marts.treatment_episodes") == [{"weight_kg": Decimal("10.6")}]


def test_authorization_weight_of_another_member_is_not_used(db):
    # the claim has no weight and the authorization belongs to M2: weight unknown,
    # so no kit/weight rule can fire (only the member mismatch)
    lines = clean_claim(drug={"patient_weight_kg": None, "ndc": "71894-0156-14"})
    load_clean(db, lines=lines, auths=[clean_auth(member_id="M2", weight_kg=Decimal("3.0"))])
    run(db)
    assert rule_codes(db) == {"PA_MEMBER_MISMATCH"}
    assert rows(db, "select weight_kg from marts.treatment_episodes") == [{"weight_kg": None}]


def test_every_finding_row_has_detail_and_the_mart_is_stable(db):
    # a claim breaking many rules at once
    lines = clean_claim(
        oba_contract_id=None,
        prior_auth_number=None,
        diagnosis_codes=["G710"],
        drug={"procedure_code": "J3490", "units": Decimal("2"), "ndc": "71894-0135-07", "revenue_code": "0300",
              "place_of_service": "11"},
        admin={"procedure_code": "96374"},
        patient_birth_date=BIRTH.replace(year=2020),
    )
    load_clean(db, lines=lines)
    run(db)
    first = findings(db)
    assert {f["rule_code"] for f in first} == {
        "OBA_ID_MISSING", "HCPCS_NOT_J3399", "UNITS_NOT_ONE", "ADMIN_CPT_INVALID", "ADMIN_CPT_MISSING",
        "NDC_KIT_WEIGHT_MISMATCH", "AGE_AT_INFUSION", "DIAGNOSIS_NOT_SMA", "PLACE_OF_SERVICE_INELIGIBLE",
        "REVENUE_CODE_UNEXPECTED", "PA_MISSING",
    }
    assert all(f["detail"] and f["severity"] == SEVERITY[f["rule_code"]] for f in first)
    assert len(first) == len({(f["claim_id"], f["rule_code"]) for f in first})
    run(db)
    assert findings(db) == first


def test_unclassified_code_without_a_zolgensma_ndc_is_not_an_infusion_claim(db):
    lines = clean_claim(drug={"procedure_code": "J3490", "ndc": "12345-6789-01"})
    load_clean(db, lines=lines)
    run(db)
    assert findings(db) == []
    assert rows(db, "select * from marts.treatment_episodes") == []


def test_infusion_date_is_the_earliest_zolgensma_service_date(db):
    lines = clean_claim(
        drug={"service_date": INFUSION},
        admin={"service_date": INFUSION - dt.timedelta(days=3)},
        extra_lines=[{"procedure_code": "J3399", "units": Decimal("0"), "ndc": "71894-0134-07",
                      "revenue_code": "0636", "service_date": INFUSION + dt.timedelta(days=1)}],
    )
    load_clean(db, lines=lines)
    run(db)
    assert rule_codes(db) == set()
    assert rows(db, "select infusion_date from marts.treatment_episodes") == [{"infusion_date": INFUSION}]
