"""Due dates, windows, one row per episode x milestone (spec/contracts.md "Episodes under a contract")."""

import pytest

from tests.conftest import insert
from tests.milestones.support import D, add_contract, add_episode, decision, rows, run, score


@pytest.mark.parametrize(
    ("infusion", "months", "due"),
    [
        ("2025-01-31", 6, "2025-07-31"),
        ("2025-01-31", 1, "2025-02-28"),   # clamped to month end
        ("2024-01-31", 1, "2024-02-29"),   # leap year
        ("2024-08-31", 6, "2025-02-28"),
        ("2023-08-31", 6, "2024-02-29"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2025-03-15", 60, "2030-03-15"),
    ],
)
def test_due_date_is_calendar_months_clamped_to_month_end(db, infusion, months, due):
    add_episode(db, infusion)
    add_contract(db, [{"timepoint_months": months, "criteria": "alive", "before": 10, "after": 20}])
    run(db, "2026-11-21")
    d = decision(db, months)
    assert d["due_date"] == D(due)
    assert (d["due_date"] - d["window_start"]).days == 10
    assert (d["window_end"] - d["due_date"]).days == 20


def test_one_row_per_contracted_episode_and_milestone(db):
    add_episode(db, "2025-01-15", member="M1", contract="C1")
    add_episode(db, "2025-01-15", member="M2", contract="C2")
    add_episode(db, "2025-01-15", member="M3", contract=None)   # unlinked: not evaluated
    add_contract(db, [{"timepoint_months": 6, "criteria": "alive"},
                      {"timepoint_months": 12, "criteria": "alive"}], contract_id="C1")
    add_contract(db, [{"timepoint_months": 24, "criteria": "alive"}], contract_id="C2")
    run(db, "2026-11-21")
    got = rows(db, "select member_id, contract_id, timepoint_months from core.milestone_decisions "
                   "order by all")
    assert [tuple(r.values()) for r in got] == [
        ("M1", "C1", 6), ("M1", "C1", 12), ("M2", "C2", 24)]


def test_window_edges_are_inclusive(db):
    # infusion 2025-01-15, 6 months: due 2025-07-15, window 2025-06-15..2025-08-14
    add_episode(db, "2025-01-15", member="FIRST")
    add_episode(db, "2025-01-15", member="LAST")
    add_episode(db, "2025-01-15", member="BEFORE")
    add_episode(db, "2025-01-15", member="AFTER")
    add_contract(db, [{"timepoint_months": 6, "criteria": ("score_min", "CHOP-INTEND", 40)}])
    insert(db, "staging.assessments", [
        score("A1", "2025-06-15", 50, member="FIRST"),
        score("A2", "2025-08-14", 50, member="LAST"),
        score("A3", "2025-06-14", 50, member="BEFORE"),
        score("A4", "2025-08-15", 50, member="AFTER"),
    ])
    run(db, "2026-01-01")
    assert decision(db, member="FIRST")["status"] == "met"
    assert decision(db, member="LAST")["status"] == "met"
    assert decision(db, member="BEFORE")["status"] == "missing_evidence"
    assert decision(db, member="AFTER")["status"] == "missing_evidence"
