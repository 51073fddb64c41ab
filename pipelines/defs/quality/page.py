"""The data-quality page: one self-contained HTML page describing one published run.

It names the run (id, when it started and published, its as-of date), every
Great Expectations check with each expectation passed, warned or failed, the
files the run rejected (file and message) and the rows it quarantined by feed
and reason. Counts only: no record text, no unexpected values (they could be
member identifiers).

The publish step writes the page beside the build file and moves it over the
published page right after the warehouse is published (`os.replace`, atomic),
so a run that fails or is killed before publishing leaves last night's page,
which describes the warehouse analysts still see.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import jinja2

from pipelines.defs.ingest.feeds import FEEDS

TEMPLATE = "quality_page.html.j2"


@dataclass
class CheckResult:
    """One feed's check in this run, as its evaluation in the Dagster event log recorded it."""

    feed: str
    result: str  # passed, warned, failed, or "not run"
    files_loaded: int = 0
    rows_validated: int = 0
    expectations: list[dict] = field(default_factory=list)  # result, expectation, found, blocking


def check_name(feed: str) -> str:
    return f"gx_{feed}"


def check_results(instance: dg.DagsterInstance, run_id: str) -> list[CheckResult]:
    """Every feed's check as this run evaluated it (the latest evaluation of each), in feed order."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    evaluations = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        evaluations[evaluation.check_name] = evaluation
    out = []
    for feed in FEEDS:
        evaluation = evaluations.get(check_name(feed))
        if evaluation is None:
            out.append(CheckResult(feed, "not run"))
            continue
        md = evaluation.metadata
        table = md.get("expectations")
        expectations = [r.data for r in table.records] if table is not None else []
        if evaluation.passed:
            result = "passed"
        else:
            result = "failed" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warned"
        out.append(CheckResult(feed, result, _value(md.get("files_loaded")), _value(md.get("rows_validated")),
                               expectations))
    return out


def _value(metadata_value) -> int:
    return int(metadata_value.value) if metadata_value is not None else 0


def render_page(con, run_id: str, checks: list[CheckResult]) -> str:
    """The page of run `run_id`, from the build file's audit tables and the run's check results."""
    started_at, finished_at, as_of = con.execute(
        "select started_at, finished_at, as_of_date from audit.runs where run_id = ?", [run_id]).fetchall()[0]
    files = dict(con.execute(
        "select status, count(*) from audit.load_log where run_id = ? group by status", [run_id]).fetchall())
    rows_loaded, rows_quarantined = con.execute(
        """select coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0)
           from audit.load_log where run_id = ? and status = 'loaded'""", [run_id]).fetchall()[0]
    rejected = con.execute(
        """select feed, file_path, message from audit.load_log
           where run_id = ? and status = 'rejected' order by feed, file_path""", [run_id]).fetchall()
    quarantined = con.execute(
        """select feed, reason, count(*) from audit.quarantine
           where run_id = ? group by feed, reason order by feed, count(*) desc, reason""", [run_id]).fetchall()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    return env.get_template(TEMPLATE).render(
        run_id=run_id,
        started_at=started_at,
        finished_at=finished_at,
        as_of=as_of,
        checks=checks,
        totals={r: sum(c.result == r for c in checks) for r in ("passed", "warned", "failed", "not run")},
        files=files,
        rows_loaded=rows_loaded,
        rows_quarantined=rows_quarantined,
        rejected=rejected,
        quarantined=quarantined,
    )


def write_page(con, run_id: str, checks: list[CheckResult], built: Path, published: Path) -> None:
    """Write the run's page at `built` (beside the build file) and make sure `published`'s folder
    exists, so that what can go wrong fails the run before the warehouse is published."""
    try:
        published.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RuntimeError(f"the data-quality folder {published.parent} cannot be created ({e.strerror}); "
                           "make it a writable folder and run again") from e
    built.write_text(render_page(con, run_id, checks), encoding="utf-8")


def install_page(built: Path, published: Path) -> Path:
    """Replace the published page with the run's (atomic)."""
    os.replace(built, published)
    return published
