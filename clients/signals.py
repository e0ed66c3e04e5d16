from django.dispatch import Signal

# sent after commit with client=<Client> when the risk level or investor class changes
suitability_changed = Signal()
