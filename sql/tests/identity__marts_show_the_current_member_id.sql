-- Every mart's member_id is the person's current member id (spec identity.md): returns each mart
-- row whose member_id is an id the crosswalk renames to another (core.member_ids).
with shown as (
    select 'treatment_episodes' as mart, payer_id, member_id from {{ ref('claims__treatment_episodes') }}
    union all
    select 'claim_findings', payer_id, member_id from {{ ref('claims__claim_findings') }}
    union all
    select 'claims_missing_oba', payer_id, member_id from {{ ref('claims__claims_missing_oba') }}
    union all
    select 'milestone_status', payer_id, member_id from {{ ref('refunds__milestone_status') }}
    union all
    select 'refund_reconciliation', payer_id, member_id from {{ ref('refunds__refund_reconciliation') }}
    union all
    select 'assessment_worklist', payer_id, member_id from {{ ref('milestones__assessment_worklist') }}
    union all
    select 'installment_schedule', payer_id, member_id from {{ ref('payments__installment_schedule') }}
    union all
    select 'refund_claims', payer_id, member_id from {{ ref('payments__refund_claims') }}
    union all
    select 'milestone_evidence', payer_id, member_id from {{ ref('payments__milestone_evidence') }}
),

final as (
    select s.mart, s.payer_id, s.member_id, m.current_member_id
    from shown as s
    join {{ ref('identity__member_ids') }} as m
        on m.payer_id = s.payer_id and m.member_id = s.member_id
)

select * from final
