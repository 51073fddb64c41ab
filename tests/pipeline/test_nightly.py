"""The nightly job end to end: Dagster definitions, publishing, blocking checks, readers, crashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import types
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines import settings
from pipelines.cli import _run_config, execute_nightly, explain_failure, main, published_by, summarize
from pipelines.definitions import make_definitions
from pipelines.defs.dbt.assets import STEP_NAME
from pipelines.defs.dbt.project import project_dir
from pipelines.defs import publish
from pipelines.defs.reports import writer
from pipelines.settings import parse_as_of
from pipelines.warehouse import build_path_for
from tests.landing import CONTRACT_YAML, block_claims_with_units_above_half, row, write_csv, write_text

# spec/outputs.md, "Tables and views analysts rely on": names and columns are fixed.
OUTPUT_TABLES = {
    "audit.load_log": "file_path feed sha256 status rows_read rows_loaded rows_quarantined message loaded_at",
    "audit.quarantine": "feed file_path row_number reason record",
    "marts.claim_findings": "claim_id payer_id member_id billed_member_id service_date rule_code severity detail",
    "marts.claims_missing_oba": "claim_id payer_id member_id billed_member_id service_date oba_contract_id reason "
    "suggested_contract_id",
    "marts.treatment_episodes": "episode_id payer_id member_id claim_id infusion_date weight_kg contract_id link_status",
    "marts.milestone_status": "episode_id payer_id member_id contract_id timepoint_months due_date window_start "
    "window_end status refund_due_amount refund_due_date evidence as_of_date",
    "marts.refund_reconciliation": "contract_id payer_id member_id episode_id timepoint_months refund_due_amount "
    "refund_due_date offset_amount remitted_amount balance status days_past_due",
    "marts.installment_schedule": "episode_id payer_id member_id contract_id installment_number installment_date "
    "due_date amount offset_amount net_payable paid_amount balance status days_past_due as_of_date",
    "marts.refund_claims": "episode_id payer_id member_id contract_id timepoint_months refund_due_amount "
    "submission_deadline refund_claim_id submitted_date amount_claimed claim_status response_date dispute_reason "
    "submitted_late amount_differs days_to_deadline as_of_date",
    "marts.milestone_evidence": "episode_id payer_id member_id contract_id timepoint_months criterion_kind instrument "
    "threshold milestone_code criterion_result source_feed source_id evidence_date value baseline_value",
    "marts.assessment_worklist": "episode_id payer_id member_id contract_id timepoint_months window_start "
    "window_end days_until_window_end needed enrolled enrolled_on_due_date last_contact_date",
    "marts.identity_issues": "payer_id previous_member_id member_id effective_date reason",
}


def small_landing(root: Path) -> Path:
    landing = root / "landing"
    write_text(landing, "contracts", "oba-acme.yaml", CONTRACT_YAML)
    write_csv(landing, "claims", "2025-06-10_claims.csv", [
        row("claims", oba_contract_id="OBA-ACME", ndc="71894-0120-02", prior_auth_number="PA1",
            diagnosis_codes="G12.0", place_of_service="22", revenue_code="0636"),
        row("claims", line_number="2", procedure_code="96365", units="1"),
    ])
    write_csv(landing, "authorizations", "pa.csv", [row("authorizations")])
    write_csv(landing, "assessments", "a.csv", [
        row("assessments", assessment_id="A0", assessment_date="2025-05-20", score="20"),
        row("assessments", assessment_id="A1", assessment_date="2025-12-01", score="31"),
    ])
    write_csv(landing, "clinical_events", "e.csv", [row("clinical_events")])
    return landing


def run(landing: Path, warehouse: Path, as_of: str = "2026-11-21"):
    return execute_nightly(str(landing), str(warehouse), as_of)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One successful run, shared by the read-only assertions below."""
    root = tmp_path_factory.mktemp("nightly")
    landing = small_landing(root)
    warehouse = root / "wh" / "oba.duckdb"
    result = run(landing, warehouse)
    assert result.success
    return landing, warehouse, result


def test_definitions_load_with_job_schedule_sensor_and_blocking_checks():
    from pipelines.definitions import defs

    job = defs.resolve_job_def("nightly")
    assert job.executor_def.name == "in_process"
    schedule = defs.resolve_schedule_def("nightly_0200")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == os.environ.get("OBA_SCHEDULE_TZ", "America/New_York")
    sensor = defs.resolve_sensor_def("landing_zone_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    checks = [spec for cd in defs.asset_checks for spec in cd.check_specs]
    gx = [c for c in checks if c.name.startswith("gx_")]
    assert {c.asset_key.path[-1] for c in gx} == {
        "claims", "authorizations", "assessments", "respiratory_support", "clinical_events", "remittances",
        "payments", "refund_claims", "member_crosswalk", "enrollment"}
    assert all(c.blocking for c in gx)


def test_run_publishes_every_output_table_with_its_columns(published):
    _, warehouse, _ = published
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for table, cols in OUTPUT_TABLES.items():
            schema, name = table.split(".")
            have = [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, name]).fetchall()]
            missing = [c for c in cols.split() if c not in have]
            assert not missing, f"{table} lacks {missing}"
        money = dict(con.execute(
            """select table_name || '.' || column_name, data_type from information_schema.columns
               where column_name in ('refund_due_amount', 'remitted_amount', 'balance')""").fetchall())
        assert money and set(money.values()) == {"DECIMAL(18,2)"}, money
        assert con.execute("select count(*) from marts.treatment_episodes").fetchone()[0] == 1
        assert con.execute("select status from audit.runs").fetchall() == [("published",)]
    finally:
        con.close()
    assert not build_path_for(warehouse).exists()


def test_published_file_is_readable_by_duckdb_1x(published):
    # DuckDB's file header: magic "DUCK" at byte 8, storage version (uint64 LE) at byte 12.
    # 66 is the v1.3 format, which DuckDB 1.3 and later read; DuckDB 2.0's own format (999)
    # DuckDB 1.x refuses, and the v1.0 format (64) writes strings far more slowly.
    _, warehouse, _ = published
    header = warehouse.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20], "little") == 66


def test_published_tables_are_described_for_analysts(published):
    _, warehouse, _ = published
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        undocumented = con.execute(
            """select schema_name || '.' || table_name from duckdb_tables()
               where schema_name = 'marts' and (comment is null or comment = '')""").fetchall()
        assert undocumented == []
    finally:
        con.close()


def test_the_dbt_docs_site_is_published_beside_the_warehouse(published):
    """One HTML file an analyst opens offline: the models, their lineage and every column's description."""
    _, warehouse, _ = published
    site = (warehouse.parent / "docs" / "index.html").read_text()
    assert "claims__rule_ndc_kit_weight_mismatch" in site  # a rule step, by its file name
    assert "Whole calendar months from birth to infusion" in site  # a column's description


def test_the_dbt_docs_site_opens_offline_in_a_browser_on_a_models_page(published, tmp_path):
    """Chromium, with no network, renders a model's page of the site: its title and its columns'
    descriptions as page text, not only inside the embedded manifest."""
    from tests.reports.test_real_programs import chromium

    _, warehouse, _ = published
    site = (warehouse.parent / "docs" / "index.html").as_uri()
    dom = chromium("--virtual-time-budget=15000", "--dump-dom",
                   f"{site}#!/model/model.oba.milestones__permanent_ventilation", user_dir=tmp_path / "profile")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.S)))
    assert "milestones__permanent_ventilation table" in page
    assert "payer_id Payer of the person" in page  # the columns table, as rendered


def test_rerun_over_the_same_landing_zone_loads_nothing_twice(tmp_path):
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "oba.duckdb"
    assert run(landing, warehouse).success
    second = run(landing, warehouse)
    assert second.success
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        statuses = con.execute("select status, count(*) from audit.load_log where run_id = ? group by all",
                               [second.run_id]).fetchall()
        assert statuses == [("skipped_duplicate", 5)]  # the 5 files of small_landing
        assert con.execute("select count(*) from raw.claims").fetchone()[0] == 2
        assert con.execute("select count(*) from audit.runs").fetchone()[0] == 2
    finally:
        con.close()


def test_history_accumulates_across_runs(tmp_path):
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "oba.duckdb"
    assert run(landing, warehouse).success
    write_csv(landing, "clinical_events", "e2.csv", [row("clinical_events", event_id="E2", event_date="2025-08-01")])
    assert run(landing, warehouse).success
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from staging.clinical_events").fetchone()[0] == 2
    finally:
        con.close()


def test_blocking_quality_check_stops_the_marts_and_keeps_the_published_file(tmp_path, monkeypatch):
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "oba.duckdb"
    assert run(landing, warehouse).success
    before = sha(warehouse)
    block_claims_with_units_above_half(tmp_path, monkeypatch)
    write_csv(landing, "claims", "2025-07-01_claims.csv", [row("claims", claim_id="C2")])
    result = run(landing, warehouse)
    assert not result.success
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert [ev.check_name for ev in evaluations if not ev.passed] == ["gx_claims"]
    executed = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert STEP_NAME not in executed and "published_warehouse" not in executed
    assert sha(warehouse) == before
    assert "units" in explain_failure(result)


def _run_with_milestone_mart_ending(tmp_path, landing, warehouse, final_select: str):
    """The nightly job on a copy of the dbt project whose milestone mart ends in `final_select`
    instead of `select * from final`."""
    project = tmp_path / "sql"
    shutil.copytree(project_dir(), project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    mart = project / "models" / "refunds" / "final" / "refunds__milestone_status.sql"
    sql, last = mart.read_text().rsplit("select * from final", 1)
    mart.write_text(sql + final_select + last)
    job = make_definitions(project).resolve_job_def("nightly")
    return job.execute_in_process(run_config=_run_config(str(landing), str(warehouse), "2026-11-21", "WARNING"),
                                  instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def _failed_checks(result) -> set[str]:
    return {e.event_specific_data.check_name for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed}


def test_a_broken_mart_invariant_fails_its_dbt_test_blocks_publishing_and_keeps_the_published_file(tmp_path):
    """A copy of the dbt project whose milestone mart duplicates a row: the nightly run fails on
    the mart's dbt tests, says which, and publishes nothing."""
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "wh" / "oba.duckdb"
    assert run(landing, warehouse).success
    before = sha(warehouse)
    result = _run_with_milestone_mart_ending(
        tmp_path, landing, warehouse, "select * from final union all (select * from final limit 1)")
    assert not result.success
    assert _failed_checks(result) == {"milestones__one_status_row_per_episode_milestone",
                                      "unique_key_refunds__milestone_status_episode_id__timepoint_months"}
    message = explain_failure(result)
    assert "milestones__one_status_row_per_episode_milestone" in message
    executed = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert "published_warehouse" not in executed and "payer_reports" not in executed
    assert sha(warehouse) == before


def test_a_mart_row_without_a_required_value_fails_the_marts_not_null_check_and_blocks_publishing(tmp_path):
    """A copy of the dbt project whose milestone mart leaves status empty: the one not_null check of
    that mart (sql/tests/generic/not_null_columns.sql, all its required columns) fails, and nothing
    is published."""
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "wh" / "oba.duckdb"
    result = _run_with_milestone_mart_ending(
        tmp_path, landing, warehouse, "select * replace (cast(null as varchar) as status) from final")
    assert not result.success
    assert "not_null_refunds__milestone_status" in _failed_checks(result)
    executed = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert "published_warehouse" not in executed and not warehouse.exists()


def test_a_fully_quarantined_delivery_warns_but_does_not_fail_the_run(tmp_path):
    landing = small_landing(tmp_path)
    write_csv(landing, "remittances", "r.csv", [row("remittances", amount="abc")])
    result = run(landing, tmp_path / "oba.duckdb")
    assert result.success
    evaluations = {e.event_specific_data.check_name: e.event_specific_data
                   for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    remit = evaluations["gx_remittances"]
    assert not remit.passed and str(remit.severity).endswith("WARN")


def test_a_reader_holding_the_published_file_never_blocks_a_run(tmp_path):
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "oba.duckdb"
    assert run(landing, warehouse, "2026-01-01").success
    reader = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert reader.execute("select max(as_of_date) from marts.milestone_status").fetchone()[0].isoformat() == "2026-01-01"
        assert run(landing, warehouse, "2026-11-21").success  # the reader is still attached
        # the reader keeps the snapshot it opened ...
        assert reader.execute("select count(*) from audit.runs").fetchone()[0] == 1
    finally:
        reader.close()
    # ... a new reader sees the new file
    fresh = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert fresh.execute("select count(*) from audit.runs").fetchone()[0] == 2
        assert fresh.execute("select max(as_of_date) from marts.milestone_status").fetchone()[0].isoformat() == "2026-11-21"
    finally:
        fresh.close()


def test_the_summary_describes_the_file_just_published_while_this_process_holds_the_old_one(tmp_path):
    """DuckDB keeps one instance per path in a process: a reader here (a notebook running the
    job) must not make the printed summary describe last night's file."""
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "oba.duckdb"
    assert run(landing, warehouse, "2026-01-01").success
    reader = duckdb.connect(str(warehouse), read_only=True)
    try:
        second = run(landing, warehouse, "2026-11-21")
        assert second.success
        text = summarize(warehouse, second.run_id)
        assert published_by(warehouse, second.run_id)
    finally:
        reader.close()
    assert text.splitlines()[0] == f"Published {warehouse} (as of 2026-11-21)"


def test_a_run_killed_midway_leaves_the_published_file_intact_and_the_next_run_completes(tmp_path):
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "oba.duckdb"
    assert run(landing, warehouse).success
    before = sha(warehouse)
    write_csv(landing, "clinical_events", "e2.csv", [row("clinical_events", event_id="E2", event_date="2025-08-01")])
    build = build_path_for(warehouse)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--landing", str(landing), "--warehouse", str(warehouse),
         "--as-of", "2026-11-21"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not build.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert build.exists(), "the run never started building"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert sha(warehouse) == before
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from staging.clinical_events").fetchone()[0] == 1
    finally:
        con.close()
    assert run(landing, warehouse).success
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from staging.clinical_events").fetchone()[0] == 2
    finally:
        con.close()


def test_same_inputs_and_as_of_give_the_same_rows(tmp_path):
    landing = small_landing(tmp_path)
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    assert run(landing, a).success and run(landing, b).success
    tables = ["marts.milestone_status", "marts.claim_findings", "marts.treatment_episodes",
              "marts.refund_reconciliation", "marts.assessment_worklist", "marts.claims_missing_oba"]
    ca, cb = duckdb.connect(str(a), read_only=True), duckdb.connect(str(b), read_only=True)
    try:
        for t in tables:
            assert ca.execute(f"select * from {t} order by all").fetchall() == cb.execute(f"select * from {t} order by all").fetchall(), t
    finally:
        ca.close()
        cb.close()


def test_cli_rejects_a_bad_as_of_date_and_a_missing_landing_zone(tmp_path, capsys):
    assert main(["run", "--landing", str(tmp_path), "--as-of", "2026-13-01"]) == 2
    assert "2026-13-01" in capsys.readouterr().err
    assert main(["run", "--landing", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["2026-W47-6", "2026-11-2x", "20261121XX", "2026-02-30", "2026-1-05"])
def test_as_of_is_a_calendar_date_written_yyyy_mm_dd(text):
    assert parse_as_of("2026-11-21") == dt.date(2026, 11, 21) and parse_as_of("") == dt.date.today()
    with pytest.raises(ValueError, match="is not a date YYYY-MM-DD"):
        parse_as_of(text)


def test_today_is_read_once_a_run_so_a_run_past_midnight_has_one_as_of_date(tmp_path, monkeypatch):
    reads = []

    class Clock(dt.date):
        @classmethod
        def today(cls):  # the clock passes midnight after the run's first read
            reads.append(1)
            return dt.date(2026, 11, 20) if len(reads) == 1 else dt.date(2026, 11, 21)

    monkeypatch.setattr(settings, "dt", types.SimpleNamespace(date=Clock))
    warehouse = tmp_path / "oba.duckdb"
    assert run(small_landing(tmp_path), warehouse, as_of="").success  # no as-of: today
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        dates = con.execute("""
            select as_of_date from audit.runs union select as_of_date from marts.milestone_status
            union select as_of_date from marts.refund_reconciliation
            union select as_of_date from marts.payer_summary""").fetchall()
    finally:
        con.close()
    assert dates == [(dt.date(2026, 11, 20),)]


def test_a_remittance_for_a_timepoint_no_contract_has_is_reconciled_as_unmatched(tmp_path):
    landing = small_landing(tmp_path)
    write_csv(landing, "remittances", "r.csv", [row("remittances", timepoint_months="0", amount="250.00")])
    warehouse = tmp_path / "w.duckdb"
    assert run(landing, warehouse).success
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from audit.quarantine").fetchone() == (0,)
        assert con.execute("select timepoint_months, status, remitted_amount from marts.refund_reconciliation") \
            .fetchall() == [(0, "unmatched", Decimal("250.00"))]
    finally:
        con.close()


def test_cli_failed_run_exits_1_says_what_failed_and_keeps_the_published_file(tmp_path, monkeypatch, capsys):
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "oba.duckdb"
    args = ["run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", "2026-11-21"]
    assert main(args) == 0
    before = sha(warehouse)
    block_claims_with_units_above_half(tmp_path, monkeypatch)
    write_csv(landing, "claims", "2025-07-01_claims.csv", [row("claims", claim_id="C2")])
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Run FAILED; the published warehouse was left as it was." in err
    assert "gx_claims" in err and "units" in err
    assert sha(warehouse) == before


def published_once_by_the_cli(tmp_path: Path) -> tuple[list[str], Path]:
    """`oba run` once as of 2026-01-01; returns its arguments without --as-of, and the warehouse."""
    warehouse = tmp_path / "wh" / "oba.duckdb"
    args = ["run", "--landing", str(small_landing(tmp_path)), "--warehouse", str(warehouse)]
    assert main([*args, "--as-of", "2026-01-01"]) == 0
    return args, warehouse


def reports_of(warehouse: Path) -> dict[str, str]:
    return {p.name: sha(p) for p in (warehouse.parent / "reports").iterdir()}


def test_a_run_publishes_its_reports_with_the_warehouse_and_leaves_no_build_folder(tmp_path):
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "wh" / "oba.duckdb"
    assert run(landing, warehouse, "2026-01-01").success
    first = reports_of(warehouse)
    assert set(first) == {f"oba_report_ACME.{ext}" for ext in ("xlsx", "csv", "html")}
    assert run(landing, warehouse, "2026-11-21").success
    assert set(reports_of(warehouse)) == set(first)
    assert reports_of(warehouse)["oba_report_ACME.html"] != first["oba_report_ACME.html"]  # as of the new date
    assert sorted(p.name for p in warehouse.parent.iterdir()) == [
        "docs", "oba.duckdb", "oba.duckdb.lock", "quality", "reports"]


def test_a_report_that_cannot_be_written_fails_the_run_before_anything_is_published(tmp_path, monkeypatch, capsys):
    args, warehouse = published_once_by_the_cli(tmp_path)
    before, reports_before = sha(warehouse), reports_of(warehouse)

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device while writing a report")

    monkeypatch.setattr(writer, "write_all_reports", disk_full)
    capsys.readouterr()
    assert main([*args, "--as-of", "2026-11-21"]) == 1
    err = capsys.readouterr().err
    assert "Run FAILED; the published warehouse was left as it was." in err
    assert "payer_reports" in err and "No space left" in err
    assert sha(warehouse) == before  # still as of 2026-01-01
    assert reports_of(warehouse) == reports_before


@pytest.mark.parametrize("obstacle", ["a file where the reports folder goes", "a folder named as a report"])
def test_a_reports_folder_that_cannot_take_the_reports_fails_the_run_before_publishing(tmp_path, capsys, obstacle):
    args, warehouse = published_once_by_the_cli(tmp_path)
    before = sha(warehouse)
    reports = warehouse.parent / "reports"
    if obstacle.startswith("a file"):
        shutil.rmtree(reports)
        reports.write_text("not a folder")
    else:
        (reports / "oba_report_ACME.csv").unlink()
        (reports / "oba_report_ACME.csv").mkdir()
    capsys.readouterr()
    assert main([*args, "--as-of", "2026-11-21"]) == 1
    err = capsys.readouterr().err
    assert "Run FAILED; the published warehouse was left as it was." in err and "run again" in err
    assert sha(warehouse) == before


def test_a_failure_after_the_warehouse_was_replaced_says_so(tmp_path, monkeypatch, capsys):
    args, warehouse = published_once_by_the_cli(tmp_path)

    def cannot_move(built, published):
        raise OSError("Permission denied moving a report into place")

    monkeypatch.setattr(publish, "install_reports", cannot_move)
    capsys.readouterr()
    assert main([*args, "--as-of", "2026-11-21"]) == 1
    err = capsys.readouterr().err
    assert "Run FAILED after it published the warehouse" in err and "left as it was" not in err
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select max(as_of_date) from audit.runs").fetchall() == [(dt.date(2026, 11, 21),)]
    finally:
        con.close()


def test_cli_run_prints_the_summary(tmp_path, capsys):
    landing = small_landing(tmp_path)
    write_csv(landing, "remittances", "r.csv", [row("remittances"), row("remittances", remittance_id="R2", amount="abc")])
    assert main(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"), "--as-of", "2026-11-21"]) == 0
    out = capsys.readouterr().out
    assert "Files: 6 loaded" in out
    assert "Rows: 8 loaded, 1 quarantined" in out  # 7 tabular rows + 1 contract
    assert "BAD_NUMBER:amount" in out
    assert "Milestones by status" in out and "Refunds: due" in out


def test_cli_summary_counts_every_milestone_status_disenrolled_too(tmp_path, capsys):
    landing = small_landing(tmp_path)
    write_text(landing, "contracts", "oba-acme.yaml",
               CONTRACT_YAML.replace("price_basis: 2125000.00\n", "price_basis: 2125000.00\non_disenrollment: stop\n"))
    # coverage ends before the 6-month due date (infusion 2025-06-02, due 2025-12-02)
    write_csv(landing, "enrollment", "e.csv", [{"payer_id": "ACME", "member_id": "M000001",
                                                "coverage_start": "2025-01-10", "coverage_end": "2025-09-30"}])
    assert main(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"), "--as-of", "2026-11-21"]) == 0
    grid = capsys.readouterr().out.split("Milestones by status and timepoint:\n")[1].splitlines()[:2]
    assert grid[0].split() == ["timepoint", "met", "not_met", "pending", "missing_evidence", "disenrolled"]
    assert grid[1].split() == ["6", "months", "0", "0", "0", "0", "1"]


def test_cli_summary_states_offsets_installments_and_refund_claims(tmp_path, capsys):
    landing = small_landing(tmp_path)
    # two installments (infusion 2025-06-02): the second, due 2026-07-02, is not yet due when the 6-month
    # refund falls due, so the refund (17% of 2,125,000.00 = 361,250.00) is taken off it
    write_text(landing, "contracts", "oba-acme.yaml", CONTRACT_YAML.replace(
        "price_basis: 2125000.00\n",
        "price_basis: 2125000.00\nclaim_submission_days: 600\npayment:\n  installments:\n"
        "    - {months_after_infusion: 0, amount: 1062500.00}\n"
        "    - {months_after_infusion: 12, amount: 1062500.00}\n"))
    write_csv(landing, "assessments", "a.csv", [  # CHOP-INTEND 20 -> 21: the score_gain is not met
        row("assessments", assessment_id="A0", assessment_date="2025-05-20", score="20"),
        row("assessments", assessment_id="A1", assessment_date="2025-12-01", score="21"),
    ])
    warehouse = tmp_path / "w.duckdb"
    assert main(["run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", "2026-11-21"]) == 0
    out = capsys.readouterr().out
    # both installments are due by the as-of date and nothing was paid; the second is 361,250.00 less
    assert ("Installments: 2 due ($1,763,750.00), paid $0.00, 2 overdue; "
            "refunds offset against installments $361,250.00") in out
    # settled by the offset, the refund is still claimed from the manufacturer: by the window's end
    # (2025-12-02 + 30 days = 2026-01-01) + 600 days = 2027-08-24, so it is still to submit
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select claim_status, submission_deadline from marts.refund_claims").fetchall() == [
            ("not_submitted", dt.date(2027, 8, 24))]
    finally:
        con.close()
    assert "Refund claims: 1 to submit ($361,250.00), 0 deadline missed ($0.00), 0 disputed, 0 rejected" in out


def test_cli_summary_refunds_are_the_payer_totals_and_leave_unmatched_money_out(tmp_path, capsys):
    landing = small_landing(tmp_path)
    # CHOP-INTEND 20 -> 21: the 6-month score_gain (4 points) is not met, 17% of 2,125,000.00 is owed
    write_csv(landing, "assessments", "a.csv", [
        row("assessments", assessment_id="A0", assessment_date="2025-05-20", score="20"),
        row("assessments", assessment_id="A1", assessment_date="2025-12-01", score="21"),
    ])
    write_csv(landing, "remittances", "r.csv", [
        row("remittances"),  # 1,000.00 against the 6-month refund
        row("remittances", remittance_id="R2", timepoint_months="12", amount="-500.00"),  # no such milestone
    ])
    warehouse = tmp_path / "w.duckdb"
    assert main(["run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", "2026-11-21"]) == 0
    out = capsys.readouterr().out
    assert "Refunds: due $361,250.00, remitted $500.00, outstanding $360,250.00, overdue $360,250.00" in out
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select status, balance from marts.refund_reconciliation order by timepoint_months") \
            .fetchall() == [("partially_paid", Decimal("360250.00")), ("unmatched", Decimal("500.00"))]
    finally:
        con.close()
