-- Claim finding AAV9_TITER_HIGH (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'AAV9_TITER_HIGH' as rule_code,
        'authorization ' || prior_auth_number || ' titer ' || aav9_titer
            || ' is not shown to be at most 1:50; expected 1:50 or below' as detail
    from {{ ref('claims__finding_titers') }} as parsed_titers
    where titer_form in ('ratio', 'below') and dilution > 50
)

select * from final
