-- Claim finding ADMIN_CPT_INVALID (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'ADMIN_CPT_INVALID' as rule_code,
        'administration billed as '
            || string_agg('line ' || line_number::varchar || ' ' || procedure_code || ' ('
                || case procedure_code
                       when '96413' then 'chemotherapy infusion, first hour'
                       when '96415' then 'chemotherapy infusion, additional hour'
                       when '96417' then 'chemotherapy infusion, sequential'
                       when '79101' then 'radiopharmaceutical therapy'
                       when '96374' then 'IV push'
                   end || ')', ', ' order by line_number)
            || '; expected 96365 (IV infusion, first hour)' as detail
    from {{ ref('claims__finding_lines') }} as lines
    where procedure_code in ('96413', '96415', '96417', '79101', '96374')
    group by claim_id
)

select * from final
