-- staging.remittances with member_id = the person's current member id (identity.md);
-- delivered_member_id is the id as delivered.
{{ current_member_id(source('staging', 'remittances')) }}
