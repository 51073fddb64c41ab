-- staging.refund_claims (the payer's refund claim log) with member_id = the person's current member id
-- (identity.md); delivered_member_id is the id as delivered. Not named refund_claims: marts.refund_claims is.
{{ current_member_id(source('staging', 'refund_claims')) }}
