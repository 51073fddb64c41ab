"""Refund claim packets (spec/payments.md "Evidence for a refund claim"): one self-contained,
printable HTML document per milestone that owes a refund, for the manufacturer.

    write_packets(warehouse_path, payer_id, out_dir, episode_id=None, timepoint=None) -> list[Path]

A packet holds one child's data: every query is bound to the payer, the episode and the timepoint
(parameters, never text in the SQL), so nothing of another child or payer can reach it. What it
shows comes from the marts and the staged contract terms; it computes nothing: the refund
(price x %, the cap) is marts.milestone_status's, the offsets core.refund_offsets', the cash refund
marts.refund_reconciliation's, the evidence marts.milestone_evidence's. The template
(templates/packet.html) escapes every value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader

from pipelines.defs.reports.data import known_payers
from pipelines.defs.reports.safety import atomic_write, safe_file_stem
from pipelines.read_only import open_read_only

_ENV = Environment(loader=PackageLoader("pipelines.defs.reports", "templates"), autoescape=True,
                   trim_blocks=True, lstrip_blocks=True)


@dataclass
class Packet:
    milestone: dict[str, Any]
    episode: dict[str, Any]
    contract: dict[str, Any]
    criteria: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    offsets: list[dict[str, Any]]
    settlement: dict[str, Any]
    claim: dict[str, Any] | None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def owed_milestones(con: duckdb.DuckDBPyConnection, payer_id: str, episode_id: str | None,
                    timepoint: int | None) -> list[dict[str, Any]]:
    """The payer's milestones that owe a refund, narrowed to an episode and / or a timepoint."""
    return _rows(con, """
        select * from marts.milestone_status
        where payer_id = $payer and refund_due_amount > 0
          and ($episode::varchar is null or episode_id = $episode::varchar)
          and ($timepoint::integer is null or timepoint_months = $timepoint::integer)
        order by member_id, contract_id, timepoint_months""",
                 {"payer": payer_id, "episode": episode_id, "timepoint": timepoint})


def load_packet(con: duckdb.DuckDBPyConnection, milestone: dict[str, Any]) -> Packet:
    """Everything one milestone's packet shows, each query bound to its payer, episode and timepoint."""
    key = {"payer": milestone["payer_id"], "episode": milestone["episode_id"],
           "timepoint": milestone["timepoint_months"], "contract": milestone["contract_id"]}
    (episode,) = _rows(con, """
        select episode_id, member_id, claim_id, infusion_date, weight_kg, link_status
        from marts.treatment_episodes where payer_id = $payer and episode_id = $episode""",
                       {k: key[k] for k in ("payer", "episode")})
    (contract,) = _rows(con, """
        select c.contract_id, c.price_basis, c.refund_cap_pct, c.refund_due_days, c.missing_evidence,
               c.assessment_selection, m.window_days_before, m.window_days_after, m.refund_pct,
               t.claim_submission_days, t.refund_settlement
        from staging.contracts as c
        join staging.contract_milestones as m on m.contract_id = c.contract_id and m.timepoint_months = $timepoint
        left join staging.contract_payment_terms as t on t.contract_id = c.contract_id
        where c.contract_id = $contract and c.payer_id = $payer""",
                        {k: key[k] for k in ("payer", "timepoint", "contract")})
    bound = {k: key[k] for k in ("payer", "episode", "timepoint")}
    (settlement,) = _rows(con, """
        select cash_refund_amount from marts.refund_reconciliation
        where payer_id = $payer and episode_id = $episode and timepoint_months = $timepoint""", bound)
    return Packet(
        milestone=milestone,
        episode=episode,
        contract=contract,
        criteria=_rows(con, """
            select node_id, depth, kind, instrument, threshold, milestone, result
            from core.criteria_results
            where payer_id = $payer and episode_id = $episode and timepoint_months = $timepoint
            order by node_id""", bound),
        evidence=_rows(con, """
            select * from marts.milestone_evidence
            where payer_id = $payer and episode_id = $episode and timepoint_months = $timepoint
            order by node_id, evidence_date, source_id""", bound),
        offsets=_rows(con, """
            select installment_number, installment_due_date, offset_amount
            from core.refund_offsets
            where payer_id = $payer and episode_id = $episode and timepoint_months = $timepoint
            order by installment_number""", bound),
        settlement=settlement,
        claim=next(iter(_rows(con, """
            select * from marts.refund_claims
            where payer_id = $payer and episode_id = $episode and timepoint_months = $timepoint""", bound)), None),
    )


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def _text(value: Any) -> str:
    """A value as read: dates ISO, numbers without trailing zeros (17.0000 % reads 17 %, a score 31)."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


_ENV.filters.update(money=_money, text=_text)


def render_packet(packet: Packet) -> str:
    m = packet.milestone
    return _ENV.get_template("packet.html").render(
        title=f"Refund claim - episode {m['episode_id']}, {m['timepoint_months']}-month milestone",
        p=packet, m=m)


def packet_path(out_dir: Path, payer_id: str, milestone: dict[str, Any]) -> Path:
    """oba_packet_<payer>_<episode>_<N>m.html inside out_dir, never anywhere else."""
    out_dir = out_dir.resolve()
    name = (f"oba_packet_{safe_file_stem(payer_id)}_{safe_file_stem(milestone['episode_id'])}"
            f"_{milestone['timepoint_months']}m.html")
    path = (out_dir / name).resolve()
    if path.parent != out_dir:
        raise ValueError("payer or episode id does not make a safe file name")
    return path


def write_packets(warehouse_path: str | Path, payer_id: str, out_dir: str | Path, episode_id: str | None = None,
                  timepoint: int | None = None) -> list[Path]:
    """Write the payer's packets: every milestone owing a refund, or those of `episode_id` and / or
    `timepoint`. Raises ValueError for an unknown payer, or when nothing matches what was named."""
    path = Path(warehouse_path)
    if not path.is_file():
        raise FileNotFoundError(f"warehouse file not found: {path}")
    con = open_read_only(path)
    try:
        if payer_id not in known_payers(con):
            raise ValueError(f"unknown payer id {payer_id!r}")
        milestones = owed_milestones(con, payer_id, episode_id, timepoint)
        if not milestones and (episode_id or timepoint is not None):
            raise ValueError("no milestone of payer {!r} owes a refund{}{}".format(
                payer_id, f" in episode {episode_id!r}" if episode_id else "",
                f" at {timepoint} months" if timepoint is not None else ""))
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for milestone in milestones:
            target = packet_path(out, payer_id, milestone)
            html = render_packet(load_packet(con, milestone))
            atomic_write(target, lambda tmp: tmp.write_text(html, encoding="utf-8"))
            written.append(target)
        return written
    finally:
        con.close()
