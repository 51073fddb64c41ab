"""Contract files (spec/contracts.md, "The contract file"): validation messages and the tables they land in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pipelines.defs.ingest.contracts import load_contracts
from tests.landing import CONTRACT_YAML, write_text


def load_one(con, tmp_path, text: str, name: str = "c.yaml"):
    write_text(tmp_path, "contracts", name, text)
    results = load_contracts(con, tmp_path, "run-1")
    return results[-1]


def test_valid_contract_lands_with_defaults_and_exact_price(con, tmp_path):
    r = load_one(con, tmp_path, CONTRACT_YAML.replace("2125000.00", "2125000.10"))
    assert r.status == "loaded"
    assert con.execute(
        """select contract_id, payer_id, effective_from, effective_to, price_basis, refund_cap_pct,
                  refund_due_days, missing_evidence, assessment_selection, baseline_window_days
           from staging.contracts"""
    ).fetchone() == ("OBA-ACME", "ACME", dt.date(2024, 1, 1), None, Decimal("2125000.10"), Decimal(100), 90,
                     "no_refund", "closest_to_due", 30)
    assert con.execute("select timepoint_months, window_days_before, window_days_after, refund_pct "
                       "from staging.contract_milestones").fetchall() == [(6, 30, 30, Decimal(17))]


def test_percentages_to_four_places_are_stored_exactly(con, tmp_path):
    # a percentage the warehouse could only round is rejected (BAD above); four places land as written
    text = CONTRACT_YAML.replace("refund_pct: 17", "refund_pct: 16.6667").replace(
        "price_basis:", "refund_cap_pct: 33.3333\nprice_basis:")
    assert load_one(con, tmp_path, text).status == "loaded"
    assert con.execute("select refund_cap_pct from staging.contracts").fetchone() == (Decimal("33.3333"),)
    assert con.execute("select refund_pct from staging.contract_milestones").fetchone() == (Decimal("16.6667"),)


def test_a_whole_threshold_written_with_a_zero_fraction_is_accepted(con, tmp_path):
    assert load_one(con, tmp_path, CONTRACT_YAML.replace("points: 4", "points: 4.0")).status == "loaded"
    assert con.execute("select threshold from staging.contract_criteria where kind = 'score_gain'").fetchall() == [(4,)]


def test_criteria_tree_is_flattened_with_parents_positions_and_depths(con, tmp_path):
    text = CONTRACT_YAML.replace(
        "        - score_gain: {instrument: CHOP-INTEND, points: 4}\n",
        "        - any:\n"
        "            - motor_milestone: SITS_WITHOUT_SUPPORT_30S\n"
        "            - score_min: {instrument: HFMSE, value: 40}\n",
    )
    load_one(con, tmp_path, text)
    rows = con.execute(
        """select node_id, parent_node_id, position, depth, kind, instrument, threshold, milestone
           from staging.contract_criteria order by node_id"""
    ).fetchall()
    assert rows == [
        (1, None, 0, 0, "all", None, None, None),
        (2, 1, 0, 1, "ventilator_free_survival", None, None, None),
        (3, 1, 1, 1, "any", None, None, None),
        (4, 3, 0, 2, "motor_milestone", None, None, "SITS_WITHOUT_SUPPORT_30S"),
        (5, 3, 1, 2, "score_min", "HFMSE", 40, None),
    ]


BAD = [
    ("not: [valid", "not valid YAML"),
    ("- a list\n", "YAML mapping"),
    (CONTRACT_YAML.replace("payer_id: ACME\n", ""), "payer_id: required field is missing"),
    (CONTRACT_YAML.replace("price_basis: 2125000.00", "price_basis: 0"), "price_basis: Input should be greater than 0"),
    (CONTRACT_YAML.replace("price_basis: 2125000.00", "price_basis: 10.005"), "price_basis"),
    (CONTRACT_YAML.replace("refund_pct: 17", "refund_pct: 101"), "milestones[0].refund_pct: Input should be less than or equal to 100"),
    (CONTRACT_YAML.replace("refund_pct: 17", "refund_pct: -1"), "milestones[0].refund_pct"),
    (CONTRACT_YAML.replace("    refund_pct: 17\n", ""), "milestones[0].refund_pct: required field is missing"),
    (CONTRACT_YAML.replace("price_basis:", "refund_cap_pct: 100.5\nprice_basis:"), "refund_cap_pct: Input should be less than or equal to 100"),
    (CONTRACT_YAML.replace("price_basis:", "refund_cap_pct: -1\nprice_basis:"), "refund_cap_pct: Input should be greater than or equal to 0"),
    (CONTRACT_YAML.replace("price_basis:", "refund_due_days: -1\nprice_basis:"), "refund_due_days: Input should be greater than or equal to 0"),
    (CONTRACT_YAML.replace("refund_pct: 17", "refund_pct: 16.666666"),
     "milestones[0].refund_pct: Decimal input should have no more than 4 decimal places"),
    (CONTRACT_YAML.replace("price_basis:", "refund_cap_pct: 33.333333\nprice_basis:"),
     "refund_cap_pct: Decimal input should have no more than 4 decimal places"),
    (CONTRACT_YAML.replace("effective_from: 2024-01-01", "effective_from: 2024-02-30"),
     "effective_from: must be a date YYYY-MM-DD"),
    (CONTRACT_YAML.replace("effective_from: 2024-01-01", "effective_from: 2024-01-01\neffective_to: 2023-01-01"),
     "effective_to"),
    (CONTRACT_YAML.replace("ventilator_free_survival", "walks_on_water"), "unknown criterion"),
    (CONTRACT_YAML.replace("CHOP-INTEND", "BAYLEY"), "criteria.all[1].score_gain.instrument: unknown instrument"),
    (CONTRACT_YAML.replace("points: 4", "pts: 4"), "unknown field"),
    (CONTRACT_YAML.replace("points: 4", "points: 2.5"),
     "criteria.all[1].score_gain.points: required, a whole number of CHOP-INTEND points from -64 to 64"),
    (CONTRACT_YAML.replace("- ventilator_free_survival", "- motor_milestone: FLIES"), "unknown milestone"),
    (CONTRACT_YAML.replace("milestones:\n", "milestones: []\nx:\n"), "milestones"),
    (CONTRACT_YAML + "  - timepoint_months: 6\n    refund_pct: 5\n    criteria: alive\n",
     "milestones[1].timepoint_months: duplicate timepoint"),
    (CONTRACT_YAML.replace("refund_cap_pct", "x").replace("price_basis:", "refund_cap_pc: 50\nprice_basis:"),
     "the contract: has a field that is not a contract field (did you mean refund_cap_pct?)"),
    (CONTRACT_YAML.replace("missing_evidence", "x") + "missing_evidence: sometimes\n", "missing_evidence: Input should be 'no_refund' or 'refund'"),
    (CONTRACT_YAML + "assessment_selection: worst\n", "assessment_selection: Input should be 'closest_to_due' or 'best'"),
    (CONTRACT_YAML.split("    criteria:")[0] + "    criteria: {all: []}\n", "non-empty list"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[m for _, m in BAD])
def test_invalid_contract_is_rejected_whole_with_a_message_naming_the_field(con, tmp_path, text, message):
    r = load_one(con, tmp_path, text)
    assert r.status == "rejected"
    assert message in r.message, r.message
    assert con.execute("select count(*) from staging.contracts").fetchone()[0] == 0
    assert con.execute("select count(*) from staging.contract_criteria").fetchone()[0] == 0


def test_later_delivery_of_a_contract_replaces_its_terms(con, tmp_path):
    write_text(tmp_path, "contracts", "a.yaml", CONTRACT_YAML)
    write_text(tmp_path, "contracts", "b.yaml", CONTRACT_YAML.replace("refund_pct: 17", "refund_pct: 20")
               .replace("    criteria:\n      all:\n        - ventilator_free_survival\n"
                        "        - score_gain: {instrument: CHOP-INTEND, points: 4}\n", "    criteria: alive\n"))
    results = load_contracts(con, tmp_path, "run-1")
    assert [r.status for r in results] == ["loaded", "loaded"]
    assert con.execute("select refund_pct from staging.contract_milestones").fetchall() == [(Decimal(20),)]
    assert con.execute("select kind from staging.contract_criteria").fetchall() == [("alive",)]
    assert con.execute("select count(*) from staging.contract_files").fetchone()[0] == 2


def test_same_contract_content_is_not_loaded_twice(con, tmp_path):
    write_text(tmp_path, "contracts", "a.yaml", CONTRACT_YAML)
    write_text(tmp_path, "contracts", "copy.yml", CONTRACT_YAML)
    assert [r.status for r in load_contracts(con, tmp_path, "run-1")] == ["loaded", "skipped_duplicate"]


def test_an_effective_to_left_empty_is_open_ended(con, tmp_path):
    r = load_one(con, tmp_path, CONTRACT_YAML.replace("price_basis:", "effective_to:\nprice_basis:"))
    assert r.status == "loaded"
    assert con.execute("select effective_to from staging.contracts").fetchone() == (None,)
