"""core.claim_versions: replacement and void chains, whatever the delivery order."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tests.claims.helpers import INFUSION, add_contract, clean_auth, clean_claim, rows, rule_codes, run
from tests.conftest import insert


def deliver(db, deliveries: list[list[dict]], order: tuple[int, ...]) -> None:
    """Insert the deliveries in `order`: the i-th delivered file gets _delivery_seq i."""
    for seq, idx in enumerate(order, start=1):
        lines = [
            dict(line, _delivery_seq=seq, _row_number=row, _file_path=f"claims/{seq:03d}.csv")
            for row, line in enumerate(deliveries[idx], start=1)
        ]
        insert(db, "staging.claims", lines)
    insert(db, "staging.authorizations", [clean_auth()])
    add_contract(db)


def outcome(db) -> dict:
    """What the marts say: the current versions, the episode claim, the findings' claims."""
    return {
        "current": sorted(r["claim_id"] for r in rows(db, "select claim_id from core.claim_versions where is_current")),
        "episodes": sorted(r["claim_id"] for r in rows(db, "select claim_id from marts.treatment_episodes")),
        "finding_claims": sorted({r["claim_id"] for r in rows(db, "select claim_id from marts.claim_findings")}),
    }


def statuses(db) -> dict[str, str]:
    return {r["claim_id"]: r["version_status"] for r in rows(db, "select claim_id, version_status from core.claim_versions")}


def all_orders(n: int):
    return list(itertools.permutations(range(n)))


def original(claim_id="A", **kw):
    return clean_claim(claim_id, **kw)


def replacement(claim_id, of, **kw):
    return clean_claim(claim_id, frequency_code="7", original_claim_id=of, **kw)


def void(claim_id, of, **kw):
    return clean_claim(claim_id, frequency_code="8", original_claim_id=of, **kw)


# a distinguishable replacement: a different (wrong) kit, so the current version shows in the findings
def wrong_kit_replacement(claim_id, of):
    return replacement(claim_id, of, drug={"ndc": "71894-0135-07"})


REPLACEMENT_OF_REPLACEMENT = [original("A"), replacement("B", "A"), replacement("C", "B")]


@pytest.mark.parametrize("order", all_orders(3))
def test_replacement_of_a_replacement_makes_the_last_of_the_chain_current(db, order):
    deliver(db, REPLACEMENT_OF_REPLACEMENT, order)
    run(db)
    assert outcome(db) == {"current": ["C"], "episodes": ["C"], "finding_claims": []}
    assert statuses(db) == {"A": "replaced", "B": "replaced", "C": "current"}
    assert {r["chain_id"] for r in rows(db, "select chain_id from core.claim_versions")} == {"A"}


@pytest.mark.parametrize("order", all_orders(4))
def test_replacement_naming_the_original_of_a_longer_chain_forks_it(db, order):
    # A <- B <- C and D names A again: C and D are both unreplaced -> the later delivery
    deliveries = [original("A"), replacement("B", "A"), replacement("C", "B"), replacement("D", "A")]
    deliver(db, deliveries, order)
    run(db)
    later = "C" if order.index(2) > order.index(3) else "D"
    assert outcome(db)["current"] == [later]
    assert statuses(db)["A"] == statuses(db)["B"] == "replaced"


@pytest.mark.parametrize("order", all_orders(3))
def test_fork_two_replacements_of_one_version_the_later_delivery_is_current(db, order):
    deliveries = [original("A"), replacement("B", "A"), wrong_kit_replacement("C", "A")]
    deliver(db, deliveries, order)
    run(db)
    later = "B" if order.index(1) > order.index(2) else "C"
    other = "C" if later == "B" else "B"
    assert outcome(db)["current"] == [later]
    assert outcome(db)["episodes"] == [later]
    assert statuses(db) == {"A": "replaced", later: "current", other: "superseded"}
    # only the current version gets findings: C's wrong kit shows only when C is current
    assert rule_codes(db) == ({"NDC_KIT_WEIGHT_MISMATCH"} if later == "C" else set())


def test_fork_tie_on_delivery_is_decided_by_row_number_within_the_file(db):
    lines_b = replacement("B", "A")
    lines_c = wrong_kit_replacement("C", "A")
    insert(db, "staging.claims", [dict(l, _delivery_seq=1, _row_number=i) for i, l in enumerate(original("A"), 1)])
    insert(db, "staging.claims", [dict(l, _delivery_seq=2, _row_number=10 + i) for i, l in enumerate(lines_b, 1)])
    insert(db, "staging.claims", [dict(l, _delivery_seq=2, _row_number=i) for i, l in enumerate(lines_c, 1)])
    insert(db, "staging.authorizations", [clean_auth()])
    add_contract(db)
    run(db)
    assert outcome(db)["current"] == ["B"]


@pytest.mark.parametrize("order", all_orders(2))
def test_void_removes_the_chain_whether_it_arrives_before_or_after_the_original(db, order):
    deliver(db, [original("A"), void("V", "A")], order)
    run(db)
    assert outcome(db) == {"current": [], "episodes": [], "finding_claims": []}
    assert statuses(db) == {"A": "voided", "V": "void"}
    assert rows(db, "select * from marts.claims_missing_oba") == []


@pytest.mark.parametrize("order", all_orders(3))
def test_void_of_a_later_version_removes_the_whole_chain_across_deliveries(db, order):
    deliveries = [original("A"), replacement("B", "A"), void("V", "B")]
    deliver(db, deliveries, order)
    run(db)
    assert outcome(db) == {"current": [], "episodes": [], "finding_claims": []}
    assert statuses(db) == {"A": "voided", "B": "voided", "V": "void"}


@pytest.mark.parametrize("order", all_orders(3))
def test_void_whose_lines_arrive_in_two_deliveries_still_voids(db, order):
    v1, v2 = void("V", "A")
    deliver(db, [original("A"), [v1], [v2]], order)
    run(db)
    assert outcome(db) == {"current": [], "episodes": [], "finding_claims": []}


@pytest.mark.parametrize("order", all_orders(2))
def test_orphan_replacement_is_current_until_and_after_its_original_arrives(db, order):
    deliver(db, [original("A"), wrong_kit_replacement("B", "A")], order)
    run(db)
    assert outcome(db) == {"current": ["B"], "episodes": ["B"], "finding_claims": ["B"]}
    assert statuses(db) == {"A": "replaced", "B": "current"}


def test_orphan_replacement_alone_is_the_current_version_of_its_own_chain(db):
    deliver(db, [wrong_kit_replacement("B", "A")], (0,))
    run(db)
    assert outcome(db) == {"current": ["B"], "episodes": ["B"], "finding_claims": ["B"]}
    (v,) = rows(db, "select chain_id, chain_root_missing, version_status from core.claim_versions")
    assert v == {"chain_id": "A", "chain_root_missing": True, "version_status": "current"}


@pytest.mark.parametrize("order", all_orders(3))
def test_orphan_void_and_orphan_replacement_of_the_same_claim_void_the_chain(db, order):
    deliveries = [replacement("B", "A"), void("V", "A"), original("A")]
    deliver(db, deliveries, order)
    run(db)
    assert outcome(db)["current"] == []


def test_voided_chain_leaves_the_other_infusion_of_the_person_as_episode_without_duplicate(db):
    later = INFUSION + dt.timedelta(days=3)
    deliveries = [original("A"), void("V", "A"), clean_claim("X", service_date=later)]
    deliver(db, deliveries, (0, 1, 2))
    run(db)
    assert outcome(db) == {"current": ["X"], "episodes": ["X"], "finding_claims": []}


def test_replaced_versions_do_not_count_as_duplicate_doses(db):
    deliver(db, REPLACEMENT_OF_REPLACEMENT, (0, 1, 2))
    run(db)
    assert "DUPLICATE_LIFETIME_DOSE" not in rule_codes(db)


def test_claim_level_values_come_from_the_lowest_numbered_line_that_has_one(db):
    l1, l2 = clean_claim("A")
    l1 = dict(l1, oba_contract_id=None, prior_auth_number=None, member_id="M1")
    l2 = dict(l2, oba_contract_id="OBA-ACME-2024", prior_auth_number="PA1", member_id="M9")
    l3 = dict(l2, line_number=3, procedure_code="99211", oba_contract_id="OBA-OTHER", prior_auth_number="PA9")
    # delivered in reverse line order: the line number decides, not the delivery
    insert(db, "staging.claims", [l3, l2, l1])
    insert(db, "staging.authorizations", [clean_auth()])
    add_contract(db)
    run(db)
    (v,) = rows(db, "select member_id, oba_contract_id, prior_auth_number from core.claim_versions")
    assert v == {"member_id": "M1", "oba_contract_id": "OBA-ACME-2024", "prior_auth_number": "PA1"}
    assert rule_codes(db) == set()


def test_a_replacement_cycle_still_yields_one_current_version(db):
    # pathological input (A replaces B, B replaces A): the later delivery is current, nothing loops
    deliver(db, [replacement("A", "B"), replacement("B", "A")], (0, 1))
    run(db)
    assert outcome(db)["current"] == ["B"]


@pytest.mark.parametrize("tail", ["A3", "C3"])
def test_a_replacement_of_a_cycle_is_in_the_cycle_s_chain_whatever_its_name(db, tail):
    # B1 and B2 replace each other; the tail replaces B1, and nothing replaces the tail.
    # Its name sorting before or after the cycle's must not split the chain.
    deliver(db, [replacement("B1", "B2"), replacement("B2", "B1"), replacement(tail, "B1")], (0, 1, 2))
    run(db)
    assert outcome(db)["current"] == [tail]
    assert {r["chain_id"] for r in rows(db, "select chain_id from core.claim_versions")} == {"B1"}
    assert "DUPLICATE_LIFETIME_DOSE" not in rule_codes(db)


@pytest.mark.parametrize("order", all_orders(2))
def test_two_orphan_replacements_of_one_undelivered_claim_are_a_fork_of_its_chain(db, order):
    # the undelivered original sorts after its replacements, so no name order can stand in for the chain
    deliver(db, [replacement("B", "Z"), wrong_kit_replacement("C", "Z")], order)
    run(db)
    later = "B" if order.index(0) > order.index(1) else "C"
    assert outcome(db)["current"] == [later]
    assert {r["chain_id"] for r in rows(db, "select chain_id from core.claim_versions")} == {"Z"}


@pytest.mark.parametrize("order", all_orders(2))
def test_orphan_void_voids_an_orphan_replacement_of_the_same_undelivered_claim(db, order):
    deliver(db, [replacement("B", "Z"), void("V", "Z")], order)
    run(db)
    assert outcome(db) == {"current": [], "episodes": [], "finding_claims": []}
