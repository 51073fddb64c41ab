-- Every claim finding rule of spec claims.md "Claim findings": its severity, its category and
-- its place in the order findings are listed. One rule step per file: claims__rule_<rule_code>.
with final(rule_code, severity, category, rule_order) as (
    values
        ('OBA_ID_MISSING', 'error', 'oba_link', 1),
        ('OBA_ID_UNKNOWN', 'error', 'oba_link', 2),
        ('OBA_PAYER_MISMATCH', 'error', 'oba_link', 3),
        ('OBA_NOT_EFFECTIVE', 'error', 'oba_link', 4),
        ('HCPCS_NOT_J3399', 'error', 'coding', 5),
        ('UNITS_NOT_ONE', 'error', 'coding', 6),
        ('ADMIN_CPT_INVALID', 'error', 'coding', 7),
        ('ADMIN_CPT_MISSING', 'warning', 'coding', 8),
        ('NDC_MISSING', 'error', 'coding', 9),
        ('NDC_NOT_A_KIT', 'error', 'coding', 10),
        ('NDC_KIT_WEIGHT_MISMATCH', 'error', 'dosing', 11),
        ('WEIGHT_OVER_CEILING', 'error', 'dosing', 12),
        ('WEIGHT_BELOW_KIT_RANGE', 'error', 'dosing', 13),
        ('AGE_AT_INFUSION', 'error', 'clinical', 14),
        ('DIAGNOSIS_NOT_SMA', 'error', 'clinical', 15),
        ('PLACE_OF_SERVICE_INELIGIBLE', 'error', 'coding', 16),
        ('REVENUE_CODE_UNEXPECTED', 'warning', 'coding', 17),
        ('PA_MISSING', 'error', 'authorization', 18),
        ('PA_NOT_FOUND', 'warning', 'authorization', 19),
        ('PA_NOT_APPROVED', 'error', 'authorization', 20),
        ('PA_MEMBER_MISMATCH', 'error', 'authorization', 21),
        ('AAV9_TITER_MISSING', 'error', 'authorization', 22),
        ('AAV9_TITER_UNREADABLE', 'error', 'authorization', 23),
        ('AAV9_TITER_HIGH', 'error', 'authorization', 24),
        ('AAV9_TITER_STALE', 'error', 'authorization', 25),
        ('SMN1_NOT_CONFIRMED', 'error', 'authorization', 26),
        ('DUPLICATE_LIFETIME_DOSE', 'error', 'duplicate', 27)
)

select * from final
