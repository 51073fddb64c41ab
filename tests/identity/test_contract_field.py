"""`on_disenrollment` in a contract file (spec contracts.md, identity.md): optional, continue by
default, stop when written; any other value rejects the file with a message naming the field."""

from __future__ import annotations

import pytest

from pipelines.defs.ingest.contracts import load_contracts
from tests.landing import CONTRACT_YAML, write_text


def load(con, tmp_path, text: str):
    write_text(tmp_path, "contracts", "c.yaml", text)
    (result,) = load_contracts(con, tmp_path, "run-1")
    return result


@pytest.mark.parametrize(("extra", "stored"), [("", "continue"), ("on_disenrollment: continue\n", "continue"),
                                               ("on_disenrollment: stop\n", "stop")])
def test_on_disenrollment_defaults_to_continue_and_lands_as_written(con, tmp_path, extra, stored):
    assert load(con, tmp_path, CONTRACT_YAML + extra).status == "loaded"
    assert con.execute("select on_disenrollment from staging.contracts").fetchall() == [(stored,)]


@pytest.mark.parametrize("value", ["leave", "STOP", "true", "''"])
def test_another_on_disenrollment_rejects_the_contract_naming_the_field(con, tmp_path, value):
    r = load(con, tmp_path, CONTRACT_YAML + f"on_disenrollment: {value}\n")
    assert r.status == "rejected"
    assert "on_disenrollment: Input should be 'continue' or 'stop'" in r.message, r.message
    assert con.execute("select count(*) from staging.contracts").fetchone()[0] == 0
