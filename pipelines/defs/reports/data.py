"""What a payer report reads from the warehouse: one payer's rows, exact values.

Every number a report shows comes from a mart; the reports only format it. Every
query filters on the payer in SQL with a bound parameter, so a report can only
ever hold its own payer's rows. Values are fetched with `fetchall()` so DECIMAL
arrives as `decimal.Decimal` (never float) and DATE as `datetime.date`.
Before reading anything, `check_report_inputs` makes sure the warehouse has
every table and column a report reads (`REPORT_INPUTS`), and says what is
missing if not: a report of an incomplete warehouse would look like a payer
with nothing to reconcile.

Each table a report shows is a list of (column, header): the column of the
mart, and the header a reader sees. payer_id is not shown: a report holds one
payer, named in its title and its file name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb

MONEY_TYPE = "DECIMAL(18,2)"

# Columns of free text that a reader needs whole: reports wrap them.
LONG_TEXT = {"evidence", "needed", "detail", "fix"}


@dataclass
class Table:
    """Rows of one query with their column names, headers and DuckDB types."""

    columns: list[str]
    headers: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def is_money(self, i: int) -> bool:
        return self.types[i] == MONEY_TYPE

    def is_long_text(self, i: int) -> bool:
        return self.columns[i] in LONG_TEXT

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r)) for r in self.rows]


@dataclass
class ReportData:
    payer_id: str
    as_of: dt.date | None
    summary: dict[str, Any]
    by_timepoint: Table
    refunds_at_risk: Table
    reconciliation: Table
    milestones: Table
    claims_to_fix: Table
    worklist: Table
    installments: Table
    refund_claims: Table
    survival: Table  # months_from_infusion, observed: one row per episode


BY_TIMEPOINT = [
    ("timepoint_months", "Timepoint (months)"), ("milestones_met", "Met"),
    ("milestones_not_met", "Not met"), ("milestones_pending", "Pending"),
    ("milestones_missing_evidence", "Missing evidence"), ("milestones_disenrolled", "Disenrolled"),
    ("milestones", "Milestones"),
    ("refunds_due_amount", "Refunds due"), ("remitted_amount", "Remitted"),
]
AT_RISK = [
    ("risk_horizon", "Horizon"), ("episode_id", "Episode"), ("member_id", "Member"),
    ("contract_id", "Contract"), ("timepoint_months", "Timepoint (months)"), ("status", "Status"),
    ("window_start", "Window start"), ("window_end", "Window end"),
    ("days_until_window_end", "Days to window end"), ("refund_at_risk_amount", "Refund at stake"),
]
RECONCILIATION = [
    ("contract_id", "Contract"), ("member_id", "Member"), ("episode_id", "Episode"),
    ("timepoint_months", "Timepoint (months)"), ("refund_due_amount", "Refund due"),
    ("refund_due_date", "Due date"), ("offset_amount", "Offset against installments"),
    ("remitted_amount", "Remitted"), ("balance", "Balance"),
    ("status", "Status"), ("days_past_due", "Days past due"), ("milestone_status", "Milestone status"),
    ("remittance_count", "Remittances"), ("last_remitted_date", "Last remitted"),
]
MILESTONES = [
    ("episode_id", "Episode"), ("member_id", "Member"), ("contract_id", "Contract"),
    ("timepoint_months", "Timepoint (months)"), ("due_date", "Due date"),
    ("window_start", "Window start"), ("window_end", "Window end"), ("status", "Status"),
    ("refund_if_not_met", "Refund if not met"), ("refund_due_amount", "Refund due"),
    ("refund_due_date", "Refund due date"), ("refund_at_risk_amount", "Refund at stake"),
    ("evidence", "Evidence"),
]
CLAIMS_TO_FIX = [
    ("claim_id", "Claim"), ("member_id", "Member"), ("billed_member_id", "Billed as member"),
    ("service_date", "Service date"),
    ("source", "Kind"), ("problem", "Problem"), ("oba_contract_id", "Contract billed"),
    ("suggested_contract_id", "Suggested contract"), ("detail", "Detail"), ("fix", "Fix"),
]
WORKLIST = [
    ("episode_id", "Episode"), ("member_id", "Member"), ("contract_id", "Contract"),
    ("timepoint_months", "Timepoint (months)"), ("window_start", "Window start"),
    ("window_end", "Window end"), ("days_until_window_end", "Days to window end"),
    ("needed", "Evidence needed"), ("enrolled", "Enrolled now"), ("enrolled_on_due_date", "Enrolled on due date"),
    ("last_contact_date", "Last contact"),
]
SURVIVAL = [("months_from_infusion", "Months from infusion"), ("observed", "Event observed")]
INSTALLMENTS = [
    ("episode_id", "Episode"), ("member_id", "Member"), ("contract_id", "Contract"),
    ("installment_number", "Installment"), ("installment_date", "Installment date"), ("due_date", "Due date"),
    ("amount", "Amount"), ("offset_amount", "Offset (refunds)"), ("net_payable", "Net payable"),
    ("paid_amount", "Paid"), ("balance", "Balance"), ("status", "Status"), ("days_past_due", "Days past due"),
]
# member, contract and timepoint name the milestone (the episode id would widen the page past 1,366 px)
REFUND_CLAIMS = [
    ("member_id", "Member"), ("contract_id", "Contract"),
    ("timepoint_months", "Timepoint (months)"), ("refund_due_amount", "Refund due"),
    ("submission_deadline", "Claim deadline"), ("days_to_deadline", "Days to deadline"),
    ("refund_claim_id", "Claim"), ("submitted_date", "Submitted"), ("amount_claimed", "Claimed"),
    ("claim_status", "Claim status"), ("response_date", "Answered"), ("dispute_reason", "Dispute reason"),
    ("submitted_late", "Late"), ("amount_differs", "Amount differs"),
]

# The Summary, in the order a reader goes through it: (section, label, column, is money).
SUMMARY_ROWS = [
    ("Refunds", "Refunds due", "refunds_due_amount", True),
    ("Refunds", "Remitted", "remitted_amount", True),
    ("Refunds", "Outstanding", "outstanding_amount", True),
    ("Refunds", "Overdue", "overdue_amount", True),
    ("Refunds", "Overpaid / unmatched (credit)", "credit_amount", True),
    ("Refunds", "Net balance (due - remitted)", "net_balance", True),
    ("Milestones", "Milestones", "milestones", False),
    ("Milestones", "Met", "milestones_met", False),
    ("Milestones", "Not met", "milestones_not_met", False),
    ("Milestones", "Pending", "milestones_pending", False),
    ("Milestones", "Missing evidence", "milestones_missing_evidence", False),
    ("Milestones", "Disenrolled (not tracked: the child left the plan)", "milestones_disenrolled", False),
    ("Claims", "Claims missing an OBA link", "claims_missing_oba", False),
    ("Refunds lost or at risk", "Already lost: window closed without evidence", "refunds_lost_amount", True),
    ("Refunds lost or at risk", "Already lost (milestones)", "refunds_lost_milestones", False),
    ("Refunds lost or at risk", "At risk now: window open or opening within 60 days",
     "refunds_at_risk_now_amount", True),
    ("Refunds lost or at risk", "At risk now (milestones)", "refunds_at_risk_now_milestones", False),
    ("Refunds lost or at risk", "At risk later: window opening in more than 60 days",
     "refunds_at_risk_later_amount", True),
    ("Refunds lost or at risk", "At risk later (milestones)", "refunds_at_risk_later_milestones", False),
]
SUMMARY_COLUMNS = ["payer_id", "as_of_date", *(column for _, _, column, _ in SUMMARY_ROWS)]
# spec/payments.md's figures, from marts.payer_payments_summary
PAYMENTS_SUMMARY_ROWS = [
    ("Installments", "Refunds settled against installments (offset)", "offset_amount", True),
    ("Installments", "Installments due", "installments_due", False),
    ("Installments", "Installments due, net of offsets", "installments_due_amount", True),
    ("Installments", "Paid", "installments_paid_amount", True),
    ("Installments", "Still to pay of the installments due", "installments_outstanding_amount", True),
    ("Installments", "Installments overdue", "installments_overdue", False),
    ("Refund claims", "To submit before their deadline", "claims_to_submit", False),
    ("Refund claims", "To submit before their deadline (refunds)", "claims_to_submit_amount", True),
    ("Refund claims", "Deadline missed, not submitted", "claims_deadline_missed", False),
    ("Refund claims", "Deadline missed (refunds)", "claims_deadline_missed_amount", True),
    ("Refund claims", "Disputed", "claims_disputed", False),
    ("Refund claims", "Rejected", "claims_rejected", False),
]
PAYMENTS_SUMMARY_COLUMNS = ["payer_id", *(column for _, _, column, _ in PAYMENTS_SUMMARY_ROWS)]
# what the Summary shows, in order
ALL_SUMMARY_ROWS = SUMMARY_ROWS + PAYMENTS_SUMMARY_ROWS

# Every table and column a report reads, with each table's payer order.
REPORT_INPUTS: dict[str, list[str]] = {
    "marts.payer_summary": SUMMARY_COLUMNS,
    "marts.milestones_by_timepoint": ["payer_id", *(c for c, _ in BY_TIMEPOINT)],
    "marts.refunds_at_risk": ["payer_id", *(c for c, _ in AT_RISK)],
    "marts.refund_reconciliation": ["payer_id", *(c for c, _ in RECONCILIATION)],
    "marts.milestone_status": ["payer_id", "as_of_date", *(c for c, _ in MILESTONES)],
    "marts.claims_to_fix": ["payer_id", *(c for c, _ in CLAIMS_TO_FIX)],
    "marts.assessment_worklist": ["payer_id", *(c for c, _ in WORKLIST)],
    "marts.ventilator_free_survival": ["payer_id", *(c for c, _ in SURVIVAL)],
    "marts.claims_missing_oba": ["payer_id"],
    "marts.payer_payments_summary": PAYMENTS_SUMMARY_COLUMNS,
    "marts.installment_schedule": ["payer_id", *(c for c, _ in INSTALLMENTS)],
    "marts.refund_claims": ["payer_id", *(c for c, _ in REFUND_CLAIMS)],
}

PAYER_TABLES = ("marts.payer_summary", "marts.milestone_status",
                "marts.refund_reconciliation", "marts.claims_missing_oba")


def _sql_name(table: str) -> str:
    schema, name = table.split(".")
    return f'{schema}."{name}"'


def _payer_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[tuple[str, str]],
    payer_id: str,
    order_by: tuple[str, ...] = (),
) -> Table:
    """`columns` of `table` for one payer, in `order_by` order."""
    select = ", ".join(f'"{c}"' for c, _ in columns)
    sql = f"select {select} from {_sql_name(table)} where payer_id = ?"
    if order_by:
        sql += " order by " + ", ".join(order_by)
    cur = con.execute(sql, [payer_id])
    types = [str(d[1]) for d in cur.description]
    rows = cur.fetchall()
    return Table([c for c, _ in columns], [h for _, h in columns], types, rows)


def known_payers(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every payer id the warehouse reports on (payer ids are not patient data)."""
    sql = " union ".join(f"select payer_id from {_sql_name(t)}" for t in PAYER_TABLES)
    return sorted(r[0] for r in con.execute(f"select distinct payer_id from ({sql}) where payer_id is not null").fetchall())


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
    """The payer's summary row; all zero for a payer with claims but no summary row."""
    summary = {"payer_id": payer_id, "as_of_date": None,
               **{column: Decimal("0.00") if money else 0 for _, _, column, money in ALL_SUMMARY_ROWS}}
    for table, columns in (("marts.payer_summary", SUMMARY_COLUMNS),
                           ("marts.payer_payments_summary", PAYMENTS_SUMMARY_COLUMNS)):
        t = _payer_table(con, table, [(c, c) for c in columns], payer_id)
        if t.rows:
            summary.update(t.dicts()[0])
    return summary


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
    return ReportData(
        payer_id=payer_id,
        as_of=_as_of(con, payer_id, summary),
        summary=summary,
        by_timepoint=_payer_table(con, "marts.milestones_by_timepoint", BY_TIMEPOINT, payer_id,
                                  order_by=("timepoint_months",)),
        refunds_at_risk=_payer_table(
            con, "marts.refunds_at_risk", AT_RISK, payer_id,
            order_by=("case risk_horizon when 'lost' then 0 when 'at_risk_now' then 1 else 2 end",
                      "window_end", "member_id", "timepoint_months"),
        ),
        reconciliation=_payer_table(con, "marts.refund_reconciliation", RECONCILIATION, payer_id,
                                    order_by=("member_id", "contract_id", "timepoint_months")),
        milestones=_payer_table(con, "marts.milestone_status", MILESTONES, payer_id,
                                order_by=("member_id", "contract_id", "timepoint_months")),
        claims_to_fix=_payer_table(con, "marts.claims_to_fix", CLAIMS_TO_FIX, payer_id,
                                   order_by=("service_date", "claim_id", "source desc", "problem")),
        worklist=_payer_table(con, "marts.assessment_worklist", WORKLIST, payer_id,
                              order_by=("window_end", "member_id", "timepoint_months")),
        installments=_payer_table(con, "marts.installment_schedule", INSTALLMENTS, payer_id,
                                  order_by=("member_id", "contract_id", "installment_number")),
        refund_claims=_payer_table(con, "marts.refund_claims", REFUND_CLAIMS, payer_id,
                                   order_by=("submission_deadline nulls last", "member_id", "timepoint_months")),
        survival=_payer_table(con, "marts.ventilator_free_survival", SURVIVAL, payer_id,
                              order_by=("months_from_infusion", "observed")),
    )


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
