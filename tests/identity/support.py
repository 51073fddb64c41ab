"""Builders shared by the identity tests (spec identity.md): crosswalk rows, and a whole night's
models run over staging rows the test inserts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from tests.conftest import insert
from tests.sqlmodels import run_models

D = dt.date.fromisoformat


def link(previous: str, current: str, payer: str = "ACME", effective: str = "2025-06-01") -> dict[str, Any]:
    """A crosswalk row: from `effective` the payer knows `previous` as `current`."""
    return {"payer_id": payer, "previous_member_id": previous, "member_id": current, "effective_date": D(effective)}


def crosswalk(con: duckdb.DuckDBPyConnection, *links: dict[str, Any]) -> None:
    insert(con, "staging.member_crosswalk", list(links))


def run_night(con: duckdb.DuckDBPyConnection) -> None:
    """Every model of the night: identity, claims, milestones, refunds, payments."""
    run_models(con, ["claims", "milestones", "refunds", "payments"])


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def current_ids(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(payer_id, member_id) -> current member id, for every id core.member_ids resolves."""
    run_models(con, ["identity"])
    return {(p, m): c for p, m, c in con.execute("select payer_id, member_id, current_member_id from core.member_ids").fetchall()}
