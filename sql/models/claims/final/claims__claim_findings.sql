-- One row per finding on a current infusion claim (spec claims.md "Claim
-- findings"): at most one row per (claim_id, rule_code); when a rule is broken
-- by several lines, `detail` names each of them (sorted, so it is stable).
with claims as (
    select * from {{ ref('claims__infusion_claims') }}
),

lines as (
    select l.*
    from {{ ref('claims__claim_lines') }} l
    join claims c using (claim_id)
    where l.is_current
),

rules(rule_code, severity, category, rule_order) as (
    values
        ('OBA_ID_MISSING', 'error', 'oba_link', 1),
        ('OBA_ID_UNKNOWN', 'error', 'oba_link', 2),
        ('OBA_PAYER_MISMATCH', 'error', 'oba_link', 3),
        ('OBA_NOT_EFFECTIVE', 'error', 'oba_link', 4),
        ('HCPCS_NOT_J3399', 'error', 'coding', 5),
        ('UNITS_NOT_ONE', 'error', 'coding', 6),
        ('ADMIN_CPT_INVALID', 'error', 'coding', 7),
        ('ADMIN_CPT_MISSING', 'warning', 'coding', 8),
        ('NDC_MISSING', 'error', 'coding', 9),
        ('NDC_NOT_A_KIT', 'error', 'coding', 10),
        ('NDC_KIT_WEIGHT_MISMATCH', 'error', 'dosing', 11),
        ('WEIGHT_OVER_CEILING', 'error', 'dosing', 12),
        ('WEIGHT_BELOW_KIT_RANGE', 'error', 'dosing', 13),
        ('AGE_AT_INFUSION', 'error', 'clinical', 14),
        ('DIAGNOSIS_NOT_SMA', 'error', 'clinical', 15),
        ('PLACE_OF_SERVICE_INELIGIBLE', 'error', 'coding', 16),
        ('REVENUE_CODE_UNEXPECTED', 'warning', 'coding', 17),
        ('PA_MISSING', 'error', 'authorization', 18),
        ('PA_NOT_FOUND', 'warning', 'authorization', 19),
        ('PA_NOT_APPROVED', 'error', 'authorization', 20),
        ('PA_MEMBER_MISMATCH', 'error', 'authorization', 21),
        ('AAV9_TITER_MISSING', 'error', 'authorization', 22),
        ('AAV9_TITER_UNREADABLE', 'error', 'authorization', 23),
        ('AAV9_TITER_HIGH', 'error', 'authorization', 24),
        ('AAV9_TITER_STALE', 'error', 'authorization', 25),
        ('SMN1_NOT_CONFIRMED', 'error', 'authorization', 26),
        ('DUPLICATE_LIFETIME_DOSE', 'error', 'duplicate', 27)
),

-- texts reused by several details
facts as (
    select
        c.*,
        case
            when c.weight_kg is null then null
            when c.weight_kg = c.weight_rounded_kg then c.weight_rounded_kg::varchar || ' kg'
            else rtrim(rtrim(c.weight_kg::varchar, '0'), '.') || ' kg (rounded '
                || c.weight_rounded_kg::varchar || ' kg)'
        end || case c.weight_source
            when 'authorization' then ' from authorization ' || c.prior_auth_number
            else ''
        end as weight_text,
        c.expected_kit_ndc || ' (' || c.expected_kit_min_kg::varchar || '–'
            || c.expected_kit_max_kg::varchar || ' kg)' as expected_kit_text,
        coalesce(nullif(array_to_string(c.payer_contracts_effective, '; '), ''), 'none')
            as effective_text,
        c.auth_found and c.auth_same_person as auth_applies
    from claims c
),

zolgensma_lines as (
    select
        l.*,
        k.ndc is not null as ndc_is_kit,
        k.ndc || ' (' || k.weight_min_kg::varchar || '–' || k.weight_max_kg::varchar || ' kg)'
            as billed_kit_text
    from lines l
    left join {{ source('reference', 'zolgensma_kits') }} k on k.ndc = l.ndc
    where l.is_zolgensma_line
),

f_oba as (
    select
        claim_id,
        case link_reason
            when 'MISSING' then 'OBA_ID_MISSING'
            when 'UNKNOWN_CONTRACT' then 'OBA_ID_UNKNOWN'
            when 'PAYER_MISMATCH' then 'OBA_PAYER_MISMATCH'
            when 'NOT_EFFECTIVE' then 'OBA_NOT_EFFECTIVE'
        end as rule_code,
        case link_reason
            when 'MISSING' then 'no oba_contract_id on the claim'
            when 'UNKNOWN_CONTRACT' then 'oba_contract_id ' || oba_contract_id || ' matches no contract'
            when 'PAYER_MISMATCH' then 'oba_contract_id ' || oba_contract_id || ' belongs to payer '
                || billed_contract_payer_id
            when 'NOT_EFFECTIVE' then 'oba_contract_id ' || oba_contract_id || ' is effective '
                || billed_contract_effective_from::varchar || ' to '
                || coalesce(billed_contract_effective_to::varchar, 'open')
                || ', not on the infusion date ' || infusion_date::varchar
        end || '; expected a contract of payer ' || payer_id || ' effective on '
            || infusion_date::varchar || ' (effective that day: ' || effective_text || ')'
            || coalesce('; suggested ' || suggested_contract_id, '') as detail
    from facts
    where link_reason is not null
),

f_hcpcs as (
    select
        claim_id,
        'HCPCS_NOT_J3399' as rule_code,
        'ZOLGENSMA billed under an unclassified code: '
            || string_agg('line ' || line_number::varchar || ' ' || procedure_code
                          || ' with NDC ' || ndc, ', ' order by line_number)
            || '; expected J3399' as detail
    from zolgensma_lines
    where procedure_code <> 'J3399'
    group by claim_id
),

f_units as (
    select
        claim_id,
        'UNITS_NOT_ONE' as rule_code,
        'ZOLGENSMA lines add up to ' || rtrim(rtrim(zolgensma_units::varchar, '0'), '.')
            || ' units; expected exactly 1' as detail
    from facts
    where zolgensma_units <> 1
),

f_admin_invalid as (
    select
        claim_id,
        'ADMIN_CPT_INVALID' as rule_code,
        'administration billed as '
            || string_agg('line ' || line_number::varchar || ' ' || procedure_code || ' ('
                || case procedure_code
                       when '96413' then 'chemotherapy infusion, first hour'
                       when '96415' then 'chemotherapy infusion, additional hour'
                       when '96417' then 'chemotherapy infusion, sequential'
                       when '79101' then 'radiopharmaceutical therapy'
                       when '96374' then 'IV push'
                   end || ')', ', ' order by line_number)
            || '; expected 96365 (IV infusion, first hour)' as detail
    from lines
    where procedure_code in ('96413', '96415', '96417', '79101', '96374')
    group by claim_id
),

f_admin_missing as (
    select
        f.claim_id,
        'ADMIN_CPT_MISSING' as rule_code,
        'no line with 96365; expected 96365 (IV infusion, first hour) for the ZOLGENSMA infusion' as detail
    from facts f
    where not exists (
        select 1 from lines l where l.claim_id = f.claim_id and l.procedure_code = '96365'
    )
),

f_ndc_missing as (
    select
        f.claim_id,
        'NDC_MISSING' as rule_code,
        'no NDC on the ZOLGENSMA line(s); expected the kit NDC'
            || coalesce(' ' || f.expected_kit_text || ' for weight ' || f.weight_text, '') as detail
    from facts f
    where not exists (
        select 1 from zolgensma_lines z where z.claim_id = f.claim_id and z.ndc is not null
    )
),

f_ndc_not_kit as (
    select
        z.claim_id,
        'NDC_NOT_A_KIT' as rule_code,
        string_agg('line ' || z.line_number::varchar || ' NDC ' || z.ndc, ', ' order by z.line_number)
            || ' is not one of the 37 ZOLGENSMA kit NDCs; expected '
            || coalesce(any_value(f.expected_kit_text) || ' for weight ' || any_value(f.weight_text),
                        'a kit NDC 71894-0120-02 to 71894-0156-14') as detail
    from zolgensma_lines z
    join facts f using (claim_id)
    where z.ndc is not null and not z.ndc_is_kit
    group by z.claim_id
),

f_kit_weight as (
    select
        z.claim_id,
        'NDC_KIT_WEIGHT_MISMATCH' as rule_code,
        'billed kit ' || string_agg(distinct z.billed_kit_text, ', ' order by z.billed_kit_text)
            || '; weight ' || any_value(f.weight_text) || ' needs ' || any_value(f.expected_kit_text) as detail
    from zolgensma_lines z
    join facts f using (claim_id)
    where z.ndc_is_kit
      and f.expected_kit_ndc is not null
      and z.ndc <> f.expected_kit_ndc
    group by z.claim_id
),

f_weight_over as (
    select
        claim_id,
        'WEIGHT_OVER_CEILING' as rule_code,
        'weight ' || weight_text || ' is over 21.0 kg; expected at most 21.0 kg (the largest kit covers 20.6–21.0 kg)' as detail
    from facts
    where weight_rounded_kg > 21.0
),

f_weight_below as (
    select
        claim_id,
        'WEIGHT_BELOW_KIT_RANGE' as rule_code,
        'weight ' || weight_text || ' is under 2.6 kg; expected at least 2.6 kg (the smallest kit covers 2.6–3.0 kg)' as detail
    from facts
    where weight_rounded_kg < 2.6
),

f_age as (
    select
        claim_id,
        'AGE_AT_INFUSION' as rule_code,
        'infused ' || infusion_date::varchar || ' at ' || age_months_at_infusion::varchar
            || ' months (born ' || patient_birth_date::varchar || '); expected infusion before the 2nd birthday '
            || second_birthday::varchar as detail
    from facts
    where not under_two
),

diagnoses as (
    select claim_id, line_number, unnest(diagnosis_codes) as dx
    from lines
),

claim_diagnoses as (
    select
        claim_id,
        bool_or(dx in ('G120', 'G121', 'G128', 'G129')) as has_sma,
        string_agg(distinct case when length(dx) > 3 then left(dx, 3) || '.' || substr(dx, 4) else dx end,
                   ', ' order by case when length(dx) > 3 then left(dx, 3) || '.' || substr(dx, 4) else dx end)
            as dx_text
    from diagnoses
    group by claim_id
),

f_diagnosis as (
    select
        f.claim_id,
        'DIAGNOSIS_NOT_SMA' as rule_code,
        'diagnosis codes billed: ' || coalesce(d.dx_text, 'none')
            || '; expected one of G12.0, G12.1, G12.8, G12.9 (spinal muscular atrophy)' as detail
    from facts f
    left join claim_diagnoses d using (claim_id)
    where not coalesce(d.has_sma, false)
),

f_pos as (
    select
        claim_id,
        'PLACE_OF_SERVICE_INELIGIBLE' as rule_code,
        'ZOLGENSMA billed at '
            || string_agg('line ' || line_number::varchar || ' place of service ' || place_of_service || ' ('
                || case place_of_service
                       when '11' then 'office'
                       when '12' then 'home'
                       when '49' then 'ambulatory infusion'
                   end || ')', ', ' order by line_number)
            || '; expected a facility setting, not 11, 12 or 49' as detail
    from zolgensma_lines
    where place_of_service in ('11', '12', '49')
    group by claim_id
),

f_revenue as (
    select
        claim_id,
        'REVENUE_CODE_UNEXPECTED' as rule_code,
        'ZOLGENSMA billed under '
            || string_agg('line ' || line_number::varchar || ' revenue code ' || revenue_code, ', '
                          order by line_number)
            || '; expected 0636, 0250 or 0260' as detail
    from zolgensma_lines
    where revenue_code not in ('0636', '0250', '0260')
    group by claim_id
),

f_pa_missing as (
    select
        claim_id,
        'PA_MISSING' as rule_code,
        'no prior_auth_number on the claim; expected the approved ZOLGENSMA prior authorization' as detail
    from facts
    where prior_auth_number is null
),

f_pa_not_found as (
    select
        claim_id,
        'PA_NOT_FOUND' as rule_code,
        'prior_auth_number ' || prior_auth_number
            || ' matches no authorization record; expected the number of an authorization on file' as detail
    from facts
    where prior_auth_number is not null and not auth_found
),

f_pa_not_approved as (
    select
        claim_id,
        'PA_NOT_APPROVED' as rule_code,
        'authorization ' || prior_auth_number || ' decision is ' || auth_decision
            || ' (' || auth_decision_date::varchar || '); expected approved' as detail
    from facts
    where auth_found and auth_decision <> 'approved'
),

f_pa_member as (
    select
        claim_id,
        'PA_MEMBER_MISMATCH' as rule_code,
        'authorization ' || prior_auth_number || ' is for payer ' || auth_payer_id || ' member '
            || auth_member_id || '; expected payer ' || payer_id || ' member ' || member_id as detail
    from facts
    where auth_found and not auth_same_person
),

titers as (
    select
        claim_id,
        prior_auth_number,
        infusion_date,
        aav9_titer,
        aav9_titer_date,
        regexp_replace(lower(trim(aav9_titer)), '\s+', '', 'g') as compact,
        regexp_replace(lower(trim(aav9_titer)), '\s+', ' ', 'g') as words
    from facts
    where auth_applies
),

parsed_titers as (
    select
        *,
        case
            when aav9_titer is null then 'missing'
            when words in ('negative', 'not detected') then 'negative'
            when regexp_matches(compact, '^<1:[0-9]+$') then 'below'
            when regexp_matches(compact, '^1:[0-9]+$') then 'ratio'
            else 'unreadable'
        end as titer_form,
        -- only compared with 50: a DOUBLE is exact for any realistic dilution
        try_cast(regexp_extract(compact, '^<?1:([0-9]+)$', 1) as double) as dilution
    from titers
),

f_titer_missing as (
    select
        claim_id,
        'AAV9_TITER_MISSING' as rule_code,
        'authorization ' || prior_auth_number
            || ' has no anti-AAV9 antibody titer; expected a titer of at most 1:50' as detail
    from parsed_titers
    where titer_form = 'missing'
),

f_titer_unreadable as (
    select
        claim_id,
        'AAV9_TITER_UNREADABLE' as rule_code,
        'authorization ' || prior_auth_number || ' titer ''' || aav9_titer
            || ''' is unreadable; expected 1:N, <1:N, negative or not detected' as detail
    from parsed_titers
    where titer_form = 'unreadable'
),

f_titer_high as (
    select
        claim_id,
        'AAV9_TITER_HIGH' as rule_code,
        'authorization ' || prior_auth_number || ' titer ' || aav9_titer
            || ' is not shown to be at most 1:50; expected 1:50 or below' as detail
    from parsed_titers
    where titer_form in ('ratio', 'below') and dilution > 50
),

f_titer_stale as (
    select
        claim_id,
        'AAV9_TITER_STALE' as rule_code,
        case
            when aav9_titer_date is null then
                'authorization ' || prior_auth_number || ' titer has no date'
            else
                'titer dated ' || aav9_titer_date::varchar || ' is '
                || case
                       when infusion_date >= aav9_titer_date
                           then (infusion_date - aav9_titer_date)::varchar || ' days before'
                       else (aav9_titer_date - infusion_date)::varchar || ' days after'
                   end || ' the infusion date ' || infusion_date::varchar
        end || '; expected a titer dated 0 to 14 days before the infusion' as detail
    from parsed_titers
    where titer_form <> 'missing'
      and (aav9_titer_date is null or (infusion_date - aav9_titer_date) not between 0 and 14)
),

f_smn1 as (
    select
        claim_id,
        'SMN1_NOT_CONFIRMED' as rule_code,
        'authorization ' || prior_auth_number || ' smn1_biallelic is '
            || coalesce(smn1_biallelic::varchar, 'missing')
            || '; expected genetic confirmation of bi-allelic SMN1 mutation (true)' as detail
    from facts
    where auth_applies and smn1_biallelic is not true
),

f_duplicate as (
    select
        claim_id,
        'DUPLICATE_LIFETIME_DOSE' as rule_code,
        'the person already has a ZOLGENSMA infusion: episode claim ' || episode_claim_id
            || ' infused ' || episode_infusion_date::varchar
            || '; expected one lifetime dose (this claim infused ' || infusion_date::varchar || ')' as detail
    from facts
    where not is_episode_claim
),

all_findings as (
    select * from f_oba
    union all select * from f_hcpcs
    union all select * from f_units
    union all select * from f_admin_invalid
    union all select * from f_admin_missing
    union all select * from f_ndc_missing
    union all select * from f_ndc_not_kit
    union all select * from f_kit_weight
    union all select * from f_weight_over
    union all select * from f_weight_below
    union all select * from f_age
    union all select * from f_diagnosis
    union all select * from f_pos
    union all select * from f_revenue
    union all select * from f_pa_missing
    union all select * from f_pa_not_found
    union all select * from f_pa_not_approved
    union all select * from f_pa_member
    union all select * from f_titer_missing
    union all select * from f_titer_unreadable
    union all select * from f_titer_high
    union all select * from f_titer_stale
    union all select * from f_smn1
    union all select * from f_duplicate
),

final as (
    select
        f.claim_id,
        c.payer_id,
        c.member_id,
        c.infusion_date as service_date,
        f.rule_code,
        r.severity,
        f.detail,
        r.category,
        c.episode_id,
        c.is_episode_claim,
        c.prior_auth_number,
        c.oba_contract_id
    from all_findings f
    join rules r using (rule_code)
    join claims c using (claim_id)
    order by c.payer_id, c.member_id, f.claim_id, r.rule_order
)

select * from final
