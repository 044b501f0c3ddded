"""R-FL-8 evidence: size and type limits, kept with the order, on the timeline."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import work_order_at, work_order_make
from tickets.models import Attachment, OrderState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(api, order, name="bill.pdf", content=b"%PDF-1.4 bill", kind="bill"):
    return api.post(
        f"/api/v1/orders/{order.id}/attachments/",
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf"), "kind": kind},
        format="multipart",
    )


def test_upload_is_stored_with_the_order_and_on_the_timeline(api, world, media):
    order = work_order_at(OrderState.PROCESSING, world=world)
    api.force_login(world.handler)

    response = upload(api, order)

    assert response.status_code == 201, response.data
    attachment = Attachment.objects.get()
    assert (attachment.order, attachment.original_name, attachment.size, attachment.kind) == (
        order, "bill.pdf", 13, "bill",
    )  # fmt: skip
    assert attachment.uploaded_by == world.handler
    assert (media / attachment.file.name).read_bytes() == b"%PDF-1.4 bill"
    entry = order.timeline.get(kind="attachment")
    assert (entry.note, entry.actor, entry.data["attachment_id"]) == ("bill.pdf", world.handler, attachment.id)
    listed = api.get(f"/api/v1/orders/{order.id}/attachments/").data["results"]
    assert [a["original_name"] for a in listed] == ["bill.pdf"]
    # The created row's link is absolute like the listed one (the schema says format uri; schemathesis).
    assert response.data["file"].startswith("http://") and response.data["file"] == listed[0]["file"]


def test_too_large_file_is_refused(api, world, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    order = work_order_make(actor=world.clerk)
    api.force_login(world.clerk)

    response = upload(api, order, content=b"x" * 11)

    assert response.status_code == 400
    assert list(response.data) == ["file"]
    assert not Attachment.objects.exists()
    assert not order.timeline.filter(kind="attachment").exists()


def test_file_at_the_limit_is_accepted(api, world, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    order = work_order_make(actor=world.clerk)
    api.force_login(world.clerk)
    assert upload(api, order, content=b"%PDF-1.4xx").status_code == 201  # 10 bytes of a real PDF start


@pytest.mark.parametrize("name", ["virus.exe", "script.PHP", "noextension"])
def test_file_of_a_type_not_allowed_is_refused(api, world, name):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.clerk)

    response = upload(api, order, name=name)

    assert response.status_code == 400
    assert list(response.data) == ["file"]
    assert "not accepted" in str(response.data["file"][0])
    assert not Attachment.objects.exists()


def test_upper_case_extension_of_an_allowed_type_is_accepted(api, world):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.clerk)
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"  # the content must match the type (tests/security/test_uploads.py)
    assert upload(api, order, name="SCAN.JPG", content=jpeg).status_code == 201


def test_empty_file_is_refused(api, world):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.clerk)
    response = upload(api, order, content=b"")
    assert response.status_code == 400
    assert "file" in response.data


def test_attachment_on_an_invisible_order_is_404(api, world):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.clerk_north)
    assert upload(api, order).status_code == 404
    assert not Attachment.objects.exists()


def test_attachment_needs_the_role(api, world):
    from tests.factories import UserFactory

    order = work_order_make(actor=world.clerk)
    api.force_login(UserFactory(roles=["qa_inspector"], units=[world.branch]))
    assert upload(api, order).status_code == 403
    assert not Attachment.objects.exists()
