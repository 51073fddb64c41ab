-- One treatment episode per person (payer_id, member_id): their earliest
-- infusion claim (ties: the lexically smallest claim_id), spec claims.md
-- "Treatment episodes". Read by the milestones domain: exactly the columns of
-- docs/architecture.md (extras live in core.infusion_claims / marts.treatment_episodes).
with episode_claims as (
    select * from {{ ref('claims__infusion_claims') }}
    where is_episode_claim
),

final as (
    select
        episode_id,
        payer_id,
        member_id,
        claim_id,
        infusion_date,
        patient_birth_date as birth_date,
        weight_kg,
        contract_id,
        link_status
    from episode_claims
)

select * from final
