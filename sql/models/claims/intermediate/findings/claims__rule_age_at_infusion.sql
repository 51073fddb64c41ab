-- Claim finding AGE_AT_INFUSION (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'AGE_AT_INFUSION' as rule_code,
        'infused ' || infusion_date::varchar || ' at ' || age_months_at_infusion::varchar
            || ' months (born ' || patient_birth_date::varchar || '); expected infusion before the 2nd birthday '
            || second_birthday::varchar as detail
    from {{ ref('claims__finding_facts') }} as facts
    where not under_two
)

select * from final
