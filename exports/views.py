from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render

from .models import ExportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own_job(request, pk: int) -> ExportJob:
    # Staff see only the exports they asked for; another person's job id is simply not found.
    return get_object_or_404(ExportJob, pk=pk, requested_by=request.user)


@staff_member_required
def job_status(request, pk: int):
    job = _own_job(request, pk)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"status": job.status})
    return render(request, "exports/job.html", {"job": job})


@staff_member_required
def job_download(request, pk: int):
    job = _own_job(request, pk)
    if job.status != ExportJob.Status.READY or not job.file:
        raise Http404("This export is not ready")
    content_type = XLSX if job.filename.endswith(".xlsx") else "application/octet-stream"
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename, content_type=content_type)
