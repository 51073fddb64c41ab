-- The current lines of the infusion claims the finding rules judge.
with final as (
    select l.*
    from {{ ref('claims__claim_lines') }} l
    join {{ ref('claims__infusion_claims') }} c using (claim_id)
    where l.is_current
)

select * from final
