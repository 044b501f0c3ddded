"""The order page offers the category's reply scripts beside a reply form (issue 13 §2, R-KB-1), and the step
due now comes right under the clocks (§7)."""

import pytest

from complaints.models import ReplyScript
from tests.factories import another_number, work_order_at

pytestmark = pytest.mark.django_db


def test_scripts_beside_the_department_reply_and_not_where_nothing_is_written(world, login):
    script = ReplyScript.objects.create(title="充值卡被盗用", scenario="充值卡", body="请先挂失充值卡。")
    script.categories.add(world.category)
    order = work_order_at("processing", world=world, accepted_number=another_number())

    handler_page = login(world.handler).get(f"/orders/{order.pk}/").content.decode()
    clerk_page = login(world.clerk).get(f"/orders/{order.pk}/").content.decode()

    assert 'id="reply-scripts"' in handler_page and "请先挂失充值卡。" in handler_page
    assert "data-insert-script" in handler_page
    assert 'id="reply-scripts"' not in clerk_page  # the clerk has no reply to write at this step
    aside = handler_page.split("<aside>", 1)[1]
    assert aside.index('id="clocks"') < aside.index('id="actions"') < aside.index('id="reply-scripts"')
