{# Every one of the columns holds a value on every row. One scan of the model for all of its
   required columns, where a not_null test per column would be a query (and a dbt node, ~40 ms of
   dbt's own time) each. A failing row names a column and how many rows lack a value in it. #}
{% test not_null_columns(model, columns) %}
with rows_without as (
    select
    {%- for column in columns %}
        count(*) filter (where {{ adapter.quote(column) }} is null) as {{ adapter.quote(column) }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)

select column_name, rows_without_value
from (unpivot rows_without on columns(*) into name column_name value rows_without_value)
where rows_without_value > 0
{% endtest %}
