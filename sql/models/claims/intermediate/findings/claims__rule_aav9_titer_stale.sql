-- Claim finding AAV9_TITER_STALE (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'AAV9_TITER_STALE' as rule_code,
        case
            when aav9_titer_date is null then
                'authorization ' || prior_auth_number || ' titer has no date'
            else
                'titer dated ' || aav9_titer_date::varchar || ' is '
                || case
                       when infusion_date >= aav9_titer_date
                           then (infusion_date - aav9_titer_date)::varchar || ' days before'
                       else (aav9_titer_date - infusion_date)::varchar || ' days after'
                   end || ' the infusion date ' || infusion_date::varchar
        end || '; expected a titer dated 0 to 14 days before the infusion' as detail
    from {{ ref('claims__finding_titers') }} as parsed_titers
    where titer_form <> 'missing'
      and (aav9_titer_date is null or (infusion_date - aav9_titer_date) not between 0 and 14)
)

select * from final
