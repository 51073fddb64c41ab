-- The AAV9 antibody titer of each infusion claim's authorization (when it applies to the
-- claim's person), read as missing, negative, below (<1:N), ratio (1:N) or unreadable.
with titers as (
    select
        claim_id,
        prior_auth_number,
        infusion_date,
        aav9_titer,
        aav9_titer_date,
        regexp_replace(lower(trim(aav9_titer)), '\s+', '', 'g') as compact,
        regexp_replace(lower(trim(aav9_titer)), '\s+', ' ', 'g') as words
    from {{ ref('claims__finding_facts') }}
    where auth_applies
),

final as (
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
)

select * from final
