-- Coverage of the person at each episode milestone (spec identity.md "Coverage: the enrollment
-- feed"). A person is enrolled on a date when a span of theirs, under any of their ids
-- (core.enrollment is keyed by the current member id), covers it: coverage_start <= date and
-- (coverage_end is null or date <= coverage_end). A person with no enrollment row at all is taken
-- to be enrolled throughout; this is judged person by person. Spans are taken as delivered, not
-- cut at the as-of date: a due date after the last covered day is known uncovered at once.
with params as (
    select {{ as_of() }}::date as as_of
),

windows as (
    select episode_id, timepoint_months, payer_id, member_id, due_date
    from {{ ref('milestones__milestone_windows') }}
),

spans as (
    select payer_id, member_id, coverage_start, coverage_end
    from {{ ref('identity__enrollment') }}
),

covered as (
    select
        w.episode_id,
        w.timepoint_months,
        count(s.coverage_start) > 0 as has_enrollment,
        coalesce(bool_or(w.due_date >= s.coverage_start
            and (s.coverage_end is null or w.due_date <= s.coverage_end)), false) as due_date_covered,
        coalesce(bool_or(p.as_of >= s.coverage_start
            and (s.coverage_end is null or p.as_of <= s.coverage_end)), false) as as_of_covered,
        max(s.coverage_end) filter (where s.coverage_end < w.due_date) as last_covered_day_before_due
    from windows as w
    cross join params as p
    left join spans as s
        on s.payer_id = w.payer_id and s.member_id = w.member_id
    group by w.episode_id, w.timepoint_months
),

final as (
    select
        episode_id,
        timepoint_months,
        has_enrollment,
        not has_enrollment or due_date_covered as enrolled_on_due_date,
        not has_enrollment or as_of_covered as enrolled,
        last_covered_day_before_due
    from covered
)

select * from final
