-- TEST ORACLE, not a model: the chain resolution of core.claim_versions as it ran
-- before the scale change, over every version of staging.claims (the whole
-- extract). tests/claims/test_scale.py checks that the model gives exactly these
-- rows for every chain holding a ZOLGENSMA line, whatever the chains look like.
with lines as (
    select * from staging.claims
),

-- claim-level values: the lowest-numbered line that has a value
version_values as (
    select
        claim_id,
        arg_min(frequency_code, line_number) filter (where frequency_code is not null) as frequency_code,
        arg_min(original_claim_id, line_number) filter (where original_claim_id is not null) as original_claim_id,
        arg_min(payer_id, line_number) filter (where payer_id is not null) as payer_id,
        arg_min(member_id, line_number) filter (where member_id is not null) as member_id,
        arg_min(patient_birth_date, line_number) filter (where patient_birth_date is not null) as patient_birth_date,
        arg_min(prior_auth_number, line_number) filter (where prior_auth_number is not null) as prior_auth_number,
        arg_min(oba_contract_id, line_number) filter (where oba_contract_id is not null) as oba_contract_id,
        arg_min(billing_npi, line_number) filter (where billing_npi is not null) as billing_npi,
        count(*) as line_count,
        min(service_date) as first_service_date,
        max(service_date) as last_service_date
    from lines
    group by claim_id
),

-- a version's delivery: its latest line, by (_delivery_seq, _row_number)
version_delivery as (
    select claim_id, _delivery_seq as delivery_seq, _row_number as delivery_row_number,
           _file_path as delivery_file_path
    from lines
    qualify row_number() over (
        partition by claim_id order by _delivery_seq desc, _row_number desc, line_number desc
    ) = 1
),

versions as (
    select
        v.*,
        d.delivery_seq,
        d.delivery_row_number,
        d.delivery_file_path,
        -- a version that points at another one (7 or 8 with a different original)
        (v.frequency_code in ('7', '8')
            and v.original_claim_id is not null
            and v.original_claim_id <> v.claim_id) as has_link
    from version_values v
    join version_delivery d using (claim_id)
),

-- every name reachable from a version by following original_claim_id
-- (undelivered names end the walk; UNION stops on a cycle)
ancestors as (
    with recursive walk(claim_id, ancestor_id) as (
        select claim_id, claim_id from versions
        union
        select w.claim_id, v.original_claim_id
        from walk w
        join versions v on v.claim_id = w.ancestor_id
        where v.has_link
    )
    select * from walk
),

-- the versions on a replacement cycle: those their own original leads back to
cycle_versions as (
    select v.claim_id
    from versions v
    semi join ancestors a on a.claim_id = v.original_claim_id and a.ancestor_id = v.claim_id
    where v.has_link
),

chain_roots as (
    select
        a.claim_id,
        -- the root is the name that leads nowhere (an original, or never delivered);
        -- a walk ending in a cycle has none: the cycle's smallest name stands in
        coalesce(
            min(a.ancestor_id) filter (where v.claim_id is null or not v.has_link),
            min(a.ancestor_id) filter (where a.ancestor_id in (select claim_id from cycle_versions))
        ) as chain_id,
        bool_or(v.claim_id is null) as chain_root_missing
    from ancestors a
    left join versions v on v.claim_id = a.ancestor_id
    group by a.claim_id
),

chained as (
    select v.*, r.chain_id, r.chain_root_missing
    from versions v
    join chain_roots r using (claim_id)
),

chain_voids as (
    select
        chain_id,
        string_agg(claim_id, ', ' order by claim_id) as voided_by
    from chained
    where frequency_code = '8'
    group by chain_id
),

-- the replacements naming each version
replaced as (
    select
        original_claim_id as claim_id,
        string_agg(claim_id, ', ' order by claim_id) as replaced_by
    from chained
    where frequency_code = '7' and has_link
    group by original_claim_id
),

candidates as (
    select
        c.*,
        r.replaced_by,
        vd.voided_by,
        (c.frequency_code <> '8' and r.claim_id is null) as unreplaced
    from chained c
    left join replaced r using (claim_id)
    left join chain_voids vd using (chain_id)
),

chain_has_unreplaced as (
    select chain_id, bool_or(unreplaced) as any_unreplaced
    from candidates
    group by chain_id
),

picked as (
    select
        c.*,
        -- a cycle of replacements leaves no unreplaced version: every non-void
        -- version of it competes on delivery instead
        (c.voided_by is null
            and c.frequency_code <> '8'
            and (c.unreplaced or not h.any_unreplaced)) as is_candidate
    from candidates c
    join chain_has_unreplaced h using (chain_id)
),

ranked as (
    select
        *,
        is_candidate and row_number() over (
            partition by chain_id, is_candidate
            order by delivery_seq desc, delivery_row_number desc, claim_id desc
        ) = 1 as is_current
    from picked
),

final as (
    select
        claim_id,
        chain_id,
        frequency_code,
        original_claim_id,
        chain_root_missing,
        case
            when frequency_code = '8' then 'void'
            when voided_by is not null then 'voided'
            when is_current then 'current'
            when replaced_by is not null then 'replaced'
            else 'superseded'
        end as version_status,
        is_current,
        voided_by,
        replaced_by,
        payer_id,
        member_id,
        member_id as billed_member_id,
        patient_birth_date,
        prior_auth_number,
        oba_contract_id,
        billing_npi,
        line_count,
        first_service_date,
        last_service_date,
        delivery_seq,
        delivery_row_number,
        delivery_file_path
    from ranked
)

select * from final
