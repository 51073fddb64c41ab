-- Claim finding DUPLICATE_LIFETIME_DOSE (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'DUPLICATE_LIFETIME_DOSE' as rule_code,
        'the person already has a ZOLGENSMA infusion: episode claim ' || episode_claim_id
            || ' infused ' || episode_infusion_date::varchar
            || '; expected one lifetime dose (this claim infused ' || infusion_date::varchar || ')' as detail
    from {{ ref('claims__finding_facts') }} as facts
    where not is_episode_claim
)

select * from final
