"""Milestone status (spec/contracts.md "Milestone status") and as-of behaviour.

Infusion 2025-01-15, 6 months: due 2025-07-15, window 2025-06-15..2025-08-14.
"""

import pytest

from tests.conftest import insert
from tests.milestones.support import add_contract, add_episode, decision, event, rows, run, score


def setup(db, criteria=("score_min", "CHOP-INTEND", 40)):
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": criteria},
                      {"timepoint_months": 12, "criteria": criteria}])


def test_death_decides_before_the_window_opens(db):
    setup(db)
    insert(db, "staging.clinical_events", [event("E123", "2025-03-02", "death")])
    run(db, "2025-03-10")   # 6-month window opens 2025-06-15
    for tp, due in [(6, "2025-07-15"), (12, "2026-01-15")]:
        d = decision(db, tp)
        assert d["status"] == "not_met"
        assert d["evidence"] == f"death 2025-03-02 (event E123) on/before due {due}"
        assert d["death_date"].isoformat() == "2025-03-02"


def test_death_not_yet_recorded_at_as_of_does_not_decide(db):
    setup(db)
    insert(db, "staging.clinical_events", [event("E123", "2025-03-02", "death")])
    run(db, "2025-03-01")
    assert decision(db)["status"] == "pending"


def test_earliest_death_event_is_used(db):
    setup(db)
    insert(db, "staging.clinical_events", [event("E2", "2025-09-01", "death"),
                                           event("E1", "2025-07-20", "death")])
    run(db, "2025-10-01")
    assert decision(db, 6)["status"] == "missing_evidence"   # death after the 6-month due date
    d12 = decision(db, 12)
    assert d12["status"] == "not_met"
    assert d12["evidence"] == "death 2025-07-20 (event E1) on/before due 2026-01-15"


def test_death_after_due_date_leaves_milestone_to_the_criteria(db):
    setup(db)
    insert(db, "staging.clinical_events", [event("E1", "2025-07-16", "death")])
    insert(db, "staging.assessments", [score("A1", "2025-07-10", 45)])
    run(db, "2025-12-01")
    assert decision(db, 6)["status"] == "met"
    assert decision(db, 12)["status"] == "not_met"   # death before the 12-month due date


@pytest.mark.parametrize(("as_of", "expected"), [
    ("2025-08-14", "pending"),           # as-of = window end: still pending
    ("2025-08-15", "missing_evidence"),  # window end + 1: decided
])
def test_pending_until_window_end_then_missing_evidence(db, as_of, expected):
    setup(db)
    run(db, as_of)
    assert decision(db)["status"] == expected


@pytest.mark.parametrize(("value", "as_of", "expected"), [
    (45, "2025-08-14", "pending"), (45, "2025-08-15", "met"),
    (30, "2025-08-14", "pending"), (30, "2025-08-15", "not_met"),
])
def test_criteria_decide_only_after_window_end(db, value, as_of, expected):
    setup(db)
    insert(db, "staging.assessments", [score("A1", "2025-07-15", value)])
    run(db, as_of)
    d = decision(db)
    assert d["status"] == expected
    assert d["criteria_result"] == ("met" if value == 45 else "not_met")
    assert "A1" in d["evidence"]


def test_pending_evidence_says_so(db):
    setup(db)
    run(db, "2025-07-01")
    d = decision(db)
    assert d["status"] == "pending"
    assert d["evidence"].startswith("pending until window end 2025-08-14")
    assert d["as_of_date"].isoformat() == "2025-07-01"


def test_same_inputs_same_as_of_same_rows(db):
    setup(db, ("all", ["ventilator_free_survival", ("score_gain", "CHOP-INTEND", 4)]))
    insert(db, "staging.assessments", [score("B1", "2025-01-10", 20), score("A1", "2025-07-15", 30, seq=2),
                                       score("A2", "2025-07-15", 22, seq=3),
                                       score("A3", "2026-01-20", 50, seq=4)])
    insert(db, "staging.clinical_events", [event("E1", "2025-12-30", "alive_contact")])
    tables = ["core.milestone_decisions", "core.criteria_results", "core.milestone_scores",
              "core.person_evidence", "core.permanent_ventilation", "marts.assessment_worklist"]

    def snapshot():
        return {t: rows(db, f"select * from {t} order by all") for t in tables}

    run(db, "2026-01-01")
    first = snapshot()
    run(db, "2026-06-30")            # a different as-of in between changes things ...
    assert snapshot()["core.milestone_decisions"] != first["core.milestone_decisions"]
    run(db, "2026-01-01")            # ... and coming back gives the same rows again
    assert snapshot() == first
    assert first["core.milestone_decisions"]   # not vacuous
    assert first["marts.assessment_worklist"]
