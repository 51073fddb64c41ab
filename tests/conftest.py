"""Shared fixtures.

`con` is an in-memory DuckDB with every base table created (pipelines.schema),
for tests of the loaders. `db` is the same with the as-of date set, for tests
of the SQL models: insert staging rows with
`insert`, run models with `tests.sqlmodels.run_models`, assert on tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from pipelines import schema
from tests.sqlmodels import set_as_of

DEFAULT_AS_OF = dt.date(2026, 11, 21)


@pytest.fixture
def con():
    """An in-memory warehouse with every base table: what the loaders write into."""
    c = duckdb.connect()
    schema.create_all(c)
    yield c
    c.close()


@pytest.fixture
def db(con):
    set_as_of(con, DEFAULT_AS_OF)
    return con


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert dict rows into a table; columns not given are NULL.

    For staging tables the lineage columns default to the order of `rows`
    (`_delivery_seq` = 1, 2, ...), so a later row in the list is a later delivery.
    """
    cols = [r[0] for r in con.execute(f"describe {table}").fetchall()]
    for i, row in enumerate(rows, start=1):
        row = dict(row)
        lineage = {"_delivery_seq": i, "_file_path": f"test/{table}/{i}.csv", "_row_number": 1}
        for name, value in lineage.items():
            if name in cols:
                row.setdefault(name, value)
        unknown = set(row) - set(cols)
        if unknown:
            raise KeyError(f"{table} has no columns {sorted(unknown)}")
        names = list(row)
        placeholders = ", ".join("?" for _ in names)
        con.execute(
            f"insert into {table} ({', '.join(chr(34) + n + chr(34) for n in names)}) values ({placeholders})",
            [row[n] for n in names],
        )
