-- Claim finding AAV9_TITER_UNREADABLE (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'AAV9_TITER_UNREADABLE' as rule_code,
        'authorization ' || prior_auth_number || ' titer ''' || aav9_titer
            || ''' is unreadable; expected 1:N, <1:N, negative or not detected' as detail
    from {{ ref('claims__finding_titers') }} as parsed_titers
    where titer_form = 'unreadable'
)

select * from final
