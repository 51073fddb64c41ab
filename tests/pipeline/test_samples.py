"""The demo landing zone end to end, cross-checked against the generator's own computation.

data_samples/build_samples.py designs every scenario and writes, beside the
landing zone, what it meant to happen (expected.json), computed by its own
simplified re-implementation of the spec. The pipeline must agree with it row
by row: two independent implementations of the same rules.
"""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest

from pipelines import PROJECT_ROOT
from pipelines.cli import execute_nightly

SAMPLES = PROJECT_ROOT / "data_samples"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text())

CLAIM_RULES = """OBA_ID_MISSING OBA_ID_UNKNOWN OBA_PAYER_MISMATCH OBA_NOT_EFFECTIVE HCPCS_NOT_J3399 UNITS_NOT_ONE
ADMIN_CPT_INVALID ADMIN_CPT_MISSING NDC_MISSING NDC_NOT_A_KIT NDC_KIT_WEIGHT_MISMATCH WEIGHT_OVER_CEILING
WEIGHT_BELOW_KIT_RANGE AGE_AT_INFUSION DIAGNOSIS_NOT_SMA PLACE_OF_SERVICE_INELIGIBLE REVENUE_CODE_UNEXPECTED
PA_MISSING PA_NOT_FOUND PA_NOT_APPROVED PA_MEMBER_MISMATCH AAV9_TITER_MISSING AAV9_TITER_UNREADABLE AAV9_TITER_HIGH
AAV9_TITER_STALE SMN1_NOT_CONFIRMED DUPLICATE_LIFETIME_DOSE""".split()


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("samples") / "oba.duckdb"
    result = execute_nightly(str(SAMPLES / "landing"), str(warehouse), EXPECTED["as_of"])
    assert result.success
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def q(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def test_every_claim_rule_fires_on_the_sample(wh):
    fired = {r[0] for r in q(wh, "select distinct rule_code from marts.claim_findings")}
    assert sorted(set(CLAIM_RULES) - fired) == []
    got = dict(q(wh, "select rule_code, count(*) from marts.claim_findings group by all"))
    assert got == EXPECTED["findings_by_rule"]


def test_findings_per_claim_match_the_generator(wh):
    got = {}
    for claim_id, rule in q(wh, "select claim_id, rule_code from marts.claim_findings"):
        got.setdefault(claim_id, set()).add(rule)
    expected = {c["claim_id"]: set(c["findings"]) for c in EXPECTED["infusion_claims"] if c["findings"]}
    assert got == expected


def test_episodes_and_links_match_the_generator(wh):
    got = {(r[0], r[1]): r[2:] for r in q(wh, """select payer_id, member_id, claim_id, link_status, contract_id
                                               from marts.treatment_episodes""")}
    expected = {}
    for c in EXPECTED["infusion_claims"]:
        if "DUPLICATE_LIFETIME_DOSE" in c["findings"]:
            continue
        expected[(c["payer_id"], c["member_id"])] = (c["claim_id"], c["link_status"], c["contract_id"])
    assert got == expected


def test_every_quarantine_reason_and_the_rejected_file(wh):
    got = sorted(q(wh, "select file_path, row_number, reason from audit.quarantine"))
    assert got == sorted((b["file"], b["row_number"], b["reason"]) for b in EXPECTED["bad_rows"])
    kinds = {r[2].split(":")[0] for r in got}
    assert kinds == {"MISSING_REQUIRED", "BAD_DATE", "BAD_NUMBER", "BAD_BOOLEAN", "BAD_CODE", "OUT_OF_RANGE",
                     "DUPLICATE_KEY"}
    rejected = q(wh, "select file_path from audit.load_log where status = 'rejected'")
    assert rejected == [(f["file"],) for f in EXPECTED["rejected_files"]]
    bad = q(wh, "select count(*) from audit.load_log where status = 'loaded' "
                "and rows_read <> rows_loaded + rows_quarantined")
    assert bad == [(0,)]


def test_milestone_counts_by_status_and_timepoint(wh):
    got = {}
    for tp, status, n in q(wh, "select timepoint_months, status, count(*) from marts.milestone_status group by all"):
        got.setdefault(str(tp), {})[status] = n
    assert got == EXPECTED["milestone_status_by_timepoint"]
    statuses = {s for by in got.values() for s in by}
    assert statuses == {"met", "not_met", "pending", "missing_evidence", "disenrolled"}


def test_each_milestone_matches_the_generator(wh):
    rows = q(wh, """select payer_id, member_id, timepoint_months, due_date::varchar, window_start::varchar,
                           window_end::varchar, status, refund_due_amount, refund_due_date::varchar
                    from marts.milestone_status""")
    got = {(r[0], r[1], r[2]): r[3:] for r in rows}
    expected = {
        (m["payer_id"], m["member_id"], m["timepoint_months"]): (
            m["due_date"], m["window_start"], m["window_end"], m["status"], Decimal(m["refund_due_amount"]),
            m["refund_due_date"] or None)  # the generator writes "" for "no due date"
        for m in EXPECTED["milestones"]
    }
    diff = {k: (got.get(k), expected.get(k)) for k in set(got) | set(expected) if got.get(k) != expected.get(k)}
    assert diff == {}


def test_reconciliation_matches_the_generator(wh):
    rows = q(wh, """select contract_id, payer_id, member_id, timepoint_months, refund_due_amount, offset_amount,
                           remitted_amount, balance, status, days_past_due from marts.refund_reconciliation""")
    got = sorted(rows)
    expected = sorted(
        (r["contract_id"], r["payer_id"], r["member_id"], r["timepoint_months"], Decimal(r["refund_due_amount"]),
         Decimal(r["offset_amount"]), Decimal(r["remitted_amount"]), Decimal(r["balance"]), r["status"],
         r["days_past_due"])
        for r in EXPECTED["refund_reconciliation"]
    )
    assert got == expected
    assert {r[8] for r in got} >= {"paid", "unpaid", "partially_paid", "overpaid", "offset", "unmatched"}


def test_installment_schedule_matches_the_generator(wh):
    rows = q(wh, """select member_id, installment_number, installment_date::varchar, due_date::varchar, amount,
                           offset_amount, net_payable, paid_amount, balance, status, days_past_due
                    from marts.installment_schedule""")
    expected = [
        (r["member_id"], r["installment_number"], r["installment_date"], r["due_date"], Decimal(r["amount"]),
         Decimal(r["offset_amount"]), Decimal(r["net_payable"]), Decimal(r["paid_amount"]), Decimal(r["balance"]),
         r["status"], r["days_past_due"])
        for r in EXPECTED["installment_schedule"]
    ]
    assert sorted(rows, key=str) == sorted(expected, key=str)
    assert {r[9] for r in rows} == {"paid", "partially_paid", "overpaid", "due", "scheduled", "unmatched"}


def test_refund_claims_match_the_generator(wh):
    rows = q(wh, """select member_id, timepoint_months, refund_due_amount, submission_deadline::varchar,
                           refund_claim_id, claim_status, dispute_reason, submitted_late, amount_differs,
                           days_to_deadline
                    from marts.refund_claims where payer_id = 'HARBORCARE'""")
    expected = [
        (r["member_id"], r["timepoint_months"], Decimal(r["refund_due_amount"]), r["submission_deadline"],
         r["refund_claim_id"], r["claim_status"], r["dispute_reason"], r["submitted_late"], r["amount_differs"],
         r["days_to_deadline"])
        for r in EXPECTED["refund_claims"]
    ]
    assert sorted(rows, key=str) == sorted(expected, key=str)
    assert {r[5] for r in rows} == {"not_submitted", "deadline_missed", "submitted", "accepted", "disputed",
                                    "rejected", "withdrawn", "unmatched"}
    todo = q(wh, "select member_id, timepoint_months from marts.refund_claims_to_submit where payer_id = 'HARBORCARE'")
    assert sorted(todo) == sorted((r["member_id"], r["timepoint_months"]) for r in EXPECTED["refund_claims"]
                                  if r["claim_status"] in ("not_submitted", "deadline_missed"))
    # the other payers' contracts set no deadline and their refunds have no claim yet
    others = q(wh, "select claim_status, submission_deadline, count(*) from marts.refund_claims "
                   "where payer_id <> 'HARBORCARE' group by all")
    owed = sum(1 for m in EXPECTED["milestones"] if m["payer_id"] != "HARBORCARE" and Decimal(m["refund_due_amount"]))
    assert others == [("not_submitted", None, owed)]


def test_identity_scenarios_match_the_generator(wh):
    """identity.md: the cycle is listed and not merged; claims show the current id and the id billed."""
    issues = q(wh, """select payer_id, previous_member_id, member_id, effective_date::varchar, reason
                      from marts.identity_issues order by all""")
    assert issues == sorted((i["payer_id"], i["previous_member_id"], i["member_id"], i["effective_date"], i["reason"])
                            for i in EXPECTED["identity_issues"])
    billed = {r[0]: r[1:] for r in q(wh, """select claim_id, member_id, billed_member_id from marts.claim_findings
                                            union select claim_id, member_id, billed_member_id
                                            from marts.claims_missing_oba""")}
    expected = {c["claim_id"]: (c["member_id"], c["billed_member_id"]) for c in EXPECTED["infusion_claims"]
                if c["findings"]}
    assert billed == expected
    assert any(member != billed_as for member, billed_as in billed.values())  # billed under an earlier id


def test_a_later_as_of_never_changes_a_decision_made_on_earlier_evidence(wh, tmp_path_factory):
    """contracts.md: a milestone is decided when its window closes, on evidence dated up to as-of.
    Moving as-of later only adds evidence dated after the earlier as-of, which cannot touch the
    in-window scores, baselines or deaths a decision rests on; the one change the rules allow is
    missing_evidence becoming decided (contact after the window shows the child was alive)."""
    earlier_as_of = "2025-06-30"
    warehouse = tmp_path_factory.mktemp("earlier") / "oba.duckdb"
    assert execute_nightly(str(SAMPLES / "landing"), str(warehouse), earlier_as_of).success
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        before = {(r[0], r[1]): r[2] for r in q(con, "select episode_id, timepoint_months, status "
                                                    "from marts.milestone_status")}
    finally:
        con.close()
    after = {(r[0], r[1]): r[2] for r in q(wh, "select episode_id, timepoint_months, status from marts.milestone_status")}
    decided = {k: s for k, s in before.items() if s in ("met", "not_met")}
    assert len(decided) > 50
    changed = {k: (s, after.get(k)) for k, s in decided.items() if after.get(k) != s}
    assert changed == {}
    moved = {(s, after[k]) for k, s in before.items() if s == "missing_evidence" and after[k] != s}
    assert moved <= {("missing_evidence", "met"), ("missing_evidence", "not_met")}
