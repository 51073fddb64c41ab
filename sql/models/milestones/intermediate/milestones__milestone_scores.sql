-- For every episode milestone and every instrument its criteria score
-- (score_min / score_gain): the selected in-window score and the baseline.
--   selected (closest_to_due): nearest the due date; ties -> later date, later delivery
--   selected (best): highest score; ties -> nearest the due date, later date, later delivery
--   baseline: latest score dated in [infusion - baseline_window_days, infusion]; ties -> later delivery
-- "Later delivery" is the larger (_delivery_seq, _row_number); assessment_id last for determinism.
with windows as (
    select * from {{ ref('milestones__milestone_windows') }}
),

score_instruments as (
    select distinct contract_id, timepoint_months, instrument
    from {{ source('staging', 'contract_criteria') }}
    where kind in ('score_min', 'score_gain')
      and instrument is not null
),

targets as (
    select w.*, i.instrument
    from windows as w
    join score_instruments as i
        on i.contract_id = w.contract_id and i.timepoint_months = w.timepoint_months
),

scores as (
    select *
    from {{ ref('milestones__assessment_evidence') }}
    where instrument in ('CHOP-INTEND', 'HFMSE', 'RHS')
      and score is not null
),

in_window as (
    select
        t.episode_id,
        t.timepoint_months,
        t.instrument,
        s.assessment_id,
        s.assessment_date,
        s.score,
        count(*) over (
            partition by t.episode_id, t.timepoint_months, t.instrument
        ) as scores_in_window,
        row_number() over (
            partition by t.episode_id, t.timepoint_months, t.instrument
            order by
                case when t.assessment_selection = 'best' then s.score end desc nulls last,
                abs(s.assessment_date - t.due_date),
                s.assessment_date desc,
                s._delivery_seq desc,
                s._row_number desc,
                s.assessment_id desc
        ) as selection_rank
    from targets as t
    join scores as s
        on s.payer_id = t.payer_id
       and s.member_id = t.member_id
       and s.instrument = t.instrument
       and s.assessment_date between t.window_start and t.window_end
),

baselines as (
    select
        t.episode_id,
        t.timepoint_months,
        t.instrument,
        s.assessment_id,
        s.assessment_date,
        s.score
    from targets as t
    join scores as s
        on s.payer_id = t.payer_id
       and s.member_id = t.member_id
       and s.instrument = t.instrument
       and s.assessment_date between t.baseline_start and t.infusion_date
    qualify row_number() over (
        partition by t.episode_id, t.timepoint_months, t.instrument
        order by s.assessment_date desc, s._delivery_seq desc, s._row_number desc, s.assessment_id desc
    ) = 1
),

final as (
    select
        t.episode_id,
        t.payer_id,
        t.member_id,
        t.contract_id,
        t.timepoint_months,
        t.instrument,
        t.assessment_selection,
        t.due_date,
        t.window_start,
        t.window_end,
        coalesce(w.scores_in_window, 0) as scores_in_window,
        w.assessment_id as selected_assessment_id,
        w.assessment_date as selected_date,
        w.score as selected_score,
        t.baseline_start,
        t.infusion_date as baseline_end,
        b.assessment_id as baseline_assessment_id,
        b.assessment_date as baseline_date,
        b.score as baseline_score
    from targets as t
    left join in_window as w
        on w.episode_id = t.episode_id
       and w.timepoint_months = t.timepoint_months
       and w.instrument = t.instrument
       and w.selection_rank = 1
    left join baselines as b
        on b.episode_id = t.episode_id
       and b.timepoint_months = t.timepoint_months
       and b.instrument = t.instrument
)

select * from final
