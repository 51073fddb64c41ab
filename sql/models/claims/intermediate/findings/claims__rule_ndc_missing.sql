-- Claim finding NDC_MISSING (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        f.claim_id,
        'NDC_MISSING' as rule_code,
        'no NDC on the ZOLGENSMA line(s); expected the kit NDC'
            || coalesce(' ' || f.expected_kit_text || ' for weight ' || f.weight_text, '') as detail
    from {{ ref('claims__finding_facts') }} as f
    where not exists (
        select 1 from {{ ref('claims__finding_zolgensma_lines') }} as z where z.claim_id = f.claim_id and z.ndc is not null
    )
)

select * from final
