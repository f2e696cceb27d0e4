"""The applicant's answer to a question staff asked (services.review.request_information), with a file if they send
one."""

from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from ..models import Document, InformationRequest, Membership
from ..workflow import TransitionNotAllowed
from .documents import check_upload, save_document
from .drafting import respond_to_request

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def answer_information_request(
    *, request_id: int, response: str, by: "User", attachment: UploadedFile | None = None
) -> InformationRequest:
    """Record the answer, and keep the file sent with it on the application, tied to this question: it never
    replaces a file sent with another answer. A file that fails its checks leaves the question unanswered."""
    info = InformationRequest.objects.select_related("application").get(pk=request_id)
    if not Membership.objects.filter(organisation_id=info.application.organisation_id, user=by).exists():
        raise TransitionNotAllowed("Only people in the applying organisation can answer its questions.")
    if attachment is not None:
        check_upload(attachment)  # before the answer moves the application on
    info = respond_to_request(request_id=request_id, response=response, by=by)
    if attachment is not None:
        save_document(
            application=info.application,
            kind=Document.Kind.INFORMATION,
            upload=attachment,
            by=by,
            information_request=info,
        )
    return info
