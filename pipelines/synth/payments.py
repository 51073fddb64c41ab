"""The synthetic world's payments and refund claims (spec/payments.md), for pipelines/synth/generator.py.

- OBA-FJORDCARE-2023 is paid in five yearly installments of 425,000.00 (its `payment` block); the
  payer pays each installment due before the world ends a few days early, in full (the offsets
  then show as overpaid installments), with a small share paid short (3%) or paid and reversed (2%).
- Every refund the generator knows is owed (death, permanent ventilation, a declining infant's
  12-month milestone) is claimed by 85% of the payers' teams, 10 to 150 days after the window
  closes; the manufacturer answers most claims 20 to 90 days later (accepted 75%, disputed 10%,
  rejected 5%, withdrawn 2%, no answer yet 8%). An answered claim is delivered twice, first
  unanswered and then, with the same refund_claim_id, with its answer, unless both deliveries fall
  into the backfill (one file, where a repeated key would be quarantined): then only the answer.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa

from pipelines.defs.ingest.feeds import DISPUTE_REASONS

INSTALLMENT_CONTRACT = "OBA-FJORDCARE-2023"
INSTALLMENT_MONTHS = [0, 12, 24, 36, 48]
INSTALLMENT_DUE_DAYS = 30
PAYMENT_BLOCK = {"installments": [{"months_after_infusion": m, "amount": Decimal("425000.00")}
                                  for m in INSTALLMENT_MONTHS],
                 "installment_due_days": INSTALLMENT_DUE_DAYS, "refund_settlement": "offset"}
CLAIM_SUBMISSION_DAYS = 180


def write_payments(g, ch: dict, contract_index: int, seed: int, sink) -> None:
    """The payer's installment payments under the installment contract."""
    r = g._rng(seed, 21)
    eps = np.flatnonzero(ch["contract"] == contract_index)
    n_inst = len(INSTALLMENT_MONTHS)
    ep = np.repeat(eps, n_inst)
    number = np.tile(np.arange(1, n_inst + 1), len(eps))
    due = g._add_months(ch["inf"][ep], np.array(INSTALLMENT_MONTHS)[number - 1]) + INSTALLMENT_DUE_DAYS
    paid = due - r.integers(0, 10, len(ep))
    keep = paid < g.WEND
    ep, number, paid = ep[keep], number[keep], paid[keep]
    kind = g._pick(r, len(ep), [0.95, 0.03, 0.02])            # in full, short, paid and reversed
    cents = np.where(kind == 1, 40000000, 42500000)
    rev = np.flatnonzero(kind == 2)
    ep, number = np.r_[ep, ep[rev]], np.r_[number, number[rev]]
    when = np.r_[paid, paid[rev] + r.integers(10, 40, len(rev))]
    cents = np.r_[cents, -cents[rev]]
    n = len(ep)
    sink.write("payments", {
        "payment_id": g._join(pa.scalar("PMT-"), g._pad(g._scr(np.arange(n), 10**8, 29), 8)),
        "contract_id": g._const(INSTALLMENT_CONTRACT, n), "payer_id": g._voc(g.PAYER_NAMES, ch["payer"][ep]),
        "member_id": g._member_on(ch, ep, when), "installment_number": g._s(number),
        "amount": g._money(cents), "paid_date": g._date(when),
        "reference": g._join(pa.scalar("WIRE-"), g._pad(g._scr(np.arange(n), 10**6, 31), 6)),
    }, when + r.integers(1, 6, n) - g.F0)


def write_refund_claims(g, ch: dict, owed: dict, seed: int, sink) -> None:
    """The payers' refund claims for the refunds owed (owed: arrays ep, ct, tp, cents, window_end)."""
    r = g._rng(seed, 22)
    sel = np.flatnonzero(r.random(len(owed["ep"])) < 0.85)
    ep, ct, tp, cents, we = (owed[k][sel] for k in ("ep", "ct", "tp", "cents", "we"))
    n = len(ep)
    submitted = we + r.integers(10, 150, n)
    keep = submitted < g.WEND
    ep, ct, tp, cents, submitted = ep[keep], ct[keep], tp[keep], cents[keep], submitted[keep]
    n = len(ep)
    answer = g._pick(r, n, [0.75, 0.10, 0.05, 0.02, 0.08])   # accepted, disputed, rejected, withdrawn, none
    answered_on = submitted + r.integers(20, 90, n)
    answered = (answer < 4) & (answered_on < g.WEND)
    # a reason for a dispute or a rejection; the index past the codes (an empty value) otherwise
    reason = np.where(np.isin(answer, [1, 2]), r.integers(0, len(DISPUTE_REASONS), n), len(DISPUTE_REASONS))
    sub_day = submitted + r.integers(1, 6, n) - g.F0
    ans_day = answered_on + r.integers(1, 6, n) - g.F0
    ids = g._join(pa.scalar("RCL-"), g._pad(g._scr(np.arange(n), 10**8, 37), 8))
    # the unanswered first delivery, unless the answer is in the same (backfill) file
    first = np.flatnonzero(~answered | (ans_day > 0))
    # the delivery with the answer
    second = np.flatnonzero(answered)
    rows = np.r_[first, second]
    with_answer = np.r_[np.zeros(len(first), bool), np.ones(len(second), bool)]
    m = len(rows)
    responses = pa.array(["accepted", "disputed", "rejected", "withdrawn", ""], pa.string())
    reasons = pa.array([*DISPUTE_REASONS, ""], pa.string())
    sink.write("refund_claims", {
        "refund_claim_id": ids.take(pa.array(rows)), "contract_id": g._voc([c["id"] for c in g.CT], ct[rows]),
        "payer_id": g._voc(g.PAYER_NAMES, ch["payer"][ep[rows]]), "member_id": g._member_on(ch, ep[rows], submitted[rows]),
        "timepoint_months": g._s(tp[rows]), "submitted_date": g._date(submitted[rows]),
        "amount_claimed": g._money(cents[rows]),
        "response": g._where(with_answer, g._voc(responses, answer[rows])),
        "response_date": g._where(with_answer, g._date(answered_on[rows])),
        "dispute_reason": g._where(with_answer & np.isin(answer[rows], [1, 2]), g._voc(reasons, reason[rows])),
    }, np.where(with_answer, ans_day[rows], sub_day[rows]))
