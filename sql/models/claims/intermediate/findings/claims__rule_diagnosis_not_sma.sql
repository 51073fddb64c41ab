-- Claim finding DIAGNOSIS_NOT_SMA (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        f.claim_id,
        'DIAGNOSIS_NOT_SMA' as rule_code,
        'diagnosis codes billed: ' || coalesce(d.dx_text, 'none')
            || '; expected one of G12.0, G12.1, G12.8, G12.9 (spinal muscular atrophy)' as detail
    from {{ ref('claims__finding_facts') }} as f
    left join {{ ref('claims__finding_diagnoses') }} as d using (claim_id)
    where not coalesce(d.has_sma, false)
)

select * from final
