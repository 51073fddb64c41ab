"""A night over a hostile landing zone (issue 20): bad files and contracts are rejected with a
reason, never fatal to the night and never echoed in any log; the wrong folder fails the run."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.cli import execute_nightly, explain_failure, summarize
from tests.landing import CONTRACT_YAML, row, write_csv, write_text
from tests.pipeline.test_nightly import small_landing

SECRET = "M7777SECRET"


def test_a_night_over_hostile_files_publishes_and_no_log_holds_their_text(tmp_path, capfd):
    landing = small_landing(tmp_path)
    write_text(landing, "claims", "2025-07-01_claims.csv",
               "claim_id,line_number,frequency_code,payer_id,member_id,patient_birth_date,service_date,"
               f'procedure_code,units\nC9,1,1,ACME,"M1,2025-01-10,2025-06-02,J3399,1\nC9,2,1,ACME,{SECRET},'
               "2025-01-10,2025-06-02,J3399,1\n")
    write_text(landing, "contracts", "bomb.yaml", CONTRACT_YAML.replace("OBA-ACME", "OBA-B") +
               "x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n")
    write_text(landing, "contracts", "twice.yaml", CONTRACT_YAML.replace("OBA-ACME", "OBA-T").replace(
        "payer_id: ACME\n", f"payer_id: ACME\npayer_id: {SECRET}\n"))
    write_text(landing, "contracts", "huge.yaml", CONTRACT_YAML.replace("OBA-ACME", "OBA-H").replace(
        "timepoint_months: 6", "timepoint_months: 3000000000"))
    write_csv(landing, "claimz", "typo.csv", [row("claims", member_id=SECRET)])
    write_csv(landing, "", "stray.csv", [row("claims", member_id=SECRET)])
    warehouse = tmp_path / "wh" / "oba.duckdb"
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.DagsterInstance.local_temp(str(home)) as instance:
        result = execute_nightly(str(landing), str(warehouse), "2026-11-21", instance=instance)
    assert result.success, explain_failure(result)

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        log = dict(con.execute("select file_path, status from audit.load_log").fetchall())
        assert con.execute("select contract_id from staging.contracts").fetchall() == [("OBA-ACME",)]
        assert con.execute("select count(*) from staging.claims where member_id = ?", [SECRET]).fetchone()[0] == 0
        messages = " ".join(m for (m,) in con.execute("select message from audit.load_log where message is not null").fetchall())
    finally:
        con.close()
    for path in ["claims/2025-07-01_claims.csv", "contracts/bomb.yaml", "contracts/twice.yaml",
                 "contracts/huge.yaml", "claimz/typo.csv", "stray.csv"]:
        assert log[path] == "rejected", path
    assert log["claims/2025-06-10_claims.csv"] == "loaded"
    summary = summarize(warehouse, result.run_id)
    assert "claimz/typo.csv: claimz/ is no feed's folder (did you mean claims/?)" in summary

    assert SECRET not in messages and SECRET not in summary
    events = " ".join(str(e.message) for e in result.all_events)
    assert SECRET not in events
    out, err = capfd.readouterr()
    assert SECRET not in out + err
    for f in home.rglob("*"):  # the run's event log and compute logs
        if f.is_file():
            assert SECRET.encode() not in f.read_bytes(), f


def test_a_landing_zone_without_feed_folders_fails_the_run_and_keeps_the_published_file(tmp_path):
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "wh" / "oba.duckdb"
    assert execute_nightly(str(landing), str(warehouse), "2026-11-21").success
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    wrong = tmp_path / "downloads"
    write_csv(wrong, "CLAIMS", "c.csv", [row("claims")])
    result = execute_nightly(str(wrong), str(warehouse), "2026-11-21")
    assert not result.success
    why = explain_failure(result)
    assert str(wrong) in why and "claims/" in why and "remittances/" in why
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before


def test_an_empty_feed_folder_is_a_landing_zone_with_no_data(tmp_path):
    landing = tmp_path / "landing"
    (landing / "claims").mkdir(parents=True)
    result = execute_nightly(str(landing), str(tmp_path / "oba.duckdb"), "2026-11-21")
    assert result.success, explain_failure(result)
    assert Path(tmp_path / "oba.duckdb").exists()
