"""all / any three-valued combination, nesting, and trees driven by contract data.

Leaves are score_min (threshold 40) on three instruments whose outcome is set by
the evidence: 'met' = score 45, 'not_met' = score 30, 'unknown' = no score.
"""

import itertools

import pytest

from tests.conftest import insert
from tests.milestones.support import add_contract, add_episode, decision, node, rows, run, score

INSTRUMENTS = ["CHOP-INTEND", "HFMSE", "RHS"]
OUTCOMES = ["met", "not_met", "unknown"]
STATUS = {"met": "met", "not_met": "not_met", "unknown": "missing_evidence"}


def kleene(kind, values):
    if kind == "all":
        if "not_met" in values:
            return "not_met"
        return "met" if all(v == "met" for v in values) else "unknown"
    if "met" in values:
        return "met"
    return "not_met" if all(v == "not_met" for v in values) else "unknown"


def evidence_for(outcomes, member="M1"):
    out = []
    for i, (instrument, outcome) in enumerate(zip(INSTRUMENTS, outcomes)):
        if outcome != "unknown":
            out.append(score(f"A{i}-{member}", "2025-07-15", 45 if outcome == "met" else 30,
                             instrument=instrument, member=member, seq=i + 1))
    return out


@pytest.mark.parametrize("kind", ["all", "any"])
@pytest.mark.parametrize("outcomes", list(itertools.product(OUTCOMES, repeat=2)))
def test_three_valued_combination(db, kind, outcomes):
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": (
        kind, [("score_min", i, 40) for i in INSTRUMENTS[:2]])}])
    ev = evidence_for(outcomes)
    if ev:
        insert(db, "staging.assessments", ev)
    run(db, "2026-01-01")
    expected = kleene(kind, list(outcomes))
    assert node(db, 1)["result"] == expected
    assert [node(db, 2)["result"], node(db, 3)["result"]] == list(outcomes)
    assert decision(db)["status"] == STATUS[expected]


@pytest.mark.parametrize("outcomes", list(itertools.product(OUTCOMES, repeat=3)))
def test_nested_tree_matches_reference(db, outcomes):
    # any[ all[ CHOP, any[ HFMSE ] ], all[ any[ all[ RHS ] ] , HFMSE ] ]  - depth 4, mixed leaf depths
    tree = ("any", [
        ("all", [("score_min", "CHOP-INTEND", 40), ("any", [("score_min", "HFMSE", 40)])]),
        ("all", [("any", [("all", [("score_min", "RHS", 40)])]), ("score_min", "HFMSE", 40)]),
    ])
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": tree}])
    ev = evidence_for(outcomes)
    if ev:
        insert(db, "staging.assessments", ev)
    run(db, "2026-01-01")
    c, h, r = outcomes
    expected = kleene("any", [kleene("all", [c, kleene("any", [h])]),
                              kleene("all", [kleene("any", [kleene("all", [r])]), h])])
    assert node(db, 1)["result"] == expected
    assert decision(db)["status"] == STATUS[expected]


def test_deep_chain_is_evaluated(db):
    tree = ("score_min", "CHOP-INTEND", 40)
    for level in range(12):
        tree = ("all" if level % 2 else "any", [tree, "alive"] if level == 5 else [tree])
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": tree}])
    insert(db, "staging.assessments", [score("A1", "2025-07-15", 45)])
    run(db, "2026-01-01")
    assert rows(db, "select max(depth) as d from core.criteria_results")[0]["d"] == 12
    assert decision(db)["status"] == "met"
    assert rows(db, "select count(*) as n from core.criteria_results")[0]["n"] == 14


def test_root_leaf_tree(db):
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": ("score_min", "CHOP-INTEND", 40)}])
    insert(db, "staging.assessments", [score("A1", "2025-07-15", 45)])
    run(db, "2026-01-01")
    assert decision(db)["status"] == "met"


def test_criteria_come_from_each_contract(db):
    # same evidence, two contracts with different trees -> different outcomes
    add_episode(db, "2025-01-15", member="M1", contract="STRICT")
    add_episode(db, "2025-01-15", member="M2", contract="LENIENT")
    add_contract(db, [{"timepoint_months": 6, "criteria": ("all", [
        "alive", ("score_min", "CHOP-INTEND", 50)])}], contract_id="STRICT")
    add_contract(db, [{"timepoint_months": 6, "criteria": ("any", [
        "alive", ("score_min", "CHOP-INTEND", 50)])}], contract_id="LENIENT")
    insert(db, "staging.assessments", [score("A1", "2025-07-15", 45, member="M1"),
                                       score("A2", "2025-07-15", 45, member="M2", seq=2)])
    run(db, "2026-01-01")
    assert decision(db, member="M1")["status"] == "not_met"
    assert decision(db, member="M2")["status"] == "met"


def test_evidence_names_every_leaf_of_the_tree(db):
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": ("all", [
        "ventilator_free_survival", ("score_gain", "CHOP-INTEND", 4)])}])
    insert(db, "staging.assessments", [score("A-870", "2025-01-01", 31), score("A-991", "2025-07-18", 44, seq=2)])
    run(db, "2026-01-01")
    d = decision(db)
    assert d["status"] == "met"
    assert d["evidence"].startswith("met: all met [ventilator_free_survival met: contact 2025-07-18 (assessment A-991)")
    assert ("CHOP-INTEND 44 on 2025-07-18 (A-991, closest_to_due) vs baseline 31 on 2025-01-01 (A-870): "
            "gain 13 ≥ 4") in d["evidence"]
