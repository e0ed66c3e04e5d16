"""The writes of outreach: messages (send one, queue a segment, receipts and replies),
consent and opt-outs, message templates."""
