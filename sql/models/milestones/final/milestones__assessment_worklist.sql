-- Pending milestones whose window is open or opens within 60 days of the as-of
-- date, with what evidence the criteria still lack (spec/outputs.md).
-- `needed` comes from core.criteria_results: only undecided leaves under
-- undecided parents; a leaf already met (or an any already met) needs nothing.
with params as (
    select {{ as_of() }}::date as as_of
),

pending as (
    select d.*
    from {{ ref('milestones__milestone_decisions') }} as d
    cross join params as p
    where d.status = 'pending'
      and d.window_start <= p.as_of + 60
      and d.window_end >= p.as_of
),

roots as (
    select episode_id, timepoint_months, result, detail, needed
    from {{ ref('milestones__criteria_results') }}
    where depth = 0
),

final as (
    select
        d.episode_id,
        d.payer_id,
        d.member_id,
        d.contract_id,
        d.timepoint_months,
        d.window_start,
        d.window_end,
        cast(d.window_end - p.as_of as integer) as days_until_window_end,
        coalesce(
            r.needed,
            case r.result
                when 'met' then 'nothing missing: criteria met by the evidence in hand so far'
                -- "so far": while the window is open a later score or motor assessment may still
                -- change it (a ventilation onset on or before the due date will not)
                when 'not_met' then 'nothing missing: criteria not met by the evidence in hand so far ('
                    || r.detail || ')'
                else 'criteria not defined for this milestone: check the contract'
            end
        ) as needed,
        d.enrolled,
        d.enrolled_on_due_date,
        d.last_contact_date,
        d.due_date,
        case when d.window_start <= p.as_of then 'open' else 'opens soon' end as window_state,
        greatest(cast(d.window_start - p.as_of as integer), 0) as days_until_window_start,
        coalesce(r.result, 'unknown') as criteria_result,
        p.as_of as as_of_date
    from pending as d
    cross join params as p
    left join roots as r
        on r.episode_id = d.episode_id and r.timepoint_months = d.timepoint_months
)

select * from final
