-- staging.enrollment with member_id = the person's current member id (identity.md), so a
-- span under any of the person's ids is the person's coverage.
{{ current_member_id(source('staging', 'enrollment')) }}
