"""What the ballots room asks of higher rooms; the shell connects the receivers."""

from evaluation.core.signals import signals

# Sent after a ballot is stored, with box_id, campaign_id and cached(key, compute) (the voting
# pages' cache); a receiver answers with a link to offer on the receipt, or None.
receipt_offer = signals.signal("ballots.receipt-offer")

# Asked with session and campaign_id before the ballot records are shown; a receiver answers
# True once the campaign's results are released.
results_released = signals.signal("ballots.results-released")
