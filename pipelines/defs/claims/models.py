"""SQL models of the claims domain (spec claims.md), in run order."""

MODELS = [
    "core/claim_versions",
    "core/claim_lines",
    "core/infusion_claims",
    "core/treatment_episodes",
    "marts/claims_missing_oba",
    "marts/claim_findings",
    "marts/claims_to_fix",
    "marts/treatment_episodes",
]
