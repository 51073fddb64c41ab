-- The staged lines of every version of core.claim_versions (the chains that hold
-- a ZOLGENSMA line, whole) with the version's chain and status, and whether each
-- is a ZOLGENSMA line (spec claims.md "Infusion claims and the ZOLGENSMA line"):
-- procedure J3399, or an unclassified drug code (J3490, J3590, C9399) with an
-- NDC of labeler 71894 (staged NDCs are 5-4-2 with dashes).
--
-- Scale: those lines are a sliver of staging.claims, spread over all of it. They
-- are found by their claim_id alone, then only their rows are fetched by rowid,
-- so the other columns are not read for the whole extract.
with kept_rows as (
    select l.rowid as line_rowid
    from {{ source('staging', 'claims') }} l
    semi join {{ ref('claims__claim_versions') }} v using (claim_id)
),

-- MATERIALIZED keeps the fetch by rowid apart from the join below (the optimizer
-- would otherwise join the whole extract with the versions first)
lines as materialized (
    select *
    from {{ source('staging', 'claims') }}
    where rowid in (select line_rowid from kept_rows)
),

versions as (
    select claim_id, chain_id, version_status, is_current, member_id
    from {{ ref('claims__claim_versions') }}
),

final as (
    select
        l.claim_id,
        l.line_number,
        v.chain_id,
        v.version_status,
        v.is_current,
        (l.procedure_code = 'J3399'
            or (l.procedure_code in ('J3490', 'J3590', 'C9399')
                and starts_with(l.ndc, '71894-'))) as is_zolgensma_line,
        l.frequency_code,
        l.original_claim_id,
        l.payer_id,
        v.member_id,
        l.member_id as billed_member_id,
        l.patient_birth_date,
        l.service_date,
        l.procedure_code,
        l.units,
        l.modifiers,
        l.revenue_code,
        l.place_of_service,
        l.ndc,
        l.ndc_unit,
        l.ndc_quantity,
        l.diagnosis_codes,
        l.prior_auth_number,
        l.oba_contract_id,
        l.billing_npi,
        l.kit_lot_number,
        l.patient_weight_kg,
        l.billed_amount,
        l.paid_amount,
        l.paid_date,
        l._delivery_seq,
        l._file_path,
        l._row_number
    from lines l
    join versions v using (claim_id)
)

select * from final
