-- One row per treatment episode (spec outputs.md), with the episode claim's
-- billing findings counted so an analyst sees at once which episodes need work.
with episodes as (
    select * from {{ ref('claims__episodes') }}
),

finding_counts as (
    select
        claim_id,
        count(*) filter (where severity = 'error') as error_count,
        count(*) filter (where severity = 'warning') as warning_count,
        string_agg(rule_code, ', ' order by rule_code) as rule_codes
    from {{ ref('claims__claim_findings') }}
    group by claim_id
),

final as (
    select
        e.episode_id,
        e.payer_id,
        e.member_id,
        e.claim_id,
        e.infusion_date,
        e.weight_kg,
        e.contract_id,
        e.link_status,
        -- extras
        e.birth_date,
        c.age_months_at_infusion,
        c.under_two,
        c.weight_source,
        c.oba_contract_id,
        c.link_reason,
        c.person_infusion_claims - 1 as duplicate_infusion_claims,
        coalesce(f.error_count, 0) as finding_errors,
        coalesce(f.warning_count, 0) as finding_warnings,
        f.rule_codes as finding_rule_codes
    from episodes e
    join {{ ref('claims__infusion_claims') }} c using (claim_id)
    left join finding_counts f using (claim_id)
)

select * from final
