-- Claim finding PLACE_OF_SERVICE_INELIGIBLE (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'PLACE_OF_SERVICE_INELIGIBLE' as rule_code,
        'ZOLGENSMA billed at '
            || string_agg('line ' || line_number::varchar || ' place of service ' || place_of_service || ' ('
                || case place_of_service
                       when '11' then 'office'
                       when '12' then 'home'
                       when '49' then 'ambulatory infusion'
                   end || ')', ', ' order by line_number)
            || '; expected a facility setting, not 11, 12 or 49' as detail
    from {{ ref('claims__finding_zolgensma_lines') }} as zolgensma_lines
    where place_of_service in ('11', '12', '49')
    group by claim_id
)

select * from final
