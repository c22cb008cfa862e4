from django.db import models


class TimeStamped(models.Model):
    """Creation and last-change times, set by the database layer and never typed in."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True
