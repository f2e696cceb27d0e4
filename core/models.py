from django.db import models


class Counter(models.Model):
    """A rate-limit or wrong-code counter kept in the database while Redis cannot be reached (core.ratelimit).

    Rows exist only for the length of an outage's windows: each is dead once `expires_at` has passed and is deleted
    by the next count. Never edited by hand; nothing else reads it.
    """

    key = models.CharField(max_length=250, primary_key=True)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.expires_at:%H:%M:%S}"
