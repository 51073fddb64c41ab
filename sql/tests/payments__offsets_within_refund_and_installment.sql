-- Offsetting never changes a refund's amount nor takes more than an installment holds: the offsets of
-- a refund add up to at most its refund_due_amount, those of an installment to at most its amount.
with by_refund as (
    select episode_id, timepoint_months, max(refund_due_amount) as limit_amount, sum(offset_amount) as settled
    from {{ ref('payments__refund_offsets') }}
    group by episode_id, timepoint_months
),

by_installment as (
    select o.episode_id, o.installment_number, max(i.amount) as limit_amount, sum(o.offset_amount) as settled
    from {{ ref('payments__refund_offsets') }} as o
    join {{ ref('payments__episode_installments') }} as i
        on i.episode_id = o.episode_id and i.installment_number = o.installment_number
    group by o.episode_id, o.installment_number
),

final as (
    select 'refund' as what, episode_id, timepoint_months as number, limit_amount, settled
    from by_refund where settled > limit_amount
    union all
    select 'installment', episode_id, installment_number, limit_amount, settled
    from by_installment where settled > limit_amount
)

select * from final
