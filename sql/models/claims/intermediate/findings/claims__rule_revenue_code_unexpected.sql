-- Claim finding REVENUE_CODE_UNEXPECTED (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'REVENUE_CODE_UNEXPECTED' as rule_code,
        'ZOLGENSMA billed under '
            || string_agg('line ' || line_number::varchar || ' revenue code ' || revenue_code, ', '
                          order by line_number)
            || '; expected 0636, 0250 or 0260' as detail
    from {{ ref('claims__finding_zolgensma_lines') }} as zolgensma_lines
    where revenue_code not in ('0636', '0250', '0260')
    group by claim_id
)

select * from final
