-- An episode's refunds never add up to more than its cap (spec contracts.md): returns each
-- episode whose refund_due_amount total is above refund_cap_amount.
with final as (
    select
        episode_id,
        sum(refund_due_amount) as refunds_due,
        max(refund_cap_amount) as refund_cap_amount
    from {{ ref('refunds__milestone_status') }}
    group by episode_id
    having sum(refund_due_amount) > max(refund_cap_amount)
)

select * from final
