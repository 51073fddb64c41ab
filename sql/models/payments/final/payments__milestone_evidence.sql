-- The evidence that decided each milestone's criteria, as rows (spec/payments.md "Evidence for a
-- refund claim"): one row per piece of evidence of each leaf criterion of core.criteria_results.
--   alive / ventilator_free_survival  not_met: the death, and (ventilator-free survival) the
--                                     permanent ventilation onset, on or before the due date;
--                                     met: the latest contact (from the window start on)
--   score_min / score_gain            met / not_met: the selected in-window score (score_gain:
--                                     with its baseline score)
--   motor_milestone                   met: the assessment achieving it; not_met: the in-window
--                                     assessment not achieving it
--   unknown (any kind)                one row saying so, without a source: the evidence is absent
-- source_feed names the feed (assessments, clinical_events, respiratory_support); a respiratory
-- support run is identified by its first and last day ('YYYY-MM-DD..YYYY-MM-DD'), and its value is
-- the run's fewest hours of any day (every day of the run reached at least that).
with leaves as (
    select *
    from {{ ref('milestones__criteria_results') }}
    where kind not in ('all', 'any')
),

deaths as (
    select
        *,
        'death' as evidence_kind,
        'clinical_events' as source_feed,
        death_event_id as source_id,
        death_date as evidence_date,
        null::decimal(18, 6) as value
    from leaves
    where kind in ('alive', 'ventilator_free_survival') and result = 'not_met' and death_date <= due_date
),

ventilation as (
    select
        *,
        'permanent_ventilation_onset' as evidence_kind,
        case when pv_onset_source = 'respiratory_support_run' then 'respiratory_support' else 'clinical_events' end
            as source_feed,
        case
            when pv_onset_source = 'respiratory_support_run'
                then pv_run_start::varchar || '..' || pv_run_end::varchar
            else pv_onset_event_id
        end as source_id,
        pv_onset_date as evidence_date,
        case when pv_onset_source = 'respiratory_support_run' then pv_run_min_hours end::decimal(18, 6) as value
    from leaves
    where kind = 'ventilator_free_survival' and result = 'not_met' and pv_onset_date <= due_date
),

-- the latest contact (core.person_evidence): an assessment, an event, or a day of the
-- respiratory-support log (no id of its own: evidence_date is the day)
contacts as (
    select
        *,
        'contact' as evidence_kind,
        last_contact_feed as source_feed,
        last_contact_id as source_id,
        last_contact_date as evidence_date,
        null::decimal(18, 6) as value
    from leaves
    where kind in ('alive', 'ventilator_free_survival') and result = 'met'
),

scores as (
    select
        *,
        'score' as evidence_kind,
        'assessments' as source_feed,
        selected_assessment_id as source_id,
        selected_date as evidence_date,
        selected_score::decimal(18, 6) as value
    from leaves
    where kind in ('score_min', 'score_gain') and result in ('met', 'not_met')
),

motor as (
    select
        *,
        'motor_milestone' as evidence_kind,
        'assessments' as source_feed,
        case result when 'met' then achieved_assessment_id else not_achieved_assessment_id end as source_id,
        case result when 'met' then achieved_date else not_achieved_date end as evidence_date,
        null::decimal(18, 6) as value
    from leaves
    where kind = 'motor_milestone' and result in ('met', 'not_met')
),

absent as (
    select
        *,
        'none' as evidence_kind,
        null::varchar as source_feed,
        null::varchar as source_id,
        null::date as evidence_date,
        null::decimal(18, 6) as value
    from leaves
    where result = 'unknown'
),

pieces as (
    select * from deaths
    union all by name
    select * from ventilation
    union all by name
    select * from contacts
    union all by name
    select * from scores
    union all by name
    select * from motor
    union all by name
    select * from absent
),

final as (
    select
        episode_id,
        payer_id,
        member_id,
        contract_id,
        timepoint_months,
        kind as criterion_kind,
        instrument,
        threshold,
        milestone as milestone_code,
        result as criterion_result,
        source_feed,
        source_id,
        evidence_date,
        value,
        case when kind = 'score_gain' and evidence_kind = 'score' then baseline_score end::decimal(18, 6)
            as baseline_value,
        -- extras
        node_id,
        evidence_kind,
        case when kind = 'score_gain' and evidence_kind = 'score' then baseline_assessment_id end
            as baseline_source_id,
        case when kind = 'score_gain' and evidence_kind = 'score' then baseline_date end as baseline_date,
        detail,
        as_of_date
    from pieces
)

select * from final
