"""Signals other apps react to (the call center schedules the follow-up callback)."""

from django.dispatch import Signal

# sent after commit with complaint=<Complaint>
complaint_received = Signal()
complaint_closed = Signal()
