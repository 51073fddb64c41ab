"""OBA linkage: marts.claims_missing_oba, link_status and the suggested contract."""

from __future__ import annotations

import datetime as dt

from tests.claims.helpers import INFUSION, add_contract, clean_auth, clean_claim, rows, rule_codes, run
from tests.conftest import insert


def setup_claim(db, oba_contract_id, payer_id="ACME"):
    insert(db, "staging.claims", clean_claim(oba_contract_id=oba_contract_id, payer_id=payer_id))
    insert(db, "staging.authorizations", [clean_auth(payer_id=payer_id)])


def missing_oba(db):
    return rows(db, "select * from marts.claims_missing_oba")


def episode(db):
    (e,) = rows(db, "select * from marts.treatment_episodes")
    return e


def test_linked_claim_is_not_missing_oba_and_its_episode_is_linked(db):
    setup_claim(db, "OBA-ACME-2024")
    add_contract(db)
    run(db)
    assert missing_oba(db) == []
    e = episode(db)
    assert (e["link_status"], e["contract_id"]) == ("linked", "OBA-ACME-2024")
    assert rows(db, "select link_status, contract_id from core.episodes") == [
        {"link_status": "linked", "contract_id": "OBA-ACME-2024"}
    ]


def test_missing_oba_id_suggests_the_payers_only_effective_contract(db):
    setup_claim(db, None)
    add_contract(db, "OBA-ACME-2024", effective_from=dt.date(2024, 1, 1))
    add_contract(db, "OBA-ACME-2020", effective_from=dt.date(2020, 1, 1), effective_to=dt.date(2023, 12, 31))
    run(db)
    (m,) = missing_oba(db)
    assert (m["claim_id"], m["payer_id"], m["member_id"], m["service_date"], m["oba_contract_id"]) == (
        "C1", "ACME", "M1", INFUSION, None
    )
    assert (m["reason"], m["suggested_contract_id"]) == ("MISSING", "OBA-ACME-2024")
    assert "OBA-ACME-2024" in m["fix"] and m["payer_contracts_effective"] == "OBA-ACME-2024 (2024-01-01 to open)"
    e = episode(db)
    assert (e["link_status"], e["contract_id"]) == ("suggested", "OBA-ACME-2024")
    assert rule_codes(db) == {"OBA_ID_MISSING"}


def test_missing_oba_id_with_two_effective_contracts_suggests_none(db):
    setup_claim(db, None)
    add_contract(db, "OBA-ACME-A")
    add_contract(db, "OBA-ACME-B", effective_from=dt.date(2025, 1, 1))
    run(db)
    (m,) = missing_oba(db)
    assert (m["reason"], m["suggested_contract_id"]) == ("MISSING", None)
    assert m["payer_effective_contract_count"] == 2
    assert "OBA-ACME-A" in m["payer_contracts_effective"] and "OBA-ACME-B" in m["payer_contracts_effective"]
    e = episode(db)
    assert (e["link_status"], e["contract_id"]) == ("unlinked", None)


def test_missing_oba_id_when_no_contract_of_the_payer_is_effective_is_unlinked(db):
    setup_claim(db, None)
    add_contract(db, "OBA-ACME-2026", effective_from=dt.date(2026, 1, 1))
    run(db)
    (m,) = missing_oba(db)
    assert (m["reason"], m["suggested_contract_id"], m["payer_contracts_effective"]) == ("MISSING", None, None)
    assert episode(db)["link_status"] == "unlinked"


def test_unknown_contract_id_is_flagged_with_the_suggestion(db):
    setup_claim(db, "OBA-ACME-2042")
    add_contract(db)
    run(db)
    (m,) = missing_oba(db)
    assert (m["reason"], m["oba_contract_id"], m["suggested_contract_id"]) == (
        "UNKNOWN_CONTRACT", "OBA-ACME-2042", "OBA-ACME-2024"
    )
    e = episode(db)
    assert (e["link_status"], e["contract_id"]) == ("suggested", "OBA-ACME-2024")
    assert rule_codes(db) == {"OBA_ID_UNKNOWN"}


def test_contract_of_another_payer_is_a_payer_mismatch_with_the_payers_own_suggested(db):
    setup_claim(db, "OBA-OTHER-2024")
    add_contract(db)
    add_contract(db, "OBA-OTHER-2024", payer_id="OTHER")
    run(db)
    (m,) = missing_oba(db)
    assert (m["reason"], m["suggested_contract_id"], m["billed_contract_payer_id"]) == (
        "PAYER_MISMATCH", "OBA-ACME-2024", "OTHER"
    )
    e = episode(db)
    assert (e["link_status"], e["contract_id"]) == ("suggested", "OBA-ACME-2024")
    assert rule_codes(db) == {"OBA_PAYER_MISMATCH"}


def test_payers_contract_not_effective_on_infusion_date_suggests_the_effective_one(db):
    setup_claim(db, "OBA-ACME-2020")
    add_contract(db, "OBA-ACME-2020", effective_from=dt.date(2020, 1, 1), effective_to=dt.date(2023, 12, 31))
    add_contract(db, "OBA-ACME-2024", effective_from=dt.date(2024, 1, 1))
    run(db)
    (m,) = missing_oba(db)
    assert (m["reason"], m["suggested_contract_id"]) == ("NOT_EFFECTIVE", "OBA-ACME-2024")
    assert m["billed_contract_effective"] == "2020-01-01 to 2023-12-31"
    assert episode(db)["contract_id"] == "OBA-ACME-2024"
    assert rule_codes(db) == {"OBA_NOT_EFFECTIVE"}


def test_not_effective_before_effective_from_and_no_other_contract_is_unlinked(db):
    setup_claim(db, "OBA-ACME-2026")
    add_contract(db, "OBA-ACME-2026", effective_from=INFUSION + dt.timedelta(days=1))
    run(db)
    (m,) = missing_oba(db)
    assert (m["reason"], m["suggested_contract_id"], m["link_status"]) == ("NOT_EFFECTIVE", None, "unlinked")
    assert (episode(db)["link_status"], episode(db)["contract_id"]) == ("unlinked", None)


def test_effective_period_includes_both_ends(db):
    insert(
        db,
        "staging.claims",
        clean_claim("C1", member_id="M1", oba_contract_id="OBA-X")
        + clean_claim("C2", member_id="M2", oba_contract_id="OBA-X", service_date=dt.date(2025, 6, 30))
        + clean_claim("C3", member_id="M3", oba_contract_id="OBA-X", service_date=dt.date(2025, 7, 1)),
    )
    add_contract(db, "OBA-X", effective_from=INFUSION, effective_to=dt.date(2025, 6, 30))
    run(db)
    status = {r["claim_id"]: r["link_status"] for r in rows(db, "select * from marts.treatment_episodes")}
    assert status == {"C1": "linked", "C2": "linked", "C3": "unlinked"}
    assert [(m["claim_id"], m["reason"]) for m in missing_oba(db)] == [("C3", "NOT_EFFECTIVE")]


def test_payer_without_any_contract_and_no_oba_id_has_no_link_problem_and_is_unlinked(db):
    setup_claim(db, None, payer_id="NOCON")
    add_contract(db)  # ACME's contract must not be suggested to another payer
    run(db)
    assert missing_oba(db) == []
    assert not any(code.startswith("OBA_") for code in rule_codes(db))
    e = episode(db)
    assert (e["payer_id"], e["link_status"], e["contract_id"]) == ("NOCON", "unlinked", None)


def test_payer_without_any_contract_billing_another_payers_contract_is_mismatch_unlinked(db):
    setup_claim(db, "OBA-ACME-2024", payer_id="NOCON")
    add_contract(db)
    run(db)
    (m,) = missing_oba(db)
    assert (m["reason"], m["suggested_contract_id"], m["payer_contract_count"]) == ("PAYER_MISMATCH", None, 0)
    assert "no OBA contract loaded" in m["fix"]
    assert (episode(db)["link_status"], episode(db)["contract_id"]) == ("unlinked", None)


def test_duplicate_claims_with_link_problems_are_listed_too(db):
    insert(
        db,
        "staging.claims",
        clean_claim("C1", oba_contract_id=None)
        + clean_claim("C2", oba_contract_id=None, service_date=INFUSION + dt.timedelta(days=1)),
    )
    add_contract(db)
    run(db)
    listed = {m["claim_id"]: m["is_episode_claim"] for m in missing_oba(db)}
    assert listed == {"C1": True, "C2": False}
