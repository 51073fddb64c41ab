"""Run the SQL models of `sql/` against a DuckDB connection.

A model is one file `sql/<schema>/<name>.sql` holding one SELECT (a chain of
named CTEs ending in `select * from final`). Running it materialises
`<schema>.<name>` with `create or replace table ... as`. A sibling
`<name>.yml` (optional) describes the table and its columns; the descriptions
become `COMMENT ON` so analysts see them in their tools.

The as-of date is a DuckDB variable: models read `getvariable('as_of')`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import yaml

from pipelines import SQL_DIR


def set_as_of(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    con.execute(f"set variable as_of = date '{as_of.isoformat()}'")


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Everything executed inside commits together, or is rolled back on any error."""
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def model_path(model: str) -> Path:
    return SQL_DIR / f"{model}.sql"


def run_model(con: duckdb.DuckDBPyConnection, model: str) -> int:
    """Materialise one model; returns its row count."""
    schema, name = model.split("/")
    sql = model_path(model).read_text()
    con.execute(f"create schema if not exists {schema}")
    con.execute(f"create or replace table {schema}.{name} as\n{sql}")
    apply_comments(con, model)
    # fetchall, not fetchone: DuckDB 2.0 keeps a half-read result open and the next query on the
    # connection would fail with "Resource In Use"
    return con.execute(f"select count(*) from {schema}.{name}").fetchall()[0][0]


def run_models(con: duckdb.DuckDBPyConnection, models: list[str]) -> dict[str, int]:
    return {m: run_model(con, m) for m in models}


def _quote(text: str) -> str:
    return "'" + " ".join(str(text).split()).replace("'", "''") + "'"


def apply_comments(con: duckdb.DuckDBPyConnection, model: str) -> None:
    doc_path = SQL_DIR / f"{model}.yml"
    if not doc_path.exists():
        return
    schema, name = model.split("/")
    doc = yaml.safe_load(doc_path.read_text()) or {}
    statements = []
    if doc.get("description"):
        statements.append(f"comment on table {schema}.{name} is {_quote(doc['description'])}")
    for col, text in (doc.get("columns") or {}).items():
        statements.append(f'comment on column {schema}.{name}."{col}" is {_quote(text)}')
    # one transaction: a commit per comment cost 0.27 s a run over some 400 comments, this 0.11 s
    with transaction(con):
        for statement in statements:
            con.execute(statement)
