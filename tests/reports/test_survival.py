"""The ventilator-free survival input of the HTML report (data.survival_input).

The evidence goes in where a real run puts it (staging.clinical_events,
staging.respiratory_support) and the real models build core.person_evidence
and core.permanent_ventilation, so these tests hold the report's rule against
the tables a published warehouse has.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.defs.reports.data import DAYS_PER_MONTH, survival_input
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
    for member in ("DIED", "TRACH", "RUN", "ALIVE", "SILENT", "LATE", "BEFORE", "TWICE"):
        add_episode(db, "PAYA", member, infusion_date=INFUSION, statuses={6: "met"})
    # a later episode of the same child: the curve starts at the first infusion
    insert(db, "core.episodes", [{"episode_id": "EP-PAYA-TWICE-2", "payer_id": "PAYA",
                                            "member_id": "TWICE", "infusion_date": D(2024, 6, 1)}])
    add_episode(db, "PAYB", "DIED", infusion_date=INFUSION, statuses={6: "not_met"})
    add_episode(db, "PAYB", "OTHER", infusion_date=INFUSION, statuses={6: "met"})
    insert(db, "staging.clinical_events", [
        event("E1", days_after_infusion(60), "death", "DIED", "PAYA"),
        event("E2", days_after_infusion(10), "tracheostomy", "TRACH", "PAYA"),
        event("E3", days_after_infusion(121), "death", "TRACH", "PAYA"),
        event("E4", days_after_infusion(31), "alive_contact", "ALIVE", "PAYA"),
        event("E5", (AS_OF + dt.timedelta(days=10)).isoformat(), "death", "LATE", "PAYA"),
        event("E6", "2023-12-01", "permanent_ventilation", "BEFORE", "PAYA"),
        event("E7", days_after_infusion(45), "death", "TWICE", "PAYA"),
        # same member id at another payer: never PAYA's child
        event("E8", days_after_infusion(1), "death", "DIED", "PAYB"),
        event("E9", days_after_infusion(5), "alive_contact", "OTHER", "PAYB"),
    ])
    # 16 h on 14 consecutive days from day 20: permanent ventilation from day 20
    insert(db, "staging.respiratory_support",
           [resp(INFUSION + dt.timedelta(days=20 + i), 18, member="RUN", payer="PAYA") for i in range(14)])
    build_evidence(db)
    return db


def days(result: list[tuple[float, bool]]) -> list[tuple[int, bool]]:
    return sorted((round(m * DAYS_PER_MONTH), obs) for m, obs in result)


def test_events_from_person_evidence_and_permanent_ventilation(sdb):
    assert days(survival_input(sdb, "PAYA", AS_OF)) == [
        (0, True),      # BEFORE: ventilated before the infusion counts from month 0
        (10, True),     # TRACH: the tracheostomy, not the later death
        (20, True),     # RUN: onset of the 16 h / 14 day run (core.permanent_ventilation)
        (31, False),    # ALIVE: censored at the last contact
        (45, True),     # TWICE: from the first infusion
        (60, True),     # DIED: PAYA's death, not PAYB's child with the same member id
        (FULL, False),  # SILENT: no evidence, censored at the as-of date
        (FULL, False),  # LATE: a death after the as-of date does not exist yet
    ]


def test_a_payer_gets_only_its_own_children(sdb):
    assert days(survival_input(sdb, "PAYB", AS_OF)) == [(1, True), (5, False)]


def test_censoring_uses_the_as_of_date_given(sdb):
    as_of = D(2025, 1, 1)
    result = days(survival_input(sdb, "PAYA", as_of))
    assert result.count(((as_of - INFUSION).days, False)) == 2  # SILENT and LATE


def test_months_are_days_over_the_mean_month(sdb):
    result = dict((obs, m) for m, obs in survival_input(sdb, "PAYB", AS_OF))
    assert result[True] == 1 / DAYS_PER_MONTH and result[False] == 5 / DAYS_PER_MONTH
