"""Death and contact evidence per person (core.person_evidence, spec/contracts.md "Evidence")."""

from __future__ import annotations

import datetime as dt

from tests.conftest import insert
from tests.milestones.support import D, event, resp, rows, score
from tests.sqlmodels import run_models, set_as_of

MODELS = ["milestones__assessment_evidence", "milestones__person_evidence"]


def evidence(db, as_of: str) -> dict[tuple, dict]:
    set_as_of(db, D(as_of))
    run_models(db, MODELS)
    return {(r["payer_id"], r["member_id"]): r for r in rows(db, "select * from core.person_evidence")}


def test_contacts_span_every_source_up_to_the_as_of_date(db):
    insert(db, "staging.respiratory_support",
           [resp(D("2025-03-01") + dt.timedelta(days=i), 2) for i in range(10)]        # 03-01 .. 03-10
           + [resp("2025-03-05", 0, member="M2")])
    insert(db, "staging.assessments", [score("A1", "2025-02-20", 30), score("A2", "2025-04-01", 31),
                                       score("A3", "2025-03-05", 40, member="M2")])
    insert(db, "staging.clinical_events", [event("E1", "2025-03-08", "alive_contact"),
                                           event("E9", "2025-03-05", "alive_contact", member="M2")])
    m1 = evidence(db, "2025-03-09")[("P1", "M1")]
    # A2 and the log's 03-10 are after the as-of date: they do not exist yet
    assert (m1["first_contact_date"], m1["last_contact_date"], m1["contact_count"]) == (
        D("2025-02-20"), D("2025-03-09"), 1 + 9 + 1)
    assert m1["last_contact_source"] == "respiratory support log"
    m1 = evidence(db, "2025-06-30")[("P1", "M1")]
    assert (m1["last_contact_date"], m1["last_contact_source"], m1["contact_count"]) == (
        D("2025-04-01"), "assessment A2", 2 + 10 + 1)


def test_last_contact_on_a_shared_day_prefers_assessment_then_event_then_log(db):
    insert(db, "staging.respiratory_support", [resp("2025-03-05", 0, member="M2"), resp("2025-03-05", 0)])
    insert(db, "staging.assessments", [score("A3", "2025-03-05", 40, member="M2")])
    insert(db, "staging.clinical_events", [event("E9", "2025-03-05", "alive_contact", member="M2"),
                                           event("E1", "2025-03-05", "alive_contact")])
    found = evidence(db, "2025-06-30")
    assert found[("P1", "M2")]["last_contact_source"] == "assessment A3"
    assert found[("P1", "M1")]["last_contact_source"] == "alive_contact event E1"
    assert found[("P1", "M1")]["contact_count"] == 2


def test_death_is_the_earliest_death_event_and_counts_as_contact(db):
    insert(db, "staging.clinical_events", [event("E2", "2025-05-01", "death"), event("E1", "2025-05-01", "death"),
                                           event("E0", "2025-06-01", "death")])
    m1 = evidence(db, "2025-12-31")[("P1", "M1")]
    assert (m1["death_date"], m1["death_event_id"], m1["last_contact_date"]) == (
        D("2025-05-01"), "E1", D("2025-06-01"))


def test_last_contact_ties_of_one_source_go_to_the_smallest_source_text(db):
    # inserted in reverse so that neither insertion order nor a scan order can pick the answer
    insert(db, "staging.assessments", [score(f"A{i}", "2025-03-05", 40) for i in (9, 7, 5, 3)]
           + [score("A1", "2025-03-04", 40)])
    insert(db, "staging.clinical_events", [event(f"E{i}", "2025-03-06", "alive_contact", member="M2")
                                           for i in (8, 6, 2, 4)])
    found = evidence(db, "2025-06-30")
    assert found[("P1", "M1")]["last_contact_source"] == "assessment A3"
    assert found[("P1", "M2")]["last_contact_source"] == "alive_contact event E2"
