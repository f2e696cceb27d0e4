"""Files people upload: checked by what the bytes are, never by the name or the browser's claim.

One checker for every upload in the service (application documents, service documents in admin, imports), so a
file refused on one page is refused on all of them, with the same words:

- `check_upload` says what a file really is (its content type) or raises UploadError with a message for the person who
  chose it: empty, too large, not an allowed type, a name that says one type over content of another, or a Word or
  Excel file that is really a zip bomb or carries an XML document type (the way in for external entities).
- `check_office_file` is that last check on its own, for code that is about to open a workbook; `open_workbook` does
  both and hands back an openpyxl workbook that is safe to read.
- `display_name` is the name to show and to offer on download: no folders, no control or direction characters,
  not too long. Stored files never use it: they get a generated name.
"""

import io
import os
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

import filetype
from django import forms
from django.core.files.uploadedfile import UploadedFile

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A Word or Excel file is a zip of XML. Real ones expand 5 to 30 times; these bounds leave room for a large real
# workbook and stop a zip bomb (a few kilobytes that expand to gigabytes) before anything expands it.
MAX_EXPANDED_BYTES = 200 * 1024 * 1024
MAX_EXPANSION_RATIO = 200
MAX_MEMBERS = 10_000
MAX_DISPLAY_NAME = 100


@dataclass(frozen=True)
class Kind:
    label: str
    extensions: tuple[str, ...]


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCUMENTS = {
    "application/pdf": Kind("PDF", ("pdf",)),
    DOCX: Kind("Word (DOCX)", ("docx",)),
    XLSX: Kind("Excel (XLSX)", ("xlsx",)),
    "image/jpeg": Kind("JPEG image", ("jpg", "jpeg")),
    "image/png": Kind("PNG image", ("png",)),
    "image/gif": Kind("GIF image", ("gif",)),
    "image/webp": Kind("WebP image", ("webp",)),
    "image/heic": Kind("HEIC image", ("heic", "heif")),
}
DOCUMENTS_HINT = "PDF, DOCX, XLSX, JPG, PNG, GIF, WEBP or HEIC"
# What a Word or Excel file must hold to be one, so a zip of anything else named .docx is refused.
_OFFICE_PARTS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}
# An XML document type declaration is how external entities (XXE) and entity expansion get in. Office never writes
# one, so its presence, in any encoding an XML parser accepts, is enough to refuse the file.
_DOCTYPE = tuple("<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
_CHUNK = 64 * 1024


class UploadError(ValueError):
    """Why a file was refused, phrased for the person who chose it."""


def display_name(name: str | None, *, default: str = "file") -> str:
    """A file name safe to show and to put in a download's Content-Disposition.

    Keeps only the last path segment, drops control, format (right-to-left overrides, zero-width) and separator
    characters, and shortens long names keeping their extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c if c == " " or unicodedata.category(c)[0] not in "CZ" else "" for c in name).strip(" .")
    if not name:
        return default
    if len(name) > MAX_DISPLAY_NAME:
        stem, ext = os.path.splitext(name)
        ext = ext[:10]
        name = stem[: MAX_DISPLAY_NAME - len(ext)].rstrip(" .") + ext
    return name


def generated_name(name: str | None) -> str:
    """A stored file's name: random, with the extension the checker accepted, never the person's own path."""
    ext = os.path.splitext(display_name(name))[1].lower()
    return uuid.uuid4().hex + (ext if ext[1:].isalnum() and len(ext) <= 6 else "")


def _extension(name: str) -> str:
    return os.path.splitext(display_name(name))[1].lower().lstrip(".")


def check_upload(
    upload: UploadedFile,
    *,
    allowed: dict[str, Kind] = DOCUMENTS,
    hint: str = DOCUMENTS_HINT,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> str:
    """The file's real content type, or UploadError saying what is wrong with it."""
    shown = display_name(upload.name)
    size = upload.size or 0
    if size == 0:
        raise UploadError(f"The selected file {shown} is empty")
    if size > max_bytes:
        raise UploadError(f"The selected file {shown} must be smaller than {_size(max_bytes)}")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in allowed:
        raise UploadError(f"The selected file {shown} must be a {hint}")
    expected = allowed[kind.mime]
    if _extension(upload.name) not in expected.extensions:
        # A PNG called .pdf, or a PDF called .exe: the name and the content disagree, and whoever opens it later
        # goes by the name. The person can rename it and try again.
        raise UploadError(
            f"The selected file {shown} is a {expected.label} but its name does not end in "
            f".{expected.extensions[0]}. Rename it or choose a {hint}"
        )
    if kind.mime in _OFFICE_PARTS:
        try:
            check_office_file(upload, mime=kind.mime)
        finally:
            upload.seek(0)
    return kind.mime


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g}MB"
    return f"{limit / 1024:g}KB" if limit >= 1024 else f"{limit} bytes"


def check_office_file(
    file, *, mime: str | None = None, max_expanded: int = MAX_EXPANDED_BYTES, too_big: str | None = None
) -> None:
    """Refuse a Word or Excel file that is not a sound zip of XML: a zip bomb, a document type declaration (external
    entities), or missing the part that makes it a document. Reads the central directory, then streams each XML
    part in chunks, so memory stays flat whatever the file claims."""
    shown = display_name(getattr(file, "name", None), default="file")
    broken = UploadError(
        f"The selected file {shown} could not be opened. Save it again from Word or Excel, or choose a PDF"
    )
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise broken from None
    with archive:
        members = archive.infolist()
        names = {m.filename for m in members}
        needed = _OFFICE_PARTS.get(mime) if mime else None
        if (
            "[Content_Types].xml" not in names
            or (needed and needed not in names)
            or len(members) > MAX_MEMBERS
        ):
            raise broken
        declared = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members)
        # A caller that knows how big its files can be (the budget import: 5,000 lines) sets a tighter limit, and says
        # why in its own words.
        too_big = too_big or (
            f"The selected file {shown} expands to far more than a real document. Save it again "
            "from Word or Excel and try again"
        )
        if declared > max_expanded or (
            declared > 16 * 1024 * 1024 and declared > MAX_EXPANSION_RATIO * packed
        ):
            raise UploadError(too_big)
        expanded = 0
        for member in members:
            if member.is_dir():
                continue
            try:
                with archive.open(member) as part:
                    tail = b""
                    while chunk := part.read(_CHUNK):
                        expanded += len(chunk)
                        if expanded > max_expanded:
                            raise UploadError(too_big)
                        window = tail + chunk
                        if any(marker in window for marker in _DOCTYPE):
                            raise UploadError(
                                f"The selected file {shown} contains an XML document type, which Word "
                                "and Excel never write. Save it again from Word or Excel and try again"
                            )
                        tail = window[-32:]
            except UploadError:
                raise
            except (
                zipfile.BadZipFile,
                zipfile.LargeZipFile,
                NotImplementedError,
                RuntimeError,
                OSError,
                ValueError,
                EOFError,
            ):
                # Encrypted, an unknown compression method, or a checksum that does not match its content.
                raise broken from None


def open_workbook(
    data: bytes,
    *,
    name: str = "file.xlsx",
    max_expanded: int = MAX_EXPANDED_BYTES,
    too_big: str | None = None,
):
    """An openpyxl workbook (read-only, values not formulas) from bytes someone uploaded, after check_office_file.

    openpyxl parses with lxml here; refusing any document type before it parses means no entity, external or
    internal, is ever expanded, whatever the parser's defaults."""
    from openpyxl import load_workbook

    buffer = io.BytesIO(data)
    buffer.name = name
    check_office_file(buffer, mime=XLSX, max_expanded=max_expanded, too_big=too_big)
    buffer.seek(0)
    try:
        return load_workbook(buffer, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, TypeError... on a damaged workbook
        raise UploadError(
            f"The selected file {display_name(name)} could not be opened. Save it again from Excel "
            "as an Excel workbook (XLSX) or CSV"
        ) from exc


class CheckedFileField(forms.FileField):
    """A form's file field that runs check_upload, with GOV.UK messages for what Django checks itself.

    With `generated_name=True` the clean file is renamed to a random name (the extension kept), for models whose
    upload_to keeps the name they are given."""

    def __init__(
        self,
        *,
        allowed: dict[str, Kind] = DOCUMENTS,
        hint: str = DOCUMENTS_HINT,
        generated_name: bool = False,
        **kwargs,
    ):
        if generated_name:
            kwargs["max_length"] = (
                None  # the stored name is generated, so the chosen name's length does not matter
            )
        super().__init__(**kwargs)
        self.allowed, self.hint, self.rename = allowed, hint, generated_name
        self.error_messages.update(upload_messages(self.label))

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and isinstance(upload, UploadedFile):
            try:
                check_upload(upload, allowed=self.allowed, hint=self.hint)
            except UploadError as exc:
                raise forms.ValidationError(str(exc), code="upload") from None
            if self.rename:
                upload.name = generated_name(upload.name)
        return upload


def upload_messages(label: str | None) -> dict[str, str]:
    """GOV.UK wording for the errors Django's FileField raises before any checker sees the file."""
    what = (label or "a file").lower()
    return {
        "required": f"Select {what}",
        "invalid": "The selected file could not be read. Choose the file again",
        "missing": "The selected file could not be read. Choose the file again",
        "empty": "The selected file is empty",
        "max_length": "The selected file's name is too long. Rename it and try again",
        "contradiction": "Either choose a new file or tick ‘Clear’, not both",
    }
