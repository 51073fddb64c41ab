-- One decision per episode milestone (spec/contracts.md "Milestone status").
--   not_met           a death on or before the due date (decided as soon as recorded)
--   pending           otherwise, while as-of <= window end
--   met / not_met     window closed, criteria met / not met
--   missing_evidence  window closed, criteria unknown (or no criteria defined)
--   disenrolled       under on_disenrollment: stop, the person is not enrolled on the due date
--                     (spec identity.md): only a death on or before the due date overrides it
--                     (not_met); not the criteria, not permanent ventilation, not an open window.
--                     Rule test: disenrolled_under_stop_unless_dead_by_the_due_date
with params as (
    select {{ as_of() }}::date as as_of
),

windows as (
    select * from {{ ref('milestones__milestone_windows') }}
),

roots as (
    select episode_id, timepoint_months, result, detail
    from {{ ref('milestones__criteria_results') }}
    where depth = 0
),

scores as (
    select
        episode_id,
        timepoint_months,
        list(selected_assessment_id order by instrument)
            filter (where selected_assessment_id is not null) as selected_assessment_ids,
        list(baseline_assessment_id order by instrument)
            filter (where baseline_assessment_id is not null) as baseline_assessment_ids
    from {{ ref('milestones__milestone_scores') }}
    group by episode_id, timepoint_months
),

joined as (
    select
        w.*,
        p.as_of,
        r.result as criteria_result,
        r.detail as criteria_detail,
        pe.death_date,
        pe.death_event_id,
        pe.last_contact_date,
        pv.onset_date as pv_onset_date,
        pv.onset_basis as pv_onset_basis,
        s.selected_assessment_ids,
        s.baseline_assessment_ids,
        cv.enrolled,
        cv.enrolled_on_due_date,
        cv.last_covered_day_before_due,
        coalesce(pe.death_date <= w.due_date, false) as died_by_due
    from windows as w
    cross join params as p
    left join roots as r
        on r.episode_id = w.episode_id and r.timepoint_months = w.timepoint_months
    left join {{ ref('milestones__person_evidence') }} as pe
        on pe.payer_id = w.payer_id and pe.member_id = w.member_id
    left join {{ ref('milestones__permanent_ventilation') }} as pv
        on pv.payer_id = w.payer_id and pv.member_id = w.member_id
    left join scores as s
        on s.episode_id = w.episode_id and s.timepoint_months = w.timepoint_months
    join {{ ref('milestones__milestone_coverage') }} as cv
        on cv.episode_id = w.episode_id and cv.timepoint_months = w.timepoint_months
),

decided as (
    select
        *,
        case
            when died_by_due then 'not_met'
            when on_disenrollment = 'stop' and not enrolled_on_due_date then 'disenrolled'
            when as_of <= window_end then 'pending'
            when criteria_result = 'met' then 'met'
            when criteria_result = 'not_met' then 'not_met'
            else 'missing_evidence'
        end as status
    from joined
),

final as (
    select
        episode_id,
        payer_id,
        member_id,
        contract_id,
        timepoint_months,
        due_date,
        window_start,
        window_end,
        status,
        case
            when died_by_due then
                'death ' || death_date::varchar || ' (event ' || death_event_id || ') on/before due '
                || due_date::varchar
            when status = 'disenrolled' then
                'disenrolled: not enrolled on due ' || due_date::varchar || ' ('
                || coalesce('coverage ended ' || last_covered_day_before_due::varchar,
                            'no coverage span covers it')
                || '; on_disenrollment: stop)'
            when status = 'pending' then
                'pending until window end ' || window_end::varchar || ' (window '
                || window_start::varchar || '..' || window_end::varchar || '); evidence so far: '
                || coalesce(criteria_detail, 'no criteria defined for this milestone')
            when criteria_detail is null then
                'missing_evidence: no criteria defined for this milestone'
            else status || ': ' || criteria_detail
        end as evidence,
        as_of as as_of_date,
        coalesce(criteria_result, 'unknown') as criteria_result,
        infusion_date,
        death_date,
        death_event_id,
        pv_onset_date,
        pv_onset_basis,
        last_contact_date,
        on_disenrollment,
        enrolled,
        enrolled_on_due_date,
        coalesce(selected_assessment_ids, []::varchar[]) as selected_assessment_ids,
        coalesce(baseline_assessment_ids, []::varchar[]) as baseline_assessment_ids
    from decided
)

select * from final
