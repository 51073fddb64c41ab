-- Claim finding NDC_KIT_WEIGHT_MISMATCH (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        z.claim_id,
        'NDC_KIT_WEIGHT_MISMATCH' as rule_code,
        'billed kit ' || string_agg(distinct z.billed_kit_text, ', ' order by z.billed_kit_text)
            || '; weight ' || any_value(f.weight_text) || ' needs ' || any_value(f.expected_kit_text) as detail
    from {{ ref('claims__finding_zolgensma_lines') }} as z
    join {{ ref('claims__finding_facts') }} as f using (claim_id)
    where z.ndc_is_kit
      and f.expected_kit_ndc is not null
      and z.ndc <> f.expected_kit_ndc
    group by z.claim_id
)

select * from final
