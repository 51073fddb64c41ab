"""`oba synth` writes the feeds of spec/payments.md at every scale: installment payments under the
installment contract and refund claims with the manufacturer's answers, all loading cleanly."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import schema
from pipelines.defs.ingest.contracts import load_contracts
from pipelines.defs.ingest.loader import load_feed
from pipelines.synth import synthesize


@pytest.mark.parametrize("episodes", [60, 240])
def test_payments_and_refund_claims_are_written_and_load_without_quarantine(tmp_path, episodes):
    summary = synthesize(episodes, seed=5, out=tmp_path, days=4)
    assert summary["rows"]["payments"] > 0 and summary["rows"]["refund_claims"] > 0
    con = duckdb.connect()
    schema.create_all(con)
    load_contracts(con, tmp_path, "run-1")
    for feed in ("payments", "refund_claims"):
        results = load_feed(con, feed, tmp_path, "run-1")
        assert results and all(r.status == "loaded" and r.rows_quarantined == 0 for r in results), results
        assert sum(r.rows_loaded for r in results) == summary["rows"][feed]
    assert con.execute("select count(*) from staging.contract_installments").fetchone() == (5,)
    # payments are for the installment contract; reversals included
    assert con.execute("select distinct contract_id from staging.payments").fetchall() == [("OBA-FJORDCARE-2023",)]
    # the answers arrive: accepted, and disputed or rejected with a reason
    answers = dict(con.execute("select response, count(*) from staging.refund_claims group by all").fetchall())
    assert answers.get("accepted", 0) > 0
    assert con.execute("select count(*) from staging.refund_claims where response in ('disputed', 'rejected') "
                       "and dispute_reason is null").fetchone() == (0,)
