"""Command line: `oba run`, `oba report`, `oba packet`, `oba synth` (spec/outputs.md, "The command").

Every error ends in one message on stderr and a non-zero exit, never a traceback: 2 for something
the user can fix (an argument, a path), 1 for a failed run or an unexpected error. `oba run` sends
Dagster's own log lines and stack traces to a log file beside the warehouse and names it.
Text that came from input or file names is printed through `printable`, so it cannot start a line
of its own or drive the terminal."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import select
import sys
import threading
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path

from pipelines.read_only import open_read_only
from pipelines.runtime import collect_garbage_less_often
from pipelines.settings import DEFAULT_LANDING, DEFAULT_WAREHOUSE, parse_as_of

RUN_LOG_LEVEL = "DEBUG"  # Dagster's log lines in the run's log file: every event, each step's start and end


class UsageError(Exception):
    """A problem the user can fix; printed without a traceback."""


def printable(text: str) -> str:
    """`text` with every control or invisible formatting character escaped (a newline as `\\n`, ESC as
    `\\x1b`, a right-to-left override as `\\u202e`): a file name or an input value printed in a line
    can neither start another line nor move the cursor."""
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


def _run_config(landing: str, warehouse: str, as_of: str, log_level: str) -> dict:
    return {
        "resources": {"warehouse": {"config": {"path": warehouse, "landing_dir": landing, "as_of": as_of}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }


def execute_nightly(landing: str, warehouse: str, as_of: str, instance=None, run_id: str | None = None,
                    log_level: str = "WARNING"):
    """Run the `nightly` job in-process, exactly as the schedule does. Returns the Dagster result.

    Dagster's console logger writes its lines at `log_level` and above to stderr. Sets this process's
    garbage-collector threshold for the night (pipelines/runtime.py) before the definitions load."""
    collect_garbage_less_often()
    import dagster as dg

    from pipelines.definitions import defs

    job = defs.resolve_job_def("nightly")
    return job.execute_in_process(
        run_config=_run_config(landing, warehouse, as_of, log_level),
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_id=run_id,
    )


@contextlib.contextmanager
def output_to_log(log_path: Path, verbose: bool = False) -> Iterator[None]:
    """While the block runs, everything written to stdout or stderr goes to `log_path` (and, when
    verbose, to the console as well): Dagster's log lines and stack traces, warnings, and the output
    of any child process, which inherits the file descriptors."""
    log = log_path.open("wb")
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    sinks = [log, open(os.dup(saved_err), "wb")] if verbose else [log]
    read_end, write_end = os.pipe()

    finished = threading.Event()

    def copy() -> None:
        # Reads until the block has finished and the pipe is empty. Not until end of file: a
        # process started inside the block may outlive it holding the write end (dbt's adapter
        # starts multiprocessing's resource tracker, which inherits stdout and stderr).
        while True:
            readable, _, _ = select.select([read_end], [], [], 0.2)
            if not readable:
                if finished.is_set():
                    return
                continue
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                return
            for sink in sinks:
                with contextlib.suppress(OSError):  # a full disk must not stall the run on a full pipe
                    sink.write(chunk)
                    sink.flush()

    copier = threading.Thread(target=copy, name="oba-run-log", daemon=True)
    copier.start()
    stream = open(write_end, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)
    os.dup2(write_end, 1)
    os.dup2(write_end, 2)
    try:
        with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
            yield
    finally:
        stream.close()
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        os.close(write_end)
        finished.set()  # the copier drains what is left in the pipe and stops
        copier.join()
        for sink in sinks:
            sink.close()
        for fd in (read_end, saved_out, saved_err):
            os.close(fd)


def run_log_path(warehouse: Path, run_id: str) -> Path:
    """Where `oba run` keeps Dagster's log of one run: logs/ beside the warehouse, by start time."""
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return warehouse.parent / "logs" / f"oba_run_{started}_{run_id[:8]}.log"


def dagster_instance():
    """The Dagster instance at $DAGSTER_HOME when it is set, so its UI lists the run; else a throwaway one."""
    import dagster as dg

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    if not Path(home).is_absolute() or not Path(home).is_dir():
        raise UsageError(f"DAGSTER_HOME={home} is not an absolute path to a folder: create the folder "
                         "(dagster dev and the daemon use the same one) or unset DAGSTER_HOME")
    return dg.DagsterInstance.get()


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
                             "failed (blocking):")
                lines.extend(str(text).splitlines())
        elif ev.is_step_failure:
            err = ev.event_specific_data.error
            if err.cls_name == "DagsterAssetCheckFailedError":
                continue  # already explained by the check evaluation above
            # the error the step's own code raised (Dagster wraps it); not its cause, which a
            # clear error `raise ... from`s (the OSError behind "make it a writable folder")
            cause = err
            while cause.cls_name.startswith("Dagster") and cause.cause is not None:
                cause = cause.cause
            lines.append(f"step {ev.step_key} failed: {' '.join(cause.message.split())}")
    if not lines:
        lines.append("the run did not complete (see the Dagster event log)")
    return "\n".join(printable(line) for line in lines)


def published_by(warehouse: Path, run_id: str) -> bool:
    """Whether the published warehouse is the one this run built (its audit.runs row is there)."""
    if not warehouse.is_file():
        return False
    try:
        con = open_read_only(warehouse)
    except ValueError:  # not a warehouse: this run did not publish it
        return False
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
        statuses = ["met", "not_met", "pending", "missing_evidence", "disenrolled"]
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
        cur = con.execute(
            """select coalesce(sum(offset_amount), 0) as offset_amount, coalesce(sum(installments_due), 0) as due,
                      sum(installments_due_amount) as due_amount, sum(installments_paid_amount) as paid,
                      coalesce(sum(installments_overdue), 0) as overdue,
                      coalesce(sum(claims_to_submit), 0) as to_submit, sum(claims_to_submit_amount) as to_submit_amount,
                      coalesce(sum(claims_deadline_missed), 0) as missed,
                      sum(claims_deadline_missed_amount) as missed_amount,
                      coalesce(sum(claims_disputed), 0) as disputed, coalesce(sum(claims_rejected), 0) as rejected
               from marts.payer_payments_summary""")
        p = dict(zip([c[0] for c in cur.description], cur.fetchone()))
        out.append(f"Installments: {p['due']} due ({_fmt_money(p['due_amount'])}), paid {_fmt_money(p['paid'])}, "
                   f"{p['overdue']} overdue; refunds offset against installments {_fmt_money(p['offset_amount'])}")
        out.append(f"Refund claims: {p['to_submit']} to submit ({_fmt_money(p['to_submit_amount'])}), "
                   f"{p['missed']} deadline missed ({_fmt_money(p['missed_amount'])}), "
                   f"{p['disputed']} disputed, {p['rejected']} rejected")
        return "\n".join(printable(line) for line in out)
    finally:
        con.close()


def cmd_run(args) -> int:
    as_of = args.as_of or os.environ.get("OBA_AS_OF", "")
    parse_as_of(as_of)  # a clear error before anything runs
    landing = Path(args.landing)
    if not landing.is_dir():
        raise UsageError(f"landing zone {landing} does not exist: pass --landing DIR (or set OBA_LANDING_DIR)")
    warehouse = Path(args.warehouse).resolve()
    if warehouse.is_dir():
        raise UsageError(f"--warehouse {warehouse} is a folder: pass the warehouse file, e.g. {warehouse / 'oba.duckdb'}")
    if warehouse.exists():
        open_read_only(warehouse).close()  # a file that is not a warehouse: say so now, not from a failed step
    run_id = str(uuid.uuid4())
    log = run_log_path(warehouse, run_id)
    log.parent.mkdir(parents=True, exist_ok=True)
    with dagster_instance() as instance, output_to_log(log, args.verbose):
        result = execute_nightly(str(landing.resolve()), str(warehouse), as_of, instance=instance, run_id=run_id,
                                 log_level=RUN_LOG_LEVEL)
    recorded = f" (run {run_id} in the Dagster instance at {os.environ['DAGSTER_HOME']})" \
        if os.environ.get("DAGSTER_HOME") else ""
    if not result.success:
        if published_by(warehouse, result.run_id):
            # only moving the reports into place comes after the warehouse is replaced
            print("Run FAILED after it published the warehouse: the warehouse is this run's, but "
                  "some of its reports may not have replaced last night's.", file=sys.stderr)
        else:
            print("Run FAILED; the published warehouse was left as it was.", file=sys.stderr)
        print(explain_failure(result), file=sys.stderr)
        print(printable(f"Dagster's log of the run, with stack traces: {log}{recorded}"), file=sys.stderr)
        return 1
    print(summarize(warehouse, result.run_id))
    from pipelines.defs.quality.checks import quality_page
    from pipelines.warehouse import WarehouseResource

    page = quality_page(WarehouseResource(path=str(warehouse)))
    if page.exists():
        print(printable(f"Data quality results: {page}"))
    print(printable(f"Payer reports: {warehouse.parent / 'reports'}"))
    print(printable(f"Run log: {log}{recorded}"))
    return 0


def cmd_report(args) -> int:
    from pipelines.defs.reports.writer import write_report

    warehouse, out = Path(args.warehouse), Path(args.out)
    if not warehouse.exists():
        raise UsageError(f"no warehouse at {warehouse}: run `oba run` first, or pass --warehouse FILE")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file: pass the folder to write the report into (it is created if missing)")
    path = write_report(warehouse, args.payer, args.format, out)
    print(printable(f"Wrote {path}"))
    return 0


def cmd_packet(args) -> int:
    from pipelines.defs.reports.packet import write_packets

    warehouse, out = Path(args.warehouse), Path(args.out)
    if not warehouse.exists():
        raise UsageError(f"no warehouse at {warehouse}: run `oba run` first, or pass --warehouse FILE")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file: pass the folder to write the packets into (it is created if missing)")
    paths = write_packets(warehouse, args.payer, out, args.episode, args.timepoint)
    for path in paths:
        print(printable(f"Wrote {path}"))
    if not paths:
        print(printable(f"No milestone of payer {args.payer} owes a refund: no packet written"))
    return 0


def cmd_synth(args) -> int:
    import json

    from pipelines.synth import add_day, synthesize

    out = Path(args.out)
    summary = add_day(out) if args.add_day else synthesize(args.episodes, args.seed, out, args.days)
    print(json.dumps(summary, indent=2, default=str))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="oba", description="ZOLGENSMA outcomes-based agreement tracking. "
                                "Relative paths are taken from the current directory.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run the nightly job: load, check, decide, reconcile, publish",
                       description="Run the nightly job in this process, as the 02:00 schedule does: load what is "
                       "new in the landing zone, check it, rebuild every mart as of the as-of date, write the "
                       "reports and publish the warehouse. Dagster's log of the run goes to logs/ beside the "
                       "warehouse; with DAGSTER_HOME set, the run is also recorded in that Dagster instance.")
    r.add_argument("--landing", metavar="DIR", default=os.environ.get("OBA_LANDING_DIR", DEFAULT_LANDING),
                   help="the landing zone to load (default: %(default)s; OBA_LANDING_DIR sets it)")
    r.add_argument("--warehouse", metavar="FILE", default=os.environ.get("OBA_WAREHOUSE", DEFAULT_WAREHOUSE),
                   help="the warehouse file to publish (default: %(default)s; OBA_WAREHOUSE sets it)")
    r.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", default=None,
                   help="the date every mart is computed as of (default: today; OBA_AS_OF sets it)")
    r.add_argument("--verbose", action="store_true",
                   help="also show Dagster's log lines on the console as the run goes (default: only in the log file)")
    r.set_defaults(func=cmd_run)
    rp = sub.add_parser("report", help="write one payer's reconciliation report",
                        description="Write one payer's reconciliation report from the published warehouse.")
    rp.add_argument("--payer", metavar="PAYER_ID", required=True, help="the payer whose report to write (required)")
    rp.add_argument("--format", choices=["xlsx", "csv", "html"], default="xlsx",
                    help="xlsx, csv or html (default: %(default)s)")
    rp.add_argument("--out", metavar="DIR", default="reports",
                    help="the folder to write the report into, created if missing (default: %(default)s)")
    rp.add_argument("--warehouse", metavar="FILE", default=os.environ.get("OBA_WAREHOUSE", DEFAULT_WAREHOUSE),
                    help="the warehouse file to read (default: %(default)s; OBA_WAREHOUSE sets it)")
    rp.set_defaults(func=cmd_report)
    pk = sub.add_parser("packet", help="write the evidence packets of a payer's refunds for the manufacturer",
                        description="Write one printable HTML document per milestone that owes a refund: the "
                        "contract terms, the decision with every row of its evidence and the refund computation, "
                        "one child's data each. --episode alone: that episode's milestones; --timepoint alone: "
                        "that timepoint's for every episode of the payer.")
    pk.add_argument("--payer", metavar="PAYER_ID", required=True, help="the payer whose packets to write (required)")
    pk.add_argument("--episode", metavar="EPISODE_ID", default=None, help="only this episode's milestones (default: every episode of the payer)")
    pk.add_argument("--timepoint", metavar="N", type=int, default=None, help="only the N-month milestones (default: every timepoint)")
    pk.add_argument("--out", metavar="DIR", default="packets",
                    help="the folder to write the packets into, created if missing (default: %(default)s)")
    pk.add_argument("--warehouse", metavar="FILE", default=os.environ.get("OBA_WAREHOUSE", DEFAULT_WAREHOUSE),
                    help="the warehouse file to read (default: %(default)s; OBA_WAREHOUSE sets it)")
    pk.set_defaults(func=cmd_packet)
    sy = sub.add_parser("synth", help="write a synthetic landing zone of daily files (for benchmarks)")
    sy.add_argument("--episodes", metavar="N", type=int, default=1000,
                    help="treated children to make up (default: %(default)s)")
    sy.add_argument("--seed", metavar="N", type=int, default=1, help="random seed (default: %(default)s)")
    sy.add_argument("--days", metavar="N", type=int, default=30,
                    help="delivery days to write; day 0 carries the backfill (default: %(default)s)")
    sy.add_argument("--out", metavar="DIR", required=True, help="the landing zone to write (required)")
    sy.add_argument("--add-day", action="store_true",
                    help="write one more day of files into --out instead (default: off)")
    sy.set_defaults(func=cmd_synth)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, ValueError) as e:
        print(printable(f"error: {e}"), file=sys.stderr)
        return 2
    except OSError as e:
        where = f" ({e.filename})" if e.filename else ""
        print(printable(f"error: {e.strerror or e}{where}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug, not the user's doing: still one line, the traceback only when asked
        if getattr(args, "verbose", False):
            traceback.print_exc()
        print(printable(f"error: unexpected {type(e).__name__}: {e}"), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
