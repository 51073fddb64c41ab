"""pipelines/synth: determinism, linear scaling, loadability with the real loader, incremental days."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from pipelines import schema
from pipelines.defs.ingest.contracts import load_contracts
from pipelines.defs.ingest.feeds import TABULAR_FEEDS
from pipelines.defs.ingest.loader import load_feed
from pipelines.synth import add_day, synthesize

FEEDS_ALL = [*TABULAR_FEEDS, "contracts"]


def digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def zone20(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synth20")
    return out, synthesize(20, seed=7, out=out, days=3)


def load_all(con: duckdb.DuckDBPyConnection, landing: Path, run_id: str) -> None:
    for feed in TABULAR_FEEDS:
        load_feed(con, feed, landing, run_id)
    load_contracts(con, landing, run_id)


def test_same_parameters_same_bytes(zone20, tmp_path):
    out, summary = zone20
    again = synthesize(20, seed=7, out=tmp_path / "again", days=3)
    assert digest(out) == digest(tmp_path / "again")
    assert again["rows"] == summary["rows"]
    other = synthesize(20, seed=8, out=tmp_path / "other", days=3)
    assert other["rows"] != summary["rows"]


def test_layout_daily_files_in_delivery_order(zone20):
    out, summary = zone20
    assert summary["rows"]["claims"] > 0 and summary["rows"]["respiratory_support"] > 0
    for feed in TABULAR_FEEDS:
        names = sorted(p.name for p in (out / feed).glob("*.csv"))
        assert len(names) == summary["files"][feed]
        assert set(names) <= {"2026-10-23.csv", "2026-10-24.csv", "2026-10-25.csv"}
    assert sorted(p.name for p in (out / "claims").iterdir()) == ["2026-10-23.csv", "2026-10-24.csv", "2026-10-25.csv"]
    assert len(list((out / "contracts").glob("*.yaml"))) == summary["files"]["contracts"] >= 6
    header = (out / "claims" / "2026-10-23.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("claim_id,line_number,frequency_code,original_claim_id,payer_id")


def test_rows_scale_linearly(tmp_path):
    small = synthesize(20, seed=3, out=tmp_path / "s", days=2)["rows"]
    big = synthesize(60, seed=3, out=tmp_path / "b", days=2)["rows"]
    for feed in ("claims", "assessments", "respiratory_support", "clinical_events", "authorizations"):
        ratio = big[feed] / small[feed]
        assert 2.0 < ratio < 4.5, (feed, small[feed], big[feed])


def test_loads_with_the_real_loader(zone20):
    out, summary = zone20
    con = duckdb.connect()
    schema.create_all(con)
    load_all(con, out, "run-1")
    statuses = con.execute("select feed, status, count(*) from audit.load_log group by all").fetchall()
    assert all(s == "loaded" for _, s, _ in statuses), statuses
    q = dict(con.execute("select feed, count(*) from audit.quarantine group by feed").fetchall())
    assert q == summary["planted_bad_rows"]
    for feed in TABULAR_FEEDS:
        loaded = con.execute("select coalesce(sum(rows_loaded), 0) from audit.load_log where feed = ?", [feed]).fetchone()[0]
        assert loaded == summary["rows"][feed] - summary["planted_bad_rows"].get(feed, 0), feed
    contracts = {r[0] for r in con.execute("select contract_id from staging.contracts").fetchall()}
    payers = {r[0] for r in con.execute("select distinct payer_id from staging.contracts").fetchall()}
    assert len(contracts) == 7 and len(payers) == 5
    kinds = {r[0] for r in con.execute("select distinct kind from staging.contract_criteria").fetchall()}
    assert kinds == {"all", "any", "alive", "ventilator_free_survival", "score_min", "score_gain", "motor_milestone"}
    # the infusion claims are there: one J3399 line per treated child at least
    j = con.execute("select count(distinct member_id) from staging.claims where procedure_code = 'J3399'").fetchone()[0]
    assert j >= 18
    freqs = {r[0] for r in con.execute("select distinct frequency_code from staging.claims").fetchall()}
    assert freqs == {"1", "7", "8"}


def test_add_day_is_the_next_delivery(zone20, tmp_path):
    out, _ = zone20
    con = duckdb.connect()
    schema.create_all(con)
    load_all(con, out, "run-1")
    seq_before = con.execute("select max(delivery_seq) from audit.load_log").fetchone()[0]
    inc = tmp_path / "inc"
    synthesize(20, seed=7, out=inc, days=3)
    day = add_day(inc, seed=7, day_index=3)
    assert day["last_day"] == "2026-10-26" and day["rows"]["claims"] > 0
    # exactly what a 4-day series would hold
    four = tmp_path / "four"
    synthesize(20, seed=7, out=four, days=4)
    assert {k: v for k, v in digest(inc).items() if not k.startswith(".")} == \
        {k: v for k, v in digest(four).items() if not k.startswith(".")}
    # the new files load as later deliveries; the old ones are skipped (same content)
    results = []
    for feed in TABULAR_FEEDS:
        results += load_feed(con, feed, inc, "run-2")
    results += load_contracts(con, inc, "run-2")
    new = [r for r in results if r.status == "loaded"]
    assert new and all("2026-10-26" in r.file_path for r in new)
    assert all(r.status in ("loaded", "skipped_duplicate") for r in results)
    assert sum(r.rows_quarantined for r in new) == sum(day["planted_bad_rows"].values())
    seq_new = con.execute("select min(delivery_seq) from audit.load_log where run_id = 'run-2' and status = 'loaded'").fetchone()[0]
    assert seq_new > seq_before
    # and the default add_day continues the series
    nxt = add_day(inc)
    assert nxt["last_day"] == "2026-10-27"
