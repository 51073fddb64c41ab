{# The run's as-of date, read from the one-row core.as_of_date (models/as_of_date.sql), so
   that every model of a run uses one date and tests can set it without recompiling. #}
{% macro as_of() -%}
    (select as_of_date from {{ ref('as_of_date') }})
{%- endmacro %}
