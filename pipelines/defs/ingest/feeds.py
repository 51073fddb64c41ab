"""The input feeds of spec/feeds.md, column by column, as data.

This table is the one place the feed formats live. From it the loader builds the
typing SQL (text -> typed, with a quarantine reason per bad row) and the DDL of
the staging tables, so a column is described once.

Types (feeds.md "Types"):
  text      trimmed text
  upper     trimmed text, upper-cased (procedure codes)
  date      exactly YYYY-MM-DD, a real calendar date
  integer   optional '-', digits (a whole decimal such as '12.0' is accepted)
  decimal   optional '-', digits, optional '.' digits; at most 6 fractional digits
  money     a decimal with at most 2 fractional digits -> DECIMAL(18,2)
  boolean   true/false, t/f, yes/no, y/n, 1/0, any case
  code      one of `codes`, matched case-insensitively, stored in its canonical spelling
  ndc       5-4-2, 11 digits, or 10-digit 5-3-2 -> normalised to 5-4-2
  revenue   4 digits (3 digits get a leading 0)
  pos       2 digits (1 digit gets a leading 0)
  list      ';'-separated text -> VARCHAR[] (empty items dropped)
  icd_list  ';'-separated ICD-10-CM -> VARCHAR[], upper-cased, dot removed
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

SCORED_INSTRUMENTS = {"CHOP-INTEND": (0, 64), "HFMSE": (0, 66), "RHS": (0, 69)}
INSTRUMENTS = [*SCORED_INSTRUMENTS, "MOTOR_MILESTONE"]
MOTOR_MILESTONES = [
    "HEAD_CONTROL",
    "SITS_WITHOUT_SUPPORT_10S",
    "SITS_WITHOUT_SUPPORT_30S",
    "STANDS_WITH_ASSISTANCE",
    "STANDS_ALONE",
    "WALKS_WITH_ASSISTANCE",
    "WALKS_ALONE",
]

CLAIM_RESPONSES = ("accepted", "disputed", "rejected", "withdrawn")
DISPUTE_REASONS = ("NOT_ELIGIBLE", "EVIDENCE_INSUFFICIENT", "OUTSIDE_WINDOW", "LATE_SUBMISSION", "DUPLICATE",
                   "AMOUNT", "OTHER")


@dataclass(frozen=True)
class RangeBy:
    """Inclusive ranges of a column chosen by the value of another column: `ranges` holds
    (value of `column`, min, max); a row whose `column` has no listed value has no range."""

    column: str
    ranges: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Col:
    name: str
    type: str
    required: bool = False
    codes: tuple[str, ...] = ()
    min: Decimal | int | None = None  # inclusive
    max: Decimal | int | None = None  # inclusive
    min_exclusive: bool = False  # "> 0" rather than ">= 0"
    default: str | None = None  # SQL literal used when the value is missing
    # SQL boolean over the *typed* columns (t.<col>) saying when a non-required
    # column is required after all (e.g. original_claim_id on a 7 or 8).
    required_when: str | None = None
    # Ranges that depend on another column's value (a score's range is its instrument's).
    range_by: RangeBy | None = None
    # (reason, SQL boolean over the typed columns) saying when a present value is wrong given
    # another column's value: the row is quarantined as `<reason>:<name>`.
    invalid_when: tuple[str, str] | None = None
    description: str = ""


@dataclass(frozen=True)
class Feed:
    name: str
    key: tuple[str, ...]
    columns: tuple[Col, ...]
    description: str = ""

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


BOOL_WORDS = ("true", "false", "t", "f", "yes", "no", "y", "n", "1", "0")

FEEDS: dict[str, Feed] = {
    f.name: f
    for f in [
        Feed(
            "claims",
            key=("claim_id", "line_number"),
            description="Institutional claim lines (UB-04 / 837I), one row per claim line.",
            columns=(
                Col("claim_id", "text", True, description="Payer claim control number of this claim version"),
                Col("line_number", "integer", True, min=1, description="Line on the claim (>= 1)"),
                Col("frequency_code", "code", True, codes=("1", "7", "8"),
                    description="1 original, 7 replacement, 8 void (third digit of the type of bill)"),
                Col("original_claim_id", "text", required_when="t.frequency_code in ('7', '8')",
                    description="The claim_id this version replaces or voids (required on 7 and 8)"),
                Col("payer_id", "text", True),
                Col("member_id", "text", True),
                Col("patient_birth_date", "date", True),
                Col("service_date", "date", True, description="Line date of service"),
                Col("procedure_code", "upper", True, description="HCPCS or CPT, upper-cased"),
                Col("units", "decimal", True, min=0),
                Col("modifiers", "list", description="Modifiers, ';'-separated in the feed"),
                Col("revenue_code", "revenue", description="4-digit revenue code"),
                Col("place_of_service", "pos", description="2-digit place of service"),
                Col("ndc", "ndc", description="NDC normalised to 5-4-2 with dashes"),
                Col("ndc_unit", "code", codes=("ML", "UN", "GR", "F2")),
                Col("ndc_quantity", "decimal", min=0),
                Col("diagnosis_codes", "icd_list", description="ICD-10-CM codes, principal first, dot removed"),
                Col("prior_auth_number", "text"),
                Col("oba_contract_id", "text", description="Outcomes-based contract identifier as billed"),
                Col("billing_npi", "text"),
                Col("kit_lot_number", "text"),
                Col("patient_weight_kg", "decimal", min=0, min_exclusive=True,
                    description="Weight from the dose-build record"),
                Col("billed_amount", "money"),
                Col("paid_amount", "money"),
                Col("paid_date", "date"),
            ),
        ),
        Feed(
            "authorizations",
            key=("prior_auth_number",),
            description="Prior authorization records.",
            columns=(
                Col("prior_auth_number", "text", True),
                Col("payer_id", "text", True),
                Col("member_id", "text", True),
                Col("decision", "code", True, codes=("approved", "denied", "pended")),
                Col("decision_date", "date", True),
                Col("sma_type", "code", codes=("1", "2", "3", "4", "presymptomatic")),
                Col("smn1_biallelic", "boolean", description="Genetic confirmation of bi-allelic SMN1 mutation"),
                Col("smn2_copy_number", "integer", min=0, max=8),
                Col("aav9_titer", "text", description="Anti-AAV9 antibody titer as reported (judged in claims rules)"),
                Col("aav9_titer_date", "date"),
                Col("weight_kg", "decimal", min=0, min_exclusive=True),
                Col("weight_date", "date"),
                Col("planned_infusion_date", "date"),
                Col("treating_center_npi", "text"),
            ),
        ),
        Feed(
            "assessments",
            key=("assessment_id",),
            description="Motor function assessments and motor milestones.",
            columns=(
                Col("assessment_id", "text", True),
                Col("payer_id", "text", True),
                Col("member_id", "text", True),
                Col("assessment_date", "date", True),
                Col("instrument", "code", True, codes=tuple(INSTRUMENTS)),
                Col("score", "integer",
                    required_when="t.instrument in ('CHOP-INTEND', 'HFMSE', 'RHS')",
                    range_by=RangeBy("instrument", tuple((i, lo, hi) for i, (lo, hi) in SCORED_INSTRUMENTS.items())),
                    description="Score of a scored instrument ("
                    + ", ".join(f"{i} {lo}-{hi}" for i, (lo, hi) in SCORED_INSTRUMENTS.items()) + ")"),
                Col("milestone", "code", codes=tuple(MOTOR_MILESTONES),
                    required_when="t.instrument = 'MOTOR_MILESTONE'"),
                Col("achieved", "boolean", required_when="t.instrument = 'MOTOR_MILESTONE'"),
                Col("status", "code", codes=("final", "amended", "entered_in_error"), default="'final'"),
                Col("assessor_npi", "text"),
            ),
        ),
        Feed(
            "respiratory_support",
            key=("payer_id", "member_id", "support_date"),
            description="Daily respiratory support log, one row per person per day.",
            columns=(
                Col("payer_id", "text", True),
                Col("member_id", "text", True),
                Col("support_date", "date", True),
                Col("hours", "decimal", True, min=0, max=24,
                    description="Hours of respiratory assistance that day (non-invasive or invasive)"),
                Col("support_type", "code", codes=("none", "niv", "invasive")),
                Col("acute_reversible_illness", "boolean", default="false"),
                Col("perioperative", "boolean", default="false"),
            ),
        ),
        Feed(
            "clinical_events",
            key=("event_id",),
            description="Vital status and sentinel events.",
            columns=(
                Col("event_id", "text", True),
                Col("payer_id", "text", True),
                Col("member_id", "text", True),
                Col("event_type", "code", True,
                    codes=("death", "tracheostomy", "permanent_ventilation", "alive_contact")),
                Col("event_date", "date", True),
            ),
        ),
        Feed(
            "remittances",
            key=("remittance_id",),
            description="Refunds paid by the manufacturer (negative amounts are reversals).",
            columns=(
                Col("remittance_id", "text", True),
                Col("contract_id", "text", True),
                Col("payer_id", "text", True),
                Col("member_id", "text", True),
                # no range (feeds.md gives none): a timepoint no contract has matches no
                # milestone and shows as an unmatched remittance, the money in view
                Col("timepoint_months", "integer", True),
                Col("amount", "money", True),
                Col("remitted_date", "date", True),
                Col("reference", "text", description="The manufacturer's payment reference"),
            ),
        ),
        Feed(
            "payments",
            key=("payment_id",),
            description="Installment payments from the payer to the manufacturer (negative amounts are "
            "reversals; spec payments.md).",
            columns=(
                Col("payment_id", "text", True),
                Col("contract_id", "text", True),
                Col("payer_id", "text", True),
                Col("member_id", "text", True),
                Col("installment_number", "integer", True, min=1,
                    description="1 for the first installment of the contract's payment.installments"),
                Col("amount", "money", True),
                Col("paid_date", "date", True),
                Col("reference", "text", description="The payer's payment reference"),
            ),
        ),
        Feed(
            "refund_claims",
            key=("refund_claim_id",),
            description="The payer's refund claims to the manufacturer and the answers received; a later "
            "delivery of the same id updates the claim (spec payments.md).",
            columns=(
                Col("refund_claim_id", "text", True),
                Col("contract_id", "text", True),
                Col("payer_id", "text", True),
                Col("member_id", "text", True),
                Col("timepoint_months", "integer", True, description="The milestone claimed"),
                Col("submitted_date", "date", True),
                Col("amount_claimed", "money", True),
                Col("response", "code", codes=CLAIM_RESPONSES,
                    description="The manufacturer's answer; missing = no answer yet"),
                Col("response_date", "date", required_when="t.response is not null"),
                Col("dispute_reason", "code", codes=DISPUTE_REASONS,
                    required_when="t.response in ('disputed', 'rejected')"),
                Col("note", "text"),
            ),
        ),
        Feed(
            "member_crosswalk",
            key=("payer_id", "previous_member_id"),
            description="Member id changes: from effective_date the payer knows previous_member_id as member_id.",
            columns=(
                Col("payer_id", "text", True),
                Col("previous_member_id", "text", True, description="The id the person was known by"),
                Col("member_id", "text", True,
                    invalid_when=("BAD_CODE", 't."member_id" = t."previous_member_id"'),
                    description="The id the person is known by from effective_date (never previous_member_id)"),
                Col("effective_date", "date", True, description="Shown, not used to split history"),
            ),
        ),
        Feed(
            "enrollment",
            key=("payer_id", "member_id", "coverage_start"),
            description="Coverage spans: the person is enrolled from coverage_start to coverage_end.",
            columns=(
                Col("payer_id", "text", True),
                Col("member_id", "text", True),
                Col("coverage_start", "date", True, description="First covered day"),
                Col("coverage_end", "date",
                    invalid_when=("OUT_OF_RANGE", 't."coverage_end" < t."coverage_start"'),
                    description="Last covered day; missing = still covered"),
            ),
        ),
    ]
}

TABULAR_FEEDS = list(FEEDS)  # load order does not matter between feeds
ALL_FEEDS = [*TABULAR_FEEDS, "contracts"]

SQL_TYPES = {
    "text": "VARCHAR",
    "upper": "VARCHAR",
    "date": "DATE",
    "integer": "INTEGER",
    "decimal": "DECIMAL(18,6)",
    "money": "DECIMAL(18,2)",
    "boolean": "BOOLEAN",
    "code": "VARCHAR",
    "ndc": "VARCHAR",
    "revenue": "VARCHAR",
    "pos": "VARCHAR",
    "list": "VARCHAR[]",
    "icd_list": "VARCHAR[]",
}

# Lineage columns carried by every staging row: which delivery it came from.
# `_delivery_seq` orders files across runs ("the later delivery wins"); the
# row number orders rows within one file.
LINEAGE_COLUMNS = (
    ("_delivery_seq", "BIGINT"),
    ("_file_path", "VARCHAR"),
    ("_row_number", "BIGINT"),
)


def staging_ddl(feed: Feed, table: str) -> str:
    cols = [f'"{c.name}" {SQL_TYPES[c.type]}' for c in feed.columns]
    cols += [f"{n} {t}" for n, t in LINEAGE_COLUMNS]
    return f"create table if not exists {table} (\n  " + ",\n  ".join(cols) + "\n)"
