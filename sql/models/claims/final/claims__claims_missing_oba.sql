-- One row per current infusion claim with an OBA link problem (spec claims.md
-- "OBA linkage"), with what an analyst needs to fix it from this row alone.
with problems as (
    select * from {{ ref('claims__infusion_claims') }}
    where link_reason is not null
),

described as (
    select
        *,
        array_to_string(payer_contracts_effective, '; ') as effective_text,
        case link_reason
            when 'MISSING' then 'The claim carries no oba_contract_id.'
            when 'UNKNOWN_CONTRACT' then 'No contract has the id ' || oba_contract_id || ' (check for a typo).'
            when 'PAYER_MISMATCH' then 'Contract ' || oba_contract_id || ' belongs to payer '
                || billed_contract_payer_id || ', not to payer ' || payer_id || '.'
            when 'NOT_EFFECTIVE' then 'Contract ' || oba_contract_id || ' runs from '
                || billed_contract_effective_from::varchar || ' to '
                || coalesce(billed_contract_effective_to::varchar, 'open end')
                || ', which does not cover the infusion date ' || infusion_date::varchar || '.'
        end as problem_text
    from problems
),

final as (
    select
        claim_id,
        payer_id,
        member_id,
        billed_member_id,
        infusion_date as service_date,
        oba_contract_id,
        link_reason as reason,
        suggested_contract_id,
        -- extras for the analyst fixing the claim
        infusion_date,
        patient_birth_date,
        prior_auth_number,
        billing_npi,
        billed_contract_payer_id,
        case when billed_contract_exists then
            billed_contract_effective_from::varchar || ' to '
            || coalesce(billed_contract_effective_to::varchar, 'open')
        end as billed_contract_effective,
        payer_contract_count,
        payer_effective_contract_count,
        nullif(effective_text, '') as payer_contracts_effective,
        link_status,
        is_episode_claim,
        episode_id,
        problem_text || ' ' || case
            when suggested_contract_id is not null then
                'Set oba_contract_id to ' || suggested_contract_id || ', the only contract of payer '
                || payer_id || ' effective on ' || infusion_date::varchar
                || ', and resubmit the claim as a replacement (frequency 7).'
            when payer_effective_contract_count > 1 then
                'Payer ' || payer_id || ' has ' || payer_effective_contract_count::varchar
                || ' contracts effective on ' || infusion_date::varchar || ' (' || effective_text
                || '): confirm with the manufacturer which one applies, then resubmit with it.'
            when payer_contract_count > 0 then
                'None of the ' || payer_contract_count::varchar || ' contracts of payer ' || payer_id
                || ' is effective on ' || infusion_date::varchar
                || ': check the infusion date, or confirm coverage with the manufacturer.'
            else
                'Payer ' || payer_id || ' has no OBA contract loaded: confirm the contract with the '
                || 'manufacturer and load its contract file, or correct the id on the claim.'
        end || case when is_episode_claim then '' else
            ' Note: the person''s episode claim is ' || episode_claim_id
            || ' (infused ' || episode_infusion_date::varchar || '); this claim is also a duplicate lifetime dose.'
        end as fix
    from described
)

select * from final
