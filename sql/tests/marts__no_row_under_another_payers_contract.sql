-- No mart row of a payer is evaluated under another payer's contract: returns each row whose
-- contract belongs to a different payer. (Billing data may name another payer's contract:
-- claims keep it as billed in oba_contract_id and get an OBA_PAYER_MISMATCH finding; a
-- remittance naming one matches no milestone and shows as unmatched. Neither is checked here.)
with contracts as (
    select contract_id, payer_id from {{ source('staging', 'contracts') }}
),

rows_under_a_contract as (
    select 'treatment_episodes' as mart, episode_id, payer_id, contract_id
    from {{ ref('claims__treatment_episodes') }}
    union all
    select 'claims_missing_oba', episode_id, payer_id, suggested_contract_id
    from {{ ref('claims__claims_missing_oba') }}
    union all
    select 'milestone_status', episode_id, payer_id, contract_id
    from {{ ref('refunds__milestone_status') }}
    union all
    select 'refund_reconciliation', episode_id, payer_id, contract_id
    from {{ ref('refunds__refund_reconciliation') }}
    where episode_id is not null
    union all
    select 'refunds_at_risk', episode_id, payer_id, contract_id
    from {{ ref('refunds__refunds_at_risk') }}
    union all
    select 'assessment_worklist', episode_id, payer_id, contract_id
    from {{ ref('milestones__assessment_worklist') }}
),

final as (
    select r.mart, r.episode_id, r.payer_id, r.contract_id, c.payer_id as contract_payer_id
    from rows_under_a_contract as r
    join contracts as c using (contract_id)
    where c.payer_id <> r.payer_id
)

select * from final
