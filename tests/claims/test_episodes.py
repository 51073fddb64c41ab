"""core/marts.treatment_episodes: one episode per person, its id, weight, age and contract."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from tests.claims.helpers import BIRTH, INFUSION, add_contract, clean_auth, clean_claim, rows, rule_codes, run
from tests.conftest import insert

CORE_COLUMNS = [
    "episode_id", "payer_id", "member_id", "claim_id", "infusion_date",
    "birth_date", "weight_kg", "contract_id", "link_status",
]
MART_COLUMNS = [
    "episode_id", "payer_id", "member_id", "claim_id", "infusion_date", "weight_kg", "contract_id", "link_status",
]


def expected_episode_id(payer_id: str, member_id: str) -> str:
    def escaped(part: str) -> str:
        return part.replace("\\", "\\\\").replace("|", "\\|")

    return "EP-" + hashlib.md5(f"{escaped(payer_id)}|{escaped(member_id)}".encode()).hexdigest()[:16]


def test_episode_tables_start_with_the_interface_columns(db):
    run(db)
    core = [r[0] for r in db.execute("describe core.episodes").fetchall()]
    mart = [r[0] for r in db.execute("describe marts.treatment_episodes").fetchall()]
    assert core == CORE_COLUMNS  # the interface the milestones domain reads (docs/architecture.md)
    assert mart[: len(MART_COLUMNS)] == MART_COLUMNS
    findings = [r[0] for r in db.execute("describe marts.claim_findings").fetchall()]
    assert findings[:8] == [
        "claim_id", "payer_id", "member_id", "billed_member_id", "service_date", "rule_code", "severity", "detail"
    ]
    missing = [r[0] for r in db.execute("describe marts.claims_missing_oba").fetchall()]
    assert missing[:8] == [
        "claim_id", "payer_id", "member_id", "billed_member_id", "service_date", "oba_contract_id", "reason",
        "suggested_contract_id",
    ]


@pytest.mark.parametrize("people", [
    [("A|B", "C"), ("A", "B|C")],       # the separator inside an id
    [("A\\", "|B"), ("A\\|", "B")],     # the escape character inside an id
])
def test_two_people_never_share_an_episode_id(db, people):
    claims = []
    for i, (payer, member) in enumerate(people):
        claims += clean_claim(f"C{i}", payer_id=payer, member_id=member, prior_auth_number=None, oba_contract_id=None)
    insert(db, "staging.claims", claims)
    run(db)
    eps = rows(db, "select payer_id, member_id, episode_id from core.episodes order by claim_id")
    assert [(e["payer_id"], e["member_id"]) for e in eps] == people
    assert [e["episode_id"] for e in eps] == [expected_episode_id(*p) for p in people]
    assert len({e["episode_id"] for e in eps}) == 2


def test_one_episode_per_person_the_earliest_infusion_with_md5_episode_id(db):
    insert(
        db,
        "staging.claims",
        clean_claim("C2", service_date=INFUSION + dt.timedelta(days=30))
        + clean_claim("C1")
        # same member id at another payer is another person
        + clean_claim("C3", payer_id="BETA", prior_auth_number=None, oba_contract_id=None),
    )
    insert(db, "staging.authorizations", [clean_auth()])
    add_contract(db)
    run(db)
    eps = rows(db, "select * from core.episodes order by payer_id")
    assert all(len(e) == len(CORE_COLUMNS) for e in eps)
    assert [(e["payer_id"], e["member_id"], e["claim_id"]) for e in eps] == [("ACME", "M1", "C1"), ("BETA", "M1", "C3")]
    assert [e["episode_id"] for e in eps] == [expected_episode_id("ACME", "M1"), expected_episode_id("BETA", "M1")]
    acme = eps[0]
    assert (acme["infusion_date"], acme["birth_date"], acme["weight_kg"]) == (INFUSION, BIRTH, Decimal("10"))
    assert (acme["contract_id"], acme["link_status"]) == ("OBA-ACME-2024", "linked")
    mart = rows(db, "select * from marts.treatment_episodes where payer_id = 'ACME'")[0]
    assert mart["duplicate_infusion_claims"] == 1


def test_episode_weight_falls_back_to_the_same_persons_authorization(db):
    lines = clean_claim(drug={"patient_weight_kg": None, "ndc": "71894-0140-09"})
    insert(db, "staging.claims", lines)
    insert(db, "staging.authorizations", [clean_auth(weight_kg=Decimal("12.8"))])
    add_contract(db)
    run(db)
    (e,) = rows(db, "select weight_kg, weight_source from marts.treatment_episodes")
    assert e == {"weight_kg": Decimal("12.8"), "weight_source": "authorization"}
    assert rule_codes(db) == set()


@pytest.mark.parametrize(
    "birth, infusion, under_two, months",
    [
        (dt.date(2023, 3, 3), dt.date(2025, 3, 2), True, 23),
        (dt.date(2023, 3, 3), dt.date(2025, 3, 3), False, 24),
        # 2nd birthday of a leap-day baby is Feb 28 (month-end clamping)
        (dt.date(2024, 2, 29), dt.date(2026, 2, 27), True, 23),
        (dt.date(2024, 2, 29), dt.date(2026, 2, 28), False, 24),
        (dt.date(2025, 1, 31), dt.date(2025, 3, 3), True, 1),
    ],
)
def test_age_at_infusion_under_two_is_before_birth_plus_24_months(db, birth, infusion, under_two, months):
    insert(db, "staging.claims", clean_claim(patient_birth_date=birth, service_date=infusion))
    insert(db, "staging.authorizations", [clean_auth(aav9_titer_date=infusion - dt.timedelta(days=7))])
    add_contract(db)
    run(db)
    (e,) = rows(db, "select under_two, age_months_at_infusion from marts.treatment_episodes")
    assert e == {"under_two": under_two, "age_months_at_infusion": months}
    assert rule_codes(db) == (set() if under_two else {"AGE_AT_INFUSION"})


def test_results_do_not_depend_on_the_delivery_order_of_unrelated_claims(db):
    def load(order):
        claims = [
            clean_claim("C1"),
            clean_claim("C2", member_id="M2", oba_contract_id=None, drug={"ndc": "71894-0135-07"}),
            clean_claim("C3", member_id="M3", prior_auth_number=None, drug={"revenue_code": "0300"}),
        ]
        for seq, idx in enumerate(order, 1):
            insert(db, "staging.claims", [dict(l, _delivery_seq=seq) for l in claims[idx]])
        insert(db, "staging.authorizations", [clean_auth()])
        add_contract(db)
        run(db)
        out = (
            rows(db, "select * from marts.claim_findings order by claim_id, rule_code"),
            rows(db, "select * from marts.treatment_episodes order by episode_id"),
            rows(db, "select * from marts.claims_missing_oba order by claim_id"),
        )
        for t in ("claims", "authorizations", "contracts"):
            db.execute(f"delete from staging.{t}")
        return out

    first = load((0, 1, 2))
    # C2: OBA_ID_MISSING, NDC_KIT_WEIGHT_MISMATCH, PA_MEMBER_MISMATCH (PA1 is M1's); C3: PA_MISSING, REVENUE_CODE_UNEXPECTED
    assert len(first[0]) == 5 and len(first[1]) == 3 and len(first[2]) == 1
    assert load((2, 1, 0)) == first
