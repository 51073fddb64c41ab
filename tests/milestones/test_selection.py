"""Selected score per instrument per milestone: closest_to_due and best, with tie-breaks.

Infusion 2025-01-15, 6 months: due 2025-07-15, window 2025-06-15..2025-08-14.
"""

import pytest

from tests.conftest import insert
from tests.milestones.support import add_contract, add_episode, decision, rows, run, score


def selected(db, selection, assessments, threshold=40):
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": ("score_min", "CHOP-INTEND", threshold)}],
                 selection=selection)
    insert(db, "staging.assessments", assessments)
    run(db, "2026-01-01")
    (r,) = rows(db, "select selected_assessment_id, selected_score from core.milestone_scores")
    return r["selected_assessment_id"]


def test_closest_to_due_takes_nearest_not_highest(db):
    assert selected(db, "closest_to_due", [
        score("FAR", "2025-06-15", 60, seq=1),
        score("NEAR", "2025-07-17", 20, seq=2),
        score("MID", "2025-07-25", 50, seq=3),
    ]) == "NEAR"
    assert decision(db)["status"] == "not_met"   # the nearest (20) decides, not the best


def test_closest_to_due_tie_goes_to_later_date(db):
    assert selected(db, "closest_to_due", [
        score("AFTER", "2025-07-18", 30, seq=1),
        score("BEFORE", "2025-07-12", 50, seq=2),
    ]) == "AFTER"


def test_closest_to_due_same_date_later_delivery(db):
    assert selected(db, "closest_to_due", [
        score("A-LATER", "2025-07-15", 30, seq=7, row=1),
        score("Z-EARLIER", "2025-07-15", 50, seq=6, row=99),
    ]) == "A-LATER"


def test_closest_to_due_same_delivery_later_row(db):
    # ids ordered against the rule, so only _row_number can pick the right one
    assert selected(db, "closest_to_due", [
        score("A-ROW2", "2025-07-15", 30, seq=3, row=2),
        score("Z-ROW1", "2025-07-15", 50, seq=3, row=1),
    ]) == "A-ROW2"


def test_best_takes_highest(db):
    assert selected(db, "best", [
        score("NEAR", "2025-07-15", 20, seq=1),
        score("HIGH", "2025-06-15", 45, seq=2),
        score("OUT", "2025-08-15", 64, seq=3),   # outside the window
    ]) == "HIGH"
    assert decision(db)["status"] == "met"


def test_best_tie_goes_to_nearest_due(db):
    assert selected(db, "best", [
        score("FAR", "2025-08-10", 45, seq=2),
        score("NEAR", "2025-07-10", 45, seq=1),
    ]) == "NEAR"


def test_best_tie_same_distance_goes_to_later_date(db):
    assert selected(db, "best", [
        score("AFTER", "2025-07-20", 45, seq=1),
        score("BEFORE", "2025-07-10", 45, seq=2),
    ]) == "AFTER"


def test_best_tie_same_date_later_delivery(db):
    assert selected(db, "best", [
        score("A-LATER", "2025-07-20", 45, seq=9, row=1),
        score("Z-EARLIER", "2025-07-20", 45, seq=8, row=5),
    ]) == "A-LATER"


@pytest.mark.parametrize("selection", ["closest_to_due", "best"])
def test_selection_per_instrument(db, selection):
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": ("all", [("score_min", "CHOP-INTEND", 40),
                                                                   ("score_min", "HFMSE", 10)])}],
                 selection=selection)
    insert(db, "staging.assessments", [score("C1", "2025-07-15", 41, seq=1),
                                       score("H1", "2025-07-15", 9, instrument="HFMSE", seq=2)])
    run(db, "2026-01-01")
    d = decision(db)
    assert d["selected_assessment_ids"] == ["C1", "H1"]
    assert d["status"] == "not_met"
    assert "HFMSE 9 on 2025-07-15 (H1" in d["evidence"]
