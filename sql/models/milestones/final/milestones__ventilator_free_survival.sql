-- Ventilator-free survival input, one row per treatment episode: the time from the
-- infusion to death or permanent ventilation onset (the event, whichever is first),
-- else to the child's last contact (censored), else to the as-of date when there is
-- no evidence at all. Months are calendar months as the milestones count them:
-- whole months m while infusion_date + m months (clamped to month end) <= end_date,
-- plus the part of the next calendar month reached. An end before the infusion
-- counts as the infusion date.
with episodes as (
    select episode_id, payer_id, member_id, contract_id, infusion_date
    from {{ ref('claims__episodes') }}
    where infusion_date is not null
),

events as (
    select
        e.*,
        p.death_date,
        v.onset_date,
        least(p.death_date, v.onset_date) as event_date,
        p.last_contact_date
    from episodes as e
    left join {{ ref('milestones__person_evidence') }} as p
        on p.payer_id = e.payer_id and p.member_id = e.member_id
    left join {{ ref('milestones__permanent_ventilation') }} as v
        on v.payer_id = e.payer_id and v.member_id = e.member_id
),

ended as (
    select
        *,
        event_date is not null as observed,
        case
            when event_date is null then null
            when death_date = event_date then 'death'
            else 'permanent_ventilation'
        end as event_type,
        case when event_date is null then coalesce(last_contact_date, {{ as_of() }}) end
            as censor_date,
        greatest(
            coalesce(event_date, last_contact_date, {{ as_of() }}), infusion_date
        ) as end_date
    from events
),

whole_months as (
    select
        *,
        datediff('month', infusion_date, end_date)
        - case
            when (infusion_date + to_months(datediff('month', infusion_date, end_date)))::date > end_date
                then 1
            else 0
        end as months
    from ended
),

final as (
    select
        episode_id,
        payer_id,
        member_id,
        contract_id,
        infusion_date,
        event_type,
        event_date,
        censor_date,
        end_date,
        observed,
        (end_date - infusion_date)::integer as days_from_infusion,
        round(
            months + (end_date - (infusion_date + to_months(months))::date)
            / ((infusion_date + to_months(months + 1))::date - (infusion_date + to_months(months))::date),
            4
        )::decimal(8, 4) as months_from_infusion,
        {{ as_of() }} as as_of_date
    from whole_months
)

select * from final
