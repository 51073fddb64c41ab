-- Assessments that count as evidence at the as-of date (spec/contracts.md "Evidence"):
-- the current row per assessment_id (staging's, where the later delivery won), dated on or before
-- the as-of date, and not entered_in_error (which removes it from all evidence).
with params as (
    select {{ as_of() }}::date as as_of
),

-- staging.assessments already holds one row per assessment_id, the later delivery's
-- (the loader's upsert, with a repeated id within a file quarantined): no ranking here.
-- 0.1-0.4 s a night at national scale went into re-ranking 500,000 unique ids.
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
    from {{ ref('identity__assessments') }} as c
    cross join params as p
    where c.assessment_date <= p.as_of
      and coalesce(c.status, 'final') <> 'entered_in_error'
)

select * from final
