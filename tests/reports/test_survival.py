"""The ventilator-free survival input of the HTML report (data.survival_input)."""

from __future__ import annotations

import pytest

from pipelines.defs.refunds.models import MODELS
from pipelines.defs.reports.data import DAYS_PER_MONTH, survival_input
from pipelines.sqlmodels import run_models
from tests.conftest import insert
from tests.refunds.builders import AS_OF, D, add_contract, add_episode, create_colleague_tables


@pytest.fixture
def sdb(db):
    create_colleague_tables(db)
    add_contract(db)
    add_episode(db, "PAYA", "DIED", infusion_date=D(2024, 1, 1), statuses={6: "not_met", 12: "not_met"})
    add_episode(db, "PAYA", "PV", infusion_date=D(2024, 1, 1), statuses={6: "met"})
    add_episode(db, "PAYA", "ALIVE", infusion_date=D(2024, 1, 1), statuses={6: "met"})
    add_episode(db, "PAYA", "LATE", infusion_date=D(2024, 1, 1), statuses={6: "met"})
    add_episode(db, "PAYB", "OTHER", infusion_date=D(2024, 1, 1), statuses={6: "not_met"})
    return db


def days(result):
    return sorted((round(m * DAYS_PER_MONTH), obs) for m, obs in result)


def test_person_evidence_events_and_censoring(sdb):
    sdb.execute("""create table core.person_evidence (payer_id varchar, member_id varchar,
        death_date date, pv_onset_date date, last_contact_date date)""")
    insert(sdb, "core.person_evidence", [
        {"payer_id": "PAYA", "member_id": "DIED", "death_date": D(2024, 3, 1)},        # 60 days
        {"payer_id": "PAYA", "member_id": "PV", "pv_onset_date": D(2024, 1, 11),
         "death_date": D(2024, 5, 1)},                                                 # earliest: 10
        {"payer_id": "PAYA", "member_id": "ALIVE", "last_contact_date": D(2024, 2, 1)},  # censored 31
        {"payer_id": "PAYA", "member_id": "LATE", "death_date": AS_OF.replace(year=AS_OF.year + 1)},
        {"payer_id": "PAYB", "member_id": "OTHER", "death_date": D(2024, 1, 2)},
    ])
    result, source = survival_input(sdb, "PAYA", AS_OF)
    assert source == "core.person_evidence"
    # LATE's death is after as-of: it does not exist; censored at as-of
    assert days(result) == [(10, True), (31, False), (60, True), ((AS_OF - D(2024, 1, 1)).days, False)]


def test_person_evidence_without_last_contact_censors_at_as_of(sdb):
    sdb.execute("""create table core.person_evidence (payer_id varchar, member_id varchar,
        death_date date, pv_onset_date date)""")
    insert(sdb, "core.person_evidence", [
        {"payer_id": "PAYA", "member_id": "DIED", "death_date": D(2024, 3, 1)},
    ])
    result, _ = survival_input(sdb, "PAYA", AS_OF)
    full = (AS_OF - D(2024, 1, 1)).days
    assert days(result) == [(60, True), (full, False), (full, False), (full, False)]


@pytest.mark.parametrize("person_evidence_ddl", [
    None,  # table absent
    "create table core.person_evidence (payer_id varchar, member_id varchar, last_contact_date date)",
])
def test_falls_back_to_milestone_status_deaths(sdb, person_evidence_ddl):
    if person_evidence_ddl:
        sdb.execute(person_evidence_ddl)
    sdb.execute("update core.milestone_decisions set evidence = 'death event E1 on 2024-03-01' "
                "where member_id = 'DIED'")
    run_models(sdb, MODELS)
    result, source = survival_input(sdb, "PAYA", AS_OF)
    assert source.startswith("marts.milestone_status")
    full = (AS_OF - D(2024, 1, 1)).days
    # the death is placed at the earliest due date it decided (6 months: 2024-07-01)
    assert days(result) == [((D(2024, 7, 1) - D(2024, 1, 1)).days, True)] + [(full, False)] * 3


def test_pv_onset_from_core_permanent_ventilation(sdb):
    # the colleague's shape: person_evidence without pv_onset_date, onset in permanent_ventilation
    sdb.execute("""create table core.person_evidence (payer_id varchar, member_id varchar,
        death_date date, last_contact_date date)""")
    sdb.execute("""create table core.permanent_ventilation (payer_id varchar, member_id varchar,
        onset_date date)""")
    insert(sdb, "core.person_evidence", [
        {"payer_id": "PAYA", "member_id": "DIED", "death_date": D(2024, 3, 1)},
        {"payer_id": "PAYA", "member_id": "PV", "death_date": D(2024, 5, 1)},
    ])
    insert(sdb, "core.permanent_ventilation", [
        {"payer_id": "PAYA", "member_id": "PV", "onset_date": D(2024, 1, 21)},
        {"payer_id": "PAYB", "member_id": "OTHER", "onset_date": D(2024, 1, 2)},
    ])
    result, source = survival_input(sdb, "PAYA", AS_OF)
    assert source == "core.person_evidence + core.permanent_ventilation"
    full = (AS_OF - D(2024, 1, 1)).days
    assert days(result) == [(20, True), (60, True), (full, False), (full, False)]


def test_no_episodes_table_gives_no_curve(db):
    result, source = survival_input(db, "PAYA", AS_OF)
    assert result == [] and "no treatment episodes" in source
