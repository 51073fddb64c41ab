"""The command line beyond `oba run`'s own flags (spec outputs.md "The command"):
the environment variables, `oba report`, and the landing-zone sensor."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb
import pytest

from pipelines.cli import main
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
