-- Assessments that count as evidence at the as-of date (spec/contracts.md "Evidence"):
-- the current row per assessment_id (later delivery wins), dated on or before
-- the as-of date, and not entered_in_error (which removes it from all evidence).
with params as (
    select getvariable('as_of')::date as as_of
),

current_rows as (
    select a.*
    from staging.assessments as a
    qualify row_number() over (
        partition by a.assessment_id
        order by a._delivery_seq desc, a._row_number desc
    ) = 1
),

final as (
    select
        c.assessment_id,
        c.payer_id,
        c.member_id,
        c.assessment_date,
        c.instrument,
        c.score,
        c.milestone,
        c.achieved,
        coalesce(c.status, 'final') as status,
        c._delivery_seq,
        c._row_number
    from current_rows as c
    cross join params as p
    where c.assessment_date <= p.as_of
      and coalesce(c.status, 'final') <> 'entered_in_error'
)

select * from final
