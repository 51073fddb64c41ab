"""Kit for a weight: weight rounded to 0.1 kg half up (exact decimals), then min <= w <= max."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from pipelines import REFERENCE_DIR
from tests.claims.helpers import add_contract, clean_auth, clean_claim, rows, run
from tests.conftest import insert

with (REFERENCE_DIR / "zolgensma_kits.csv").open(newline="") as fh:
    KITS = [
        (Decimal(r["weight_min_kg"]), Decimal(r["weight_max_kg"]), r["ndc_11"]) for r in csv.DictReader(fh)
    ]


def test_reference_has_37_kits():
    assert len(KITS) == 37


def kit_results(db, weights: list[Decimal], billed: list[str]) -> list[dict]:
    """One member per weight, each billed the given NDC; returns expected kit and kit/weight findings."""
    lines, auths = [], []
    for i, (w, ndc) in enumerate(zip(weights, billed)):
        member, pa = f"M{i:03d}", f"PA{i:03d}"
        lines += clean_claim(f"C{i:03d}", member_id=member, prior_auth_number=pa,
                             drug={"patient_weight_kg": w, "ndc": ndc})
        auths.append(clean_auth(pa, member_id=member))
    insert(db, "staging.claims", lines)
    insert(db, "staging.authorizations", auths)
    add_contract(db)
    run(db)
    return rows(
        db,
        """select c.claim_id, c.weight_kg, c.expected_kit_ndc,
                  list(f.rule_code order by f.rule_code) filter (where f.rule_code is not null) as rules
           from core.infusion_claims c
           left join marts.claim_findings f using (claim_id)
           group by all order by c.claim_id""",
    )


def test_lower_and_upper_weight_of_each_of_the_37_bands_map_to_its_kit(db):
    weights = [w for lo, hi, _ in KITS for w in (lo, hi)]
    ndcs = [ndc for _, _, ndc in KITS for _ in (0, 1)]
    result = kit_results(db, weights, ndcs)
    assert len(result) == 74
    for r, w, ndc in zip(result, weights, ndcs):
        assert (r["weight_kg"], r["expected_kit_ndc"]) == (w, ndc)
        assert r["rules"] in (None, []), (w, r["rules"])


def test_billing_the_neighbouring_kit_is_a_mismatch_for_every_band(db):
    weights = [lo for lo, _, _ in KITS]
    neighbours = [KITS[i + 1][2] if i + 1 < len(KITS) else KITS[i - 1][2] for i in range(len(KITS))]
    result = kit_results(db, weights, neighbours)
    assert all(r["rules"] == ["NDC_KIT_WEIGHT_MISMATCH"] for r in result)


@pytest.mark.parametrize(
    "weight, kit",
    [
        ("3.04", "71894-0120-02"),  # band 2.6-3.0
        ("3.049999", "71894-0120-02"),
        ("3.05", "71894-0121-03"),  # half up -> 3.1, band 3.1-3.5
        ("2.55", "71894-0120-02"),  # half up -> 2.6, inside the smallest band
        ("10.05", "71894-0135-07"),
        ("10.04", "71894-0134-07"),
        ("21.04", "71894-0156-14"),  # rounds to 21.0: the largest band, not over the ceiling
    ],
)
def test_weight_is_rounded_half_up_to_tenths_before_banding(db, weight, kit):
    (r,) = kit_results(db, [Decimal(weight)], [kit])
    assert r["expected_kit_ndc"] == kit
    assert r["rules"] in (None, [])


@pytest.mark.parametrize(
    "weight, rule",
    [("21.05", "WEIGHT_OVER_CEILING"), ("2.549999", "WEIGHT_BELOW_KIT_RANGE"), ("0.8", "WEIGHT_BELOW_KIT_RANGE")],
)
def test_weight_outside_the_kits_after_rounding_gets_its_weight_rule_only(db, weight, rule):
    # no kit exists for the weight, so the billed kit is not also reported as a mismatch
    (r,) = kit_results(db, [Decimal(weight)], ["71894-0156-14" if rule == "WEIGHT_OVER_CEILING" else "71894-0120-02"])
    assert r["expected_kit_ndc"] is None
    assert r["rules"] == [rule]


def test_core_rounds_decimals_half_away_from_zero_exactly(db):
    # the property the kit rule relies on (architecture.md): DECIMAL round is exact, half away from zero
    got = db.execute("select round(3.05::decimal(18,6), 1), round(3.04::decimal(18,6), 1), round(2.25::decimal(18,6), 1)").fetchone()
    assert got == (Decimal("3.1"), Decimal("3.0"), Decimal("2.3"))
