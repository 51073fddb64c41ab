"""The person (spec identity.md "Member ids: the crosswalk"): chains, many ids to one, cycles
(not merged, listed in marts.identity_issues), never across payers; every person-keyed feed
reads through it (core.<feed>)."""

from __future__ import annotations

from tests.conftest import insert
from tests.identity.support import crosswalk, current_ids, link, rows
from tests.milestones.support import event, resp, score
from tests.sqlmodels import run_models


def issues(con) -> list[tuple]:
    return con.execute("select payer_id, previous_member_id, member_id, reason from marts.identity_issues "
                       "order by all").fetchall()


def test_crosswalk_chain_of_three_ids_ends_at_the_current_member_id(db):
    # delivered out of order: the chain does not depend on file order or effective dates
    crosswalk(db, link("B", "C", effective="2026-01-01"), link("A", "B", effective="2025-01-01"))
    assert current_ids(db) == {("ACME", "A"): "C", ("ACME", "B"): "C"}
    assert issues(db) == []


def test_crosswalk_many_ids_lead_to_one_person(db):
    crosswalk(db, link("A", "C"), link("B", "C"))
    assert current_ids(db) == {("ACME", "A"): "C", ("ACME", "B"): "C"}


def test_crosswalk_cycle_is_not_merged_and_every_row_of_it_is_listed(db):
    crosswalk(db, link("X", "Y"), link("Y", "Z"), link("Z", "X"))
    insert(db, "staging.assessments", [score("A1", "2025-06-01", 30, member="X", payer="ACME")])
    assert current_ids(db) == {}
    assert issues(db) == [("ACME", "X", "Y", "CYCLE"), ("ACME", "Y", "Z", "CYCLE"), ("ACME", "Z", "X", "CYCLE")]
    assert db.execute("select member_id, delivered_member_id from core.assessments").fetchall() == [("X", "X")]


def test_crosswalk_row_running_into_a_cycle_keeps_its_own_id_and_is_listed(db):
    crosswalk(db, link("X", "Y"), link("Y", "X"), link("D", "X"), link("E", "D"), link("F", "G"))
    assert current_ids(db) == {("ACME", "F"): "G"}
    assert [i[1] for i in issues(db)] == ["D", "E", "X", "Y"]


def test_crosswalk_never_merges_ids_across_payers(db):
    crosswalk(db, link("A", "B", payer="ACME"))
    insert(db, "staging.clinical_events", [event("E1", "2025-06-01", "alive_contact", member="A", payer="ACME"),
                                           event("E2", "2025-06-01", "alive_contact", member="A", payer="OTHER")])
    run_models(db, ["identity"])
    assert db.execute("select event_id, payer_id, member_id, delivered_member_id from core.clinical_events "
                      "order by event_id").fetchall() == [("E1", "ACME", "B", "A"), ("E2", "OTHER", "A", "A")]


def test_every_person_keyed_feed_is_read_under_the_current_member_id(db):
    crosswalk(db, link("A", "B"), link("B", "C"))
    insert(db, "staging.assessments", [score("S1", "2025-06-01", 30, member="A", payer="ACME")])
    insert(db, "staging.clinical_events", [event("E1", "2025-06-01", "alive_contact", member="B", payer="ACME")])
    insert(db, "staging.respiratory_support", [resp("2025-06-01", 2, member="A", payer="ACME")])
    insert(db, "staging.authorizations", [{"prior_auth_number": "PA1", "payer_id": "ACME", "member_id": "A",
                                           "decision": "approved", "decision_date": "2025-05-01"}])
    insert(db, "staging.remittances", [{"remittance_id": "R1", "contract_id": "K", "payer_id": "ACME",
                                        "member_id": "B", "timepoint_months": 6, "amount": 1,
                                        "remitted_date": "2025-12-01"}])
    insert(db, "staging.enrollment", [{"payer_id": "ACME", "member_id": "A", "coverage_start": "2025-01-01"}])
    insert(db, "staging.payments", [{"payment_id": "P1", "contract_id": "K", "payer_id": "ACME", "member_id": "A",
                                     "installment_number": 1, "amount": 1, "paid_date": "2025-02-01"}])
    insert(db, "staging.refund_claims", [{"refund_claim_id": "RC1", "contract_id": "K", "payer_id": "ACME",
                                          "member_id": "B", "timepoint_months": 6, "submitted_date": "2025-12-01",
                                          "amount_claimed": 1}])
    run_models(db, ["identity"])
    for table in ("assessments", "clinical_events", "respiratory_support", "authorizations", "remittances",
                  "enrollment", "payments", "refund_claim_log"):
        assert db.execute(f"select distinct member_id from core.{table}").fetchall() == [("C",)], table


def test_one_day_under_two_ids_of_one_person_is_one_day_and_the_later_delivery_wins(db):
    crosswalk(db, link("A", "B"))
    insert(db, "staging.respiratory_support", [
        {**resp("2025-06-01", 20, member="A", payer="ACME"), "_delivery_seq": 1, "_row_number": 5},
        {**resp("2025-06-01", 4, member="B", payer="ACME"), "_delivery_seq": 2, "_row_number": 1},
        # within one file the row further down wins
        {**resp("2025-06-02", 3, member="B", payer="ACME"), "_delivery_seq": 3, "_row_number": 1},
        {**resp("2025-06-02", 17, member="A", payer="ACME"), "_delivery_seq": 3, "_row_number": 2},
    ])
    run_models(db, ["identity"])
    got = rows(db, "select member_id, support_date::varchar as day, hours::int as hours, delivered_member_id "
                   "from core.respiratory_support order by support_date")
    assert got == [{"member_id": "B", "day": "2025-06-01", "hours": 4, "delivered_member_id": "B"},
                   {"member_id": "B", "day": "2025-06-02", "hours": 17, "delivered_member_id": "A"}]
