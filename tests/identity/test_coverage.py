"""Coverage and `on_disenrollment` (spec identity.md "Coverage: the enrollment feed").

Infusion 2025-01-15. 6 months: due 2025-07-15, window 2025-06-15..2025-08-14.
12 months: due 2026-01-15, window 2025-12-16..2026-02-14.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import insert
from tests.identity.support import crosswalk, link, rows
from tests.milestones.support import add_contract, add_episode, decision, event, run, score
from tests.sqlmodels import run_models

D = dt.date.fromisoformat


def setup(db, policy: str, spans: list[tuple[str, str | None]], member: str = "M1",
          criteria=("score_min", "CHOP-INTEND", 40)) -> None:
    """A `policy` contract with 6- and 12-month milestones and one person on it with these coverage spans."""
    add_contract(db, [{"timepoint_months": 6, "criteria": criteria}, {"timepoint_months": 12, "criteria": criteria}])
    db.execute("update staging.contracts set on_disenrollment = ?", [policy])
    person(db, member, spans)


def person(db, member: str, spans: list[tuple[str, str | None]]) -> None:
    add_episode(db, "2025-01-15", member=member)
    insert(db, "staging.enrollment", [{"payer_id": "P1", "member_id": member, "coverage_start": D(start),
                                       "coverage_end": D(end) if end else None} for start, end in spans])


def test_disenrolled_under_stop_when_not_enrolled_on_the_due_date_even_with_met_criteria(db):
    setup(db, "stop", [("2024-12-01", "2025-05-31")])
    insert(db, "staging.assessments", [score("A1", "2025-07-10", 45)])
    run(db, "2026-06-01")
    d = decision(db, 6)
    assert d["status"] == "disenrolled"
    assert d["evidence"] == "disenrolled: not enrolled on due 2025-07-15 (coverage ended 2025-05-31; on_disenrollment: stop)"


def test_under_continue_the_criteria_decide_whether_or_not_the_child_is_enrolled(db):
    setup(db, "continue", [("2024-12-01", "2025-05-31")])
    insert(db, "staging.assessments", [score("A1", "2025-07-10", 45)])
    run(db, "2026-06-01")
    assert decision(db, 6)["status"] == "met"
    assert decision(db, 12)["status"] == "missing_evidence"


@pytest.mark.parametrize(("death", "expected"), [("2025-07-15", "not_met"),       # on the due date: death decides
                                                 ("2025-07-16", "disenrolled")])  # after it: disenrolled
def test_disenrolled_under_stop_unless_dead_by_the_due_date(db, death, expected):
    setup(db, "stop", [("2024-12-01", "2025-03-31")])
    insert(db, "staging.clinical_events", [event("E1", death, "death")])
    run(db, "2026-06-01")
    assert decision(db, 6)["status"] == expected


@pytest.mark.parametrize(("coverage_end", "expected"), [
    ("2025-07-14", "disenrolled"),   # left during the window, before the due date
    ("2025-07-15", "met"),           # the due date is the last covered day
    ("2025-07-20", "met"),           # left during the window, after the due date
])
def test_leaving_during_a_window_is_judged_on_the_due_date(db, coverage_end, expected):
    setup(db, "stop", [("2024-12-01", coverage_end)])
    insert(db, "staging.assessments", [score("A1", "2025-07-10", 45)])
    run(db, "2026-06-01")
    assert decision(db, 6)["status"] == expected


def test_a_due_date_after_the_last_covered_day_is_disenrolled_at_once_and_not_on_the_worklist(db):
    setup(db, "stop", [("2024-12-01", "2025-05-31")])
    run(db, "2025-05-20")   # windows not open yet, still enrolled today
    assert [decision(db, tp)["status"] for tp in (6, 12)] == ["disenrolled", "disenrolled"]
    assert rows(db, "select * from marts.assessment_worklist") == []


def test_nothing_else_overrides_disenrolled_not_permanent_ventilation(db):
    setup(db, "stop", [("2024-12-01", "2025-05-31")], criteria="ventilator_free_survival")
    insert(db, "staging.clinical_events", [event("E1", "2025-04-01", "tracheostomy")])
    run(db, "2026-06-01")
    assert decision(db, 6)["status"] == "disenrolled"


def test_a_person_without_enrollment_rows_is_enrolled_throughout_judged_person_by_person(db):
    setup(db, "stop", [], member="M1")
    person(db, "M2", [("2024-12-01", "2025-05-31")])
    insert(db, "staging.assessments", [score("A1", "2025-07-10", 45, member="M1"),
                                       score("A2", "2025-07-10", 45, member="M2")])
    run(db, "2026-06-01")
    assert decision(db, 6, member="M1")["status"] == "met"
    assert decision(db, 6, member="M2")["status"] == "disenrolled"


def test_coverage_under_any_id_of_the_person_counts(db):
    setup(db, "stop", [("2024-12-01", "2025-05-31")], member="NEW")
    insert(db, "staging.enrollment", [{"payer_id": "P1", "member_id": "OLD", "coverage_start": D("2025-06-01"),
                                       "coverage_end": None}])
    crosswalk(db, link("OLD", "NEW", payer="P1"))
    insert(db, "staging.assessments", [score("A1", "2025-07-10", 45, member="NEW")])
    run(db, "2026-06-01")
    assert decision(db, 6, member="NEW")["status"] == "met"


def test_a_disenrolled_milestone_owes_no_refund(db):
    setup(db, "stop", [("2024-12-01", "2025-05-31")])
    run_models(db, ["milestones", "refunds__milestone_refunds", "refunds__milestone_status"])
    assert rows(db, "select status, refund_due_amount, refund_due_date from marts.milestone_status "
                    "where timepoint_months = 6") == [
        {"status": "disenrolled", "refund_due_amount": 0, "refund_due_date": None}]


def test_the_worklist_shows_coverage_and_the_last_contact_over_all_ids(db):
    # 12-month window 2025-12-16..2026-02-14 is open at as-of 2026-01-05; coverage ended 2025-12-31,
    # so the child is enrolled neither today nor on the due date: a `continue` contract still tracks it
    setup(db, "continue", [("2024-12-01", "2025-12-31")], member="NEW")
    crosswalk(db, link("OLD", "NEW", payer="P1"))
    insert(db, "staging.clinical_events", [event("E1", "2025-11-20", "alive_contact", member="OLD"),
                                           event("E2", "2026-01-10", "alive_contact", member="NEW")])  # after as-of
    run(db, "2026-01-05")
    assert rows(db, "select member_id, timepoint_months, enrolled, enrolled_on_due_date, last_contact_date "
                    "from marts.assessment_worklist") == [
        {"member_id": "NEW", "timepoint_months": 12, "enrolled": False, "enrolled_on_due_date": False,
         "last_contact_date": D("2025-11-20")}]


def test_the_worklist_says_enrolled_when_a_span_covers_the_as_of_date(db):
    setup(db, "stop", [("2024-12-01", None)])
    run(db, "2026-01-05")
    assert rows(db, "select enrolled, enrolled_on_due_date, last_contact_date from marts.assessment_worklist") == [
        {"enrolled": True, "enrolled_on_due_date": True, "last_contact_date": None}]
