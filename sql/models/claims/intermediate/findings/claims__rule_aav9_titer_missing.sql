-- Claim finding AAV9_TITER_MISSING (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'AAV9_TITER_MISSING' as rule_code,
        'authorization ' || prior_auth_number
            || ' has no anti-AAV9 antibody titer; expected a titer of at most 1:50' as detail
    from {{ ref('claims__finding_titers') }} as parsed_titers
    where titer_form = 'missing'
)

select * from final
