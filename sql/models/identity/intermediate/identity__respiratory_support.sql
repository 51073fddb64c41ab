-- staging.respiratory_support per person (spec identity.md): member_id = the person's current
-- member id, delivered_member_id the id as delivered. Two rows for one day under two ids of
-- one person are one day: the later delivery wins (the larger (_delivery_seq, _row_number)),
-- as for an amendment.
with mapped as (
    {{ current_member_id(source('staging', 'respiratory_support')) }}
),

final as (
    select *
    from mapped
    qualify row_number() over (
        partition by payer_id, member_id, support_date
        order by _delivery_seq desc, _row_number desc
    ) = 1
)

select * from final
