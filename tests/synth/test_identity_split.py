"""`oba synth` splits a re-issued child's rows across its member ids (issue 19, spec identity.md): rows
dated on or after a re-issue are filed under the new id, so only the crosswalk pools the evidence,
and the pooled evidence decides the milestones exactly as if every row had been filed under the
child's current id.

The last test runs the night's dbt models in process (tests/sqlmodels.py: the SQL the nightly dbt build
runs, in the same order) over landing zones loaded by the real loaders: a Dagster run per zone would
take about a minute each, and the test needs three."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines import schema
from pipelines.defs.ingest.contracts import load_contracts
from pipelines.defs.ingest.feeds import TABULAR_FEEDS
from pipelines.defs.ingest.loader import load_feed
from pipelines.synth import FIRST_DAY, add_day, synthesize
from tests.identity.support import run_night
from tests.sqlmodels import set_as_of

EPISODES = 400
SEED = 21  # a seed whose first two days hold an id cycle and a chain of two re-issues
# each person feed's own date: the date that decides which id a row is filed under
ROW_DATE = {"claims": "service_date", "authorizations": "decision_date", "assessments": "assessment_date",
            "respiratory_support": "support_date", "clinical_events": "event_date", "remittances": "remitted_date",
            "payments": "paid_date", "refund_claims": "submitted_date"}
AS_OF = FIRST_DAY + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """The backfill (day 0) and, written by add_day, the next night's files (day 1)."""
    out = tmp_path_factory.mktemp("split") / "landing"
    synthesize(EPISODES, seed=SEED, out=out, days=1)
    add_day(out)
    return out


def person_rows(landing: Path) -> duckdb.DuckDBPyConnection:
    """The generated files read back as written: crosswalk(payer_id, previous_member_id, member_id,
    effective_date) and person_rows(feed, payer_id, member_id, row_date)."""
    con = duckdb.connect()
    con.execute(f"""create view crosswalk as
        select payer_id, previous_member_id, member_id, effective_date::date as effective_date
        from read_csv('{landing}/member_crosswalk/*.csv', all_varchar = true)""")
    con.execute("create view person_rows as " + "\nunion all\n".join(
        f"select '{feed}' as feed, payer_id, member_id, try_cast({col} as date) as row_date "
        f"from read_csv('{landing}/{feed}/*.csv', all_varchar = true)"
        for feed, col in ROW_DATE.items() if any((landing / feed).glob("*.csv"))))
    # a crosswalk row whose new id leads back to its previous id (the pipeline does not merge a cycle)
    con.execute("""create view cycle_rows as
        with recursive walk(payer_id, previous_member_id, member_id, reached, steps) as (
            select payer_id, previous_member_id, member_id, member_id, 1 from crosswalk
            union all
            select w.payer_id, w.previous_member_id, w.member_id, x.member_id, w.steps + 1
            from walk w join crosswalk x on x.payer_id = w.payer_id and x.previous_member_id = w.reached
            where w.reached <> w.previous_member_id and w.steps < 20)
        select distinct payer_id, previous_member_id, member_id from walk where reached = previous_member_id""")
    con.execute("""create view reissues as
        select * from crosswalk anti join cycle_rows using (payer_id, previous_member_id, member_id)""")
    return con


def test_a_reissued_childs_later_rows_are_under_the_new_id_earlier_ones_under_the_old(landing):
    con = person_rows(landing)
    later_under_old = con.execute("""
        select r.feed, count(*) from person_rows r join reissues x
          on r.payer_id = x.payer_id and r.member_id = x.previous_member_id and r.row_date >= x.effective_date
        group by all""").fetchall()
    assert later_under_old == []
    earlier_under_new = con.execute("""
        select r.feed, count(*) from person_rows r join reissues x
          on r.payer_id = x.payer_id and r.member_id = x.member_id and r.row_date < x.effective_date
        group by all""").fetchall()
    assert earlier_under_new == []
    # payer ids never change: a new id's rows are the crosswalk payer's
    other_payer = con.execute("""
        select count(*) from person_rows r join reissues x on r.member_id = x.member_id
        where r.payer_id <> x.payer_id""").fetchone()[0]
    assert other_payer == 0
    # the evidence really is split: the new ids hold claims, assessments, support days and events,
    # and a chain of two re-issues moved rows twice (rows under an id that was itself re-issued to)
    feeds_under_new = {f for f, in con.execute("""
        select distinct r.feed from person_rows r join reissues x
          on r.payer_id = x.payer_id and r.member_id = x.member_id""").fetchall()}
    assert {"claims", "assessments", "respiratory_support", "clinical_events"} <= feeds_under_new
    under_third_id = con.execute("""
        select count(*) from person_rows r
        join reissues second on r.payer_id = second.payer_id and r.member_id = second.member_id
        join reissues first on first.payer_id = second.payer_id and first.member_id = second.previous_member_id
        """).fetchone()[0]
    assert under_third_id > 0
    # the day add_day wrote follows the same rule (checked above) and has rows under a new id
    assert con.execute(f"""
        select count(*) from read_csv('{landing}/*/{AS_OF.isoformat()}.csv', all_varchar = true,
                                      union_by_name = true, filename = true) r
        join reissues x on r.payer_id = x.payer_id and r.member_id = x.member_id
        where r.filename not like '%member_crosswalk%'""").fetchone()[0] > 0


def test_a_cycles_rows_stay_under_one_id(landing):
    con = person_rows(landing)
    cycles = con.execute("select count(*) from cycle_rows").fetchone()[0]
    assert cycles > 0
    split_cycles = con.execute("""
        select count(*) from cycle_rows c
        where (select count(distinct r.member_id) from person_rows r
               where r.payer_id = c.payer_id and r.member_id in (c.previous_member_id, c.member_id)) > 1""").fetchone()[0]
    assert split_cycles == 0


def current_ids(landing: Path) -> dict[tuple[str, str], str]:
    """(payer_id, member_id) -> the id at the end of its crosswalk chain; an id whose chain runs into
    a cycle keeps its own id (identity.md)."""
    renamed = {}
    for path in sorted((landing / "member_crosswalk").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                renamed[(row["payer_id"], row["previous_member_id"])] = row["member_id"]
    current = {}
    for payer, start in renamed:
        seen, at = {start}, start
        while (payer, at) in renamed and renamed[(payer, at)] not in seen:
            at = renamed[(payer, at)]
            seen.add(at)
        current[(payer, start)] = start if (payer, at) in renamed else at
    return current


def rewritten_to_current_ids(landing: Path, out: Path) -> Path:
    """A copy of the landing zone with every person row under the person's current member id."""
    shutil.copytree(landing, out)
    current = current_ids(landing)
    for feed in TABULAR_FEEDS:
        if feed == "member_crosswalk":
            continue
        for path in sorted((out / feed).glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as fh:
                rows = list(csv.reader(fh))
            payer, member = rows[0].index("payer_id"), rows[0].index("member_id")
            for row in rows[1:]:
                row[member] = current.get((row[payer], row[member]), row[member])
            with path.open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh, lineterminator="\n").writerows(rows)
    return out


def night(landing: Path, *, without_crosswalk: bool = False) -> duckdb.DuckDBPyConnection:
    """Load the landing zone with the real loaders and run the night's dbt models on it."""
    con = duckdb.connect()
    schema.create_all(con)
    for feed in TABULAR_FEEDS:
        load_feed(con, feed, landing, "run-1")
    load_contracts(con, landing, "run-1")
    if without_crosswalk:
        con.execute("delete from staging.member_crosswalk")
    set_as_of(con, AS_OF)
    run_night(con)
    return con


def test_the_pooled_evidence_decides_as_if_every_row_were_under_the_current_id(landing, tmp_path):
    statuses = "select * from marts.milestone_status order by all"
    split = night(landing)
    rewritten = night(rewritten_to_current_ids(landing, tmp_path / "rewritten"))
    split_rows = split.execute(statuses).fetchall()
    assert split_rows and split_rows == rewritten.execute(statuses).fetchall()
    # and the split matters: without the crosswalk some re-issued children's milestones are decided
    # on part of their evidence (the milestones keyed by the infusion claim, whose id never changes)
    by_claim = """select e.claim_id, s.contract_id, s.timepoint_months, s.status, s.refund_due_amount
                  from marts.milestone_status s join marts.treatment_episodes e using (episode_id)"""
    unpooled = set(night(landing, without_crosswalk=True).execute(by_claim).fetchall())
    decided_otherwise = set(split.execute(by_claim).fetchall()) - unpooled
    assert decided_otherwise, "no milestone depends on evidence filed under a re-issued id"
