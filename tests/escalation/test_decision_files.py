"""Review decisions carry attachments like opinions (issue 9: "the opinions and review decisions of a round are
rows (author, decision, text, attachments, time) that stay with their round"), under the orders' evidence
limits (R-FL-8: a renamed program is refused, 400 naming `attachment`, nothing saved), downloaded only by who
sees the declaration (R-SEC-2: anyone else 404)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from escalation import services
from escalation.models import Decision, DeclarationDecision, DeclarationState
from tests.factories import UserFactory, another_number

from .conftest import declaration_make, major_make, opinions_give

pytestmark = pytest.mark.django_db
BASE = "/api/v1/escalation"
S = DeclarationState
PDF = b"%PDF-1.4 return note: the communication log is missing\n%%EOF"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf(name="退回说明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def exe_as_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("说明.pdf", EXE, content_type="application/pdf")


def submitted(world):
    d = declaration_make(world)
    opinions_give(world, d)
    return services.declaration_submit(declaration_id=d.id, actor=world.clerk)


def body(response) -> bytes:
    """A download's bytes, its file closed (not response.close(): that ends the test's database connection)."""
    try:
        return b"".join(response.streaming_content)
    finally:
        for close in response._resource_closers:  # the file's close(), without the request-finished signal
            close()


def fetched(response) -> int:
    if response.status_code == 200:
        body(response)
    return response.status_code


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def test_a_return_carries_its_file_which_stays_with_its_round_after_resubmission(api, world, people, media):
    # given a declaration under review
    d = submitted(world)

    # when the reviewer returns it with a file, over the API (multipart)
    api.force_authenticate(world.store_manager)
    response = api.post(
        f"{BASE}/declarations/{d.id}/return-to-declarer/", {"reason": "请补充沟通记录。", "attachment": pdf()},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    [round_one, round_two] = response.json()["rounds"]
    [returned] = [x for x in round_one["decisions"] if x["decision"] == "return"]
    assert returned["attachment"] == f"{BASE}/declarations/{d.id}/files/decision/{returned['id']}/"

    # and the declarer corrects it, gets fresh opinions and resubmits; the reviewer approves with a file too
    services.declaration_update(declaration_id=d.id, actor=world.clerk, communication="已四次沟通并留存录音。")
    opinions_give(world, d)
    services.declaration_submit(declaration_id=d.id, actor=world.clerk)
    services.declaration_approve(
        declaration_id=d.id, actor=world.store_manager, note="同意", attachment=pdf("审核意见.pdf")
    )

    # then the return's file stays with round 1, the approval's is round 2's, both downloadable
    row = DeclarationDecision.objects.get(declaration=d, decision=Decision.RETURN)
    assert row.round.number == 1 and row.attachment_name == "退回说明.pdf" and row.text == "请补充沟通记录。"
    approval = DeclarationDecision.objects.get(declaration=d, decision=Decision.APPROVE)
    assert approval.round.number == 2 and approval.attachment_name == "审核意见.pdf"
    detail = api.get(f"{BASE}/declarations/{d.id}/").json()
    by_round = {r["number"]: {x["decision"]: x["attachment"] for x in r["decisions"]} for r in detail["rounds"]}
    assert by_round[1]["return"] == returned["attachment"]
    assert by_round[2]["approve"].endswith(f"/files/decision/{approval.id}/") and by_round[2]["submit"] is None
    download = api.get(returned["attachment"])
    assert "attachment" in download["Content-Disposition"]
    assert download.status_code == 200 and body(download) == PDF


def test_a_renamed_program_is_refused_naming_the_field_and_nothing_is_saved(api, login, world, people, media):
    d = submitted(world)
    before = set(DeclarationDecision.objects.values_list("id", flat=True))

    # over the API: 400 naming `attachment`; the declaration stays under review, in its round
    api.force_authenticate(world.store_manager)
    response = api.post(
        f"{BASE}/declarations/{d.id}/return-to-declarer/", {"reason": "请补充。", "attachment": exe_as_pdf()},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 400 and list(response.json()) == ["attachment"], response.content

    # in the browser: the same 400, the error beside the file input of the form, the reason kept
    client = login(world.store_manager)
    response = client.post(
        f"/escalation/orders/{d.major.order_id}/do/return_to_declarer/",
        {"reason": "请补充。", "attachment": exe_as_pdf()},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-errors-for="attachment"' in html and "请补充。" in html

    # and through the service itself, for each decision that takes a file
    with pytest.raises(Exception) as refused:
        services.declaration_approve(declaration_id=d.id, actor=world.store_manager, attachment=exe_as_pdf())
    assert list(refused.value.message_dict) == ["attachment"]

    d.refresh_from_db()
    assert (d.state, d.round_number, d.returned_from) == (S.SUBMITTED, 1, "")
    assert set(DeclarationDecision.objects.values_list("id", flat=True)) == before
    assert stored_files(media) == []


def test_the_browser_forms_take_a_file_and_show_it_in_its_round(login, world, people, media):
    d = submitted(world)
    client = login(world.store_manager)
    page = client.get(f"/orders/{d.major.order_id}/").content.decode()
    for name in ("approve", "return_to_declarer"):
        form = page[page.find(f'data-action-form="{name}"') :]
        form = form[: form.find("</form>")]
        assert f'data-decision-attachment="{name}"' in form
    assert 'enctype="multipart/form-data" data-action-form="return_to_declarer"' in page

    response = client.post(
        f"/escalation/orders/{d.major.order_id}/do/return_to_declarer/", {"reason": "请补充。", "attachment": pdf()}
    )
    assert response.status_code == 302
    row = DeclarationDecision.objects.get(declaration=d, decision=Decision.RETURN)
    html = client.get(f"/orders/{d.major.order_id}/").content.decode()
    link = f'href="/escalation/declarations/{d.id}/files/decision/{row.id}/"'
    assert link in html and "退回说明.pdf" in html


def test_the_files_download_only_for_who_sees_the_declaration(api, login, world, people, media):
    d = submitted(world)
    services.declaration_return(declaration_id=d.id, actor=world.store_manager, reason="请补充。", attachment=pdf())
    row = DeclarationDecision.objects.get(declaration=d, decision=Decision.RETURN)
    browser = f"/escalation/declarations/{d.id}/files/decision/{row.id}/"
    over_api = f"{BASE}/declarations/{d.id}/files/decision/{row.id}/"

    # who sees the declaration: the declarer, the reviewer, the legal office
    for user in (world.clerk, world.store_manager, world.legal):
        response = login(user).get(browser)
        assert response.status_code == 200 and body(response) == PDF
        api.force_authenticate(user)
        assert fetched(api.get(over_api)) == 200

    # anyone else: 404, as for an id that does not exist
    stranger = UserFactory(roles=["front_line"], units=[world.hall_north])
    assert login(stranger).get(browser).status_code == 404
    api.force_authenticate(stranger)
    assert api.get(over_api).status_code == 404
    # another declaration's row, a row without a file, an unknown kind: the same 404
    other = declaration_make(world, major=major_make(world, accepted_number=another_number()))
    api.force_authenticate(world.clerk)
    assert api.get(f"{BASE}/declarations/{other.id}/files/decision/{row.id}/").status_code == 404
    submit = DeclarationDecision.objects.get(declaration=d, decision=Decision.SUBMIT)
    assert login(world.clerk).get(f"/escalation/declarations/{d.id}/files/decision/{submit.id}/").status_code == 404
    assert login(world.clerk).get(f"/escalation/declarations/{d.id}/files/nope/{row.id}/").status_code == 404


def test_an_opinions_file_downloads_the_same_way(api, login, world, people, media):
    d = declaration_make(world)
    opinion = services.declaration_opinion_give(
        declaration_id=d.id, actor=world.legal, kind="legal", text="合规", attachment=pdf("法律意见.pdf")
    )
    api.force_authenticate(world.clerk)
    [row] = [o for o in api.get(f"{BASE}/declarations/{d.id}/").json()["rounds"][0]["opinions"]]
    assert row["attachment"] == f"{BASE}/declarations/{d.id}/files/opinion/{opinion.id}/"
    assert fetched(api.get(row["attachment"])) == 200
    html = login(world.clerk).get(f"/orders/{d.major.order_id}/").content.decode()
    assert f'href="/escalation/declarations/{d.id}/files/opinion/{opinion.id}/"' in html
    stranger = UserFactory(roles=["front_line"], units=[world.hall_north])
    assert login(stranger).get(f"/escalation/declarations/{d.id}/files/opinion/{opinion.id}/").status_code == 404


def test_the_admin_shows_the_files_read_only(client, world, people, media):
    d = submitted(world)
    services.declaration_return(declaration_id=d.id, actor=world.store_manager, reason="请补充。", attachment=pdf())
    row = DeclarationDecision.objects.get(declaration=d, decision=Decision.RETURN)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    html = client.get(f"/admin/escalation/declaration/{d.id}/change/").content.decode()
    assert f'href="/escalation/declarations/{d.id}/files/decision/{row.id}/"' in html
    assert 'name="decisions-0-attachment"' not in html  # shown, not editable


def test_the_schema_documents_the_decision_file_and_its_download(api, world):
    api.force_authenticate(world.dispatcher)
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    body = paths[f"{BASE}/declarations/{{id}}/return-to-declarer/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
    download = paths[f"{BASE}/declarations/{{id}}/files/{{kind}}/{{row_id}}/"]["get"]["responses"]
    assert {"200", "401", "404"} <= set(download)
