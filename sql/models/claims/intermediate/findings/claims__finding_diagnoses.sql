-- Per infusion claim: whether any current line carries an SMA diagnosis, and the codes billed.
with diagnoses as (
    select claim_id, line_number, unnest(diagnosis_codes) as dx
    from {{ ref('claims__finding_lines') }}
),

final as (
    select
        claim_id,
        bool_or(dx in ('G120', 'G121', 'G128', 'G129')) as has_sma,
        string_agg(distinct case when length(dx) > 3 then left(dx, 3) || '.' || substr(dx, 4) else dx end,
                   ', ' order by case when length(dx) > 3 then left(dx, 3) || '.' || substr(dx, 4) else dx end)
            as dx_text
    from diagnoses
    group by claim_id
)

select * from final
