{# The rows of a person-keyed staging table with `member_id` replaced by the person's current
   member id (identity.md; core.member_ids), and the id as delivered kept in `delivered_column`.
   Every person-keyed feed goes through this, in one three-line model per feed
   (models/identity/intermediate/identity__<feed>.sql), before any rule reads it. #}
{% macro current_member_id(relation, delivered_column='delivered_member_id') -%}
with final as (
    select
        f.* replace (coalesce(m.current_member_id, f.member_id) as member_id),
        f.member_id as {{ delivered_column }}
    from {{ relation }} as f
    left join {{ ref('identity__member_ids') }} as m
        on m.payer_id = f.payer_id and m.member_id = f.member_id
)

select * from final
{%- endmacro %}
