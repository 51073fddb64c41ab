"""What a payer report reads from the warehouse: one payer's rows, exact values.

Every query filters on the payer in SQL with a bound parameter, so a report can
only ever hold its own payer's rows. Values are fetched with `fetchall()` so
DECIMAL arrives as `decimal.Decimal` (never float) and DATE as `datetime.date`.
Before reading anything, `check_report_inputs` makes sure the warehouse has
every table and column a report reads (`REPORT_INPUTS`), and says what is
missing if not: a report of an incomplete warehouse would look like a payer
with nothing to reconcile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb

MONEY_TYPE = "DECIMAL(18,2)"
STATUSES = ("met", "not_met", "pending", "missing_evidence")


@dataclass
class Table:
    """Rows of one query with their column names and DuckDB types."""

    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def is_money(self, i: int) -> bool:
        return self.types[i] == MONEY_TYPE

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r)) for r in self.rows]


@dataclass
class ReportData:
    payer_id: str
    as_of: dt.date | None
    summary: dict[str, Any]
    by_timepoint: Table  # timepoint x status counts and money
    reconciliation: Table
    milestones: Table
    claims_to_fix: Table
    worklist: Table
    refunds_at_risk: Table
    survival: list[tuple[float, bool]]  # (months from infusion, event observed)
    survival_source: str


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> Table:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    types = [str(d[1]) for d in cur.description]
    rows = cur.fetchall()
    return Table(cols, types, rows)


def _sql_name(table: str) -> str:
    schema, name = table.split(".")
    return f'{schema}."{name}"'


def _payer_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    payer_id: str,
    where: str = "",
    order_by: tuple[str, ...] = (),
) -> Table:
    """`columns` of `table` for one payer, in `order_by` order."""
    select = ", ".join(f'"{c}"' for c in columns)
    sql = f"select {select} from {_sql_name(table)} where payer_id = ? {where}"
    if order_by:
        sql += " order by " + ", ".join(f'"{c}"' for c in order_by)
    return _query(con, sql, [payer_id])


PAYER_TABLES = ("marts.payer_summary", "marts.milestone_status",
                "marts.refund_reconciliation", "marts.claims_missing_oba")


def known_payers(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every payer id the warehouse reports on (payer ids are not patient data)."""
    sql = " union ".join(f"select payer_id from {_sql_name(t)}" for t in PAYER_TABLES)
    return sorted(r[0] for r in con.execute(f"select distinct payer_id from ({sql}) where payer_id is not null").fetchall())


RECON_COLUMNS = [
    "contract_id", "payer_id", "member_id", "episode_id", "timepoint_months",
    "refund_due_amount", "refund_due_date", "remitted_amount", "balance", "status",
    "days_past_due", "milestone_status", "remittance_count", "last_remitted_date",
]
MILESTONE_COLUMNS = [
    "episode_id", "payer_id", "member_id", "contract_id", "timepoint_months", "due_date",
    "window_start", "window_end", "status", "refund_due_amount", "refund_due_date",
    "evidence", "as_of_date", "refund_if_not_met", "refund_at_risk_amount",
]
CLAIMS_TO_FIX_COLUMNS = [
    "source", "claim_id", "payer_id", "member_id", "service_date", "oba_contract_id",
    "reason", "suggested_contract_id", "rule_code", "severity", "detail",
]
WORKLIST_COLUMNS = [
    "episode_id", "payer_id", "member_id", "contract_id", "timepoint_months",
    "window_start", "window_end", "days_until_window_end", "needed",
]
AT_RISK_COLUMNS = [
    "episode_id", "payer_id", "member_id", "contract_id", "timepoint_months", "status",
    "window_start", "window_end", "days_until_window_end", "refund_at_risk_amount",
]
SUMMARY_MONEY = (
    "refunds_due_amount", "remitted_amount", "outstanding_amount", "overdue_amount",
    "credit_amount", "net_balance", "refunds_at_risk_amount",
)
SUMMARY_COLUMNS = [
    "payer_id", *SUMMARY_MONEY, "milestones", "milestones_met", "milestones_not_met",
    "milestones_pending", "milestones_missing_evidence", "claims_missing_oba",
    "refunds_at_risk_milestones", "as_of_date",
]
MISSING_OBA_COLUMNS = [
    "claim_id", "payer_id", "member_id", "service_date", "oba_contract_id", "reason", "suggested_contract_id",
]
FINDING_COLUMNS = ["claim_id", "payer_id", "member_id", "service_date", "rule_code", "severity", "detail"]

# Every table and column a report reads (the survival query's too).
REPORT_INPUTS: dict[str, list[str]] = {
    "marts.payer_summary": SUMMARY_COLUMNS,
    "marts.milestone_status": MILESTONE_COLUMNS,
    "marts.refund_reconciliation": RECON_COLUMNS,
    "marts.claims_missing_oba": MISSING_OBA_COLUMNS,
    "marts.claim_findings": FINDING_COLUMNS,
    "marts.assessment_worklist": WORKLIST_COLUMNS,
    "marts.refunds_at_risk": AT_RISK_COLUMNS,
    "marts.treatment_episodes": ["payer_id", "member_id", "infusion_date"],
    "core.person_evidence": ["payer_id", "member_id", "death_date", "last_contact_date"],
    "core.permanent_ventilation": ["payer_id", "member_id", "onset_date"],
}


class WarehouseNotBuilt(ValueError):
    """The warehouse lacks a table or column the reports read."""


def check_report_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """Raise WarehouseNotBuilt naming every table and column of REPORT_INPUTS the
    warehouse lacks (read in one query)."""
    have: dict[str, set[str]] = {}
    for schema, name, column in con.execute(
        "select schema_name, table_name, column_name from duckdb_columns()"
    ).fetchall():
        have.setdefault(f"{schema}.{name}", set()).add(column)
    missing = []
    for table, columns in REPORT_INPUTS.items():
        if table not in have:
            missing.append(f"{table} (the table)")
        elif lacking := [c for c in columns if c not in have[table]]:
            missing.append(f"{table} ({', '.join(lacking)})")
    if missing:
        raise WarehouseNotBuilt(
            "the warehouse lacks what the reports read: " + "; ".join(missing)
            + ". It was not published by a complete `oba run` of this version; run `oba run` to rebuild it."
        )


def _summary(con: duckdb.DuckDBPyConnection, payer_id: str) -> dict[str, Any]:
    """The payer's summary row; all zero for a payer with claims but no milestone."""
    t = _payer_table(con, "marts.payer_summary", SUMMARY_COLUMNS, payer_id)
    if t.rows:
        return t.dicts()[0]
    summary: dict[str, Any] = {c: Decimal("0.00") for c in SUMMARY_MONEY}
    summary.update(payer_id=payer_id, claims_missing_oba=0, refunds_at_risk_milestones=0,
                   as_of_date=None)
    return summary


def _by_timepoint(con: duckdb.DuckDBPyConnection, payer_id: str) -> Table:
    """Milestones by status x timepoint, and refunds due vs remitted by timepoint."""
    status_cols = ", ".join(
        f"count(*) filter (where status = '{s}') as \"{s}\"" for s in STATUSES
    )
    sql = f"""
        with ms as (
            select timepoint_months, {status_cols}, count(*) as total
            from marts.milestone_status where payer_id = ? group by timepoint_months
        ),
        rc as (
            select timepoint_months, sum(refund_due_amount) as due, sum(remitted_amount) as remitted
            from marts.refund_reconciliation where payer_id = ? group by timepoint_months
        ),
        final as (
            select
                coalesce(ms.timepoint_months, rc.timepoint_months) as timepoint_months,
                {", ".join(f'coalesce(ms."{s}", 0) as "{s}"' for s in STATUSES)},
                coalesce(ms.total, 0) as total,
                coalesce(rc.due, 0)::decimal(18,2) as refunds_due_amount,
                coalesce(rc.remitted, 0)::decimal(18,2) as remitted_amount
            from ms full join rc on rc.timepoint_months = ms.timepoint_months
        )
        select * from final order by timepoint_months
    """
    return _query(con, sql, [payer_id, payer_id])


def _claims_to_fix(con: duckdb.DuckDBPyConnection, payer_id: str) -> Table:
    missing = _payer_table(
        con, "marts.claims_missing_oba", MISSING_OBA_COLUMNS, payer_id, order_by=("service_date", "claim_id"),
    )
    findings = _payer_table(
        con, "marts.claim_findings", FINDING_COLUMNS, payer_id, where="and lower(severity) = 'error'",
        order_by=("service_date", "claim_id", "rule_code"),
    )
    rows: list[tuple[Any, ...]] = []
    for source, t in (("missing_oba", missing), ("finding", findings)):
        for d in t.dicts():
            rows.append(tuple([source] + [d.get(c) for c in CLAIMS_TO_FIX_COLUMNS[1:]]))
    types = ["VARCHAR"] * len(CLAIMS_TO_FIX_COLUMNS)
    types[CLAIMS_TO_FIX_COLUMNS.index("service_date")] = "DATE"
    return Table(list(CLAIMS_TO_FIX_COLUMNS), types, rows)


# --- Ventilator-free survival (the one place this query lives) -------------------

SURVIVAL_SOURCE = "core.person_evidence + core.permanent_ventilation"

SURVIVAL_SQL = """
    with episodes as (
        select payer_id, member_id, min(infusion_date) as infusion_date
        from marts.treatment_episodes
        where payer_id = ? and infusion_date is not null
        group by payer_id, member_id
    ),
    events as (
        select e.infusion_date,
               least(p.death_date, v.onset_date) as event_date,
               coalesce(p.last_contact_date, ?::date) as censor_date
        from episodes as e
        left join core.person_evidence as p
            on p.payer_id = e.payer_id and p.member_id = e.member_id
        left join core.permanent_ventilation as v
            on v.payer_id = e.payer_id and v.member_id = e.member_id
    ),
    final as (
        select greatest(coalesce(event_date, greatest(censor_date, infusion_date)) - infusion_date, 0)
                   as days,
               event_date is not null as observed
        from events
    )
    select * from final order by days, observed
"""

DAYS_PER_MONTH = 365.25 / 12


def survival_input(
    con: duckdb.DuckDBPyConnection, payer_id: str, as_of: dt.date
) -> list[tuple[float, bool]]:
    """(months from infusion to death / permanent ventilation or censoring, observed)
    for each treated child of the payer (earliest infusion of marts.treatment_episodes).

    The event is the earlier of core.person_evidence.death_date and
    core.permanent_ventilation.onset_date; a child without one is censored at
    core.person_evidence.last_contact_date, or at the as-of date when there is
    no evidence at all. Both core tables hold one row per person and only
    evidence dated on or before the run's as-of date, and a warehouse is
    published only when every model built, so they are always there. An event
    or contact before the infusion counts as month 0.
    """
    rows = con.execute(SURVIVAL_SQL, [payer_id, as_of]).fetchall()
    return [(int(days) / DAYS_PER_MONTH, bool(obs)) for days, obs in rows]


def _as_of(con: duckdb.DuckDBPyConnection, payer_id: str, summary: dict[str, Any]) -> dt.date | None:
    """The payer's as-of date: from its summary row, else from its milestones."""
    if summary.get("as_of_date") is not None:
        return summary["as_of_date"]
    return con.execute(
        "select max(as_of_date) from marts.milestone_status where payer_id = ?", [payer_id]
    ).fetchall()[0][0]


def _load(con: duckdb.DuckDBPyConnection, payer_id: str) -> ReportData:
    """One payer's report data (a payer id the warehouse has)."""
    summary = _summary(con, payer_id)
    as_of = _as_of(con, payer_id, summary)
    return ReportData(
        payer_id=payer_id,
        as_of=as_of,
        summary=summary,
        by_timepoint=_by_timepoint(con, payer_id),
        reconciliation=_payer_table(
            con, "marts.refund_reconciliation", RECON_COLUMNS, payer_id,
            order_by=("member_id", "contract_id", "timepoint_months"),
        ),
        milestones=_payer_table(
            con, "marts.milestone_status", MILESTONE_COLUMNS, payer_id,
            order_by=("member_id", "contract_id", "timepoint_months"),
        ),
        claims_to_fix=_claims_to_fix(con, payer_id),
        worklist=_payer_table(
            con, "marts.assessment_worklist", WORKLIST_COLUMNS, payer_id,
            order_by=("window_end", "member_id", "timepoint_months"),
        ),
        refunds_at_risk=_payer_table(
            con, "marts.refunds_at_risk", AT_RISK_COLUMNS, payer_id,
            order_by=("window_end", "member_id", "timepoint_months"),
        ),
        survival=survival_input(con, payer_id, as_of) if as_of else [],
        survival_source=SURVIVAL_SOURCE if as_of else "no as-of date",
    )


def milestone_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Milestone rows per payer: what a payer's report costs to write (counts only)."""
    return dict(con.execute(
        "select payer_id, count(*) from marts.milestone_status group by payer_id"
    ).fetchall())


def load_reports_data(con: duckdb.DuckDBPyConnection, payer_ids: list[str]) -> Iterator[ReportData]:
    """Everything each payer's report shows, one payer at a time (only one payer's
    rows in memory). Raises WarehouseNotBuilt for a warehouse without every table
    the reports read, and ValueError for a payer id it does not have, before
    loading anything."""
    check_report_inputs(con)
    payers = known_payers(con)
    for payer_id in payer_ids:
        if payer_id not in payers:
            shown = ", ".join(payers[:50]) + (" ..." if len(payers) > 50 else "")
            raise ValueError(
                f"unknown payer id {payer_id!r}; the warehouse has: {shown or '(no payers)'}"
            )
    for payer_id in payer_ids:
        yield _load(con, payer_id)


def load_report_data(con: duckdb.DuckDBPyConnection, payer_id: str) -> ReportData:
    """Everything one payer's report shows; raises ValueError for an unknown payer."""
    return next(load_reports_data(con, [payer_id]))
