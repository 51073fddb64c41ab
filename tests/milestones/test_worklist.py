"""marts.assessment_worklist: pending milestones whose window is open or opens within 60 days.

Infusion 2025-01-15, 6 months: due 2025-07-15, window 2025-06-15..2025-08-14.
"""

import pytest

from tests.conftest import insert
from tests.milestones.support import add_contract, add_episode, event, motor, rows, run, score

SITS = "SITS_WITHOUT_SUPPORT_30S"


def worklist(db):
    return rows(db, "select * from marts.assessment_worklist order by member_id, timepoint_months")


def setup(db, criteria, member="M1"):
    add_episode(db, "2025-01-15", member=member)
    add_contract(db, [{"timepoint_months": 6, "criteria": criteria}])


@pytest.mark.parametrize(("as_of", "listed"), [
    ("2025-04-15", False),   # window opens in 61 days
    ("2025-04-16", True),    # opens in 60 days
    ("2025-06-15", True),    # open
    ("2025-08-14", True),    # last window day, still pending
    ("2025-08-15", False),   # window closed: decided (missing_evidence)
])
def test_which_milestones_are_listed(db, as_of, listed):
    setup(db, ("score_min", "CHOP-INTEND", 40))
    run(db, as_of)
    assert bool(worklist(db)) is listed


def test_row_contents_and_needed_text(db):
    setup(db, ("all", ["ventilator_free_survival", ("score_min", "CHOP-INTEND", 40)]))
    run(db, "2025-07-01")
    (w,) = worklist(db)
    assert w["episode_id"] == "EP-P1-M1"
    assert (w["contract_id"], w["timepoint_months"]) == ("C1", 6)
    assert (w["window_start"].isoformat(), w["window_end"].isoformat()) == ("2025-06-15", "2025-08-14")
    assert w["days_until_window_end"] == 44
    assert w["needed"] == ("contact (visit or alive confirmation) on or after 2025-06-15; "
                           "CHOP-INTEND score between 2025-06-15 and 2025-08-14 (needs ≥ 40)")


def test_death_before_due_is_not_on_the_worklist(db):
    setup(db, "alive")
    insert(db, "staging.clinical_events", [event("E1", "2025-05-01", "death")])
    run(db, "2025-07-01")
    assert worklist(db) == []


def test_leaf_met_by_evidence_in_hand_needs_nothing(db):
    setup(db, ("all", ["alive", ("score_min", "CHOP-INTEND", 40), ("motor_milestone", SITS)]))
    insert(db, "staging.assessments", [score("A1", "2025-06-20", 45)])   # meets score_min, and is a contact
    run(db, "2025-07-01")
    (w,) = worklist(db)
    assert w["needed"] == f"{SITS} motor milestone assessment between 2025-06-15 and 2025-08-14"


def test_all_met_needs_nothing(db):
    setup(db, ("all", ["alive", ("motor_milestone", SITS)]))
    insert(db, "staging.assessments", [motor("M1", "2025-03-01", SITS, True)])
    insert(db, "staging.clinical_events", [event("E1", "2025-06-16", "alive_contact")])
    run(db, "2025-07-01")
    (w,) = worklist(db)
    assert w["needed"] == "nothing missing: criteria met by the evidence in hand so far"
    assert w["criteria_result"] == "met"


def test_criteria_not_met_so_far_need_nothing_and_say_why(db):
    setup(db, ("score_min", "CHOP-INTEND", 40))
    insert(db, "staging.assessments", [score("A1", "2025-06-20", 30)])
    run(db, "2025-07-01")
    (w,) = worklist(db)
    assert w["criteria_result"] == "not_met"
    assert w["needed"].startswith("nothing missing: criteria not met by the evidence in hand so far (")
    assert "CHOP-INTEND 30 on 2025-06-20 (A1" in w["needed"]


def test_any_already_met_needs_nothing_from_siblings(db):
    setup(db, ("all", ["alive", ("any", [("motor_milestone", SITS), ("score_min", "HFMSE", 20)])]))
    insert(db, "staging.assessments", [motor("M1", "2025-03-01", SITS, True)])
    run(db, "2025-07-01")
    (w,) = worklist(db)
    assert w["needed"] == "contact (visit or alive confirmation) on or after 2025-06-15"


def test_any_lists_alternatives(db):
    setup(db, ("any", [("motor_milestone", SITS), ("score_min", "HFMSE", 20)]))
    run(db, "2025-07-01")
    (w,) = worklist(db)
    assert w["needed"] == (f"one of: ({SITS} motor milestone assessment between 2025-06-15 and 2025-08-14) "
                           "OR (HFMSE score between 2025-06-15 and 2025-08-14 (needs ≥ 20))")


def test_missing_baseline_is_called_out(db):
    setup(db, ("score_gain", "CHOP-INTEND", 4))
    run(db, "2025-07-01")
    (w,) = worklist(db)
    assert w["needed"] == ("baseline CHOP-INTEND missing (none between 2024-12-16 and 2025-01-15): "
                           "score_gain cannot be met without one")


def test_score_gain_with_baseline_states_target(db):
    setup(db, ("score_gain", "CHOP-INTEND", 4))
    insert(db, "staging.assessments", [score("B1", "2025-01-10", 31)])
    run(db, "2025-07-01")
    (w,) = worklist(db)
    assert w["needed"] == ("CHOP-INTEND score between 2025-06-15 and 2025-08-14 "
                           "(needs ≥ 35: baseline 31 on 2025-01-10 (B1) + 4)")


def test_one_row_per_pending_milestone(db):
    add_episode(db, "2025-01-15", member="M1")
    add_episode(db, "2024-07-20", member="M2")
    add_contract(db, [{"timepoint_months": 6, "criteria": "alive"},
                      {"timepoint_months": 12, "criteria": "alive"}])
    run(db, "2025-07-01")
    got = [(w["member_id"], w["timepoint_months"]) for w in worklist(db)]
    # M1: 6 open, 12 opens 2025-12-16 (too far); M2: 6 closed 2025-02-19, 12 due 2025-07-20 open
    assert got == [("M1", 6), ("M2", 12)]
