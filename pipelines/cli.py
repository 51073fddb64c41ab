"""Command line: `oba run`, `oba report` (spec/outputs.md, "The command")."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipelines.read_only import open_read_only
from pipelines.warehouse import DEFAULT_LANDING, DEFAULT_WAREHOUSE, parse_as_of


class UsageError(Exception):
    """A problem the user can fix; printed without a traceback."""


def _run_config(landing: str, warehouse: str, as_of: str) -> dict:
    return {
        "resources": {"warehouse": {"config": {"path": warehouse, "landing_dir": landing, "as_of": as_of}}},
        # the summary printed at the end says what happened; Dagster's own log only speaks of problems
        "loggers": {"console": {"config": {"log_level": os.environ.get("OBA_LOG_LEVEL", "WARNING")}}},
    }


def execute_nightly(landing: str, warehouse: str, as_of: str, instance=None):
    """Run the `nightly` job in-process, exactly as the schedule does. Returns the Dagster result."""
    import dagster as dg

    from pipelines.definitions import defs

    job = defs.resolve_job_def("nightly")
    return job.execute_in_process(
        run_config=_run_config(landing, warehouse, as_of),
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def explain_failure(result) -> str:
    lines = []
    for ev in result.all_events:
        if ev.event_type_value == "ASSET_CHECK_EVALUATION":
            ev_data = ev.event_specific_data
            evaluation = getattr(ev_data, "evaluation", ev_data)
            if not evaluation.passed and str(evaluation.severity).endswith("ERROR"):
                md = evaluation.metadata or {}
                failures = md.get("blocking_failures")
                text = getattr(failures, "value", failures) or ""
                lines.append(f"data quality check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} "
                             f"failed (blocking):\n{text}")
        elif ev.is_step_failure:
            err = ev.event_specific_data.error
            if err.cls_name == "DagsterAssetCheckFailedError":
                continue  # already explained by the check evaluation above
            cause = err
            while cause.cause is not None:
                cause = cause.cause
            lines.append(f"step {ev.step_key} failed: {cause.message.strip()}")
    if not lines:
        lines.append("the run did not complete (see the Dagster event log)")
    return "\n".join(lines)


def published_by(warehouse: Path, run_id: str) -> bool:
    """Whether the published warehouse is the one this run built (its audit.runs row is there)."""
    if not warehouse.is_file():
        return False
    con = open_read_only(warehouse)
    try:
        return bool(con.execute("select count(*) from audit.runs where run_id = ? and status = 'published'",
                                [run_id]).fetchall()[0][0])
    finally:
        con.close()


def _fmt_money(v) -> str:
    return f"${v:,.2f}" if v is not None else "$0.00"


def summarize(warehouse: Path, run_id: str) -> str:
    con = open_read_only(warehouse)
    try:
        q = lambda sql, p=None: con.execute(sql, p or []).fetchall()  # noqa: E731
        out = [f"Published {warehouse}"]
        as_of = q("select as_of_date from audit.runs where run_id = ?", [run_id])
        if as_of:
            out[0] += f" (as of {as_of[0][0]})"
        files = dict(q("select status, count(*) from audit.load_log where run_id = ? group by all", [run_id]))
        out.append(
            f"Files: {files.get('loaded', 0)} loaded, {files.get('skipped_duplicate', 0)} skipped (already loaded), "
            f"{files.get('rejected', 0)} rejected"
        )
        for path, msg in q("select file_path, message from audit.load_log where run_id = ? and status = 'rejected' "
                           "order by file_path", [run_id]):
            out.append(f"  rejected {msg}")
        rows = q("""select coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0)
                    from audit.load_log where run_id = ? and status = 'loaded'""", [run_id])[0]
        out.append(f"Rows: {rows[0]} loaded, {rows[1]} quarantined")
        for reason, n in q("""select reason, count(*) from audit.quarantine where run_id = ?
                              group by all order by 2 desc, 1""", [run_id]):
            out.append(f"  quarantined {n:>4}  {reason}")
        n_claims = q("select count(*) from marts.claims_missing_oba")[0][0]
        n_episodes = q("select count(*) from marts.treatment_episodes")[0][0]
        out.append(f"Treatment episodes: {n_episodes}; claims missing or mislinked OBA: {n_claims}")
        findings = q("select rule_code, severity, count(*) from marts.claim_findings group by all order by 1")
        out.append(f"Claim findings: {sum(f[2] for f in findings)}")
        for rule, sev, n in findings:
            out.append(f"  {n:>4}  {rule} ({sev})")
        out.append("Milestones by status and timepoint:")
        statuses = ["met", "not_met", "pending", "missing_evidence"]
        grid = q("select timepoint_months, status, count(*) from marts.milestone_status group by all")
        tps = sorted({g[0] for g in grid})
        out.append("  " + "timepoint".ljust(10) + "".join(s.rjust(18) for s in statuses))
        for tp in tps:
            counts = {g[1]: g[2] for g in grid if g[0] == tp}
            out.append("  " + f"{tp} months".ljust(10) + "".join(str(counts.get(s, 0)).rjust(18) for s in statuses))
        # the payers' totals as marts.payer_summary and the reports state them: outstanding
        # is what unpaid and partially paid refunds still lack, never an unmatched remittance
        due, remitted, outstanding, overdue = q(
            """select sum(refunds_due_amount), sum(remitted_amount), sum(outstanding_amount), sum(overdue_amount)
               from marts.payer_summary""")[0]
        out.append(f"Refunds: due {_fmt_money(due)}, remitted {_fmt_money(remitted)}, "
                   f"outstanding {_fmt_money(outstanding)}, overdue {_fmt_money(overdue)}")
        return "\n".join(out)
    finally:
        con.close()


def cmd_run(args) -> int:
    as_of = args.as_of or os.environ.get("OBA_AS_OF", "")
    parse_as_of(as_of)  # a clear error before anything runs
    landing = Path(args.landing)
    if not landing.is_dir():
        raise UsageError(f"landing zone {landing} does not exist: pass --landing DIR (or set OBA_LANDING_DIR)")
    warehouse = Path(args.warehouse)
    result = execute_nightly(str(landing.resolve()), str(warehouse.resolve()), as_of)
    if not result.success:
        if published_by(warehouse.resolve(), result.run_id):
            # only moving the reports into place comes after the warehouse is replaced
            print("Run FAILED after it published the warehouse: the warehouse is this run's, but "
                  "some of its reports may not have replaced last night's.", file=sys.stderr)
        else:
            print("Run FAILED; the published warehouse was left as it was.", file=sys.stderr)
        print(explain_failure(result), file=sys.stderr)
        return 1
    print(summarize(warehouse.resolve(), result.run_id))
    from pipelines.defs.quality.checks import quality_page
    from pipelines.warehouse import WarehouseResource

    page = quality_page(WarehouseResource(path=str(warehouse.resolve())))
    if page.exists():
        print(f"Data quality results: {page}")
    print(f"Payer reports: {warehouse.resolve().parent / 'reports'}")
    return 0


def cmd_report(args) -> int:
    from pipelines.defs.reports.writer import write_report

    warehouse = Path(args.warehouse)
    if not warehouse.exists():
        raise UsageError(f"no warehouse at {warehouse}: run `oba run` first, or pass --warehouse FILE")
    path = write_report(warehouse, args.payer, args.format, args.out)
    print(f"Wrote {path}")
    return 0


def cmd_synth(args) -> int:
    import json

    from pipelines.synth import add_day, synthesize

    out = Path(args.out)
    summary = add_day(out) if args.add_day else synthesize(args.episodes, args.seed, out, args.days)
    print(json.dumps(summary, indent=2, default=str))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="oba", description="ZOLGENSMA outcomes-based agreement tracking")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run the nightly job: load, check, decide, reconcile, publish")
    r.add_argument("--landing", default=os.environ.get("OBA_LANDING_DIR", DEFAULT_LANDING))
    r.add_argument("--warehouse", default=os.environ.get("OBA_WAREHOUSE", DEFAULT_WAREHOUSE))
    r.add_argument("--as-of", dest="as_of", default=None, help="YYYY-MM-DD (default: today, or OBA_AS_OF)")
    r.set_defaults(func=cmd_run)
    rp = sub.add_parser("report", help="write one payer's reconciliation report")
    rp.add_argument("--payer", required=True)
    rp.add_argument("--format", choices=["xlsx", "csv", "html"], default="xlsx")
    rp.add_argument("--out", default="reports")
    rp.add_argument("--warehouse", default=os.environ.get("OBA_WAREHOUSE", DEFAULT_WAREHOUSE))
    rp.set_defaults(func=cmd_report)
    sy = sub.add_parser("synth", help="write a synthetic landing zone of daily files (for benchmarks)")
    sy.add_argument("--episodes", type=int, default=1000)
    sy.add_argument("--seed", type=int, default=1)
    sy.add_argument("--days", type=int, default=30, help="delivery days to write (day 0 carries the backfill)")
    sy.add_argument("--out", required=True)
    sy.add_argument("--add-day", action="store_true", help="write one more day of files into --out")
    sy.set_defaults(func=cmd_synth)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
