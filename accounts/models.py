"""Which sessions belong to whom, so all of a user's sessions can be ended at once."""

from django.conf import settings
from django.db import models


class UserSession(models.Model):
    """A session key of a logged-in user (written at login, removed at logout or when sessions are ended)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user"], name="usersession_user")]

    def __str__(self) -> str:
        return f"session of user {self.user_id}"
