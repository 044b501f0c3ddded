"""Uploads (R-FL-8, issue 8 §4): a file's content must be what its extension says — a renamed program is
refused with a 400 naming the file field — and only a superuser deletes evidence in the admin, on the
order's timeline, with the stored file."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import UserFactory, work_order_make
from tickets.models import Attachment
from tickets.services import attachment_add

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("docProps/app.xml", "<Properties/>" * 2000)  # pushes the telling part past 8 KB
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


GOOD = {
    "bill.pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    "scan.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32,
    "SCAN.JPEG": b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00" + b"\x00" * 32,
    "photo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32,
    "chart.gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 16,
    "call.mp3": b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 64,
    "call.wav": b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + b"\x00" * 32,
    "call.amr": b"#!AMR\n" + b"\x00" * 32,
    "call.m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 32,
    "form.docx": ooxml("word/document.xml"),
    "sheet.xlsx": ooxml("xl/workbook.xml"),
    "old.doc": OLE2,
    "old.xls": OLE2,
    "note.txt": "客户来电称本月话费异常。\n".encode(),
    "note-gbk.txt": "客户来电称本月话费异常。".encode("gb18030"),
    "bundle.zip": plain_zip(),
}
BAD = {
    "invoice.pdf": EXE,  # a program renamed
    "photo.jpg": EXE,
    "notes.txt": EXE,
    "form.docx": plain_zip(),  # a zip, but no Word document in it
    "sheet.xlsx": ooxml("word/document.xml"),  # a Word document called a workbook
    "old.doc": b"%PDF-1.4 not a doc",
    "call.mp3": b"%PDF-1.4 not audio",
    "photo.png": b"\xff\xd8\xff\xe0 a jpeg called png",
    "bundle.zip": EXE,
}


def upload(api, order, name, content):
    return api.post(
        f"/api/v1/orders/{order.id}/attachments/",
        {"file": SimpleUploadedFile(name, content), "kind": "other"},
        format="multipart",
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_ALLOWED_EXTENSIONS = [*settings.ATTACHMENT_ALLOWED_EXTENSIONS, "webp"]
    return tmp_path


@pytest.mark.parametrize("name", sorted(GOOD))
def test_a_file_whose_content_matches_its_extension_is_accepted(api, world, name):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.clerk)

    response = upload(api, order, name, GOOD[name])

    assert response.status_code == 201, response.data
    with Attachment.objects.get().file.open("rb") as stored:
        assert stored.read() == GOOD[name]  # stored whole, read from the start


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_file_whose_content_does_not_match_is_refused_naming_the_field(api, world, name):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.clerk)

    response = upload(api, order, name, BAD[name])

    assert response.status_code == 400
    assert list(response.data) == ["file"]
    assert name in str(response.data["file"][0])
    assert not Attachment.objects.exists()
    assert not order.timeline.filter(kind="attachment").exists()


def test_a_webp_image_is_recognised(api, world):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.clerk)
    webp = b"RIFF\x1a\x00\x00\x00WEBPVP8 \x0e\x00\x00\x00" + b"\x00" * 32
    assert upload(api, order, "photo.webp", webp).status_code == 201
    assert upload(api, order, "fake.webp", b"RIFF\x1a\x00\x00\x00WAVEfmt ").status_code == 400


def test_the_web_form_refuses_a_renamed_program_too(world, login_client):
    order = work_order_make(actor=world.clerk)
    client = login_client(world.clerk)

    response = client.post(
        f"/orders/{order.id}/do/attachment/",
        {"attachment-file": SimpleUploadedFile("invoice.pdf", EXE), "attachment-kind": "bill"},
    )

    assert response.status_code == 400
    assert "“invoice.pdf”的内容不是 .pdf 文件" in response.content.decode()
    assert not Attachment.objects.exists()


# --- deleting evidence in the admin -------------------------------------------------------------------------
@pytest.fixture
def login_client():
    def make(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    return make


@pytest.fixture
def attachment(world, media):
    order = work_order_make(actor=world.clerk)
    return attachment_add(
        order_id=order.id, actor=world.clerk, uploaded_file=SimpleUploadedFile("bill.pdf", GOOD["bill.pdf"])
    )


def test_a_superuser_deletes_an_attachment_on_the_timeline_and_the_file_goes(
    attachment, media, login_client, django_capture_on_commit_callbacks
):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    stored = media / attachment.file.name
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = login_client(admin).post(f"/admin/tickets/attachment/{attachment.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not stored.exists()
    entry = attachment.order.timeline.get(kind="attachment_deleted")
    assert (entry.actor, entry.note, entry.data["attachment_id"]) == (admin, "bill.pdf", attachment.pk)


def test_the_bulk_delete_action_goes_through_the_service_too(
    attachment, media, login_client, django_capture_on_commit_callbacks
):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        login_client(admin).post(
            "/admin/tickets/attachment/",
            {"action": "delete_selected", "_selected_action": [attachment.pk], "post": "yes"},
        )

    assert not Attachment.objects.exists()
    assert not (media / attachment.file.name).exists()
    assert attachment.order.timeline.filter(kind="attachment_deleted").count() == 1


def test_a_staff_user_with_the_delete_permission_may_not(attachment, media, login_client):
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="office", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_attachment", "delete_attachment"]))

    response = login_client(staff).post(f"/admin/tickets/attachment/{attachment.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert (media / attachment.file.name).exists()
    assert not attachment.order.timeline.filter(kind="attachment_deleted").exists()


def test_the_service_refuses_anyone_but_a_superuser(attachment, world):
    from django.core.exceptions import PermissionDenied

    from tickets.services import attachment_delete

    with pytest.raises(PermissionDenied):
        attachment_delete(attachment_id=attachment.pk, actor=world.dispatcher)
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_a_rolled_back_delete_keeps_the_file(attachment, media, django_capture_on_commit_callbacks):
    from django.db import transaction

    from tickets.services import attachment_delete

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                attachment_delete(attachment_id=attachment.pk, actor=admin)
                raise RuntimeError("something after it failed")
        except RuntimeError:
            pass

    assert callbacks == []
    assert (media / attachment.file.name).exists()
    assert Attachment.objects.filter(pk=attachment.pk).exists()
