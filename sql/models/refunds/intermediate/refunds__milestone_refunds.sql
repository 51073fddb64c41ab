-- The refund each episode milestone owes (spec/contracts.md "Refunds").
--   refund_if_not_met  = round(price_basis x refund_pct / 100, 2), half away from zero
--   uncapped refund     = refund_if_not_met when not_met, or missing_evidence under
--                         `missing_evidence: refund`; else 0
--   refund_due_amount   = the uncapped refund limited, in timepoint order, by what is
--                         left of the episode cap price_basis x refund_cap_pct / 100
--   refund_at_risk      = the extra refund a pending / missing_evidence milestone under
--                         `no_refund` would owe if it ended not met (same cap, timepoint order)
with decisions as (
    select
        d.episode_id,
        d.payer_id,
        d.member_id,
        d.contract_id,
        d.timepoint_months,
        d.due_date,
        d.window_start,
        d.window_end,
        d.status,
        d.evidence,
        d.as_of_date,
        c.price_basis,
        c.refund_cap_pct,
        c.refund_due_days,
        c.missing_evidence as missing_evidence_policy,
        m.refund_pct
    from {{ ref('milestones__milestone_decisions') }} as d
    left join {{ source('staging', 'contracts') }} as c
        on c.contract_id = d.contract_id
    left join {{ source('staging', 'contract_milestones') }} as m
        on m.contract_id = d.contract_id
       and m.timepoint_months = d.timepoint_months
),

amounts as (
    select
        *,
        coalesce(round(price_basis::decimal(38, 10) * refund_pct * 0.01, 2), 0)::decimal(18, 2)
            as refund_if_not_met,
        coalesce(round(price_basis::decimal(38, 10) * refund_cap_pct * 0.01, 2), 0)::decimal(18, 2)
            as refund_cap_amount
    from decisions
),

owed as (
    select
        *,
        case
            when status = 'not_met' then refund_if_not_met
            when status = 'missing_evidence' and missing_evidence_policy = 'refund' then refund_if_not_met
            else 0
        end::decimal(18, 2) as refund_uncapped,
        (status in ('pending', 'missing_evidence') and missing_evidence_policy = 'no_refund')
            as refund_at_risk_flag
    from amounts
),

running as (
    select
        *,
        coalesce(
            sum(refund_uncapped) over (
                partition by episode_id
                order by timepoint_months
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as uncapped_before
    from owed
),

capped as (
    select
        *,
        greatest(least(refund_uncapped, refund_cap_amount - uncapped_before), 0)::decimal(18, 2)
            as refund_due_amount
    from running
),

at_risk_running as (
    select
        *,
        (refund_cap_amount - sum(refund_due_amount) over (partition by episode_id))
            as cap_remaining_after_due,
        case when refund_at_risk_flag then refund_if_not_met else 0 end::decimal(18, 2)
            as at_risk_potential
    from capped
),

at_risk as (
    select
        *,
        coalesce(
            sum(at_risk_potential) over (
                partition by episode_id
                order by timepoint_months
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as at_risk_potential_before
    from at_risk_running
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
        evidence,
        as_of_date,
        price_basis,
        refund_pct,
        refund_cap_pct,
        refund_due_days,
        missing_evidence_policy,
        refund_if_not_met,
        refund_cap_amount,
        refund_uncapped,
        refund_due_amount,
        case
            when refund_due_amount > 0 then (window_end + refund_due_days)::date
        end as refund_due_date,
        sum(refund_due_amount) over (
            partition by episode_id
            order by timepoint_months
            rows between unbounded preceding and current row
        )::decimal(18, 2) as episode_refund_due_to_date,
        case
            when refund_at_risk_flag
                then greatest(
                    least(at_risk_potential, cap_remaining_after_due - at_risk_potential_before),
                    0
                )
            else 0
        end::decimal(18, 2) as refund_at_risk_amount
    from at_risk
)

select * from final
