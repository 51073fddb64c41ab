"""Scale: the claims models keep only the chains that hold a ZOLGENSMA line, and whole.

A payer's extract is mostly unrelated claims. core.claim_versions / core.claim_lines
keep only the chains holding at least one version with a ZOLGENSMA line (all of their
versions, even those without one), so unrelated claims, with their own replacements
and voids, must change nothing, while a void or replacement of an infusion claim that
carries no ZOLGENSMA line itself must still apply.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest

from tests.claims.helpers import INFUSION, add_contract, clean_auth, clean_claim, rows, run
from tests.conftest import insert

ORACLE_SQL = (Path(__file__).parent / "whole_extract_claim_versions.sql").read_text()

ZOLGENSMA_LINE = """(procedure_code = 'J3399'
    or (procedure_code in ('J3490', 'J3590', 'C9399') and starts_with(ndc, '71894-')))"""

RESULT_TABLES = [
    "core.infusion_claims",
    "core.episodes",
    "marts.claim_findings",
    "marts.claims_missing_oba",
    "marts.treatment_episodes",
]


def insert_lines(con, lines: list[dict]) -> None:
    """Bulk insert claim lines (executemany, one column list); lineage defaults as conftest.insert."""
    cols = [r[0] for r in con.execute("describe staging.claims").fetchall()]
    prepared = []
    for i, line in enumerate(lines, start=1):
        row = {"_delivery_seq": i, "_file_path": f"test/claims/{i}.csv", "_row_number": 1, **line}
        prepared.append([row.get(c) for c in cols])
    con.executemany(f"insert into staging.claims values ({', '.join('?' for _ in cols)})", prepared)


def unrelated(claim_id: str, **kw) -> list[dict]:
    """A claim of the broad extract: office visit and a non-ZOLGENSMA drug, no ZOLGENSMA line."""
    return clean_claim(claim_id, drug={"procedure_code": "J1100", "ndc": "00009-0047-01"},
                       admin={"procedure_code": "99213"}, **kw)


def unrelated_extract(n: int, seed: int = 7) -> list[dict]:
    """n unrelated claims with replacements, voids, orphans, forks and a cycle among them,
    some of them sharing the person of the infusion claims."""
    rng = random.Random(seed)
    lines: list[dict] = []
    for i in range(n):
        cid = f"U{i:05d}"
        member = "M1" if i % 10 == 0 else f"UM{i % 97}"
        kind = rng.random()
        earlier = f"U{rng.randrange(max(i, 1)):05d}"
        if kind < 0.70:
            lines += unrelated(cid, member_id=member)
        elif kind < 0.85:
            lines += unrelated(cid, member_id=member, frequency_code="7", original_claim_id=earlier)
        elif kind < 0.93:
            lines += unrelated(cid, member_id=member, frequency_code="8", original_claim_id=earlier)
        else:  # an orphan, naming a claim never delivered
            lines += unrelated(cid, member_id=member, frequency_code=rng.choice("78"),
                               original_claim_id=f"NEVER{i:05d}")
    lines += unrelated("UCYC1", frequency_code="7", original_claim_id="UCYC2")
    lines += unrelated("UCYC2", frequency_code="7", original_claim_id="UCYC1")
    rng.shuffle(lines)
    return [dict(l, _delivery_seq=rng.randrange(1, 20), _row_number=rng.randrange(1, 10_000)) for l in lines]


def infusion_extract() -> list[dict]:
    """Infusion claims with their own chains: a replacement, a void, a fork, an orphan, two members."""
    later = INFUSION + dt.timedelta(days=5)
    claims = [
        clean_claim("A"),
        clean_claim("A2", frequency_code="7", original_claim_id="A", drug={"ndc": "71894-0135-07"}),
        clean_claim("B", member_id="M2", prior_auth_number="PA2"),
        clean_claim("BV", member_id="M2", frequency_code="8", original_claim_id="B"),
        clean_claim("C", member_id="M3", oba_contract_id=None, service_date=later),
        clean_claim("C2", member_id="M3", frequency_code="7", original_claim_id="C"),
        clean_claim("C3", member_id="M3", frequency_code="7", original_claim_id="C", drug={"units": Decimal("2")}),
        clean_claim("D", member_id="M4", frequency_code="7", original_claim_id="D0"),
        clean_claim("E", service_date=later),
    ]
    return [dict(l, _delivery_seq=100 + i, _row_number=j)
            for i, claim in enumerate(claims) for j, l in enumerate(claim, 1)]


def load_infusion_fixtures(con) -> None:
    insert(con, "staging.authorizations", [
        clean_auth(), clean_auth("PA2", member_id="M2"),
        clean_auth(member_id="M3"), clean_auth(member_id="M4"),
    ])
    add_contract(con)


def results(con) -> dict[str, list[tuple]]:
    return {t: con.execute(f"select * from {t} order by all").fetchall() for t in RESULT_TABLES}


def kept_chains(con) -> set[str]:
    return {r["chain_id"] for r in rows(con, "select distinct chain_id from core.claim_versions")}


def test_a_thousand_unrelated_claims_with_replacements_and_voids_change_no_result(db):
    insert_lines(db, infusion_extract())
    load_infusion_fixtures(db)
    run(db)
    alone = results(db)
    assert alone["core.infusion_claims"] and alone["marts.claim_findings"]

    db.execute("delete from staging.claims")
    insert_lines(db, infusion_extract() + unrelated_extract(1000))
    assert db.execute("select count(distinct claim_id) from staging.claims").fetchall()[0][0] > 1000
    run(db)
    assert results(db) == alone
    # only the chains holding a ZOLGENSMA line are kept, every version of them
    assert kept_chains(db) == {"A", "B", "C", "D0", "E"}
    assert db.execute("select count(*) from core.claim_lines where claim_id like 'U%'").fetchall() == [(0,)]


@pytest.mark.parametrize("void_first", [False, True])
def test_a_void_without_a_zolgensma_line_still_voids_the_infusion_claim(db, void_first):
    claim = clean_claim("A")
    void = unrelated("V", frequency_code="8", original_claim_id="A")
    insert(db, "staging.claims", void + claim if void_first else claim + void)
    insert(db, "staging.authorizations", [clean_auth()])
    add_contract(db)
    run(db)
    assert rows(db, "select claim_id from core.infusion_claims") == []
    assert rows(db, "select * from marts.treatment_episodes") == []
    assert rows(db, "select * from marts.claim_findings") == []
    statuses = {r["claim_id"]: r["version_status"] for r in rows(db, "select * from core.claim_versions")}
    assert statuses == {"A": "voided", "V": "void"}


def test_a_replacement_without_a_zolgensma_line_ends_the_infusion_claim(db):
    insert(db, "staging.claims", clean_claim("A") + unrelated("B", frequency_code="7", original_claim_id="A"))
    insert(db, "staging.authorizations", [clean_auth()])
    add_contract(db)
    run(db)
    assert rows(db, "select claim_id from core.infusion_claims") == []
    statuses = {r["claim_id"]: r["version_status"] for r in rows(db, "select * from core.claim_versions")}
    assert statuses == {"A": "replaced", "B": "current"}


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_relevance_runs_through_versions_without_a_zolgensma_line(db, order):
    # A (no ZOLGENSMA) <- B (no ZOLGENSMA) <- C (ZOLGENSMA), in any arrival order: C is current
    chain = [
        unrelated("A"),
        unrelated("B", frequency_code="7", original_claim_id="A"),
        clean_claim("C", frequency_code="7", original_claim_id="B"),
    ]
    insert(db, "staging.authorizations", [clean_auth()])
    add_contract(db)
    for seq, idx in enumerate(order, start=1):
        insert(db, "staging.claims", [dict(l, _delivery_seq=seq) for l in chain[idx]])
    run(db)
    assert [r["claim_id"] for r in rows(db, "select claim_id from core.infusion_claims")] == ["C"]
    assert [r["claim_id"] for r in rows(db, "select claim_id from marts.treatment_episodes")] == ["C"]
    # then a void of A, itself without a ZOLGENSMA line, voids the whole chain
    insert(db, "staging.claims",
           [dict(l, _delivery_seq=9) for l in unrelated("V", frequency_code="8", original_claim_id="A")])
    run(db)
    assert rows(db, "select claim_id from core.infusion_claims") == []
    assert rows(db, "select * from marts.treatment_episodes") == []
    statuses = {r["claim_id"]: r["version_status"] for r in rows(db, "select * from core.claim_versions")}
    assert statuses == {"A": "voided", "B": "voided", "C": "voided", "V": "void"}


def test_an_orphan_void_without_a_zolgensma_line_voids_an_orphan_infusion_replacement(db):
    insert(db, "staging.claims",
           clean_claim("B", frequency_code="7", original_claim_id="Z")
           + unrelated("V", frequency_code="8", original_claim_id="Z"))
    insert(db, "staging.authorizations", [clean_auth()])
    add_contract(db)
    run(db)
    assert rows(db, "select claim_id from core.infusion_claims") == []
    assert rows(db, "select claim_id, chain_id, chain_root_missing, version_status from core.claim_versions "
                    "order by claim_id") == [
        {"claim_id": "B", "chain_id": "Z", "chain_root_missing": True, "version_status": "voided"},
        {"claim_id": "V", "chain_id": "Z", "chain_root_missing": True, "version_status": "void"},
    ]


def random_extract(rng: random.Random, versions: int = 60) -> list[dict]:
    """Random versions over a small pool of names: forks, cycles, orphans, lines that disagree
    on frequency and original, ZOLGENSMA lines on some versions only."""
    pool = [f"K{i:02d}" for i in range(versions + 15)]  # some names are never delivered
    lines = []
    for cid in rng.sample(pool, versions):
        for n in range(1, rng.randint(1, 3) + 1):
            code = rng.choices(["J3399", "J3490", "96365", "99213"], weights=[2, 1, 3, 6])[0]
            # as staging admits them: a frequency on every line, an original on every 7 and 8
            frequency = rng.choices(["1", "7", "8"], weights=[5, 4, 1])[0]
            lines.append(dict(
                claim_id=cid,
                line_number=n,
                frequency_code=frequency,
                original_claim_id=rng.choice(([] if frequency in "78" else [None, None]) + [cid] + pool[:25]),
                payer_id="ACME",
                member_id=rng.choice(["M1", "M2", None]),
                service_date=INFUSION + dt.timedelta(days=rng.randrange(5)),
                procedure_code=code,
                ndc=rng.choice(["71894-0134-07", "00009-0047-01", None]),
                units=Decimal("1"),
                oba_contract_id=rng.choice(["OBA-ACME-2024", None]),
                _delivery_seq=rng.randrange(1, 6),
                _row_number=rng.randrange(1, 4),
            ))
    return lines


@pytest.mark.parametrize("seed", range(30))
def test_kept_chains_are_exactly_what_the_whole_extract_gives(db, seed):
    """Differential: the model against the pre-scale logic over every version (the oracle)."""
    insert_lines(db, random_extract(random.Random(seed)))
    add_contract(db)
    run(db)
    db.execute(f"create temp table oracle as {ORACLE_SQL}")
    expected = db.execute(f"""
        select * from oracle
        where chain_id in (
            select o.chain_id from oracle o join staging.claims l using (claim_id) where {ZOLGENSMA_LINE}
        )
        order by claim_id
    """).fetchall()
    assert db.execute("select * from core.claim_versions order by claim_id").fetchall() == expected
    # the lines of exactly those versions, with the oracle's chain and status
    expected_lines = db.execute("""
        select l.claim_id, l.line_number, o.chain_id, o.version_status, o.is_current
        from staging.claims l join oracle o using (claim_id)
        where o.claim_id in (select claim_id from core.claim_versions)
        order by all
    """).fetchall()
    assert db.execute("""
        select claim_id, line_number, chain_id, version_status, is_current from core.claim_lines order by all
    """).fetchall() == expected_lines
