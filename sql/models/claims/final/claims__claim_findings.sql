-- One row per finding on a current infusion claim (spec claims.md "Claim
-- findings"): at most one row per (claim_id, rule_code); when a rule is broken
-- by several lines, `detail` names each of them (sorted, so it is stable).
-- Each rule is one step of its own: intermediate/findings/claims__rule_<rule_code>.sql.
with claims as (
    select * from {{ ref('claims__infusion_claims') }}
),

rules as (
    select * from {{ ref('claims__finding_rules') }}
),

all_findings as (
    select * from {{ ref('claims__rule_oba_link') }}
    union all
    select * from {{ ref('claims__rule_hcpcs_not_j3399') }}
    union all
    select * from {{ ref('claims__rule_units_not_one') }}
    union all
    select * from {{ ref('claims__rule_admin_cpt_invalid') }}
    union all
    select * from {{ ref('claims__rule_admin_cpt_missing') }}
    union all
    select * from {{ ref('claims__rule_ndc_missing') }}
    union all
    select * from {{ ref('claims__rule_ndc_not_a_kit') }}
    union all
    select * from {{ ref('claims__rule_ndc_kit_weight_mismatch') }}
    union all
    select * from {{ ref('claims__rule_weight_over_ceiling') }}
    union all
    select * from {{ ref('claims__rule_weight_below_kit_range') }}
    union all
    select * from {{ ref('claims__rule_age_at_infusion') }}
    union all
    select * from {{ ref('claims__rule_diagnosis_not_sma') }}
    union all
    select * from {{ ref('claims__rule_place_of_service_ineligible') }}
    union all
    select * from {{ ref('claims__rule_revenue_code_unexpected') }}
    union all
    select * from {{ ref('claims__rule_pa_missing') }}
    union all
    select * from {{ ref('claims__rule_pa_not_found') }}
    union all
    select * from {{ ref('claims__rule_pa_not_approved') }}
    union all
    select * from {{ ref('claims__rule_pa_member_mismatch') }}
    union all
    select * from {{ ref('claims__rule_aav9_titer_missing') }}
    union all
    select * from {{ ref('claims__rule_aav9_titer_unreadable') }}
    union all
    select * from {{ ref('claims__rule_aav9_titer_high') }}
    union all
    select * from {{ ref('claims__rule_aav9_titer_stale') }}
    union all
    select * from {{ ref('claims__rule_smn1_not_confirmed') }}
    union all
    select * from {{ ref('claims__rule_duplicate_lifetime_dose') }}
),

final as (
    select
        f.claim_id,
        c.payer_id,
        c.member_id,
        c.billed_member_id,
        c.infusion_date as service_date,
        f.rule_code,
        r.severity,
        f.detail,
        r.category,
        c.episode_id,
        c.is_episode_claim,
        c.prior_auth_number,
        c.oba_contract_id
    from all_findings f
    join rules r using (rule_code)
    join claims c using (claim_id)
    order by c.payer_id, c.member_id, f.claim_id, r.rule_order
)

select * from final
