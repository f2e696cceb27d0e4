"""The counter that numbers application references, so a number once given is never given again."""

from django.db import models


class ReferenceCounter(models.Model):
    """The last number given under one reference stem ("HCF-2425-").

    Only ever goes up, under a row lock, in the transaction that writes the reference: a deleted or anonymised
    application, or a second round with the same prefix in the same year, can never bring a number back.
    Written only by applications.services.references.
    """

    stem = models.CharField(max_length=30, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.stem}{self.last_number:05d}"
