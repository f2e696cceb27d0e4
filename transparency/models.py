"""What transparency keeps of its own: the publication version that every public page's cache is keyed by, and the
grants downloads built for one version of the published data."""

from django.db import models


class PublicationVersion(models.Model):
    """One row. `number` changes (to a new random number) once for every committed change to anything the public
    pages, downloads or API can show (transparency.publication says what counts), so a cached page or file is current
    exactly when it was built at today's number. Written only by transparency.publication."""

    number = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Publication version {self.number}"


def _download_path(instance: "GrantsDownload", filename: str) -> str:
    # One folder, the version in the name: letting go of an old version's file leaves nothing behind.
    return f"transparency/downloads/{instance.version}-{filename}"


class GrantsDownload(models.Model):
    """A grants CSV or XLSX built once for one publication version and served from private storage until the
    version moves on. The row is written after its file, so a row always means a whole file."""

    name = models.CharField(
        max_length=120, help_text="The file name people download, e.g. grants-awarded-2024-25.csv"
    )
    version = models.BigIntegerField()
    file = models.FileField(upload_to=_download_path, max_length=255)
    etag = models.CharField(max_length=80)
    built_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version"], name="one_grants_download_per_name_and_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (publication version {self.version})"
