-- staging.respiratory_support per person (spec identity.md): member_id = the person's current
-- member id, delivered_member_id the id as delivered. Two rows for one day under two ids of
-- one person are one day: the later delivery wins (the larger (_delivery_seq, _row_number)),
-- as for an amendment. Staging already holds one row per (payer, id, day), so only a person
-- known by several ids can have a day twice, and only their rows are ranked: the log is
-- millions of rows, and this view is read by two models every night.
with mapped as (
    {{ current_member_id(source('staging', 'respiratory_support')) }}
),

several_ids as (
    select distinct payer_id, current_member_id as member_id
    from {{ ref('identity__member_ids') }}
),

one_id as (
    select mapped.*
    from mapped
    anti join several_ids as s
        on s.payer_id = mapped.payer_id and s.member_id = mapped.member_id
),

later_delivery_wins as (
    select mapped.*
    from mapped
    semi join several_ids as s
        on s.payer_id = mapped.payer_id and s.member_id = mapped.member_id
    qualify row_number() over (
        partition by mapped.payer_id, mapped.member_id, mapped.support_date
        order by mapped._delivery_seq desc, mapped._row_number desc
    ) = 1
),

final as (
    select * from one_id
    union all
    select * from later_delivery_wins
)

select * from final
