"""Running a SQL model and describing its table (pipelines/sqlmodels.py)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import sqlmodels


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "answer.sql").write_text("select 42 as answer, 'x' as label")
    monkeypatch.setattr(sqlmodels, "SQL_DIR", tmp_path)
    return tmp_path


def comments(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    table = con.execute("select comment from duckdb_tables() where table_name = 'answer'").fetchall()[0][0]
    cols = dict(con.execute("select column_name, comment from duckdb_columns() where table_name = 'answer'").fetchall())
    return {"table": table, **cols}


def test_a_model_gets_its_table_and_column_descriptions(models_dir):
    (models_dir / "core" / "answer.yml").write_text(
        "description: The answer.\ncolumns:\n  answer: Always 42.\n  label: What it's called.\n")
    con = duckdb.connect()
    assert sqlmodels.run_model(con, "core/answer") == 1
    assert comments(con) == {"table": "The answer.", "answer": "Always 42.", "label": "What it's called."}


def test_a_description_of_a_missing_column_fails_and_leaves_no_half_described_table(models_dir):
    (models_dir / "core" / "answer.yml").write_text(
        "description: The answer.\ncolumns:\n  answer: Always 42.\n  nowhere: Not a column.\n")
    con = duckdb.connect()
    with pytest.raises(duckdb.Error, match="nowhere"):
        sqlmodels.run_model(con, "core/answer")
    # the descriptions went in as one transaction, rolled back whole; the connection is usable
    assert comments(con) == {"table": None, "answer": None, "label": None}
    assert con.execute("select answer from core.answer").fetchall() == [(42,)]
