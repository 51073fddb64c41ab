-- Permanent ventilation onset per person (spec/contracts.md "Evidence"): the
-- earliest of a tracheostomy event, a permanent_ventilation event, and the
-- first day of the first run of >= 14 consecutive calendar days of
-- respiratory_support with hours >= 16 and neither acute_reversible_illness
-- nor perioperative. Gaps and islands: qualifying days only; a missing day, a
-- day under 16 hours or a marked day is not a qualifying day and so breaks the
-- run (consecutive dates share support_date - row_number). run_min_hours is the
-- fewest hours of any day of the run: the figure that shows every day reached 16.
with params as (
    select {{ as_of() }}::date as as_of
),

onset_events as (
    select e.event_id, e.payer_id, e.member_id, e.event_type, e.event_date
    from {{ ref('identity__clinical_events') }} as e
    cross join params as p
    where e.event_type in ('tracheostomy', 'permanent_ventilation')
      and e.event_date <= p.as_of
),

qualifying_days as (
    select r.payer_id, r.member_id, r.support_date, min(r.hours) as hours
    from {{ ref('identity__respiratory_support') }} as r
    cross join params as p
    where r.support_date <= p.as_of
      and r.hours >= 16
      and not coalesce(r.acute_reversible_illness, false)
      and not coalesce(r.perioperative, false)
    group by r.payer_id, r.member_id, r.support_date
),

islands as (
    select
        payer_id,
        member_id,
        support_date,
        hours,
        support_date - cast(row_number() over (
            partition by payer_id, member_id order by support_date
        ) as integer) as island_key
    from qualifying_days
),

runs as (
    select
        payer_id,
        member_id,
        min(support_date) as run_start,
        max(support_date) as run_end,
        count(*) as run_days,
        min(hours) as run_min_hours
    from islands
    group by payer_id, member_id, island_key
),

first_run as (
    select *
    from runs
    where run_days >= 14
    qualify row_number() over (partition by payer_id, member_id order by run_start) = 1
),

candidates as (
    select
        payer_id,
        member_id,
        event_date as onset_date,
        event_type as onset_source,
        event_id as onset_event_id,
        cast(null as date) as run_start,
        cast(null as date) as run_end,
        cast(null as bigint) as run_days,
        event_type || ' event ' || event_id as onset_basis,
        case event_type when 'tracheostomy' then 1 else 2 end as source_rank
    from onset_events
    union all
    select
        payer_id,
        member_id,
        run_start,
        'respiratory_support_run',
        null,
        run_start,
        run_end,
        run_days,
        '16h/14d run ' || run_start::varchar || '..' || run_end::varchar
            || ' (' || run_days::varchar || ' days)',
        3
    from first_run
),

onset as (
    select *
    from candidates
    qualify row_number() over (
        partition by payer_id, member_id
        order by onset_date, source_rank, onset_event_id
    ) = 1
),

final as (
    select
        o.payer_id,
        o.member_id,
        o.onset_date,
        o.onset_source,
        o.onset_event_id,
        o.onset_basis,
        r.run_start,
        r.run_end,
        r.run_days,
        r.run_min_hours,
        p.as_of as as_of_date
    from onset as o
    cross join params as p
    left join first_run as r
        on r.payer_id = o.payer_id and r.member_id = o.member_id
)

select * from final
