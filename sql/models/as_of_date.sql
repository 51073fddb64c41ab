-- The run's as-of date, the dbt variable `as_of` (`dbt build --vars '{as_of: 2026-11-21}'`); the
-- nightly job gives it as the variable's default, OBA_DBT_AS_OF, which lets dbt re-parse this
-- file alone instead of the whole project. One row, read by every model through the macro
-- as_of(), so one date holds for the whole run.
with final as (
    select cast('{{ var("as_of", env_var("OBA_DBT_AS_OF", "")) }}' as date) as as_of_date
)

select * from final
