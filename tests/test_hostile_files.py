"""Hostile files: every upload in the service refuses what lies about itself, clearly, in bounded time and memory,
and stores nothing; what it accepts is stored under a generated name and downloaded as an attachment.

The inventory below is checked against the code: a new form with a file field, a new admin page that uploads or a new
view that reads request.FILES fails `test_every_upload_in_the_code_is_in_this_files_inventory` until it is listed
here and sent the same files.
"""

import functools
import importlib
import io
import pkgutil
import re
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse

from applications.models import Application, Document
from core import uploads
from providers.models import ServiceDocument
from tests.applications.factories import PDF, OrganisationFactory, RoundFactory, member_of
from tests.providers.factories import MembershipFactory, ServiceFactory

pytestmark = pytest.mark.django_db

# Every form class with a file field, by dotted path, and where its hostile files are sent.
UPLOAD_FORMS = {
    "applications.forms.DocumentsTaskForm": "the applicant's Documents task: test_hostile_document_uploads_*",
    "applications.forms.ResponseForm": "the applicant's answer to a question from staff: test_hostile_files_*",
    "applications.staff_forms.InformationRequestForm": "staff's question to an applicant: test_hostile_files_*",
    # Being rewritten by the budget import's owner; its files (encodings, BOMs, line endings) are tested with it in
    # tests/funds. It should read XLSX through core.uploads.open_workbook.
    "funds.forms.BudgetImportForm": "the budget-line import: tests/funds",
}
# Admin pages whose model (or inline's model) has an editable file field: (app_label.model, admin class).
ADMIN_UPLOADS = {("providers.servicedocument", "DocumentInline"): "test_hostile_service_document_uploads_*"}
# Source files that read request.FILES.
VIEWS_READING_FILES = {
    "applications/views/dashboard.py",
    "applications/views/drafting.py",
    "applications/views/reports.py",
    "applications/views/staff.py",
    "funds/admin.py",
}
# The application's own documents: what the Documents task and the fixtures upload, not a refused file.
DOCUMENT_KINDS = ("governing_document", "safeguarding_policy", "accounts")

MB = 1024 * 1024
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
CSV_ROWS = "stream,line,amount\r\nHelping Communities Fund,\u201cSafer streets\u201d,\u00a31,250.50\r\n"


# --- building the files ------------------------------------------------------------------------------------------


def office_file(kind: str = "xlsx", *, part: str | None = None, content: bytes | None = None) -> bytes:
    """A real, minimal XLSX (from openpyxl) or DOCX, with one part replaced if asked."""
    if kind == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        workbook.active["A1"] = "Safer streets"
        buffer = io.BytesIO()
        workbook.save(buffer)
        source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
        parts = {name: source.read(name) for name in source.namelist()}
    else:
        parts = {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/content-types"><Override PartName="/word/document.xml" ContentType="applica'
            b'tion/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            b"</Types>",
            "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006'
            b'/relationships"/>',
            "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/word'
            b'processingml/2006/main"><w:body><w:p><w:r><w:t>Constitution</w:t></w:r></w:p>'
            b"</w:body></w:document>",
        }
    if part:
        parts[part] = content
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", parts.pop("[Content_Types].xml"))
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


XXE_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    b'<c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>'
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lololololololololololol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    b'<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)


def xxe_xlsx(encoding: str = "utf-8") -> bytes:
    sheet = (
        XXE_SHEET
        if encoding == "utf-8"
        else (XXE_SHEET.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    )
    return office_file("xlsx", part="xl/worksheets/sheet1.xml", content=sheet)


@functools.cache
def _gigabyte_of_zeros() -> tuple[bytes, int, int]:
    """A raw deflate stream of 1GB of zeros (about 1MB), its expanded size and its CRC."""
    block_size, repeats = 16 * MB, 64
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(block_size)) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc, zeros = 0, bytes(block_size)
    for _ in range(repeats):
        crc = zlib.crc32(zeros, crc)
    return block * repeats + b"\x03\x00", block_size * repeats, crc  # an empty final block ends the stream


def zip_bomb(kind: str = "xlsx", *, gigabytes: int = 3, honest: bool = True) -> bytes:
    """A zip of a few megabytes whose parts expand to `gigabytes` of zeros, built without ever holding them.

    Deflate blocks ended by a full flush are self-contained, so one compressed 16MB block of zeros repeated 64 times
    is a valid stream of 1GB. With honest=False the headers claim each part is 1,000 bytes."""
    stream, expanded, crc = _gigabyte_of_zeros()
    needed = "xl/workbook.xml" if kind == "xlsx" else "word/document.xml"
    members = [("[Content_Types].xml", b"<Types/>"), (needed, b"<workbook/>")]
    out, central = io.BytesIO(), []

    def add(name: str, data: bytes, size: int, crc32: int) -> None:
        encoded = name.encode()
        offset = out.tell()
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc32, len(data), size, len(encoded), 0
        )
        out.write(header + encoded + data)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc32,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )

    for name, data in members:
        add(name, zlib.compress(data)[2:-4], len(data), zlib.crc32(data))
    for n in range(gigabytes):
        add(f"xl/worksheets/sheet{n + 1}.xml", stream, expanded if honest else 1000, crc)
    directory = b"".join(central)
    start = out.tell()
    out.write(
        directory
        + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), start, 0)
    )
    return out.getvalue()


def csv_file(encoding: str, *, line_ending: str = "\r\n") -> bytes:
    text = CSV_ROWS.replace("\r\n", line_ending)
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if encoding == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding)


# (id, file name, content, what the refusal must say)
TYPE = "must be a PDF, DOCX, XLSX"
HOSTILE = [
    ("windows-exe-named-pdf", "constitution.pdf", EXE, TYPE),
    ("html-named-pdf", "constitution.pdf", HTML, TYPE),
    ("html-named-docx", "constitution.docx", HTML, TYPE),
    ("png-named-pdf", "constitution.pdf", PNG, "is a PNG image but its name does not end in .png"),
    ("pdf-named-exe", "constitution.exe", PDF, "is a PDF but its name does not end in .pdf"),
    ("pdf-behind-rtl-override", "invoice\u202efdp.exe", PDF, "is a PDF but its name does not end in .pdf"),
    (
        "docx-named-xlsx",
        "accounts.xlsx",
        office_file("docx"),
        "is a Word (DOCX) but its name does not end in .docx",
    ),
    ("plain-zip-named-docx", "constitution.docx", None, TYPE),
    ("csv-utf8", "accounts.csv", csv_file("utf-8"), TYPE),
    ("csv-utf8-bom", "accounts.csv", csv_file("utf-8-bom"), TYPE),
    ("csv-utf16-le-bom", "accounts.csv", csv_file("utf-16-le-bom"), TYPE),
    ("csv-cp1252-named-xlsx", "accounts.xlsx", csv_file("cp1252"), TYPE),
    ("csv-mac-cr-named-pdf", "accounts.pdf", csv_file("utf-8", line_ending="\r"), TYPE),
    ("empty", "constitution.pdf", b"", "The selected file is empty"),
    ("xlsx-with-external-entity", "accounts.xlsx", xxe_xlsx(), "contains an XML document type"),
    ("xlsx-with-external-entity-utf16", "accounts.xlsx", xxe_xlsx("utf-16"), "contains an XML document type"),
    (
        "xlsx-with-billion-laughs",
        "accounts.xlsx",
        office_file("xlsx", part="xl/worksheets/sheet1.xml", content=LAUGHS),
        "contains an XML document type",
    ),
    ("zip-bomb-named-xlsx", "accounts.xlsx", "bomb-xlsx", "expands to far more than a real document"),
    ("zip-bomb-named-docx", "constitution.docx", "bomb-docx", "expands to far more than a real document"),
    ("zip-bomb-lying-about-its-size", "accounts.xlsx", "bomb-lying", "could not be opened"),
    ("damaged-xlsx", "accounts.xlsx", office_file("xlsx")[:-200], "could not be opened"),
]
BOUNDED = {
    "xlsx-with-external-entity",
    "xlsx-with-external-entity-utf16",
    "xlsx-with-billion-laughs",
    "zip-bomb-named-xlsx",
    "zip-bomb-named-docx",
    "zip-bomb-lying-about-its-size",
}


def _plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a document")
    return out.getvalue()


_BUILT: dict[str, bytes] = {}


def content_of(content) -> bytes:
    """Bombs are built once per session, on first use: a few megabytes, never the gigabytes they claim."""
    if content is None:
        return _plain_zip()
    if isinstance(content, bytes):
        return content
    if content not in _BUILT:
        _BUILT[content] = {
            "bomb-xlsx": lambda: zip_bomb("xlsx"),
            "bomb-docx": lambda: zip_bomb("docx"),
            "bomb-lying": lambda: zip_bomb("xlsx", honest=False),
        }[content]()
    return _BUILT[content]


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body written by hand, so file names reach the server exactly as a hostile client sends them
    (Django's test client would take the basename first)."""
    boundary = "----hostile-files-boundary"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (file_name, data) in files.items():
        quoted = file_name.replace('"', "%22")
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def stored_files() -> set[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def assert_clear_refusal(response, message: str) -> None:
    page = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert "govuk-error-summary" in page
    assert message in page.replace("&#x27;", "'").replace("&quot;", '"'), message
    assert "Traceback" not in page


def measured(send):
    """Run `send`, returning its result, the peak Python memory it allocated (MB) and the seconds it took."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = send()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / MB, time.perf_counter() - started


# --- the inventory -----------------------------------------------------------------------------------------------


def _project_apps():
    base = Path(settings.BASE_DIR).resolve()
    return [c for c in apps.get_app_configs() if Path(c.path).resolve().parent == base]


def _import_everything() -> None:
    for config in _project_apps():
        for module in pkgutil.walk_packages([config.path], prefix=f"{config.name}."):
            if ".migrations" in module.name or ".tests" in module.name:
                continue
            if module.name == "benchmarks.locustfile":
                # Run by the locust command, not by the app: importing locust patches this process with gevent (and
                # it is only installed with the bench extra). It has no forms.
                continue
            importlib.import_module(module.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_upload_in_the_code_is_in_this_files_inventory():
    _import_everything()
    local = tuple(f"{c.name}." for c in _project_apps())
    file_forms = {
        f"{form.__module__}.{form.__qualname__}"
        for form in _subclasses(forms.BaseForm)
        if form.__module__.startswith(local)
        and any(isinstance(f, forms.FileField) for f in getattr(form, "base_fields", {}).values())
    }
    assert file_forms == set(UPLOAD_FORMS), (
        "a form with a file field is not in UPLOAD_FORMS (or one has gone)"
    )

    admin_uploads = set()
    for model, model_admin in admin.site._registry.items():
        for owner in [type(model_admin), *model_admin.inlines]:
            target = model if owner is type(model_admin) else owner.model
            readonly = set(getattr(owner, "readonly_fields", ()))
            if any(
                isinstance(f, models.FileField) and f.editable and f.name not in readonly
                for f in target._meta.get_fields()
            ):
                admin_uploads.add((target._meta.label_lower, owner.__name__))
    assert admin_uploads == set(ADMIN_UPLOADS), "an admin page that uploads files is not in ADMIN_UPLOADS"

    base = Path(settings.BASE_DIR)
    readers = {
        str(p.relative_to(base))
        for c in _project_apps()
        for p in Path(c.path).rglob("*.py")
        if "request.FILES" in p.read_text()
    }
    assert readers == VIEWS_READING_FILES, "a view reads request.FILES and is not in VIEWS_READING_FILES"


# --- the applicant's Documents task ------------------------------------------------------------------------------


@pytest.fixture
def draft(client):
    round_ = RoundFactory()
    organisation = OrganisationFactory(area=round_.areas.first())
    user = member_of(organisation)
    client.force_login(user)
    return Application.objects.create(round=round_, organisation=organisation, created_by=user)


def send_document(client, application, file_name: str, content: bytes, action: str = "continue"):
    return prepare_document(client, application, file_name, content, action)()


def prepare_document(client, application, file_name: str, content: bytes, action: str = "continue"):
    body, content_type = multipart({"action": action}, {"governing_document": (file_name, content)})
    return lambda: client.generic(
        "POST", f"/applications/{application.pk}/documents/", body, content_type=content_type
    )


@pytest.mark.parametrize("action", ["continue", "later"])
@pytest.mark.parametrize("case", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_document_uploads_are_refused_clearly_and_store_nothing(client, draft, case, action):
    name, file_name, content, message = case
    content = content_of(content)
    before = stored_files()
    response, peak_mb, seconds = measured(prepare_document(client, draft, file_name, content, action))
    assert_clear_refusal(
        response, message
    )  # "come back later" too: the person must know the file was not kept
    assert not Document.objects.filter(application=draft).exists()
    assert stored_files() == before
    if name in BOUNDED:
        assert peak_mb < 50, f"{name}: {peak_mb:.1f}MB"
        assert seconds < 5, f"{name}: {seconds:.1f}s"


def test_a_document_over_the_size_limit_is_refused_and_stores_nothing(client, draft, monkeypatch):
    """The limit is lowered for the test, so no 10MB file is ever built."""
    from applications.services import documents

    monkeypatch.setattr(documents, "MAX_UPLOAD_BYTES", 64 * 1024)
    before = stored_files()
    response = send_document(client, draft, "accounts.pdf", PDF + bytes(64 * 1024))
    assert_clear_refusal(response, "The selected file accounts.pdf must be smaller than 64KB")
    assert not Document.objects.filter(application=draft).exists()
    assert stored_files() == before


@pytest.mark.parametrize(
    "file_name,shown",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\report.pdf", "report.pdf"),
        ("in\x00voice.pdf", "invoice.pdf"),
        ("report\u202efdp.pdf", "reportfdp.pdf"),
        ("a" * 300 + ".pdf", "a" * 96 + ".pdf"),
        ("Année « sûre » “2024”.pdf", "Année « sûre » “2024”.pdf"),
    ],
)
def test_an_accepted_document_is_stored_under_a_generated_name_and_downloaded_as_a_safe_attachment(
    client, draft, file_name, shown
):
    response = send_document(client, draft, file_name, PDF, action="later")
    assert response.status_code == 302
    document = Document.objects.get(application=draft)
    assert re.fullmatch(rf"applications/{draft.pk}/[0-9a-f]{{32}}", document.file.name)
    assert document.original_name == shown
    download = client.get(reverse("applications:download", args=[draft.pk, document.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF


def test_a_stored_name_with_control_characters_still_downloads(client, draft):
    """Rows written before names were cleaned (or by other code) cannot make the download a 500."""
    send_document(client, draft, "accounts.pdf", PDF, action="later")
    Document.objects.filter(application=draft).update(original_name="acc\r\nSet-Cookie: x=1.pdf")
    document = Document.objects.get(application=draft)
    download = client.get(reverse("applications:download", args=[draft.pk, document.pk]))
    assert download.status_code == 200
    assert "\r" not in download["Content-Disposition"] and "\n" not in download["Content-Disposition"]
    assert download["Content-Disposition"] == 'attachment; filename="accSet-Cookie: x=1.pdf"'


def test_a_real_docx_xlsx_and_image_are_accepted(client, draft, django_capture_on_commit_callbacks):
    for file_name, content in [
        ("constitution.docx", office_file("docx")),
        ("accounts.xlsx", office_file("xlsx")),
        ("policy.PNG", PNG),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            response = send_document(client, draft, file_name, content, action="later")
        assert response.status_code == 302
    assert (
        Document.objects.get(application=draft).content_type == "image/png"
    )  # one field, the last file kept
    assert len(stored_files()) == 1  # replaced files are removed once their replacement is saved


# --- service documents, uploaded by staff in admin ---------------------------------------------------------------


@pytest.fixture
def service(db):
    return ServiceFactory()


def _form_data(form) -> dict:
    from django.db.models.fields.files import FieldFile

    data = {}
    for field in form:
        value = field.value()
        if value is None or isinstance(value, FieldFile):
            continue
        if isinstance(value, bool):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, (list, tuple)):
            data[field.html_name] = [str(v) for v in value]
        else:
            data[field.html_name] = str(value)
    return data


def send_service_document(staff_client, service, file_name: str, content: bytes, title: str = "Contract"):
    return prepare_service_document(staff_client, service, file_name, content, title)()


def prepare_service_document(staff_client, service, file_name: str, content: bytes, title: str = "Contract"):
    """The service's admin page as it is, plus one new document row: the POST, ready to send."""
    url = reverse("admin:providers_service_change", args=[service.pk])
    page = staff_client.get(url)
    data = _form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
        if formset.model is ServiceDocument:
            n = formset.total_form_count()
            data[f"{formset.prefix}-TOTAL_FORMS"] = str(n + 1)
            data[f"{formset.prefix}-{n}-title"] = title
            data[f"{formset.prefix}-{n}-service"] = str(service.pk)
            upload_field = f"{formset.prefix}-{n}-file"
    data["_continue"] = "Save and continue editing"
    fields = {k: v for k, v in data.items() if isinstance(v, str)}
    body, content_type = multipart(fields, {upload_field: (file_name, content)})
    # Many-to-many values (the service's areas) are repeated parts of the same name.
    boundary = content_type.split("boundary=")[1]
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, values in data.items()
            if isinstance(values, list)
            for v in values
        )
        + body
    )
    return lambda: staff_client.generic("POST", url, body, content_type=content_type)


@pytest.mark.parametrize("case", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_service_document_uploads_are_refused_clearly_and_store_nothing(staff_client, service, case):
    name, file_name, content, message = case
    content = content_of(content)
    before = stored_files()
    send = prepare_service_document(staff_client, service, file_name, content)
    response, peak_mb, seconds = measured(send)
    page = response.content.decode()
    assert response.status_code == 200
    assert "errornote" in page or "errorlist" in page
    assert message in page.replace("&#x27;", "'").replace("&quot;", '"'), message
    assert not ServiceDocument.objects.filter(service=service).exists()
    assert stored_files() == before
    if name in BOUNDED:
        assert peak_mb < 50, f"{name}: {peak_mb:.1f}MB"
        assert seconds < 5, f"{name}: {seconds:.1f}s"


def test_an_accepted_service_document_is_stored_under_a_generated_name_and_downloaded_by_its_title(
    client, staff_client, service
):
    response = send_service_document(
        staff_client, service, "../../etc/" + "x" * 300 + ".pdf", PDF, title="Contract variation 2"
    )
    assert response.status_code == 302, re.findall(
        r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S
    )
    document = ServiceDocument.objects.get(service=service)
    assert re.fullmatch(r"providers/documents/\d{4}/[0-9a-f]{32}\.pdf", document.file.name)
    member = MembershipFactory(provider=service.provider).user
    client.force_login(member)
    download = client.get(reverse("providers:service_document", args=[service.pk, document.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="Contract variation 2.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"


# --- reading a workbook someone uploaded -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content,message",
    [
        (xxe_xlsx(), "contains an XML document type"),
        (
            office_file("xlsx", part="xl/worksheets/sheet1.xml", content=LAUGHS),
            "contains an XML document type",
        ),
        ("bomb-xlsx", "expands to far more than a real document"),
        ("bomb-lying", "could not be opened"),
        (b"stream,line,amount\r\n", "could not be opened"),
    ],
    ids=["external-entity", "billion-laughs", "zip-bomb", "zip-bomb-lying-about-its-size", "csv-named-xlsx"],
)
def test_open_workbook_refuses_entities_and_zip_bombs_in_bounded_memory_and_time(content, message):
    def attempt():
        with pytest.raises(uploads.UploadError, match=message):
            uploads.open_workbook(content_of(content), name="lines.xlsx")

    _, peak_mb, seconds = measured(attempt)
    assert peak_mb < 50, f"{peak_mb:.1f}MB"
    assert seconds < 5, f"{seconds:.1f}s"


def test_open_workbook_reads_a_real_workbook():
    workbook = uploads.open_workbook(office_file("xlsx"))
    assert list(workbook.active.iter_rows(values_only=True)) == [("Safer streets",)]
    workbook.close()


def test_a_file_field_with_a_generated_name_keeps_only_the_extension():
    field = uploads.CheckedFileField(generated_name=True)
    cleaned = field.clean(SimpleUploadedFile("../secret/" + "q" * 300 + ".PDF", PDF))
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", cleaned.name)


# --- files answering a round's own question, a grant report's, and information requests both ways ------------------
# (applications.questions.SectionForm builds its file fields per question, so the inventory above cannot see it.)

REFUSED_EVERYWHERE = [c for c in HOSTILE if c[0] in ("windows-exe-named-pdf", "html-named-pdf", "empty")]


def _file_question_round():
    from applications.models import Question, Section

    round_ = RoundFactory(questions=[])
    section = Section.objects.create(round=round_, order=1, title="Policies")
    question = Question.objects.create(
        round=round_, section=section, order=1, kind="file", text="Safeguarding policy"
    )
    return round_, section, question


@pytest.mark.parametrize("case", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_files_answering_a_rounds_file_question_are_refused_clearly_and_store_nothing(client, case):
    from applications.services import start_application

    _, file_name, content, message = case
    round_, section, question = _file_question_round()
    organisation = OrganisationFactory(area=round_.areas.first())
    user = member_of(organisation)
    client.force_login(user)
    application = start_application(round_=round_, organisation=organisation, by=user)
    before = stored_files()
    body, content_type = multipart(
        {"action": "continue"}, {f"q_{question.pk}": (file_name, content_of(content))}
    )
    response = client.generic(
        "POST", f"/applications/{application.pk}/s{section.pk}/", body, content_type=content_type
    )
    assert_clear_refusal(response, message)
    application.refresh_from_db()
    assert str(question.pk) not in application.answers
    assert not Document.objects.filter(application=application).exists()
    assert stored_files() == before


@pytest.mark.parametrize("case", REFUSED_EVERYWHERE, ids=[c[0] for c in REFUSED_EVERYWHERE])
def test_hostile_files_attached_to_an_answer_to_staff_are_refused_and_store_nothing(client, case):
    from applications.services import request_information
    from tests.applications.factories import grants_officer, submitted_application

    _, file_name, content, message = case
    application = submitted_application()
    info = request_information(application_id=application.pk, question="Who supervises?", by=grants_officer())
    client.force_login(application.created_by)
    before = stored_files()
    body, content_type = multipart(
        {"response": "Our youth worker"}, {"attachment": (file_name, content_of(content))}
    )
    response = client.generic(
        "POST", f"/applications/{application.pk}/questions/{info.pk}/", body, content_type=content_type
    )
    assert_clear_refusal(response, message)
    info.refresh_from_db()
    assert info.responded_at is None
    assert not Document.objects.filter(application=application).exclude(kind__in=DOCUMENT_KINDS).exists()
    assert stored_files() == before


@pytest.mark.parametrize("case", REFUSED_EVERYWHERE, ids=[c[0] for c in REFUSED_EVERYWHERE])
def test_hostile_files_attached_to_a_question_from_staff_are_refused_and_store_nothing(client, case):
    from applications.models import InformationRequest
    from tests.applications.factories import grants_officer, submitted_application

    _, file_name, content, message = case
    application = submitted_application()
    client.force_login(grants_officer())
    before = stored_files()
    body, content_type = multipart(
        {"info-question": "Send your latest accounts"}, {"info-attachment": (file_name, content_of(content))}
    )
    response = client.generic(
        "POST",
        f"/staff/applications/{application.pk}/request_information/",
        body,
        content_type=content_type,
    )
    assert_clear_refusal(response, message)
    assert not InformationRequest.objects.filter(application=application).exists()
    assert stored_files() == before


@pytest.mark.parametrize("case", REFUSED_EVERYWHERE, ids=[c[0] for c in REFUSED_EVERYWHERE])
def test_hostile_files_answering_a_grant_reports_file_question_are_refused_and_store_nothing(client, case):
    from applications.models import Question
    from tests.applications.grant_report_helpers import committed_award, report_form

    _, file_name, content, message = case
    award = committed_award()
    form = report_form(award.application.round)
    photos = Question.objects.create(
        round=award.application.round,
        section=form.section,
        order=5,
        kind="file",
        text="Photos",
        required=False,
    )
    report = award.reports.get()
    user = member_of(award.application.organisation)
    client.force_login(user)
    before = stored_files()
    body, content_type = multipart({"action": "save"}, {f"q_{photos.pk}": (file_name, content_of(content))})
    response = client.generic(
        "POST",
        f"/applications/{award.application_id}/reports/{report.pk}/",
        body,
        content_type=content_type,
    )
    assert_clear_refusal(response, message)
    report.refresh_from_db()
    assert str(photos.pk) not in report.answers
    assert not Document.objects.filter(grant_report=report).exists()
    assert stored_files() == before
