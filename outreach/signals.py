"""What outreach tells the apps above it (they connect; outreach imports none of them).

- `reply_received(reply)`: a client's SMS reply was recorded (reply.message is the SMS it
  answers, if known), after the transaction that recorded it.
- `message_failed(message_id, source_kind, source_id)`: a message failed for good (the
  provider refused it, the receipt said not delivered, or the result is unknown).
"""

from django.dispatch import Signal

reply_received = Signal()
message_failed = Signal()
