-- The current infusion claims the finding rules judge, with the texts several details reuse.
with claims as (
    select * from {{ ref('claims__infusion_claims') }}
),

final as (
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
)

select * from final
