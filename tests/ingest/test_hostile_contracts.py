"""Hostile contract files (issue 20): however large, deep, numeric, aliased or repeated, a contract
is rejected naming the file and the field, never quoting its values, and the other contracts load."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipelines.defs.ingest.contracts import MAX_CRITERIA_DEPTH, load_contracts
from tests.landing import CONTRACT_YAML, write_text

SECRET = "M7777SECRET"
GOOD = CONTRACT_YAML.replace("OBA-ACME", "OBA-GOOD")


def load_beside_a_good_one(con, tmp_path: Path, text: str) -> str:
    """Load `text` as bad.yaml next to a valid contract: the bad one is rejected, the good one loads."""
    write_text(tmp_path, "contracts", "bad.yaml", text)
    write_text(tmp_path, "contracts", "good.yaml", GOOD)
    results = {r.file_path: r for r in load_contracts(con, tmp_path, "run-1")}
    assert results["contracts/good.yaml"].status == "loaded"
    bad = results["contracts/bad.yaml"]
    assert bad.status == "rejected", bad
    assert bad.message.startswith("contracts/bad.yaml: ")
    assert con.execute("select contract_id from staging.contracts").fetchall() == [("OBA-GOOD",)]
    return bad.message


def with_criteria(criteria: str) -> str:
    return CONTRACT_YAML.split("    criteria:")[0] + "    criteria:\n" + textwrap.indent(criteria, "      ")


NUMBERS = [
    ("timepoint_months: 6", "timepoint_months: 3000000000", "milestones[0].timepoint_months"),
    ("timepoint_months: 6", "timepoint_months: 2000000000", "milestones[0].timepoint_months"),
    ("timepoint_months: 6", "timepoint_months: 0", "milestones[0].timepoint_months"),
    ("timepoint_months: 6", "timepoint_months: 121", "milestones[0].timepoint_months"),
    ("timepoint_months: 6", "timepoint_months: " + "9" * 5000, "milestones[0].timepoint_months"),
    ("refund_pct: 17", "refund_pct: 17\n    window_days_after: 10000000000", "milestones[0].window_days_after"),
    ("refund_pct: 17", "refund_pct: 17\n    window_days_before: 367", "milestones[0].window_days_before"),
    ("price_basis:", "refund_due_days: 100000000000000000000\nprice_basis:", "refund_due_days"),
    ("price_basis:", "baseline_window_days: 400\nprice_basis:", "baseline_window_days"),
    ("price_basis: 2125000.00", "price_basis: 1e20", "price_basis"),
    ("price_basis: 2125000.00", "price_basis: 1e999999999", "price_basis"),
    ("refund_pct: 17", "refund_pct: 1e999999999", "milestones[0].refund_pct"),
    ("points: 4", "points: 100000000000000000000", "score_gain.points"),
    ("points: 4", "points: 1e999999999", "score_gain.points"),
    ("points: 4", "points: 65", "score_gain.points"),
    ("score_gain: {instrument: CHOP-INTEND, points: 4}", "score_min: {instrument: CHOP-INTEND, value: 65}",
     "score_min.value"),
    ("score_gain: {instrument: CHOP-INTEND, points: 4}", "score_min: {instrument: HFMSE, value: -1}",
     "score_min.value"),
    ("effective_from: 2024-01-01", "effective_from: 0001-01-01", "effective_from"),
    ("effective_from: 2024-01-01", "effective_from: 9999-12-31", "effective_from"),
    ("effective_from: 2024-01-01", "effective_from: 20240101", "effective_from"),
]


@pytest.mark.parametrize("old,new,field", NUMBERS, ids=[n[1][:40] for n in NUMBERS])
def test_a_number_outside_its_range_rejects_the_contract_naming_the_field(con, tmp_path, old, new, field):
    assert old in CONTRACT_YAML
    message = load_beside_a_good_one(con, tmp_path, CONTRACT_YAML.replace(old, new, 1))
    assert field in message
    value = new.rsplit(": ", 1)[1]
    assert len(value) < 4 or value[:50] not in message  # the value is not echoed


def test_criteria_nested_a_few_hundred_levels_are_rejected_with_the_depth_limit(con, tmp_path):
    deep = "alive"
    for _ in range(300):
        deep = f"{{all: [{deep}]}}"
    message = load_beside_a_good_one(con, tmp_path, with_criteria(deep + "\n"))
    assert "nested" in message


def test_criteria_nested_within_the_limit_load(con, tmp_path):
    nested = "alive"
    for _ in range(MAX_CRITERIA_DEPTH):
        nested = f"{{any: [{nested}, ventilator_free_survival]}}"
    write_text(tmp_path, "contracts", "c.yaml", with_criteria(nested + "\n"))
    (r,) = load_contracts(con, tmp_path, "run-1")
    assert r.status == "loaded"
    assert con.execute("select max(depth), count(*) from staging.contract_criteria").fetchone() == (
        MAX_CRITERIA_DEPTH, 2 * MAX_CRITERIA_DEPTH + 1)


def test_a_document_nested_a_hundred_thousand_levels_is_rejected_without_recursion(con, tmp_path):
    message = load_beside_a_good_one(con, tmp_path, "contract_id: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert "nested more than" in message


def test_too_many_criteria_in_one_milestone_are_rejected(con, tmp_path):
    message = load_beside_a_good_one(con, tmp_path, with_criteria("any:\n" + "  - alive\n" * 500))
    assert "milestones[0].criteria" in message and "at most" in message


def test_a_contract_file_far_larger_than_a_contract_is_rejected(con, tmp_path):
    message = load_beside_a_good_one(con, tmp_path, CONTRACT_YAML + "#" + "x" * 300_000 + "\n")
    assert "KiB" in message


BOMB = """\
a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""
FAN_OUT = """\
    criteria: &c0
      any: [alive, alive, alive, alive, alive, alive, alive, alive, alive]
  - timepoint_months: 12
    refund_pct: 1
    criteria: &c1
      any: [*c0, *c0, *c0, *c0, *c0, *c0, *c0, *c0, *c0]
  - timepoint_months: 24
    refund_pct: 1
    criteria: &c2
      any: [*c1, *c1, *c1, *c1, *c1, *c1, *c1, *c1, *c1]
  - timepoint_months: 36
    refund_pct: 1
    criteria:
      any: [*c2, *c2, *c2, *c2, *c2, *c2, *c2, *c2, *c2]
"""

UNDER_A_MEMORY_LIMIT = """\
import re, resource, sys
from pathlib import Path
import duckdb
from pipelines import schema
from pipelines.defs.ingest.contracts import load_contracts
con = duckdb.connect(config={"memory_limit": "256MB", "threads": 1})
schema.create_all(con)
# what the libraries and DuckDB reserved so far, plus 1 GiB: the most the contracts may take
in_use = int(re.search(r"VmSize:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) * 1024
resource.setrlimit(resource.RLIMIT_AS, (in_use + (1 << 30), in_use + (1 << 30)))
for r in load_contracts(con, Path(sys.argv[1]), "run-1"):
    print(r.file_path, r.status, r.message)
"""


@pytest.mark.parametrize("bomb", ["in a field", "criteria fan-out"])
def test_an_alias_bomb_is_refused_before_it_expands_within_1_gib(tmp_path, bomb):
    text = (CONTRACT_YAML + BOMB) if bomb == "in a field" else CONTRACT_YAML.split("    criteria:")[0] + FAN_OUT
    write_text(tmp_path, "contracts", "bomb.yaml", text)
    write_text(tmp_path, "contracts", "good.yaml", GOOD)
    done = subprocess.run([sys.executable, "-c", UNDER_A_MEMORY_LIMIT, str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    lines = sorted(done.stdout.splitlines())
    assert lines[0].startswith("contracts/bomb.yaml rejected contracts/bomb.yaml: line ")
    assert "aliases (*) are not allowed" in lines[0]
    assert lines[1] == "contracts/good.yaml loaded contract OBA-GOOD"


DUPLICATES = [
    ("payer_id: ACME\n", "payer_id: ACME\npayer_id: BLUEPEAK\n", "payer_id is given twice"),
    ("price_basis: 2125000.00\n", "price_basis: 2125000.00\nprice_basis: 1\n", "price_basis is given twice"),
    ("    refund_pct: 17\n", "    refund_pct: 17\n    refund_pct: 1\n", "refund_pct is given twice"),
    ("points: 4}", "points: 4, points: 40}", "points is given twice"),
    ("payer_id: ACME\n", f"payer_id: ACME\n{SECRET}: 1\n{SECRET}: 2\n", "a key is given twice"),
]


@pytest.mark.parametrize("old,new,words", DUPLICATES, ids=[d[2] for d in DUPLICATES])
def test_a_key_given_twice_is_rejected_naming_the_key(con, tmp_path, old, new, words):
    message = load_beside_a_good_one(con, tmp_path, CONTRACT_YAML.replace(old, new, 1))
    assert words in message and "line " in message
    assert "BLUEPEAK" not in message and SECRET not in message


@pytest.mark.parametrize("tagged", ["payer_id: !!binary QUNNRQ==", "payer_id: !!str ACME", "payer_id: !local ACME",
                                    "payer_id: !!python/object:builtins.dict {}", "milestones: !!seq",
                                    "payer_id: ! ACME"])
def test_a_yaml_tag_is_rejected(con, tmp_path, tagged):
    text = CONTRACT_YAML.replace("payer_id: ACME", tagged) if "payer_id" in tagged else CONTRACT_YAML.replace(
        "milestones:", tagged, 1)
    assert "tags (!, !!) are not allowed" in load_beside_a_good_one(con, tmp_path, text)


@pytest.mark.parametrize("text", [
    CONTRACT_YAML + "---\n" + GOOD,
    CONTRACT_YAML + "<<: {payer_id: BLUEPEAK}\n",
    CONTRACT_YAML.replace("payer_id: ACME", "payer_id: ACME\n? [a, b]\n: 1"),
])
def test_several_documents_merge_keys_and_complex_keys_are_rejected(con, tmp_path, text):
    assert "BLUEPEAK" not in load_beside_a_good_one(con, tmp_path, text)


@pytest.mark.parametrize("old,new", [
    ("instrument: CHOP-INTEND", f"instrument: {SECRET}"),
    ("- ventilator_free_survival", f"- {SECRET}"),
    ("- ventilator_free_survival", f"- motor_milestone: {SECRET}"),
    ("- ventilator_free_survival", f"- {{{SECRET}: 1}}"),
    ("payer_id: ACME", f"payer_id: ACME\n{SECRET}_field: 1"),
    ("refund_pct: 17", f"refund_pct: {SECRET}"),
    ("effective_from: 2024-01-01", f"effective_from: {SECRET}"),
    ("missing_evidence", f"x: 1\nmissing_evidence: {SECRET}\ny"),
    ("payer_id: ACME", f"payer_id: \"{SECRET}\x01\""),
    ("payer_id: ACME", f"payer_id: [{SECRET}"),
    ("payer_id: ACME", f"payer_id: '{SECRET}"),
    ("payer_id: ACME", f"payer_id: \"{SECRET}\\q\""),
])
def test_a_rejected_contract_never_quotes_its_text(con, tmp_path, old, new):
    text = CONTRACT_YAML.replace(old, new, 1) if old != "missing_evidence" else CONTRACT_YAML + new.replace("y", "")
    assert SECRET not in load_beside_a_good_one(con, tmp_path, text)


def test_a_payer_id_with_a_line_break_is_rejected(con, tmp_path):
    message = load_beside_a_good_one(con, tmp_path, CONTRACT_YAML.replace("payer_id: ACME", 'payer_id: "ACME\\nX"'))
    assert message.startswith("contracts/bad.yaml: payer_id: ")
