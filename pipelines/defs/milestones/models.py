"""SQL models of the milestones domain, in run order (see docs/architecture.md).

Reads staging.assessments / respiratory_support / clinical_events, the contract
tables and core.treatment_episodes; produces core.milestone_decisions (read by
the refunds domain) and marts.assessment_worklist.
"""

MODELS = [
    "core/assessment_evidence",
    "core/person_evidence",
    "core/permanent_ventilation",
    "core/milestone_windows",
    "core/milestone_scores",
    "core/criteria_results",
    "core/milestone_decisions",
    "marts/assessment_worklist",
    "marts/ventilator_free_survival",
]
