"""claims.md: version chains give the same result whether their files arrive in one run or several."""

from __future__ import annotations

import duckdb

from pipelines import schema
from pipelines.defs.ingest.loader import load_feed
from tests.conftest import DEFAULT_AS_OF
from tests.landing import row, write_csv
from tests.sqlmodels import run_models, set_as_of

ORIGINAL = [row("claims", claim_id="C1", ndc="71894-0120-02"), row("claims", claim_id="C1", line_number="2",
                                                                   procedure_code="96365")]
VOID = [row("claims", claim_id="C1V", frequency_code="8", original_claim_id="C1R")]
REPLACEMENT = [row("claims", claim_id="C1R", frequency_code="7", original_claim_id="C1", units="1")]
OTHER = [row("claims", claim_id="C2", member_id="M000002", ndc="71894-0120-02")]
ORPHAN = [row("claims", claim_id="C3R", member_id="M000003", frequency_code="7", original_claim_id="C3",
              ndc="71894-0120-02", units="2")]
ORPHANS_ORIGINAL = [row("claims", claim_id="C3", member_id="M000003", ndc="71894-0120-02")]

MARTS = ["marts.treatment_episodes", "marts.claim_findings", "marts.claims_missing_oba"]


def outcome(tmp_path, runs: list[list[tuple[str, list[dict]]]]) -> dict:
    con = duckdb.connect()
    schema.create_all(con)
    set_as_of(con, DEFAULT_AS_OF)
    landing = tmp_path / "landing"
    for i, files in enumerate(runs):
        for name, rows in files:
            write_csv(landing, "claims", name, rows)
        load_feed(con, "claims", landing, f"run-{i}")
        run_models(con, ["claims"])  # every run rebuilds the marts, as the nightly job does
    result = {t: con.execute(f"select * exclude (episode_id) from {t} order by all").fetchall()
              if t == "marts.treatment_episodes" else con.execute(f"select * from {t} order by all").fetchall()
              for t in MARTS}
    con.close()
    return result


def test_void_replacement_and_orphan_across_runs_equal_one_run(tmp_path):
    files = [("1_orig.csv", ORIGINAL), ("2_repl.csv", REPLACEMENT), ("3_other.csv", OTHER),
             ("4_orphan.csv", ORPHAN), ("5_void.csv", VOID), ("6_orig3.csv", ORPHANS_ORIGINAL)]
    one_run = outcome(tmp_path / "a", [files])
    # the void of the replacement arrives in a later run than the chain; the orphan's original later still
    several = outcome(tmp_path / "b", [files[:2], files[2:4], files[4:5], files[5:]])
    # void and orphan replacement delivered before the claims they name
    reversed_ = outcome(tmp_path / "c", [[files[4], files[3]], [files[1]], [files[0], files[2], files[5]]])
    assert one_run == several == reversed_
    members = {r[1] for r in one_run["marts.treatment_episodes"]}
    assert members == {"M000002", "M000003"}  # C1's chain is voided; C3's orphan replacement is current
    assert any(r[0] == "C3R" and r[5] == "UNITS_NOT_ONE" for r in one_run["marts.claim_findings"])
