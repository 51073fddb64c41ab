"""Which evidence exists for an episode (spec/contracts.md "Evidence", README.md "Fixed points").

Evidence dated after the as-of date does not exist yet; a person is the pair
(payer_id, member_id); an `amended` assessment is evidence (only
`entered_in_error` is not); a 16 h / 14 day run starts on its first day.

Infusion 2025-01-15, milestone 6 months: due 2025-07-15, window 2025-06-15..2025-08-14.
"""

import datetime as dt

import pytest

from tests.conftest import insert
from tests.milestones.support import (
    add_contract, add_episode, decision, event, motor, node, resp, run, score,
)

AS_OF = "2026-01-01"
SITS = "SITS_WITHOUT_SUPPORT_30S"


def setup(db, criteria, payer="P1"):
    contract = f"C-{payer}"
    add_episode(db, "2025-01-15", contract=contract, payer=payer)
    add_contract(db, [{"timepoint_months": 6, "criteria": criteria}], contract_id=contract, payer=payer)


# --- as-of: an assessment or event dated after it does not exist yet ---------------

@pytest.mark.parametrize(("as_of", "expected"), [
    ("2025-06-30", "unknown"),   # the day before the achieved assessment
    ("2025-07-01", "met"),       # its own date
    ("2025-07-02", "met"),
])
def test_motor_assessment_after_as_of_does_not_exist(db, as_of, expected):
    setup(db, ("motor_milestone", SITS))
    insert(db, "staging.assessments", [motor("MM1", "2025-07-01", SITS, True)])
    run(db, as_of)
    assert node(db, 1)["result"] == expected
    d = decision(db)
    assert (d["status"], d["criteria_result"]) == ("pending", expected)


@pytest.mark.parametrize("event_type", ["alive_contact", "tracheostomy", "permanent_ventilation"])
@pytest.mark.parametrize(("as_of", "event_date", "status"), [
    ("2025-07-01", "2025-07-10", "pending"),            # window open, contact in it but after as-of
    ("2025-09-01", "2025-09-02", "missing_evidence"),   # window closed, contact after as-of
])
def test_event_after_as_of_is_not_contact(db, event_type, as_of, event_date, status):
    setup(db, "alive")
    insert(db, "staging.clinical_events", [event("E1", event_date, event_type)])
    run(db, as_of)
    assert node(db, 1)["result"] == "unknown"
    d = decision(db)
    assert (d["status"], d["criteria_result"], d["last_contact_date"]) == (status, "unknown", None)


# --- a person is the pair (payer_id, member_id) -------------------------------------

@pytest.mark.parametrize(("criteria", "table", "evidence", "other_status"), [
    (("score_min", "CHOP-INTEND", 40), "staging.assessments",
     score("A1", "2025-07-15", 45, payer="P2"), "met"),
    (("motor_milestone", SITS), "staging.assessments",
     motor("MM1", "2025-07-01", SITS, True, payer="P2"), "met"),
    ("alive", "staging.clinical_events", event("E1", "2025-07-01", "alive_contact", payer="P2"), "met"),
    ("alive", "staging.clinical_events", event("E1", "2025-07-01", "death", payer="P2"), "not_met"),
], ids=["score", "motor_milestone", "contact", "death"])
def test_same_member_id_under_another_payer_is_another_person(db, criteria, table, evidence, other_status):
    setup(db, criteria, payer="P1")
    setup(db, criteria, payer="P2")
    insert(db, table, [evidence])
    run(db, AS_OF)
    assert decision(db, payer="P2")["status"] == other_status   # the evidence decides its own person
    d = decision(db, payer="P1")
    assert (d["status"], d["criteria_result"]) == ("missing_evidence", "unknown")
    assert (d["death_date"], d["last_contact_date"], d["selected_assessment_ids"]) == (None, None, [])


# --- assessment status ---------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [(45, "met"), (39, "not_met")])
def test_amended_score_is_evidence(db, value, expected):
    setup(db, ("score_min", "CHOP-INTEND", 40))
    insert(db, "staging.assessments", [score("A1", "2025-07-15", value, status="amended")])
    run(db, AS_OF)
    d = decision(db)
    assert (d["status"], d["selected_assessment_ids"]) == (expected, ["A1"])
    assert f"CHOP-INTEND {value} on 2025-07-15 (A1, closest_to_due)" in d["evidence"]


# --- a 16 h / 14 day run straddling the due date -------------------------------------

def test_run_started_before_due_date_onsets_on_its_first_day(db):
    setup(db, "ventilator_free_survival")
    first = dt.date(2025, 7, 10)   # days 2025-07-10 .. 2025-07-23: the 14th day is after the due date
    insert(db, "staging.respiratory_support", [resp(first + dt.timedelta(days=i), 20) for i in range(14)])
    run(db, AS_OF)
    assert node(db, 1)["result"] == "not_met"
    d = decision(db)
    assert (d["status"], d["pv_onset_date"]) == ("not_met", first)
    assert d["pv_onset_basis"] == "16h/14d run 2025-07-10..2025-07-23 (14 days)"
