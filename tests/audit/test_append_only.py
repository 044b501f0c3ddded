"""R-AUD-1 (issue 8 §5): final replies, their approvals, department replies, callbacks and extension
decisions are history too. Model guards on every database; the PostgreSQL triggers in test_database.py."""

import pytest

from tickets import services
from tickets.models import Callback, DepartmentReply, ExtensionRequest, FinalReply, FinalReplyApproval
from tickets.models.records import AppendOnlyError

pytestmark = pytest.mark.django_db


def test_callbacks_and_approvals_are_never_changed_or_deleted(history):
    callback = Callback.objects.get(order=history.closed)
    approval = FinalReplyApproval.objects.get(reply__order=history.drafting)
    callback.note, approval.note = "改写", "改写"

    for row in (callback, approval):
        with pytest.raises(AppendOnlyError):
            row.save()
        with pytest.raises(AppendOnlyError):
            row.delete()

    assert Callback.objects.get(pk=callback.pk).note != "改写"
    assert FinalReplyApproval.objects.get(pk=approval.pk).note == ""


def test_a_department_reply_is_reviewed_once_and_its_text_never_changes(world, history):
    pending = DepartmentReply.objects.get(order=history.replied)
    pending.process = "改写的处理过程"
    with pytest.raises(AppendOnlyError):
        pending.save()  # a whole-row save is never the review
    with pytest.raises(AppendOnlyError):
        pending.save(update_fields=["process"])
    with pytest.raises(AppendOnlyError):
        pending.delete()

    reviewed = services.work_order_approve_reply(order_id=history.replied.id, actor=world.dispatcher)  # the one change
    reviewed.status, reviewed.review_note = DepartmentReply.Status.RETURNED, "改判"
    with pytest.raises(AppendOnlyError, match="already decided"):
        reviewed.save(update_fields=["status", "review_note"])

    stored = DepartmentReply.objects.get(pk=pending.pk)
    assert (stored.status, stored.review_note) == (DepartmentReply.Status.APPROVED, "")
    assert stored.process != "改写的处理过程"


def test_an_extension_decision_is_made_once(world, history):
    request = ExtensionRequest.objects.get(order=history.handled)
    request.reason = "改写"
    with pytest.raises(AppendOnlyError):
        request.save(update_fields=["reason"])

    decided = services.extension_decide(extension_id=request.id, actor=world.dispatcher, approve=False, note="不予延期")
    decided.status, decided.decision_note = ExtensionRequest.Status.APPROVED, "改判"
    with pytest.raises(AppendOnlyError):
        decided.save(update_fields=["status", "decision_note"])
    with pytest.raises(AppendOnlyError):
        decided.delete()

    stored = ExtensionRequest.objects.get(pk=request.pk)
    assert (stored.status, stored.decision_note, stored.reason) == ("rejected", "不予延期", "需等待厂家检测")


def test_a_sent_final_reply_never_changes(history):
    sent = FinalReply.objects.get(order=history.closed)
    draft = FinalReply.objects.get(order=history.drafting)
    sent.satisfaction = "unsatisfied"
    draft.content = "改写的答复"

    with pytest.raises(AppendOnlyError, match="already decided"):
        sent.save(update_fields=["satisfaction"])
    with pytest.raises(AppendOnlyError):
        draft.save(update_fields=["content"])  # a draft's text is what was approved
    with pytest.raises(AppendOnlyError):
        draft.delete()

    assert FinalReply.objects.get(pk=sent.pk).satisfaction == "satisfied"
    assert FinalReply.objects.get(pk=draft.pk).content == "尊敬的客户：……"
