"""The grants downloads of a whole year (and of every year), built once per publication version and kept in private
storage, so the hundredth person to download this year's grants gets the file the first one caused to be built.

A file is current when it was built at the current publication version (transparency.publication). One that is not
is never served: the request that finds it missing builds it, sends it, keeps it for the next person, and queues
the task `transparency.tasks.build_grants_downloads` (once per version) that builds every other year's files before
anyone asks for them."""

import datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from funds.models import FinancialYear
from funds.selectors import current_office
from outbox.services import send_after_commit

from . import downloads, publication, selectors
from .models import GrantsDownload
from .responses import etag_of

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": downloads.XLSX_CONTENT_TYPE}


def file_name(fmt: str, *, year=None, stream=None, area=None) -> str:
    """grants-awarded-2024-25-hcf-area-3.csv: what the filters were, so saved files do not overwrite each other."""
    parts = (
        FinancialYear(start_year=getattr(year, "start_year", year)).label(FinancialYear.LabelStyle.LONG)
        if year is not None
        else "",
        stream.slug if stream is not None else "",
        f"area-{area.pk}" if area is not None else "",
    )
    return "grants-awarded" + "".join(f"-{part}" for part in parts if part) + f".{fmt}"


def build(fmt: str, **filters) -> bytes:
    """The download for these filters, built now from the database (a query streamed from its cursor)."""
    rows = selectors.public_grant_rows(selectors.published_grants(**filters)).iterator(chunk_size=2000)
    if fmt == "csv":
        return downloads.grants_csv(rows).encode("utf-8")
    office = current_office()
    title = "Grants awarded" + (f" by the {office.name}" if office else "")
    return downloads.grants_xlsx(rows, title=title)


def _fresh_since() -> datetime.datetime:
    # A file is also rebuilt once it is as old as a cached page may be: should a process die between a change's
    # commit and moving the version on, a download is then no staler than a page.
    return timezone.now() - datetime.timedelta(seconds=publication.CACHE_SECONDS)


def stored(name: str, version: publication.Version) -> GrantsDownload | None:
    return GrantsDownload.objects.filter(
        name=name, version=version.number, built_at__gte=_fresh_since()
    ).first()


def store(name: str, version: publication.Version, content: bytes) -> GrantsDownload | None:
    """Keep `content` as the file `name` of `version`, and let go of that file's older versions. The row is written
    after the file, so a row always means a whole file. None if someone else stored it first (theirs stands)."""
    download = GrantsDownload(name=name, version=version.number, etag=etag_of(content))
    download.file.save(name, ContentFile(content), save=False)
    for expired in GrantsDownload.objects.filter(
        name=name, version=version.number, built_at__lt=_fresh_since()
    ):
        expired.file.delete(save=False)
        expired.delete()
    try:
        with transaction.atomic():
            download.save()
    except IntegrityError:
        download.file.delete(save=False)
        return None
    for old in GrantsDownload.objects.filter(name=name, built_at__lt=download.built_at):
        old.file.delete(save=False)
        old.delete()
    return download


def prebuilt_filters(filters: dict) -> bool:
    """Whether these filters ask for a file kept in storage: a whole year, or every year, with nothing else."""
    return set(filters) <= {"year"}


BUILD_TASK = "transparency.tasks.build_grants_downloads"


def build_the_rest_later(version: publication.Version) -> None:
    """Someone found this version's files missing: queue the task that builds all of them, once per version however
    many people find them missing (the outbox message's key), so the next person finds theirs ready."""
    with transaction.atomic():
        send_after_commit(BUILD_TASK, key=f"{BUILD_TASK}:{version.number}")


def build_all(version: publication.Version) -> int:
    """Build and keep every year's file (and every year's together) in both formats that this version lacks.
    Returns how many were built."""
    facets = selectors.grant_facets()
    built = 0
    for year in [None, *facets.years()]:
        for fmt in CONTENT_TYPES:
            name = file_name(fmt, year=year)
            if stored(name, version) is None:
                store(name, version, build(fmt, **({"year": year} if year is not None else {})))
                built += 1
    return built
