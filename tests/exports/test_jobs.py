"""Export jobs that fail say so on their page and can be tried again; jobs a dead worker left are built by the sweep,
and a build sent twice is done once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from exports import services, tasks
from exports.models import ExportJob
from exports.registry import register
from outbox.models import Message
from tests.factories import UserFactory

KIND = "tests.flaky"
builds: list[dict] = []
failing = {"now": False}


@register(KIND)
def build_flaky(params: dict) -> tuple[str, bytes]:
    builds.append(params)
    if failing["now"]:
        raise ValueError("The figures could not be read.")
    return "flaky.csv", b"n\n1\n"


@pytest.fixture(autouse=True)
def _fresh_builder():
    builds.clear()
    failing["now"] = False
    yield


def ask(by, django_capture_on_commit_callbacks) -> ExportJob:
    with django_capture_on_commit_callbacks(execute=True):
        return services.request_export(kind=KIND, params={"n": 1}, title="Flaky list", by=by)


@pytest.mark.django_db
def test_a_failed_export_says_so_on_its_page_and_try_again_builds_it(
    staff_client, staff_user, django_capture_on_commit_callbacks
):
    failing["now"] = True
    job = ask(staff_user, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    page = staff_client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "The file could not be created" in page and "The figures could not be read." in page
    assert "Try again" in page

    failing["now"] = False
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("exports:job", args=[job.pk]))
    assert response.status_code == 302 and response.url == reverse("exports:job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportJob.Status.READY, "")
    page = staff_client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "Your file is ready" in page and "Try again" not in page
    assert Message.objects.filter(task_name=services.BUILD_TASK, done_at=None).count() == 0


@pytest.mark.django_db
def test_only_the_person_who_asked_can_try_again(client, staff_user, django_capture_on_commit_callbacks):
    failing["now"] = True
    job = ask(staff_user, django_capture_on_commit_callbacks)
    client.force_login(UserFactory(is_staff=True, email="someone.else@opcc.example"))
    assert client.post(reverse("exports:job", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and len(builds) == 1


@pytest.mark.django_db
def test_trying_again_a_job_that_has_not_failed_does_nothing(
    staff_client, staff_user, django_capture_on_commit_callbacks
):
    job = ask(staff_user, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        staff_client.post(reverse("exports:job", args=[job.pk]))
    assert callbacks == [] and len(builds) == 1


@pytest.mark.django_db
def test_a_job_a_dead_worker_left_is_built_again_by_the_sweep(staff_user, django_capture_on_commit_callbacks):
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    dead = ExportJob.objects.create(kind=KIND, title="Dead", requested_by=staff_user, started_at=long_ago)
    never_sent = ExportJob.objects.create(kind=KIND, title="Never sent", requested_by=staff_user)
    ExportJob.objects.filter(pk=never_sent.pk).update(requested_at=long_ago)
    building = ExportJob.objects.create(
        kind=KIND, title="Being built", requested_by=staff_user, started_at=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_abandoned_jobs() == 2

    assert ExportJob.objects.get(pk=dead.pk).status == ExportJob.Status.READY
    assert ExportJob.objects.get(pk=never_sent.pk).status == ExportJob.Status.READY
    assert (
        ExportJob.objects.get(pk=building.pk).status == ExportJob.Status.PENDING
    )  # its worker is still at it
    assert len(builds) == 2


@pytest.mark.django_db
def test_a_build_sent_twice_is_built_once_and_a_copy_leaves_a_build_in_progress_alone(staff_user):
    job = ExportJob.objects.create(
        kind=KIND, title="Once", requested_by=staff_user, started_at=timezone.now()
    )
    first, second = (Message.objects.create(task_name=services.BUILD_TASK, args=[job.pk]) for _ in range(2))

    tasks.build_export(
        job.pk, outbox_id=first.pk
    )  # another worker holds the build: nothing done, not finished
    assert builds == [] and Message.objects.get(pk=first.pk).done_at is None

    ExportJob.objects.filter(pk=job.pk).update(started_at=None)
    tasks.build_export(job.pk, outbox_id=first.pk)
    tasks.build_export(job.pk, outbox_id=second.pk)  # a duplicate delivery finds it ready
    assert len(builds) == 1
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.READY
    assert Message.objects.filter(done_at=None).count() == 0
