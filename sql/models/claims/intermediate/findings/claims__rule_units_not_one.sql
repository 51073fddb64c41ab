-- Claim finding UNITS_NOT_ONE (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'UNITS_NOT_ONE' as rule_code,
        'ZOLGENSMA lines add up to ' || rtrim(rtrim(zolgensma_units::varchar, '0'), '.')
            || ' units; expected exactly 1' as detail
    from {{ ref('claims__finding_facts') }} as facts
    where zolgensma_units <> 1
)

select * from final
