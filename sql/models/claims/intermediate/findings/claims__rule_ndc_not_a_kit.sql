-- Claim finding NDC_NOT_A_KIT (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        z.claim_id,
        'NDC_NOT_A_KIT' as rule_code,
        string_agg('line ' || z.line_number::varchar || ' NDC ' || z.ndc, ', ' order by z.line_number)
            || ' is not one of the 37 ZOLGENSMA kit NDCs; expected '
            || coalesce(any_value(f.expected_kit_text) || ' for weight ' || any_value(f.weight_text),
                        'a kit NDC 71894-0120-02 to 71894-0156-14') as detail
    from {{ ref('claims__finding_zolgensma_lines') }} as z
    join {{ ref('claims__finding_facts') }} as f using (claim_id)
    where z.ndc is not null and not z.ndc_is_kit
    group by z.claim_id
)

select * from final
