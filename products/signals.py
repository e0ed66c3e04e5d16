from django.dispatch import Signal

# Sent, inside the transaction that changed them, when catalogue products changed their
# risk level: `changes` = [(product_id, old_level, new_level)], `user` who changed them.
# The advice that names them (visits) re-checks itself.
product_level_changed = Signal()
