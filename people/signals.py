"""Registry events other apps react to (sent inside the writing transaction)."""

from django.dispatch import Signal

# Sent with `person` and `vulnerability` after a vulnerability is recorded.
vulnerability_recorded = Signal()
