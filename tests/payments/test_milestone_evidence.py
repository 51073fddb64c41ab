"""marts.milestone_evidence (spec/payments.md "Evidence for a refund claim"): the rows of evidence
that decided each criterion, with their feed, id, date and values; absence as one row without a source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.conftest import insert
from tests.milestones.support import add_contract, add_episode, event, motor, resp, rows, score
from tests.sqlmodels import run_models

INFUSION = "2024-01-15"  # 6-month due 2024-07-15, window 2024-06-15 .. 2024-08-14


def evidence(con) -> list[dict]:
    run_models(con, ["milestones", "payments__milestone_evidence"])
    return rows(con, "select * from marts.milestone_evidence order by node_id, source_feed, source_id")


def key(r: dict) -> tuple:
    return (r["criterion_kind"], r["criterion_result"], r["source_feed"], r["source_id"], r["evidence_date"],
            r["value"], r["baseline_value"])


def test_scores_with_baseline_and_motor_milestone_rows_name_their_assessments(db):
    add_contract(db, [{"timepoint_months": 6, "criteria": ("all", [
        ("score_gain", "CHOP-INTEND", 4), ("score_min", "CHOP-INTEND", 40),
        ("motor_milestone", "SITS_WITHOUT_SUPPORT_30S")])}])
    add_episode(db, INFUSION)
    insert(db, "staging.assessments", [
        score("A-BASE", "2024-01-10", 30), score("A-6M", "2024-07-10", 36),
        motor("A-SIT", "2024-07-01", "SITS_WITHOUT_SUPPORT_30S", True)])
    got = [key(r) for r in evidence(db)]
    assert got == [
        ("score_gain", "met", "assessments", "A-6M", dt.date(2024, 7, 10), Decimal(36), Decimal(30)),
        ("score_min", "not_met", "assessments", "A-6M", dt.date(2024, 7, 10), Decimal(36), None),
        ("motor_milestone", "met", "assessments", "A-SIT", dt.date(2024, 7, 1), None, None)]
    (gain,) = rows(db, "select * from marts.milestone_evidence where criterion_kind = 'score_gain'")
    assert (gain["instrument"], gain["threshold"], gain["baseline_source_id"]) == ("CHOP-INTEND", 4, "A-BASE")


def test_death_and_permanent_ventilation_run_decide_not_met_and_contact_decides_met(db):
    add_contract(db, [{"timepoint_months": 6, "criteria": "ventilator_free_survival"}])
    add_episode(db, INFUSION, member="M1")
    add_episode(db, INFUSION, member="M2")
    start = dt.date(2024, 3, 1)
    # the run's value is its fewest hours of a day (16.5 on day 6), not a total, nor a day outside the run
    hours = [20, 24, 18, 22, 20, Decimal("16.5"), 20, 20, 19, 20, 24, 20, 20, 21]
    insert(db, "staging.respiratory_support", [resp(start + dt.timedelta(days=i), h) for i, h in enumerate(hours)]
           + [resp(start - dt.timedelta(days=2), 16)])
    insert(db, "staging.clinical_events", [event("E-DEATH", "2024-05-01", "death"),
                                           event("E-SEEN", "2024-07-20", "alive_contact", member="M2")])
    run_models(db, ["milestones", "payments__milestone_evidence"])
    m1 = [key(r) for r in rows(db, "select * from marts.milestone_evidence where member_id = 'M1' "
                                   "order by evidence_date")]
    assert m1 == [
        ("ventilator_free_survival", "not_met", "respiratory_support", "2024-03-01..2024-03-14",
         dt.date(2024, 3, 1), Decimal("16.5"), None),
        ("ventilator_free_survival", "not_met", "clinical_events", "E-DEATH", dt.date(2024, 5, 1), None, None)]
    m2 = [key(r) for r in rows(db, "select * from marts.milestone_evidence where member_id = 'M2'")]
    assert m2 == [("ventilator_free_survival", "met", "clinical_events", "E-SEEN", dt.date(2024, 7, 20), None, None)]


def test_a_criterion_decided_by_absent_evidence_has_one_row_without_a_source(db):
    add_contract(db, [{"timepoint_months": 6, "criteria": ("all", ["alive", ("score_min", "HFMSE", 10)])}])
    add_episode(db, INFUSION)
    got = evidence(db)
    assert [(r["criterion_kind"], r["criterion_result"], r["source_feed"], r["source_id"], r["evidence_date"])
            for r in got] == [("alive", "unknown", None, None, None), ("score_min", "unknown", None, None, None)]
    assert all(r["detail"] for r in got)


def test_a_contact_by_assessment_names_the_assessment(db):
    add_contract(db, [{"timepoint_months": 6, "criteria": "alive"}])
    add_episode(db, INFUSION)
    insert(db, "staging.assessments", [score("A-LAST", "2024-08-01", 20)])
    assert [key(r) for r in evidence(db)] == [
        ("alive", "met", "assessments", "A-LAST", dt.date(2024, 8, 1), None, None)]


def test_a_contact_by_the_respiratory_log_names_the_feed_and_the_day(db):
    add_contract(db, [{"timepoint_months": 6, "criteria": "alive"}])
    add_episode(db, INFUSION)
    insert(db, "staging.respiratory_support", [resp(dt.date(2024, 8, 2), 6), resp(dt.date(2024, 8, 3), 6)])
    assert [key(r) for r in evidence(db)] == [
        ("alive", "met", "respiratory_support", None, dt.date(2024, 8, 3), None, None)]
