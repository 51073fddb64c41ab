"""`oba synth` generates id changes and coverage ends at realistic rates (spec identity.md), and they
load clean with the real loader."""

from __future__ import annotations

import duckdb

from pipelines import schema
from pipelines.defs.ingest.loader import load_feed
from pipelines.synth import synthesize

EPISODES = 1000


def test_id_changes_and_coverage_ends_at_realistic_rates_load_clean(tmp_path):
    summary = synthesize(EPISODES, seed=11, out=tmp_path, days=1)
    con = duckdb.connect()
    schema.create_all(con)
    for feed in ("member_crosswalk", "enrollment"):
        load_feed(con, feed, tmp_path, "run-1")
        loaded = con.execute(f"select count(*) from staging.{feed}").fetchone()[0]
        assert loaded == summary["rows"][feed] > 0, feed
    assert con.execute("select count(*) from audit.quarantine").fetchone()[0] == 0
    reissued = con.execute("select count(*) from staging.member_crosswalk "
                           "where previous_member_id like 'M%' and member_id like 'N%'").fetchone()[0]
    chained = con.execute("select count(*) from staging.member_crosswalk where member_id like 'P%'").fetchone()[0]
    assert 0.01 * EPISODES <= reissued <= 0.05 * EPISODES   # a few % of children (those effective by day 0)
    assert 0 < chained < reissued                           # some of them twice: chains of three ids
    sent, ended = con.execute("select count(*), count(coverage_end) from staging.enrollment").fetchone()
    assert 0.35 * EPISODES <= sent <= 0.65 * EPISODES
    assert 0.03 * sent <= ended <= 0.15 * sent
