-- One row per infusion claim: a current claim version with at least one
-- ZOLGENSMA line (spec claims.md). Carries everything the findings, the OBA
-- linkage and the episodes need: weight and kit, age at infusion, the prior
-- authorization, the link problem and the suggested contract, and whether the
-- claim is its person's episode claim.
with current_lines as (
    select * from {{ ref('claims__claim_lines') }} where is_current
),

zolgensma as (
    select
        claim_id,
        min(service_date) as infusion_date,
        count(*) as zolgensma_line_count,
        sum(units) as zolgensma_units
    from current_lines
    where is_zolgensma_line
    group by claim_id
),

claim_weight as (
    select claim_id, max(patient_weight_kg) as claim_weight_kg
    from current_lines
    group by claim_id
),

claims as (
    select
        v.claim_id,
        v.chain_id,
        v.payer_id,
        v.member_id,
        v.billed_member_id,
        v.patient_birth_date,
        v.prior_auth_number,
        v.oba_contract_id,
        v.billing_npi,
        v.delivery_seq,
        v.delivery_row_number,
        z.infusion_date,
        z.zolgensma_line_count,
        z.zolgensma_units,
        w.claim_weight_kg
    from {{ ref('claims__claim_versions') }} v
    join zolgensma z using (claim_id)
    join claim_weight w using (claim_id)
    where v.is_current
),

with_auth as (
    select
        c.*,
        a.prior_auth_number is not null as auth_found,
        (a.payer_id = c.payer_id and a.member_id = c.member_id) as auth_same_person,
        a.payer_id as auth_payer_id,
        a.member_id as auth_member_id,
        a.decision as auth_decision,
        a.decision_date as auth_decision_date,
        a.smn1_biallelic,
        a.aav9_titer,
        a.aav9_titer_date,
        a.weight_kg as auth_weight_kg
    from claims c
    left join {{ ref('identity__authorizations') }} a on a.prior_auth_number = c.prior_auth_number
),

weighed as (
    select
        *,
        coalesce(claim_weight_kg, case when auth_same_person then auth_weight_kg end) as weight_kg,
        case
            when claim_weight_kg is not null then 'claim'
            when auth_same_person and auth_weight_kg is not null then 'authorization'
        end as weight_source
    from with_auth
),

kit_for_weight as (
    select
        w.*,
        -- exact DECIMAL rounding to 0.1 kg, half away from zero (= half up: weights are > 0)
        round(w.weight_kg, 1)::decimal(18,1) as weight_rounded_kg,
        k.ndc as expected_kit_ndc,
        k.weight_min_kg as expected_kit_min_kg,
        k.weight_max_kg as expected_kit_max_kg
    from weighed w
    left join {{ source('reference', 'zolgensma_kits') }} k
        on round(w.weight_kg, 1) between k.weight_min_kg and k.weight_max_kg
),

aged as (
    select
        *,
        (patient_birth_date + interval 24 month)::date as second_birthday,
        infusion_date < (patient_birth_date + interval 24 month)::date as under_two,
        date_sub('month', patient_birth_date, infusion_date) as age_months_at_infusion
    from kit_for_weight
),

billed_contract as (
    select
        a.*,
        k.contract_id is not null as billed_contract_exists,
        k.payer_id as billed_contract_payer_id,
        k.effective_from as billed_contract_effective_from,
        k.effective_to as billed_contract_effective_to
    from aged a
    left join {{ source('staging', 'contracts') }} k on k.contract_id = a.oba_contract_id
),

payer_contracts as (
    select
        c.claim_id,
        count(k.contract_id) as payer_contract_count,
        count(k.contract_id) filter (
            where k.effective_from <= c.infusion_date
              and (k.effective_to is null or c.infusion_date <= k.effective_to)
        ) as payer_effective_contract_count,
        min(k.contract_id) filter (
            where k.effective_from <= c.infusion_date
              and (k.effective_to is null or c.infusion_date <= k.effective_to)
        ) as first_effective_contract_id,
        coalesce(list(
            k.contract_id || ' (' || k.effective_from::varchar || ' to '
                || coalesce(k.effective_to::varchar, 'open') || ')'
            order by k.contract_id
        ) filter (
            where k.effective_from <= c.infusion_date
              and (k.effective_to is null or c.infusion_date <= k.effective_to)
        ), []) as payer_contracts_effective
    from claims c
    left join {{ source('staging', 'contracts') }} k on k.payer_id = c.payer_id
    group by c.claim_id
),

linked as (
    select
        b.*,
        p.payer_contract_count,
        p.payer_effective_contract_count,
        p.payer_contracts_effective,
        case
            when b.oba_contract_id is null and p.payer_contract_count > 0 then 'MISSING'
            when b.oba_contract_id is null then null
            when not b.billed_contract_exists then 'UNKNOWN_CONTRACT'
            when b.billed_contract_payer_id <> b.payer_id then 'PAYER_MISMATCH'
            when not (b.billed_contract_effective_from <= b.infusion_date
                      and (b.billed_contract_effective_to is null
                           or b.infusion_date <= b.billed_contract_effective_to))
                then 'NOT_EFFECTIVE'
        end as link_reason,
        case when p.payer_effective_contract_count = 1 then p.first_effective_contract_id end
            as suggested_contract_id
    from billed_contract b
    join payer_contracts p using (claim_id)
),

statused as (
    select
        *,
        case
            when link_reason is null and oba_contract_id is not null then 'linked'
            when link_reason is not null and suggested_contract_id is not null then 'suggested'
            else 'unlinked'
        end as link_status
    from linked
),

persons as (
    select
        *,
        -- '|' and '\' escaped inside each id, so no two people share the hashed text
        'EP-' || left(md5(
            replace(replace(payer_id, '\', '\\'), '|', '\|') || '|'
            || replace(replace(member_id, '\', '\\'), '|', '\|')
        ), 16) as episode_id,
        row_number() over (
            partition by payer_id, member_id order by infusion_date, claim_id
        ) as person_infusion_rank,
        count(*) over (partition by payer_id, member_id) as person_infusion_claims,
        first_value(claim_id) over (
            partition by payer_id, member_id order by infusion_date, claim_id
        ) as episode_claim_id,
        first_value(infusion_date) over (
            partition by payer_id, member_id order by infusion_date, claim_id
        ) as episode_infusion_date
    from statused
),

final as (
    select
        claim_id,
        chain_id,
        payer_id,
        member_id,
        billed_member_id,
        patient_birth_date,
        prior_auth_number,
        oba_contract_id,
        billing_npi,
        infusion_date,
        zolgensma_line_count,
        zolgensma_units,
        claim_weight_kg,
        auth_weight_kg,
        weight_kg,
        weight_source,
        weight_rounded_kg,
        expected_kit_ndc,
        expected_kit_min_kg,
        expected_kit_max_kg,
        second_birthday,
        under_two,
        age_months_at_infusion,
        auth_found,
        auth_same_person,
        auth_payer_id,
        auth_member_id,
        auth_decision,
        auth_decision_date,
        smn1_biallelic,
        aav9_titer,
        aav9_titer_date,
        billed_contract_exists,
        billed_contract_payer_id,
        billed_contract_effective_from,
        billed_contract_effective_to,
        payer_contract_count,
        payer_effective_contract_count,
        payer_contracts_effective,
        link_reason,
        suggested_contract_id,
        link_status,
        case link_status
            when 'linked' then oba_contract_id
            when 'suggested' then suggested_contract_id
        end as contract_id,
        episode_id,
        person_infusion_rank = 1 as is_episode_claim,
        episode_claim_id,
        episode_infusion_date,
        person_infusion_claims,
        delivery_seq,
        delivery_row_number
    from persons
)

select * from final
