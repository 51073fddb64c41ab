"""Each criterion's three outcomes (spec/contracts.md "Deciding a criterion").

Infusion 2025-01-15, milestone 6 months: due 2025-07-15, window 2025-06-15..2025-08-14,
baseline window 2024-12-16..2025-01-15. As-of 2026-01-01 (window closed).
"""

import pytest

from tests.conftest import insert
from tests.milestones.support import (
    add_contract, add_episode, decision, event, motor, node, resp, run, score,
)

AS_OF = "2026-01-01"
SITS = "SITS_WITHOUT_SUPPORT_30S"


def setup(db, criteria, **contract):
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": criteria}], **contract)


# --- alive -------------------------------------------------------------------

def test_alive_met_by_contact_after_window_end(db):
    setup(db, "alive")
    insert(db, "staging.clinical_events", [event("E1", "2025-12-01", "alive_contact")])
    run(db, AS_OF)
    d = decision(db)
    assert d["status"] == "met"
    assert "2025-12-01" in d["evidence"] and "E1" in d["evidence"]


@pytest.mark.parametrize("contact", [
    resp("2025-06-15", 0),                                          # respiratory row, first window day
    motor("A1", "2025-06-20", SITS, False),                          # any assessment
    event("E1", "2025-06-20", "tracheostomy"),                        # any event type
])
def test_alive_contact_kinds(db, contact):
    setup(db, "alive")
    table = ("staging.respiratory_support" if "support_date" in contact
             else "staging.assessments" if "assessment_id" in contact else "staging.clinical_events")
    insert(db, table, [contact])
    run(db, AS_OF)
    assert decision(db)["status"] == "met"


def test_alive_unknown_when_last_contact_before_window(db):
    setup(db, "alive")
    insert(db, "staging.clinical_events", [event("E1", "2025-06-14", "alive_contact")])
    run(db, AS_OF)
    assert node(db, 1)["result"] == "unknown"
    assert decision(db)["status"] == "missing_evidence"


def test_alive_not_met_by_death_on_due_date(db):
    setup(db, "alive")
    insert(db, "staging.clinical_events", [event("E9", "2025-07-15", "death"),
                                           event("E1", "2025-07-01", "alive_contact")])
    run(db, AS_OF)
    assert node(db, 1)["result"] == "not_met"
    d = decision(db)
    assert d["status"] == "not_met"
    assert d["evidence"] == "death 2025-07-15 (event E9) on/before due 2025-07-15"


def test_death_after_due_date_does_not_fail_alive(db):
    setup(db, "alive")
    insert(db, "staging.clinical_events", [event("E9", "2025-07-16", "death")])
    run(db, AS_OF)
    assert node(db, 1)["result"] == "met"   # the death event itself is a contact from the window start on
    assert decision(db)["status"] == "met"


def test_entered_in_error_assessment_is_not_contact(db):
    setup(db, "alive")
    insert(db, "staging.assessments", [score("A1", "2025-07-01", 30, status="entered_in_error")])
    run(db, AS_OF)
    assert decision(db)["status"] == "missing_evidence"


# --- ventilator_free_survival -----------------------------------------------

def test_vfs_met(db):
    setup(db, "ventilator_free_survival")
    insert(db, "staging.clinical_events", [event("E1", "2025-06-15", "alive_contact"),
                                           event("E2", "2025-07-16", "tracheostomy")])  # after due
    run(db, AS_OF)
    assert decision(db)["status"] == "met"


@pytest.mark.parametrize("event_type", ["tracheostomy", "permanent_ventilation"])
def test_vfs_not_met_by_ventilation_event_on_due_date(db, event_type):
    setup(db, "ventilator_free_survival")
    insert(db, "staging.clinical_events", [event("E1", "2025-07-01", "alive_contact"),
                                           event("E2", "2025-07-15", event_type)])
    run(db, AS_OF)
    d = decision(db)
    assert d["status"] == "not_met"
    assert f"permanent ventilation onset 2025-07-15 ({event_type} event E2) on/before due 2025-07-15" in d["evidence"]
    assert d["pv_onset_date"].isoformat() == "2025-07-15"


def test_vfs_not_met_by_16h_run(db):
    import datetime as dt
    setup(db, "ventilator_free_survival")
    start = dt.date(2025, 3, 1)
    insert(db, "staging.respiratory_support",
           [resp(start + dt.timedelta(days=i), 20) for i in range(14)])
    insert(db, "staging.clinical_events", [event("E1", "2025-07-01", "alive_contact")])
    run(db, AS_OF)
    d = decision(db)
    assert d["status"] == "not_met"
    assert "16h/14d run 2025-03-01..2025-03-14 (14 days)" in d["evidence"]


def test_vfs_unknown_without_contact_in_window(db):
    setup(db, "ventilator_free_survival")
    insert(db, "staging.clinical_events", [event("E1", "2025-05-01", "alive_contact")])
    run(db, AS_OF)
    assert node(db, 1)["result"] == "unknown"
    assert decision(db)["status"] == "missing_evidence"


def test_vfs_death_on_due_date_not_met(db):
    setup(db, "ventilator_free_survival")
    insert(db, "staging.clinical_events", [event("E1", "2025-07-15", "death")])
    run(db, AS_OF)
    assert node(db, 1)["result"] == "not_met"


# --- score_min ---------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [(40, "met"), (39, "not_met"), (None, "missing_evidence")])
def test_score_min(db, value, expected):
    setup(db, ("score_min", "CHOP-INTEND", 40))
    if value is not None:
        insert(db, "staging.assessments", [score("A1", "2025-07-10", value)])
    insert(db, "staging.assessments", [score("H1", "2025-07-15", 66, instrument="HFMSE", seq=2)])  # other instrument
    run(db, AS_OF)
    d = decision(db)
    assert d["status"] == expected
    if value is not None:
        assert f"CHOP-INTEND {value} on 2025-07-10 (A1" in d["evidence"]
        assert d["selected_assessment_ids"] == ["A1"]


def test_score_after_as_of_does_not_exist(db):
    setup(db, ("score_min", "CHOP-INTEND", 40))
    insert(db, "staging.assessments", [score("A1", "2025-08-10", 50)])
    run(db, "2025-08-09")
    assert node(db, 1)["result"] == "unknown"
    run(db, "2025-08-15")
    assert decision(db)["status"] == "met"


def test_entered_in_error_score_is_ignored(db):
    setup(db, ("score_min", "CHOP-INTEND", 40))
    insert(db, "staging.assessments", [
        score("A1", "2025-07-15", 50, status="entered_in_error"),  # closest, but in error
        score("A2", "2025-07-01", 30, seq=2),
    ])
    run(db, AS_OF)
    d = decision(db)
    assert d["status"] == "not_met"
    assert d["selected_assessment_ids"] == ["A2"]
    assert "A1" not in d["evidence"]


# --- score_gain --------------------------------------------------------------

@pytest.mark.parametrize(("baseline", "selected", "expected"), [
    (31, 35, "met"),       # gain 4 reaches 4 points
    (31, 34, "not_met"),   # gain 3
    (None, 60, "missing_evidence"),
    (31, None, "missing_evidence"),
])
def test_score_gain(db, baseline, selected, expected):
    setup(db, ("score_gain", "CHOP-INTEND", 4))
    if baseline is not None:
        insert(db, "staging.assessments", [score("B1", "2025-01-10", baseline)])
    if selected is not None:
        insert(db, "staging.assessments", [score("A1", "2025-07-20", selected, seq=2)])
    run(db, AS_OF)
    d = decision(db)
    assert d["status"] == expected
    if expected != "missing_evidence":
        gain = selected - baseline
        op = "≥" if expected == "met" else "<"
        assert (f"CHOP-INTEND {selected} on 2025-07-20 (A1, closest_to_due) vs baseline {baseline} "
                f"on 2025-01-10 (B1): gain {gain} {op} 4") in d["evidence"]


def test_baseline_is_latest_score_in_baseline_window(db):
    setup(db, ("score_gain", "CHOP-INTEND", 4), baseline_window_days=30)
    insert(db, "staging.assessments", [
        score("B0", "2024-12-15", 10),           # infusion - 31: outside
        score("B1", "2024-12-16", 20),           # infusion - 30: first baseline day
        score("B2", "2025-01-15", 30),           # infusion day: latest, wins
        score("B3", "2025-01-16", 5),            # after infusion: not a baseline
        score("A1", "2025-07-15", 34),
    ])
    run(db, AS_OF)
    d = decision(db)
    assert d["baseline_assessment_ids"] == ["B2"]
    assert d["status"] == "met"


def test_baseline_window_first_day_counts(db):
    setup(db, ("score_gain", "CHOP-INTEND", 4), baseline_window_days=30)
    insert(db, "staging.assessments", [score("B0", "2024-12-15", 10), score("B1", "2024-12-16", 20),
                                       score("A1", "2025-07-15", 24)])
    run(db, AS_OF)
    assert decision(db)["baseline_assessment_ids"] == ["B1"]
    assert decision(db)["status"] == "met"


def test_baseline_same_date_later_delivery_wins(db):
    setup(db, ("score_gain", "CHOP-INTEND", 4))
    insert(db, "staging.assessments", [
        score("B1", "2025-01-10", 20, seq=5),
        score("B2", "2025-01-10", 30, seq=4, row=9),
        score("A1", "2025-07-15", 25),
    ])
    run(db, AS_OF)
    d = decision(db)
    assert d["baseline_assessment_ids"] == ["B1"]
    assert d["status"] == "met"


def test_baseline_outside_window_with_custom_days(db):
    setup(db, ("score_gain", "CHOP-INTEND", 4), baseline_window_days=7)
    insert(db, "staging.assessments", [score("B1", "2025-01-07", 20), score("A1", "2025-07-15", 40)])
    run(db, AS_OF)
    d = decision(db)
    assert d["status"] == "missing_evidence"
    assert "no baseline CHOP-INTEND between 2025-01-08 and 2025-01-15" in d["evidence"]


# --- motor_milestone --------------------------------------------------------

def test_motor_met_by_achievement_after_infusion_before_window(db):
    setup(db, ("motor_milestone", SITS))
    insert(db, "staging.assessments", [motor("M1", "2025-03-01", SITS, True),
                                       motor("M2", "2025-07-01", SITS, False)])
    run(db, AS_OF)
    d = decision(db)
    assert d["status"] == "met"
    assert f"{SITS} achieved on 2025-03-01 (M1)" in d["evidence"]


def test_motor_achieved_on_window_end_counts_after_does_not(db):
    setup(db, ("motor_milestone", SITS))
    insert(db, "staging.assessments", [motor("M1", "2025-08-14", SITS, True)])
    run(db, AS_OF)
    assert decision(db)["status"] == "met"


def test_motor_not_met(db):
    setup(db, ("motor_milestone", SITS))
    insert(db, "staging.assessments", [
        motor("M0", "2025-01-14", SITS, True),        # before infusion: does not count
        motor("M1", "2025-08-15", SITS, True),        # after window end: does not count
        motor("M2", "2025-06-15", SITS, False),       # first window day
        motor("M3", "2025-07-01", "HEAD_CONTROL", True),  # other milestone
    ])
    run(db, AS_OF)
    d = decision(db)
    assert d["status"] == "not_met"
    assert "not achieved on 2025-06-15 (M2)" in d["evidence"]


def test_motor_unknown_when_not_achieved_only_outside_window(db):
    setup(db, ("motor_milestone", SITS))
    insert(db, "staging.assessments", [motor("M1", "2025-06-14", SITS, False),
                                       motor("M2", "2025-08-15", SITS, False),
                                       motor("M3", "2025-07-01", SITS, True, status="entered_in_error")])
    run(db, AS_OF)
    assert node(db, 1)["result"] == "unknown"
    assert decision(db)["status"] == "missing_evidence"
