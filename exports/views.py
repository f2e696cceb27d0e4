from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from audit.services import record_event

from .models import ExportJob
from .services import retry_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {
    ".xlsx": XLSX,
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def staff_required(view):
    """Any signed-in member of staff: a job is only ever shown to the person who asked for it (`_own_job`), and
    asking for it needed the permission of the page it came from. (accounts.permissions sits beside exports, not
    below it, so this is the one staff check written here.)"""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.required_permission = None  # type: ignore[attr-defined]
    return wrapper


def _own_job(request, pk: int) -> ExportJob:
    # Staff see only the exports they asked for; another person's job id is simply not found.
    return get_object_or_404(ExportJob, pk=pk, requested_by=request.user)


@staff_required
def job_status(request, pk: int):
    """The job's page. POST is its "Try again" button: a failed job is queued again (the same person, the same check
    as seeing the page), then the page is shown afresh."""
    job = _own_job(request, pk)
    if request.method == "POST":
        retry_export(job_id=job.pk, by=request.user)
        return redirect("exports:job", pk=job.pk)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"status": job.status, "progress": job.progress_text})
    return render(request, "exports/job.html", {"job": job})


@staff_required
def job_download(request, pk: int):
    job = _own_job(request, pk)
    if job.status != ExportJob.Status.READY or not job.file:
        raise Http404("This export is not ready")
    content_type = CONTENT_TYPES.get(
        job.filename[job.filename.rfind(".") :].lower(), "application/octet-stream"
    )
    response = FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.filename, content_type=content_type
    )
    # An export can hold every applicant's details at once: each download is recorded, the file itself is not.
    record_event(
        "export.downloaded",
        obj=job,
        by=request.user,
        after={"kind": job.kind, "title": job.title, "file_name": job.filename, "params": job.params},
    )
    return response
