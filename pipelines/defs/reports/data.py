"""What a payer report reads from the warehouse: one payer's rows, exact values.

Every query filters on the payer in SQL with a bound parameter. Values are
fetched with `fetchall()` so DECIMAL arrives as `decimal.Decimal` (never float)
and DATE as `datetime.date`. Tables written by other domains may be missing in
a warehouse (a partial build): they read as empty tables, never as an error.
"""

from __future__ import annotations

import datetime as dt
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


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    """Column names of schema.name, [] when the table does not exist."""
    rows = con.execute(
        "select column_name from duckdb_columns() "
        "where schema_name = ? and table_name = ? order by column_index",
        [schema, name],
    ).fetchall()
    return [r[0] for r in rows]


def _payer_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    payer_id: str,
    where: str = "",
    order_by: tuple[str, ...] = (),
) -> Table:
    """`columns` of `table` for one payer; missing table/columns read as NULL/empty."""
    schema, name = table.split(".")
    existing = set(table_columns(con, schema, name))
    if not existing or "payer_id" not in existing:
        return Table(list(columns), ["VARCHAR"] * len(columns), [])
    select = ", ".join(f'"{c}"' if c in existing else f'null as "{c}"' for c in columns)
    sql = f'select {select} from {schema}."{name}" where payer_id = ? {where}'
    order = [f'"{c}"' for c in order_by if c in existing]
    if order:
        sql += " order by " + ", ".join(order)
    return _query(con, sql, [payer_id])


def known_payers(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every payer id the warehouse reports on (payer ids are not patient data)."""
    parts = [
        f'select payer_id from {s}."{n}"'
        for s, n in (("marts", "payer_summary"), ("marts", "milestone_status"),
                     ("marts", "refund_reconciliation"), ("marts", "claims_missing_oba"))
        if "payer_id" in table_columns(con, s, n)
    ]
    if not parts:
        return []
    sql = " union ".join(parts)
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


def _summary(con: duckdb.DuckDBPyConnection, payer_id: str) -> dict[str, Any]:
    t = _payer_table(con, "marts.payer_summary", [
        "payer_id", *SUMMARY_MONEY, "milestones", "milestones_met", "milestones_not_met",
        "milestones_pending", "milestones_missing_evidence", "claims_missing_oba",
        "refunds_at_risk_milestones", "as_of_date",
    ], payer_id)
    if t.rows:
        return t.dicts()[0]
    summary: dict[str, Any] = {c: Decimal("0.00") for c in SUMMARY_MONEY}
    summary.update(payer_id=payer_id, claims_missing_oba=0, refunds_at_risk_milestones=0,
                   as_of_date=None)
    return summary


def _by_timepoint(con: duckdb.DuckDBPyConnection, payer_id: str) -> Table:
    """Milestones by status x timepoint, and refunds due vs remitted by timepoint."""
    if not table_columns(con, "marts", "milestone_status"):
        return Table(["timepoint_months"], ["INTEGER"], [])
    has_recon = bool(table_columns(con, "marts", "refund_reconciliation"))
    status_cols = ", ".join(
        f"count(*) filter (where status = '{s}') as \"{s}\"" for s in STATUSES
    )
    recon = (
        "select timepoint_months, sum(refund_due_amount) as due, sum(remitted_amount) as remitted "
        "from marts.refund_reconciliation where payer_id = ? group by timepoint_months"
        if has_recon
        else "select null::integer as timepoint_months, null::decimal(18,2) as due, "
             "null::decimal(18,2) as remitted where ? is null"
    )
    sql = f"""
        with ms as (
            select timepoint_months, {status_cols}, count(*) as total
            from marts.milestone_status where payer_id = ? group by timepoint_months
        ),
        rc as ({recon}),
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
        con, "marts.claims_missing_oba",
        ["claim_id", "payer_id", "member_id", "service_date", "oba_contract_id",
         "reason", "suggested_contract_id"],
        payer_id, order_by=("service_date", "claim_id"),
    )
    findings = Table([], [], [])
    if "severity" in table_columns(con, "marts", "claim_findings"):
        findings = _payer_table(
            con, "marts.claim_findings",
            ["claim_id", "payer_id", "member_id", "service_date", "rule_code", "severity", "detail"],
            payer_id, where="and lower(severity) = 'error'",
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

SURVIVAL_SQL_PERSON_EVIDENCE = """
    with episodes as (
        select payer_id, member_id, min(infusion_date) as infusion_date
        from {episodes} where payer_id = ? and infusion_date is not null
        group by payer_id, member_id
    ),
    evidence_rows as (
        {evidence_rows}
    ),
    evidence as (
        select payer_id, member_id, min(death_date) as death_date,
               min(pv_onset_date) as pv_onset_date, max(last_contact_date) as last_contact_date
        from evidence_rows group by payer_id, member_id
    ),
    events as (
        select e.infusion_date,
               least(
                   case when v.death_date <= ? then v.death_date end,
                   case when v.pv_onset_date <= ? then v.pv_onset_date end
               ) as event_date,
               least(coalesce(v.last_contact_date, ?::date), ?::date) as censor_date
        from episodes as e
        left join evidence as v on v.payer_id = e.payer_id and v.member_id = e.member_id
    ),
    final as (
        select greatest(coalesce(event_date, greatest(censor_date, infusion_date)) - infusion_date, 0)
                   as days,
               event_date is not null as observed
        from events
    )
    select * from final order by days, observed
"""

SURVIVAL_SQL_MILESTONES = """
    with episodes as (
        select payer_id, member_id, min(infusion_date) as infusion_date
        from {episodes} where payer_id = ? and infusion_date is not null
        group by payer_id, member_id
    ),
    deaths as (
        select payer_id, member_id, min(due_date) as event_date
        from marts.milestone_status
        where payer_id = ? and status = 'not_met'
          and regexp_matches(lower(coalesce(evidence, '')), 'death|died|ventilat|tracheostomy')
        group by payer_id, member_id
    ),
    final as (
        select greatest(coalesce(least(d.event_date, ?::date), ?::date) - e.infusion_date, 0) as days,
               d.event_date is not null as observed
        from episodes as e
        left join deaths as d on d.payer_id = e.payer_id and d.member_id = e.member_id
    )
    select * from final order by days, observed
"""

DAYS_PER_MONTH = 365.25 / 12


def survival_input(
    con: duckdb.DuckDBPyConnection, payer_id: str, as_of: dt.date
) -> tuple[list[tuple[float, bool]], str]:
    """(months from infusion to death / permanent ventilation or censoring, observed)
    for each treated child of the payer, and which source was used.

    Preferred source: core.person_evidence (death_date; pv_onset_date when it has
    one, else core.permanent_ventilation.onset_date; last_contact_date when present:
    censored there, else at the as-of date). Events after the as-of date do not
    exist. If core.person_evidence or its death_date is missing, falls back to
    marts.milestone_status: a not_met milestone whose evidence names a death or
    ventilation puts the event at the earliest such due date (capped at as-of; an
    upper bound on the event date).
    """
    episodes = next(
        (f"{s}.{n}" for s, n in (("marts", "treatment_episodes"), ("core", "treatment_episodes"))
         if {"payer_id", "member_id", "infusion_date"} <= set(table_columns(con, s, n))),
        None,
    )
    if episodes is None:
        return [], "no treatment episodes table"
    pe_cols = set(table_columns(con, "core", "person_evidence"))
    pv_cols = set(table_columns(con, "core", "permanent_ventilation"))
    if {"payer_id", "member_id", "death_date"} <= pe_cols:
        last_contact = "last_contact_date" if "last_contact_date" in pe_cols else "null::date"
        pv_onset = "pv_onset_date" if "pv_onset_date" in pe_cols else "null::date"
        rows_sql = [
            f"select payer_id, member_id, death_date, {pv_onset} as pv_onset_date, "
            f"{last_contact} as last_contact_date from core.person_evidence where payer_id = ?"
        ]
        sources = ["core.person_evidence"]
        if {"payer_id", "member_id", "onset_date"} <= pv_cols:
            rows_sql.append(
                "select payer_id, member_id, null::date, onset_date, null::date "
                "from core.permanent_ventilation where payer_id = ?"
            )
            sources.append("core.permanent_ventilation")
        elif "pv_onset_date" not in pe_cols:
            sources.append("no permanent ventilation onset available: deaths only")
        sql = SURVIVAL_SQL_PERSON_EVIDENCE.format(
            episodes=episodes, evidence_rows="\n        union all\n        ".join(rows_sql)
        )
        params = [payer_id] * (1 + len(rows_sql)) + [as_of] * 4
        rows = con.execute(sql, params).fetchall()
        source = " + ".join(sources)
    elif {"payer_id", "member_id", "status", "due_date"} <= set(table_columns(con, "marts", "milestone_status")):
        sql = SURVIVAL_SQL_MILESTONES.format(episodes=episodes)
        rows = con.execute(sql, [payer_id, payer_id, as_of, as_of]).fetchall()
        source = "marts.milestone_status (deaths at the due date of the milestone they decided)"
    else:
        return [], "no evidence table"
    return [(int(days) / DAYS_PER_MONTH, bool(obs)) for days, obs in rows], source


def load_report_data(con: duckdb.DuckDBPyConnection, payer_id: str) -> ReportData:
    """Everything one payer's report shows; raises ValueError for an unknown payer."""
    payers = known_payers(con)
    if payer_id not in payers:
        shown = ", ".join(payers[:50]) + (" ..." if len(payers) > 50 else "")
        raise ValueError(
            f"unknown payer id {payer_id!r}; the warehouse has: {shown or '(no payers)'}"
        )
    summary = _summary(con, payer_id)
    as_of = summary.get("as_of_date")
    if as_of is None:
        r = con.execute(
            "select max(as_of_date) from marts.milestone_status where payer_id = ?", [payer_id]
        ).fetchall() if table_columns(con, "marts", "milestone_status") else [(None)]
        as_of = r[0][0]
    survival, source = survival_input(con, payer_id, as_of) if as_of else ([], "no as-of date")
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
        survival=survival,
        survival_source=source,
    )
