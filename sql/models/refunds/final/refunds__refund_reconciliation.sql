-- Refunds owed vs remitted (spec/outputs.md "marts.refund_reconciliation").
-- Remittances dated after the as-of date do not exist yet. They match an episode
-- milestone on (contract_id, payer_id, member_id, timepoint_months) and add up,
-- reversals (negative amounts) included. Part of a refund may be settled against the
-- payer's installments (offset_amount, core.refund_offsets); the rest is the cash refund,
-- which status compares with what was remitted:  cash_refund_amount = due - offset,
-- balance = due - offset - remitted.
--   unpaid          a cash refund above 0 and net remitted <= 0 (nothing, or reversed back to 0)
--   partially_paid  0 < net remitted < cash refund
--   paid            net remitted = cash refund, to the cent
--   overpaid        net remitted > cash refund (any remittance against a fully offset refund)
--   offset          the whole refund was settled against installments, nothing remitted
--   unmatched       remittances where the milestone owes nothing, or no episode milestone exists
with remittances as (
    select
        contract_id,
        payer_id,
        member_id,
        timepoint_months,
        sum(amount)::decimal(18, 2) as remitted_amount,
        count(*) as remittance_count,
        max(remitted_date) as last_remitted_date
    from {{ ref('identity__remittances') }}
    where remitted_date <= {{ as_of() }}
    group by contract_id, payer_id, member_id, timepoint_months
),

offsets as (
    select episode_id, timepoint_months, sum(offset_amount)::decimal(18, 2) as offset_amount
    from {{ ref('payments__refund_offsets') }}
    group by episode_id, timepoint_months
),

milestones as (
    select
        r.episode_id,
        r.contract_id,
        r.payer_id,
        r.member_id,
        r.timepoint_months,
        r.status as milestone_status,
        r.refund_due_amount,
        r.refund_due_date,
        coalesce(o.offset_amount, 0)::decimal(18, 2) as offset_amount
    from {{ ref('refunds__milestone_refunds') }} as r
    left join offsets as o
        on o.episode_id = r.episode_id
       and o.timepoint_months = r.timepoint_months
),

matched as (
    select
        m.contract_id,
        m.payer_id,
        m.member_id,
        m.episode_id,
        m.timepoint_months,
        m.milestone_status,
        m.refund_due_amount,
        m.refund_due_date,
        m.offset_amount,
        coalesce(r.remitted_amount, 0)::decimal(18, 2) as remitted_amount,
        coalesce(r.remittance_count, 0) as remittance_count,
        r.last_remitted_date
    from milestones as m
    left join remittances as r
        on r.contract_id = m.contract_id
       and r.payer_id = m.payer_id
       and r.member_id = m.member_id
       and r.timepoint_months = m.timepoint_months
    where m.refund_due_amount > 0
       or r.contract_id is not null
),

orphans as (
    select
        r.contract_id,
        r.payer_id,
        r.member_id,
        null::varchar as episode_id,
        r.timepoint_months,
        null::varchar as milestone_status,
        0::decimal(18, 2) as refund_due_amount,
        null::date as refund_due_date,
        0::decimal(18, 2) as offset_amount,
        r.remitted_amount,
        r.remittance_count,
        r.last_remitted_date
    from remittances as r
    anti join milestones as m
        on m.contract_id = r.contract_id
       and m.payer_id = r.payer_id
       and m.member_id = r.member_id
       and m.timepoint_months = r.timepoint_months
),

unioned as (
    select * from matched
    union all
    select * from orphans
),

final as (
    select
        contract_id,
        payer_id,
        member_id,
        episode_id,
        timepoint_months,
        refund_due_amount::decimal(18, 2) as refund_due_amount,
        refund_due_date,
        offset_amount::decimal(18, 2) as offset_amount,
        remitted_amount::decimal(18, 2) as remitted_amount,
        (refund_due_amount - offset_amount - remitted_amount)::decimal(18, 2) as balance,
        case
            when refund_due_amount <= 0 then 'unmatched'
            when remitted_amount > refund_due_amount - offset_amount then 'overpaid'
            when remitted_amount <= 0 and offset_amount = refund_due_amount then 'offset'
            when remitted_amount <= 0 then 'unpaid'
            when remitted_amount < refund_due_amount - offset_amount then 'partially_paid'
            else 'paid'
        end as status,
        case
            when refund_due_amount - offset_amount - remitted_amount > 0
             and {{ as_of() }} > refund_due_date
                then ({{ as_of() }} - refund_due_date)::integer
            else 0
        end as days_past_due,
        -- extras
        (refund_due_amount - offset_amount)::decimal(18, 2) as cash_refund_amount,
        milestone_status,
        remittance_count,
        last_remitted_date,
        {{ as_of() }}::date as as_of_date
    from unioned
)

select * from final
