-- Claim findings OBA_ID_MISSING, OBA_ID_UNKNOWN, OBA_PAYER_MISMATCH and OBA_NOT_EFFECTIVE (spec
-- claims.md "Claim findings"): one row per current infusion claim whose OBA link has a problem
-- (core.infusion_claims.link_reason), with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        case link_reason
            when 'MISSING' then 'OBA_ID_MISSING'
            when 'UNKNOWN_CONTRACT' then 'OBA_ID_UNKNOWN'
            when 'PAYER_MISMATCH' then 'OBA_PAYER_MISMATCH'
            when 'NOT_EFFECTIVE' then 'OBA_NOT_EFFECTIVE'
        end as rule_code,
        case link_reason
            when 'MISSING' then 'no oba_contract_id on the claim'
            when 'UNKNOWN_CONTRACT' then 'oba_contract_id ' || oba_contract_id || ' matches no contract'
            when 'PAYER_MISMATCH' then 'oba_contract_id ' || oba_contract_id || ' belongs to payer '
                || billed_contract_payer_id
            when 'NOT_EFFECTIVE' then 'oba_contract_id ' || oba_contract_id || ' is effective '
                || billed_contract_effective_from::varchar || ' to '
                || coalesce(billed_contract_effective_to::varchar, 'open')
                || ', not on the infusion date ' || infusion_date::varchar
        end || '; expected a contract of payer ' || payer_id || ' effective on '
            || infusion_date::varchar || ' (effective that day: ' || effective_text || ')'
            || coalesce('; suggested ' || suggested_contract_id, '') as detail
    from {{ ref('claims__finding_facts') }} as facts
    where link_reason is not null
)

select * from final
