"""The command line beyond `oba run`'s own flags (spec outputs.md "The command"):
the environment variables, `oba report`, the landing-zone sensor, what a run prints and logs,
and the error paths (issues 16 and 20)."""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines import PROJECT_ROOT
from pipelines.cli import build_parser, main, output_to_log
from pipelines.warehouse import lock_path_for
from pipelines.defs.schedules import landing_zone_sensor
from tests.landing import row, write_csv
from tests.pipeline.test_nightly import small_landing


def as_of_of(warehouse) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select as_of_date from audit.runs order by started_at").fetchall()
    finally:
        con.close()


def test_environment_variables_set_landing_warehouse_and_as_of_and_flags_override_them(
        tmp_path, monkeypatch, capsys):
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "env" / "oba.duckdb"
    monkeypatch.setenv("OBA_LANDING_DIR", str(landing))
    monkeypatch.setenv("OBA_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("OBA_AS_OF", "2026-03-01")
    monkeypatch.chdir(tmp_path)  # the relative defaults would find nothing here
    assert main(["run"]) == 0
    assert as_of_of(warehouse) == [(dt.date(2026, 3, 1),)]
    assert main(["run", "--as-of", "2026-04-01"]) == 0
    assert as_of_of(warehouse)[-1] == (dt.date(2026, 4, 1),)
    monkeypatch.setenv("OBA_AS_OF", "2026-W47-6")
    capsys.readouterr()
    assert main(["run"]) == 2
    assert "is not a date YYYY-MM-DD" in capsys.readouterr().err


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("report_cmd")
    warehouse = root / "oba.duckdb"
    assert main(["run", "--landing", str(small_landing(root)), "--warehouse", str(warehouse),
                 "--as-of", "2026-11-21"]) == 0
    return warehouse


def test_oba_report_writes_the_payers_report_and_says_where(published, tmp_path, capsys):
    capsys.readouterr()
    assert main(["report", "--payer", "ACME", "--format", "csv", "--out", str(tmp_path),
                 "--warehouse", str(published)]) == 0
    path = tmp_path / "oba_report_ACME.csv"
    assert capsys.readouterr().out.strip() == f"Wrote {path}"
    assert path.read_text(encoding="utf-8").startswith("contract_id,payer_id,member_id")


def test_oba_report_for_an_unknown_payer_or_a_missing_warehouse_exits_2_saying_what_to_do(
        published, tmp_path, capsys):
    capsys.readouterr()
    assert main(["report", "--payer", "NOPE", "--warehouse", str(published), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "NOPE" in err and "ACME" in err  # names the payers it has
    assert "M000001" not in err  # and no member id
    assert list(tmp_path.iterdir()) == []
    assert main(["report", "--payer", "ACME", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "run `oba run` first" in capsys.readouterr().err


def test_the_landing_zone_sensor_requests_a_run_only_when_the_files_change(tmp_path, monkeypatch):
    landing = small_landing(tmp_path)
    monkeypatch.setenv("OBA_LANDING_DIR", str(landing))
    first = landing_zone_sensor(dg.build_sensor_context(cursor=None))
    assert isinstance(first, dg.RunRequest)
    cursor = first.run_key
    assert isinstance(landing_zone_sensor(dg.build_sensor_context(cursor=cursor)), dg.SkipReason)
    write_csv(landing, "clinical_events", "2026-11-22_events.csv", [row("clinical_events", event_id="E9")])
    again = landing_zone_sensor(dg.build_sensor_context(cursor=cursor))
    assert isinstance(again, dg.RunRequest) and again.run_key != cursor


# --- what a run says: one message on the console, Dagster's log in a file (issue 16 part 4) ---------

def _log_named_in(text: str) -> Path:
    (line,) = [line for line in text.splitlines() if ".log" in line]
    return Path(re.search(r"(/\S+\.log)", line).group(1))


def test_a_failed_run_ends_with_one_message_naming_the_log_that_holds_dagsters_lines_and_traces(tmp_path, capfd):
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "oba.duckdb"
    with open(lock_path_for(warehouse), "w") as other_run:  # another run holds the warehouse
        fcntl.flock(other_run, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", "2026-11-21"]) == 1
    out, err = capfd.readouterr()
    assert out == ""
    assert err.startswith("Run FAILED; the published warehouse was left as it was.\nstep warehouse_build failed:")
    assert " - dagster - " not in err and "Traceback" not in err and "Stack Trace" not in err
    log = _log_named_in(err)
    assert log.parent == tmp_path / "logs"
    text = log.read_text()
    assert "STEP_FAILURE" in text and "Stack Trace:" in text and "warehouse_build" in text


def test_a_process_that_outlives_the_run_and_holds_its_output_does_not_keep_the_command_waiting(tmp_path):
    # dbt's adapter starts multiprocessing's resource tracker, which inherits stdout and stderr and
    # lives until `oba run` exits: the run's log must be complete without waiting for it
    log = tmp_path / "run.log"
    started = time.monotonic()
    with output_to_log(log):
        print("written by the run")
        lingering = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert time.monotonic() - started < 30
        assert log.read_text() == "written by the run\n"
    finally:
        lingering.kill()
        lingering.wait()


def test_verbose_also_shows_dagsters_log_lines_on_the_console(tmp_path, capfd):
    landing = small_landing(tmp_path)
    assert main(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "oba.duckdb"),
                 "--as-of", "2026-11-21", "--verbose"]) == 0
    out, err = capfd.readouterr()
    assert "STEP_SUCCESS" in err and "STEP_SUCCESS" not in out
    log = _log_named_in(out)
    assert "STEP_SUCCESS" in log.read_text()


def test_with_dagster_home_set_the_run_is_recorded_in_that_instance(tmp_path, monkeypatch, capsys):
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    landing = small_landing(tmp_path)
    assert main(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "oba.duckdb"),
                 "--as-of", "2026-11-21"]) == 0
    out = capsys.readouterr().out
    with dg.DagsterInstance.get() as instance:
        (record,) = instance.get_runs()
        assert record.job_name == "nightly" and record.status == dg.DagsterRunStatus.SUCCESS
        assert record.run_id in out
        assert instance.get_records_for_run(record.run_id).records  # its event log, as the UI shows it

    monkeypatch.setenv("DAGSTER_HOME", "relative/home")
    assert main(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "oba.duckdb")]) == 2
    assert "DAGSTER_HOME=relative/home is not an absolute path" in capsys.readouterr().err


def test_the_console_and_the_log_file_of_a_run_never_show_a_member_id(tmp_path, capfd):
    landing = tmp_path / "landing"
    shutil.copytree(PROJECT_ROOT / "data_samples" / "landing", landing)
    member_ids = set()
    for path in landing.rglob("*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            member_ids |= {r["member_id"] for r in csv.DictReader(fh) if r.get("member_id")}
    assert len(member_ids) > 50
    # the sample landing zone has rejected files and quarantined rows: their messages are printed
    assert main(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "oba.duckdb"),
                 "--as-of", "2026-11-21", "--verbose"]) == 0
    out, err = capfd.readouterr()
    assert "rejected" in out and "quarantined" in out
    printed = out + err + _log_named_in(out).read_text()
    assert not {m for m in member_ids if re.search(rf"\b{re.escape(m)}\b", printed)}


def test_a_file_name_with_a_newline_cannot_forge_a_line_of_the_summary(tmp_path, capsys):
    landing = small_landing(tmp_path)
    forged = "Refunds: due $1.00, remitted $1.00, outstanding $0.00, overdue $0.00"
    (landing / "claims" / f"x\n{forged}\x1b[2K.csv").write_text("not,a,claims,header\n1,2,3,4\n")
    assert main(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "oba.duckdb"),
                 "--as-of", "2026-11-21"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert not any(line.startswith(forged) for line in out.splitlines())
    (rejected,) = [line for line in out.splitlines() if "rejected claims/x" in line]
    assert f"x\\n{forged}\\x1b[2K.csv" in rejected


# --- every error path: one clear message, a non-zero exit, never a traceback (issue 20) -------------

def test_oba_report_into_an_existing_file_says_to_pass_a_folder_and_leaves_the_file(published, tmp_path, capfd):
    target = tmp_path / "a_file"
    target.write_text("keep me")
    assert main(["report", "--payer", "ACME", "--out", str(target), "--warehouse", str(published)]) == 2
    out, err = capfd.readouterr()
    assert err == f"error: --out {target} is a file: pass the folder to write the report into (it is created if missing)\n"
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("content", [b"id,amount\n1,2\n", b""], ids=["a csv", "an empty file"])
def test_a_warehouse_that_is_not_a_duckdb_file_is_named_not_traced(tmp_path, capfd, content):
    fake = tmp_path / "fake.duckdb"
    fake.write_bytes(content)
    assert main(["report", "--payer", "ACME", "--warehouse", str(fake), "--out", str(tmp_path / "r")]) == 2
    assert main(["run", "--landing", str(small_landing(tmp_path)), "--warehouse", str(fake)]) == 2
    out, err = capfd.readouterr()
    assert out == ""
    assert err == f"error: {fake} is not a DuckDB database file that this DuckDB can open (IOException): " \
                  "pass the warehouse `oba run` published\n" * 2
    assert fake.read_bytes() == content and not (tmp_path / "r").exists()


def test_a_duckdb_file_that_is_not_a_warehouse_is_named_not_traced(tmp_path, capfd):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    assert main(["report", "--payer", "ACME", "--warehouse", str(other)]) == 2
    assert capfd.readouterr().err == (f"error: {other} is a DuckDB database but not a warehouse (it has no "
                                      "audit.runs): pass the warehouse `oba run` published\n")


def test_user_text_in_an_error_message_is_escaped(tmp_path, capfd):
    missing = tmp_path / "no\nerror: forged\x1b[31m"
    assert main(["run", "--landing", str(missing)]) == 2
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err and "no\\nerror: forged\\x1b[31m" in err


# --- --help and defaults ------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["run", "report", "packet", "synth"])
def test_help_describes_every_option_with_its_default(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    (sub,) = [a for a in build_parser()._subparsers._group_actions if command in a.choices]
    options = [a for a in sub.choices[command]._actions if a.option_strings and a.dest != "help"]
    assert options
    for option in options:
        described = " ".join(option.help.split()).replace("%(default)s", str(option.default))
        assert described in text, option.option_strings
        assert "(required)" in described if option.required else "(default: " in described


def test_oba_report_without_out_writes_into_reports_in_the_current_directory(published, tmp_path, monkeypatch,
                                                                           capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--payer", "ACME", "--format", "csv", "--warehouse", str(published)]) == 0
    assert (tmp_path / "reports" / "oba_report_ACME.csv").is_file()


def test_the_command_and_the_report_workers_start_without_loading_dagster():
    """`oba report` and `oba packet` only open a file, and each report worker of a night imports
    the command's module again (spawn): loading Dagster there cost ~0.8 s a night at 10,000
    episodes. `oba run` loads it when it runs the job."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, pipelines.cli, pipelines.defs.reports.writer; "
                               "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'dbt')))"],
        capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    ).stdout.strip()
    assert loaded == "[]"
