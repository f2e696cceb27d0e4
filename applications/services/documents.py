"""Uploads: checked by what the bytes are, not by the name or the browser's claim, and kept private."""

import filetype
from django.core.files.uploadedfile import UploadedFile

from ..models import Application, Document

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (XLSX)",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "image/heic": "HEIC image",
}
ALLOWED_HINT = "PDF, DOCX, XLSX, JPG, PNG, GIF, WEBP or HEIC"


class UploadError(ValueError):
    """Why a file was refused, phrased for the person who chose it."""


def check_upload(upload: UploadedFile) -> str:
    """The file's real content type, or UploadError."""
    if upload.size == 0:
        raise UploadError(f"The selected file {upload.name} is empty")
    if upload.size > MAX_UPLOAD_BYTES:
        raise UploadError(f"The selected file {upload.name} must be smaller than 10MB")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED:
        raise UploadError(f"The selected file {upload.name} must be a {ALLOWED_HINT}")
    return kind.mime


def save_document(*, application: Application, kind: str, upload: UploadedFile, by, replace: bool = True) -> Document:
    mime = check_upload(upload)
    if replace:
        for old in application.documents.filter(kind=kind):
            old.file.delete(save=False)
            old.delete()
    document = Document(application=application, kind=kind, original_name=upload.name[:255], content_type=mime,
                        size=upload.size, uploaded_by=by)
    document.file.save(upload.name, upload, save=False)
    document.save()
    return document
