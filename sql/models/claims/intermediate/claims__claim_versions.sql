-- One row per claim version (all lines sharing one claim_id) of every chain that
-- matters to ZOLGENSMA, with its chain, its status and its claim-level values
-- (spec claims.md "Claim versions").
--
--  * A version with frequency 7 replaces / 8 voids the version named by its
--    original_claim_id. Following those names from any version leads to the
--    chain root: the first name that is an original (frequency 1) or that was
--    never delivered. chain_id = that name, so an orphan replacement or void
--    already sits in the chain of the claim it names and is applied the moment
--    that claim arrives, whatever the arrival order.
--  * A chain holding a void (frequency 8) is voided as a whole.
--  * Current version of a chain that is not voided: the non-void version that
--    no replacement of the chain names; several (a fork) -> the later delivery.
--
-- Scale: staging.claims is a payer's broad extract; only a sliver of its lines
-- are ZOLGENSMA. Only chains holding at least one version with a ZOLGENSMA line
-- can yield an infusion claim, so only those chains are kept, and whole: their
-- current version may lack the ZOLGENSMA line, and a void or replacement of a
-- ZOLGENSMA claim need not carry one. Chains are resolved on the few versions
-- that link (a line with frequency 7 or 8); every other version is the root of
-- its own chain. Claim-level values and deliveries are then aggregated over the
-- lines of the kept versions only. The kept versions get exactly the rows the
-- same logic over all of staging.claims would give them.
-- NOT MATERIALIZED: read several times, each read only the columns and rows it needs
with lines as not materialized (
    select * from {{ source('staging', 'claims') }}
),

-- the few versions that matter before any chain is known, in one filtered pass:
-- those with a ZOLGENSMA line (the test of core.claim_lines.is_zolgensma_line),
-- and those that may link (only a line with frequency 7 or 8 can make a version
-- a replacement or a void)
flagged_versions as (
    select
        claim_id,
        coalesce(bool_or(procedure_code = 'J3399'
            or (procedure_code in ('J3490', 'J3590', 'C9399') and starts_with(ndc, '71894-'))), false)
            as has_zolgensma_line,
        coalesce(bool_or(frequency_code in ('7', '8')), false) as may_link
    from lines
    where claim_id is not null
      and (procedure_code = 'J3399'
           or (procedure_code in ('J3490', 'J3590', 'C9399') and starts_with(ndc, '71894-'))
           or frequency_code in ('7', '8'))
    group by claim_id
),

link_candidates as (
    select claim_id
    from flagged_versions
    where may_link
),

-- their frequency and original: the lowest-numbered line that has a value
link_candidate_values as (
    select
        claim_id,
        arg_min(frequency_code, line_number) filter (where frequency_code is not null) as frequency_code,
        arg_min(original_claim_id, line_number) filter (where original_claim_id is not null) as original_claim_id
    from lines
    semi join link_candidates using (claim_id)
    group by claim_id
),

-- the versions that point at another one (7 or 8 with a different original)
link_versions as (
    select claim_id, original_claim_id
    from link_candidate_values
    where frequency_code in ('7', '8')
      and original_claim_id is not null
      and original_claim_id <> claim_id
),

-- every name reachable from a linking version by following original_claim_id
-- (undelivered names end the walk; UNION stops on a cycle). A version that does
-- not link reaches only itself: it is the root of its own chain.
ancestors as (
    with recursive walk(claim_id, ancestor_id) as (
        select claim_id, claim_id from link_versions
        union
        select w.claim_id, v.original_claim_id
        from walk w
        join link_versions v on v.claim_id = w.ancestor_id
    )
    select * from walk
),

-- the versions on a replacement cycle: those their own original leads back to
cycle_versions as (
    select v.claim_id
    from link_versions v
    semi join ancestors a on a.claim_id = v.original_claim_id and a.ancestor_id = v.claim_id
),

-- the chain of each linking version: the name its walk ends at (an original, or
-- never delivered). A walk that ends in a cycle has none: the cycle's smallest
-- name stands in, the same for the cycle and for every version leading into it.
link_chains as (
    select
        a.claim_id,
        coalesce(
            min(a.ancestor_id) filter (where l.claim_id is null),
            min(a.ancestor_id) filter (where a.ancestor_id in (select claim_id from cycle_versions))
        ) as chain_id
    from ancestors a
    left join link_versions l on l.claim_id = a.ancestor_id
    group by a.claim_id
),

-- chains holding a version with a ZOLGENSMA line
relevant_chains as (
    select distinct coalesce(r.chain_id, f.claim_id) as chain_id
    from flagged_versions f
    left join link_chains r using (claim_id)
    where f.has_zolgensma_line
),

-- every version of those chains: their linking versions and their root (which
-- has lines only if it was delivered)
relevant_names as (
    select r.claim_id
    from link_chains r
    semi join relevant_chains c using (chain_id)
    union
    select chain_id as claim_id
    from relevant_chains
),

-- their lines: found by claim_id alone, then only those rows fetched by rowid, so
-- the other columns are not read for the whole extract
relevant_rows as (
    select l.rowid as line_rowid
    from {{ source('staging', 'claims') }} l
    semi join relevant_names r using (claim_id)
),

-- MATERIALIZED: read twice below, and keeps the fetch by rowid apart from the joins
relevant_lines as materialized (
    select *
    from {{ source('staging', 'claims') }}
    where rowid in (select line_rowid from relevant_rows)
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
    from relevant_lines
    group by claim_id
),

-- a version's delivery: its latest line, by (_delivery_seq, _row_number)
version_delivery as (
    select claim_id, _delivery_seq as delivery_seq, _row_number as delivery_row_number,
           _file_path as delivery_file_path
    from relevant_lines
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

-- a version that does not link is the root of its own chain; every kept chain
-- root that was delivered is a kept version
chained as (
    select
        v.*,
        coalesce(r.chain_id, v.claim_id) as chain_id,
        root.claim_id is null as chain_root_missing
    from versions v
    left join link_chains r using (claim_id)
    left join versions root on root.claim_id = coalesce(r.chain_id, v.claim_id)
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

-- the person (spec identity.md): member_id becomes the person's current member id,
-- billed_member_id keeps the id the claim was billed under
with_person as (
    select
        r.* replace (coalesce(m.current_member_id, r.member_id) as member_id),
        r.member_id as billed_member_id
    from ranked as r
    left join {{ ref('identity__member_ids') }} as m
        on m.payer_id = r.payer_id and m.member_id = r.member_id
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
        billed_member_id,
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
    from with_person
)

select * from final
