"""The GX suites are generated from the feed definitions: a column fact is written once, in feeds.py."""

from __future__ import annotations

import json

import pandas as pd

from pipelines import EXPECTATIONS_DIR
from pipelines.defs.ingest.feeds import FEEDS, SCORED_INSTRUMENTS, Col, Feed
from pipelines.defs.quality.gx_suites import validate
from pipelines.defs.quality.suites import suite_for, write_suites

REGENERATE = "run `.venv/bin/python -m pipelines.defs.quality.suites` and commit expectations/"


def test_the_committed_suites_are_what_the_generator_writes_from_feeds_py(tmp_path):
    write_suites(tmp_path)
    generated = {p.name: p.read_text() for p in tmp_path.glob("*.json")}
    committed = {p.name: p.read_text() for p in EXPECTATIONS_DIR.glob("*.json")}
    assert sorted(committed) == sorted(generated) == sorted(f"{feed}.json" for feed in FEEDS), REGENERATE
    for name, text in generated.items():
        assert committed[name] == text, f"expectations/{name} differs from feeds.py: {REGENERATE}"


def test_the_generator_removes_the_suite_of_a_feed_that_is_gone(tmp_path):
    (tmp_path / "retired_feed.json").write_text("{}")
    write_suites(tmp_path)
    assert not (tmp_path / "retired_feed.json").exists()


# A feed as a later issue adds one (spec/feeds.md, payments): nothing about it is written anywhere but here.
PAYMENTS = Feed(
    "payments",
    key=("payment_id",),
    columns=(
        Col("payment_id", "text", True),
        Col("payer_id", "text", True),
        Col("installment_number", "integer", True, min=1, max=5),
        Col("amount", "money", True),
        Col("method", "code", codes=("ach", "wire")),
    ),
)


def payments(**overrides) -> pd.DataFrame:
    rows = {"payment_id": ["P1", "P2", "P3"], "payer_id": ["ACME"] * 3, "installment_number": [1, 2, 5],
            "amount": [100.0, 100.0, -100.0], "method": ["ach", None, "wire"]}
    return pd.DataFrame({**rows, **overrides})


def failed(feed: Feed, df: pd.DataFrame) -> list[str]:
    return sorted(o.expectation for o in validate(feed.name, df, suite_for(feed)).blocking_failures)


def test_a_new_feed_gets_a_suite_guarding_required_values_codes_ranges_and_its_key():
    assert failed(PAYMENTS, payments()) == []
    assert failed(PAYMENTS, payments(payer_id=["ACME", None, "ACME"])) == ["payer_id is present"]
    assert failed(PAYMENTS, payments(method=["ach", "cheque", None])) == ["method is one of ach, wire"]
    assert failed(PAYMENTS, payments(installment_number=[0, 2, 6])) == ["installment_number >= 1 and <= 5"]
    assert failed(PAYMENTS, payments(payment_id=["P1", "P1", "P3"])) == ["the natural key (payment_id) is unique"]


def test_an_empty_batch_only_warns():
    outcome = validate("payments", payments().iloc[0:0], suite_for(PAYMENTS))
    assert not outcome.blocking_failures
    assert [o.expectation for o in outcome.warnings] == ["the files that arrived load at least one row"]


def assessments(instrument: str, score: int) -> pd.DataFrame:
    return pd.DataFrame({"assessment_id": ["A1"], "payer_id": ["ACME"], "member_id": ["M1"],
                         "assessment_date": ["2025-06-01"], "instrument": [instrument], "score": [score],
                         "milestone": [None], "achieved": [None], "status": ["final"], "assessor_npi": [None]})


def test_each_scored_instrument_is_held_to_its_own_range_from_feeds_py():
    feed = FEEDS["assessments"]
    for instrument, (low, high) in SCORED_INSTRUMENTS.items():
        assert failed(feed, assessments(instrument, low)) == []
        assert failed(feed, assessments(instrument, high)) == []
        assert failed(feed, assessments(instrument, high + 1)) == [
            f"score between {low} and {high} where instrument is {instrument}"]
        assert failed(feed, assessments(instrument, low - 1)) == [
            f"score between {low} and {high} where instrument is {instrument}"]


def test_the_committed_assessments_suite_holds_chop_intend_to_0_64():
    suite = json.loads((EXPECTATIONS_DIR / "assessments.json").read_text())
    ranges = [e["kwargs"] for e in suite["expectations"] if e["kwargs"].get("row_condition") == 'instrument=="CHOP-INTEND"']
    assert [(r["min_value"], r["max_value"]) for r in ranges] == [(0, 64)]


def claims(oba_ids: list[str | None], has_contract: bool = True, procedure: str = "J3399") -> pd.DataFrame:
    n = len(oba_ids)
    return pd.DataFrame({
        "claim_id": [f"C{i}" for i in range(n)], "line_number": [1] * n, "frequency_code": ["1"] * n,
        "payer_id": ["ACME"] * n, "member_id": [f"M{i}" for i in range(n)],
        "patient_birth_date": ["2025-01-10"] * n, "service_date": ["2025-06-02"] * n,
        "procedure_code": [procedure] * n, "units": [1.0] * n, "oba_contract_id": oba_ids,
        "payer_has_contract": [has_contract] * n,
    })


def warned(df: pd.DataFrame) -> list[str]:
    return [o.expectation for o in validate("claims", df, suite_for(FEEDS["claims"])).warnings]


def test_more_than_a_tenth_of_contracted_zolgensma_lines_without_an_oba_id_warns():
    one_in_ten = ["OBA-ACME"] * 9 + [None]
    two_in_ten = ["OBA-ACME"] * 8 + [None, None]
    assert warned(claims(one_in_ten)) == []
    assert warned(claims(two_in_ten)) == [
        "at least 90% of the ZOLGENSMA (J3399) lines of payers that have a contract carry an OBA contract id"]
    assert warned(claims(two_in_ten, has_contract=False)) == []  # no contract: no OBA id to expect
    assert warned(claims(two_in_ten, procedure="96365")) == []  # not a ZOLGENSMA line
