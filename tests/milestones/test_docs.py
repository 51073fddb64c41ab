"""Every milestones model's _models.yml documents exactly its columns (shown to analysts as COMMENT ON)."""

import pytest

from tests.milestones.support import add_contract, add_episode, rows, run
from tests.sqlmodels import domain_models, model


@pytest.mark.parametrize("name", domain_models("milestones"))
def test_model_columns_are_documented(db, name):
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": "alive"}])
    run(db, "2025-07-01")
    node = model(name)
    cols = rows(db, "select column_name, comment from duckdb_columns() "
                    "where schema_name = ? and table_name = ? order by column_index", [node["schema"], node["alias"]])
    assert [c["column_name"] for c in cols] == list(node["columns"])
    assert all(c["comment"] for c in cols)


def test_decisions_have_the_interface_columns(db):
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": "alive"}])
    run(db, "2025-07-01")
    cols = [r["column_name"] for r in rows(db, "select column_name from duckdb_columns() where "
                                               "schema_name = 'core' and table_name = 'milestone_decisions' "
                                               "order by column_index")]
    assert cols[:11] == ["episode_id", "payer_id", "member_id", "contract_id", "timepoint_months", "due_date",
                         "window_start", "window_end", "status", "evidence", "as_of_date"]
