"""SQL models of the refunds domain, in run order.

They read core.milestone_decisions (milestones domain), core.treatment_episodes and
marts.claims_missing_oba (claims domain), staging.contracts / contract_milestones and
staging.remittances, so they run after the claims and milestones models.

Decisions where the spec is silent (also in each model's .yml):
- A milestone that owes nothing (met, pending, missing_evidence under no_refund,
  or capped out) has refund_due_amount 0.00 and refund_due_date NULL.
- The cap (price_basis x refund_cap_pct / 100) is rounded to the cent like the
  refunds; refunds are rounded per milestone before the cap is applied.
- Reconciliation: status `unpaid` when a refund is owed and the net remitted is
  0 or less (a payment fully reversed is unpaid again); `unmatched` when money was
  remitted (net, even 0) for a milestone owing nothing, or no episode milestone
  has that (contract, payer, member, timepoint); those rows have due 0.00, no due
  date, days_past_due 0 and episode_id NULL when no milestone matched.
- days_past_due is 0 on the due date itself.
- Refunds at risk: pending or missing_evidence milestones of `no_refund`
  contracts (under `refund` nothing is lost). Amount = what the milestone would
  owe if not met, allocated in timepoint order within what is left of the
  episode cap after the refunds already owed, so owed + at risk never exceeds
  the cap. Pending milestones count whatever their window (the worklist is the
  near-term view; refunds_at_risk.days_until_window_end tells them apart).
- payer_summary: outstanding = balances of unpaid / partially_paid rows;
  overdue = balances of rows with days_past_due > 0; credit = remitted beyond
  what is owed (overpaid + unmatched, net); net_balance = due - remitted.
  A payer is listed when present in contracts, episodes, milestone decisions
  or remittances dated on or before as-of.
"""

MODELS = [
    "core/milestone_refunds",
    "marts/milestone_status",
    "marts/refund_reconciliation",
    "marts/refunds_at_risk",
    "marts/milestones_by_timepoint",
    "marts/payer_summary",
]
