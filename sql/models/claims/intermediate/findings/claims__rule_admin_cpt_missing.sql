-- Claim finding ADMIN_CPT_MISSING (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        f.claim_id,
        'ADMIN_CPT_MISSING' as rule_code,
        'no line with 96365; expected 96365 (IV infusion, first hour) for the ZOLGENSMA infusion' as detail
    from {{ ref('claims__finding_facts') }} as f
    where not exists (
        select 1 from {{ ref('claims__finding_lines') }} as l where l.claim_id = f.claim_id and l.procedure_code = '96365'
    )
)

select * from final
