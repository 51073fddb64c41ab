"""`oba packet` (spec/payments.md "Evidence for a refund claim"): one document per milestone that
owes a refund, holding one child's data only, escaping input text, selected by --episode / --timepoint."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines import schema
from pipelines.cli import main
from pipelines.defs.reports.packet import write_packets
from tests.conftest import DEFAULT_AS_OF, insert
from tests.milestones.support import EPISODES_DDL, add_contract, add_episode, resp, score
from tests.payments.builders import add_claim, add_payment_terms, create_colleague_tables
from tests.sqlmodels import run_models, set_as_of

CRITERIA = ("all", ["alive", ("score_min", "CHOP-INTEND", 40)])
INFUSION = "2024-01-15"  # 6-month window 2024-06-15 .. 2024-08-14, 12-month 2024-12-16 .. 2025-02-14
SCRIPT = "<script>alert(1)</script>"


def build(path: Path) -> Path:
    """Payer P1 with children M1 (refunds at 6 and 12 months) and M2 (6 months); payer P2 with a
    child whose member id is also M1 (6 months). Every score is below 40: not met, a refund."""
    con = duckdb.connect(str(path))
    schema.create_all(con)
    set_as_of(con, DEFAULT_AS_OF)
    create_colleague_tables(con)  # the claims domain's marts the refunds models read, empty
    con.execute(EPISODES_DDL)
    for contract, payer in (("C1", "P1"), ("C2", "P2")):
        add_contract(con, [{"timepoint_months": 6, "criteria": CRITERIA},
                           {"timepoint_months": 12, "criteria": CRITERIA}], contract_id=contract, payer=payer)
    add_payment_terms(con, "C1", installments=[(0, "1062500.00"), (12, "1062500.00")], claim_submission_days=180)
    add_episode(con, INFUSION, member="M1", contract="C1", payer="P1")
    add_episode(con, INFUSION, member="M2", contract="C1", payer="P1")
    add_episode(con, INFUSION, member="M1", contract="C2", payer="P2")
    insert(con, "staging.assessments", [
        score("A-P1M1" + SCRIPT, "2024-07-10", 30, member="M1", payer="P1"),
        score("A-P1M1-12", "2025-01-10", 31, member="M1", payer="P1"),
        score("A-P1M2", "2024-07-11", 20, member="M2", payer="P1"),
        score("A-P2M1", "2024-07-12", 25, member="M1", payer="P2"),
    ])
    con.execute("create table marts.treatment_episodes as select * exclude (birth_date) from core.episodes")
    run_models(con, ["milestones", "refunds", "payments"])
    con.close()
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("packet") / "oba.duckdb"
    build(path)
    con = duckdb.connect(str(path))
    add_claim(con, "RC-1", dt.date(2024, 9, 1), "361250.00", contract_id="C1", payer_id="P1", member_id="M1")
    con.execute("update staging.refund_claims set note = ?", [SCRIPT])
    run_models(con, ["payments__counting_claims", "payments__refund_claims"])
    con.close()
    return path


def names(paths: list[Path]) -> list[str]:
    return sorted(p.name for p in paths)


def test_one_document_per_milestone_owing_a_refund_of_the_payer(warehouse, tmp_path):
    paths = write_packets(warehouse, "P1", tmp_path)
    assert names(paths) == ["oba_packet_P1_EP-P1-M1_12m.html", "oba_packet_P1_EP-P1-M1_6m.html",
                            "oba_packet_P1_EP-P1-M2_6m.html"]


def test_a_packet_holds_one_childs_data_only(warehouse, tmp_path):
    write_packets(warehouse, "P1", tmp_path, episode_id="EP-P1-M1", timepoint=6)
    (path,) = tmp_path.glob("*.html")
    text = path.read_text()
    assert "A-P1M1" in text and "EP-P1-M1" in text
    # the other child of the payer, and the other payer's child with the same member id
    for other in ("A-P1M2", "EP-P1-M2", "M2", "A-P2M1", "EP-P2-M1", "P2", "C2"):
        assert other not in text, other


def test_the_packet_shows_the_terms_the_evidence_rows_and_the_refund_computation(warehouse, tmp_path):
    (path,) = write_packets(warehouse, "P1", tmp_path, episode_id="EP-P1-M1", timepoint=6)
    text = re.sub(r"\s+", " ", path.read_text())
    assert "2024-06-15 to 2024-08-14" in text                       # the window
    assert "score_min" in text and "CHOP-INTEND" in text and "not_met" in text
    assert "2024-07-10" in text and ">30<" in text.replace(".000000", "")  # the evidence row: date and score
    assert "$2,125,000.00 × 17" in text and "$361,250.00" in text   # price x %
    assert "Settled against installment 2" in text                   # the offset, then no cash
    assert "Cash refund</th><td class=\"num\">$0.00" in text


def test_a_refund_due_after_the_last_installment_is_a_cash_refund_in_its_packet(warehouse, tmp_path):
    # the 12-month refund is due after installment 2 (due 2025-02-14): nothing to settle it against
    (path,) = write_packets(warehouse, "P1", tmp_path, episode_id="EP-P1-M1", timepoint=12)
    text = re.sub(r"\s+", " ", path.read_text())
    assert "Settled against installment" not in text
    assert "Cash refund</th><td class=\"num\">$361,250.00" in text


def test_input_text_is_escaped(warehouse, tmp_path):
    (path,) = write_packets(warehouse, "P1", tmp_path, episode_id="EP-P1-M1", timepoint=6)
    text = path.read_text()
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text           # the evidence id and the claim's note


def test_episode_alone_and_timepoint_alone_select_as_the_spec_says(warehouse, tmp_path):
    assert names(write_packets(warehouse, "P1", tmp_path / "e", episode_id="EP-P1-M1")) == [
        "oba_packet_P1_EP-P1-M1_12m.html", "oba_packet_P1_EP-P1-M1_6m.html"]
    assert names(write_packets(warehouse, "P1", tmp_path / "t", timepoint=6)) == [
        "oba_packet_P1_EP-P1-M1_6m.html", "oba_packet_P1_EP-P1-M2_6m.html"]


def test_another_payers_episode_writes_nothing_and_says_so(warehouse, tmp_path):
    with pytest.raises(ValueError, match="owes a refund"):
        write_packets(warehouse, "P1", tmp_path, episode_id="EP-P2-M1")
    assert list(tmp_path.iterdir()) == []


def test_the_command_writes_the_packets_and_rejects_an_unknown_payer(warehouse, tmp_path, capsys):
    assert main(["packet", "--payer", "P2", "--warehouse", str(warehouse), "--out", str(tmp_path)]) == 0
    assert names(list(tmp_path.glob("*.html"))) == ["oba_packet_P2_EP-P2-M1_6m.html"]
    assert main(["packet", "--payer", "NOPE", "--warehouse", str(warehouse), "--out", str(tmp_path)]) == 2
    assert "unknown payer" in capsys.readouterr().err


def test_a_refund_settled_entirely_against_installments_still_gets_its_document(warehouse, tmp_path):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select status from marts.refund_reconciliation "
                           "where episode_id = 'EP-P1-M1' and timepoint_months = 6").fetchall() == [("offset",)]
    finally:
        con.close()
    assert names(write_packets(warehouse, "P1", tmp_path, episode_id="EP-P1-M1", timepoint=6)) == [
        "oba_packet_P1_EP-P1-M1_6m.html"]


def test_a_ventilation_run_shows_its_fewest_hours_of_a_day_in_the_packet(tmp_path):
    path = tmp_path / "oba.duckdb"
    con = duckdb.connect(str(path))
    schema.create_all(con)
    set_as_of(con, DEFAULT_AS_OF)
    create_colleague_tables(con)
    con.execute(EPISODES_DDL)
    add_contract(con, [{"timepoint_months": 6, "criteria": "ventilator_free_survival"}])
    add_episode(con, INFUSION, member="M1", contract="C1", payer="P1")
    start = dt.date(2024, 3, 1)
    insert(con, "staging.respiratory_support", [
        resp(start + dt.timedelta(days=i), Decimal("16.5") if i == 5 else 20) for i in range(14)])
    con.execute("create table marts.treatment_episodes as select * exclude (birth_date) from core.episodes")
    run_models(con, ["milestones", "refunds", "payments"])
    con.close()
    (packet,) = write_packets(path, "P1", tmp_path / "out")
    row = next(r for r in packet.read_text().splitlines() if "<td>2024-03-01..2024-03-14</td>" in r)
    assert "permanent_ventilation_onset" in row and '<td class="num">16.5</td>' in row
