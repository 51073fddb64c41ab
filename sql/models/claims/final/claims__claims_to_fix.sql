-- The claims a payer's billing team has to correct, one row per problem: each OBA link
-- problem of marts.claims_missing_oba, then each error finding of marts.claim_findings
-- (warnings need no correction). `fix` says in plain words what to do. member_id is the
-- person's current id; billed_member_id the id the claim was billed under where it differs
-- (identity.md), so the billing team finds the claim under the id it carries.
with link_problems as (
    select
        'oba_link' as source,
        claim_id,
        payer_id,
        member_id,
        nullif(billed_member_id, member_id) as billed_member_id,
        service_date,
        oba_contract_id,
        suggested_contract_id,
        reason as problem,
        null::varchar as detail,
        fix
    from {{ ref('claims__claims_missing_oba') }}
),

error_findings as (
    select
        'finding' as source,
        claim_id,
        payer_id,
        member_id,
        nullif(billed_member_id, member_id) as billed_member_id,
        service_date,
        null::varchar as oba_contract_id,
        null::varchar as suggested_contract_id,
        rule_code as problem,
        detail,
        'Correct the claim (' || coalesce(detail, rule_code) || ') and resubmit it as a replacement'
        || ' (frequency 7), or void it if it should not have been billed.' as fix
    from {{ ref('claims__claim_findings') }}
    where lower(severity) = 'error'
),

final as (
    select * from link_problems
    union all
    select * from error_findings
)

select * from final
