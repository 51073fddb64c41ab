"""Every milestones model has a .yml that documents exactly its columns (shown to analysts as COMMENT ON)."""

import pytest
import yaml

from pipelines import SQL_DIR
from pipelines.defs.milestones.models import MODELS
from tests.milestones.support import add_contract, add_episode, rows, run


@pytest.mark.parametrize("model", MODELS)
def test_model_columns_are_documented(db, model):
    add_episode(db, "2025-01-15")
    add_contract(db, [{"timepoint_months": 6, "criteria": "alive"}])
    run(db, "2025-07-01")
    schema, name = model.split("/")
    doc = yaml.safe_load((SQL_DIR / f"{model}.yml").read_text())
    cols = rows(db, "select column_name, comment from duckdb_columns() "
                    "where schema_name = ? and table_name = ? order by column_index", [schema, name])
    assert [c["column_name"] for c in cols] == list(doc["columns"])
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
