-- The ZOLGENSMA lines of the infusion claims, with the kit their NDC names (if it is a kit).
with lines as (
    select * from {{ ref('claims__finding_lines') }}
),

final as (
    select
        l.*,
        k.ndc is not null as ndc_is_kit,
        k.ndc || ' (' || k.weight_min_kg::varchar || '–' || k.weight_max_kg::varchar || ' kg)'
            as billed_kit_text
    from lines l
    left join {{ source('reference', 'zolgensma_kits') }} k on k.ndc = l.ndc
    where l.is_zolgensma_line
)

select * from final
