-- Claim finding WEIGHT_OVER_CEILING (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'WEIGHT_OVER_CEILING' as rule_code,
        'weight ' || weight_text || ' is over 21.0 kg; expected at most 21.0 kg (the largest kit covers 20.6–21.0 kg)' as detail
    from {{ ref('claims__finding_facts') }} as facts
    where weight_rounded_kg > 21.0
)

select * from final
