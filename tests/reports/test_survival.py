"""marts.ventilator_free_survival: the Kaplan-Meier input of the reports, one row per episode.

The evidence goes in where a real run puts it (staging.clinical_events,
staging.respiratory_support) and the real models build core.person_evidence,
core.permanent_ventilation and the mart, so these tests hold the mart's rule
against the tables a published warehouse has.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.sqlmodels import run_models, set_as_of
from tests.conftest import insert
from tests.milestones.support import event, resp
from tests.refunds.builders import AS_OF, D, add_contract, add_episode, create_colleague_tables
from tests.reports.warehouse import build_evidence

INFUSION = D(2024, 1, 1)
FULL = (AS_OF - INFUSION).days  # a child with no evidence is censored at the as-of date


def days_after_infusion(n: int) -> str:
    return (INFUSION + dt.timedelta(days=n)).isoformat()


@pytest.fixture
def sdb(db):
    create_colleague_tables(db)
    add_contract(db)
    for member in ("DIED", "TRACH", "RUN", "ALIVE", "SILENT", "LATE", "BEFORE"):
        add_episode(db, "PAYA", member, infusion_date=INFUSION, statuses={6: "met"})
    add_episode(db, "PAYB", "DIED", infusion_date=INFUSION, statuses={6: "not_met"})
    add_episode(db, "PAYB", "OTHER", infusion_date=INFUSION, statuses={6: "met"})
    insert(db, "staging.clinical_events", [
        event("E1", days_after_infusion(60), "death", "DIED", "PAYA"),
        event("E2", days_after_infusion(10), "tracheostomy", "TRACH", "PAYA"),
        event("E3", days_after_infusion(121), "death", "TRACH", "PAYA"),
        event("E4", days_after_infusion(31), "alive_contact", "ALIVE", "PAYA"),
        event("E5", (AS_OF + dt.timedelta(days=10)).isoformat(), "death", "LATE", "PAYA"),
        event("E6", "2023-12-01", "permanent_ventilation", "BEFORE", "PAYA"),
        # same member id at another payer: never PAYA's child
        event("E8", days_after_infusion(1), "death", "DIED", "PAYB"),
        event("E9", days_after_infusion(5), "alive_contact", "OTHER", "PAYB"),
    ])
    # 16 h on 14 consecutive days from day 20: permanent ventilation from day 20
    insert(db, "staging.respiratory_support",
           [resp(INFUSION + dt.timedelta(days=20 + i), 18, member="RUN", payer="PAYA") for i in range(14)])
    build_evidence(db)
    return db


def rows(con, payer_id: str) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in con.execute(
        "select member_id, days_from_infusion, observed, event_type from marts.ventilator_free_survival "
        "where payer_id = ?", [payer_id]).fetchall()}


def test_the_event_is_death_or_permanent_ventilation_else_censored_at_last_contact_or_as_of(sdb):
    assert rows(sdb, "PAYA") == {
        "BEFORE": (0, True, "permanent_ventilation"),  # ventilated before the infusion: day 0
        "TRACH": (10, True, "permanent_ventilation"),  # the tracheostomy, not the later death
        "RUN": (20, True, "permanent_ventilation"),    # onset of the 16 h / 14 day run
        "ALIVE": (31, False, None),                    # censored at the last contact
        "DIED": (60, True, "death"),                   # PAYA's death, not PAYB's same member id
        "SILENT": (FULL, False, None),                 # no evidence: censored at the as-of date
        "LATE": (FULL, False, None),                   # a death after the as-of date does not exist yet
    }
    assert rows(sdb, "PAYB") == {"DIED": (1, True, "death"), "OTHER": (5, False, None)}


def test_censoring_follows_the_as_of_date_of_the_run(sdb):
    set_as_of(sdb, D(2025, 1, 1))
    build_evidence(sdb)
    result = rows(sdb, "PAYA")
    assert result["SILENT"] == result["LATE"] == ((D(2025, 1, 1) - INFUSION).days, False, None)


@pytest.mark.parametrize("infusion, end, months", [
    (D(2024, 1, 10), D(2024, 7, 10), "6.0000"),    # the 6-month due date is exactly 6 months
    (D(2024, 1, 31), D(2024, 2, 29), "1.0000"),    # clamped to month end, as due dates are
    (D(2024, 1, 31), D(2024, 2, 28), "0.9655"),    # 28 of the 29 days to 2024-02-29
    (D(2024, 3, 10), D(2024, 4, 25), "1.5000"),    # 1 month + 15 of the 30 days to 2024-05-10
    (D(2024, 1, 10), D(2024, 1, 10), "0.0000"),
])
def test_months_are_calendar_months_as_the_milestones_count_them(db, infusion, end, months):
    create_colleague_tables(db)
    add_contract(db)
    add_episode(db, "PAYA", "M1", infusion_date=infusion, statuses={6: "met"})
    insert(db, "staging.clinical_events", [event("E1", end.isoformat(), "death", "M1", "PAYA")])
    build_evidence(db)
    (got,), = db.execute("select months_from_infusion from marts.ventilator_free_survival").fetchall()
    assert got == Decimal(months)
    due, = db.execute("select (?::date + interval 6 month)::date", [infusion]).fetchone()
    if end == due:
        assert got == 6  # the same arithmetic as core.milestone_windows.due_date


def test_every_column_is_documented(sdb):
    run_models(sdb, ["milestones__ventilator_free_survival"])
    undocumented = sdb.execute(
        "select column_name from duckdb_columns() where table_name = 'ventilator_free_survival' "
        "and (comment is null or comment = '')").fetchall()
    assert undocumented == []
