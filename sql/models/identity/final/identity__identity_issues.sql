-- One row per crosswalk row that could not be applied (spec identity.md, outputs.md):
-- reason CYCLE for every row whose id does not resolve to a current member id, i.e. a row
-- on a cycle (A -> B, B -> A, however many steps and files) or a row whose chain runs
-- into one. Those ids are not merged: each keeps its own id.
with final as (
    select
        x.payer_id,
        x.previous_member_id,
        x.member_id,
        x.effective_date,
        'CYCLE' as reason
    from {{ source('staging', 'member_crosswalk') }} as x
    anti join {{ ref('identity__member_ids') }} as m
        on m.payer_id = x.payer_id and m.member_id = x.previous_member_id
)

select * from final
