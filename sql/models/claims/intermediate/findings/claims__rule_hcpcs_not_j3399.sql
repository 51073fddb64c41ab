-- Claim finding HCPCS_NOT_J3399 (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'HCPCS_NOT_J3399' as rule_code,
        'ZOLGENSMA billed under an unclassified code: '
            || string_agg('line ' || line_number::varchar || ' ' || procedure_code
                          || ' with NDC ' || ndc, ', ' order by line_number)
            || '; expected J3399' as detail
    from {{ ref('claims__finding_zolgensma_lines') }} as zolgensma_lines
    where procedure_code <> 'J3399'
    group by claim_id
)

select * from final
