"""Repeat complaints over the API (R-SP-1 (b), R-FL-4, issue 12 §2): the same refusals as the service, the
same-matter question answered in the body (`same_matter`), and the wording to reuse on the detail."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import CITY, FINAL_REPLY, work_order_at
from tickets.models import OrderState, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

NUMBER = "13900007101"
ORDERS = "/api/v1/orders/"
REASON = "对上次的补偿不满意"


def closed(world, *, days_ago: float = 3) -> WorkOrder:
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        return work_order_at(OrderState.CLOSED, world=world, accepted_number=NUMBER, same_matter="different")


def body(world, **overrides) -> dict:
    values = {
        "order_type": "complaint", "channel": "phone", "handling_method": "transfer", "accepted_number": NUMBER,
        "content": "客户再次来电，对上次处理结果不满意。", "category": world.category.id,
        "received_at": (timezone.now() - timedelta(minutes=5)).isoformat(), "customer": {"home_city": CITY},
    }  # fmt: skip
    values.update(overrides)
    return values


@pytest.fixture
def clerk_api(api, world):
    api.force_login(world.clerk)
    return api


def test_a_repeat_over_the_api_is_linked_and_its_detail_gives_the_wording_to_reuse(clerk_api, world):
    previous = closed(world)

    response = clerk_api.post(
        ORDERS, body(world, is_repeat=True, previous_order=previous.id, repeat_reason=REASON), format="json"
    )

    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["is_repeat"], created["previous_order"], created["repeat_reason"]) == (True, previous.id, REASON)
    # R-FL-4 one reply voice: the detail carries the previous order's sent reply
    voice = clerk_api.get(f"{ORDERS}{created['id']}/").json()["reply_voice"]
    assert voice["order"] == previous.id
    assert (voice["process"], voice["content"]) == (FINAL_REPLY["process"], FINAL_REPLY["content"])
    assert created["reply_voice"] == voice


def test_an_order_that_is_no_repeat_has_no_wording_to_reuse(clerk_api, world):
    response = clerk_api.post(ORDERS, body(world), format="json")
    assert response.status_code == 201 and response.json()["reply_voice"] is None


@pytest.mark.parametrize(
    "link",
    [
        pytest.param(lambda prev: {"is_repeat": True, "repeat_reason": REASON}, id="no previous_order"),
        pytest.param(
            lambda prev: {
                "is_repeat": True,
                "repeat_reason": REASON,
                "previous_order": prev.id,
                "accepted_number": "13900007102",
            },
            id="another number",
        ),  # fmt: skip
    ],
)
def test_a_bad_link_is_a_400_naming_previous_order_and_nothing_is_created(clerk_api, world, link):
    previous = closed(world)
    before = WorkOrder.objects.count(), TimelineEntry.objects.count()

    response = clerk_api.post(ORDERS, body(world, **link(previous)), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["previous_order"]
    assert (WorkOrder.objects.count(), TimelineEntry.objects.count()) == before


def test_a_repeat_of_an_open_order_is_refused_naming_both_fields(clerk_api, world):
    open_order = clerk_api.post(ORDERS, body(world), format="json").json()

    response = clerk_api.post(
        ORDERS, body(world, is_repeat=True, previous_order=open_order["id"], repeat_reason=REASON), format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"previous_order", "category"}  # no duplicate: urge it (R-SP-1 (a))


def test_the_same_matter_without_the_flag_is_answered_with_the_candidate_then_created_as_chosen(clerk_api, world):
    previous = closed(world)

    # when the complaint is filed without saying: a 400 naming same_matter, with the candidate's id
    asked = clerk_api.post(ORDERS, body(world), format="json")
    assert asked.status_code == 400
    assert set(asked.json()) == {"same_matter", "same_matter.candidate"}
    assert asked.json()["same_matter.candidate"] == [str(previous.id)]
    assert previous.number in asked.json()["same_matter"][0]

    # when the clerk answers "repeat" (the reason is still required)
    no_reason = clerk_api.post(ORDERS, body(world, same_matter="repeat"), format="json")
    assert no_reason.status_code == 400 and list(no_reason.json()) == ["repeat_reason"]
    repeat = clerk_api.post(ORDERS, body(world, same_matter="repeat", repeat_reason=REASON), format="json")
    assert repeat.status_code == 201
    assert (repeat.json()["is_repeat"], repeat.json()["previous_order"]) == (True, previous.id)


def test_answering_different_creates_an_unlinked_order_and_records_the_choice(clerk_api, world):
    previous = closed(world)

    response = clerk_api.post(ORDERS, body(world, same_matter="different"), format="json")

    assert response.status_code == 201
    assert (response.json()["is_repeat"], response.json()["previous_order"]) == (False, None)
    entry = TimelineEntry.objects.get(order_id=response.json()["id"], kind="created")
    assert entry.data["same_matter"]["candidate"]["id"] == previous.id


def test_an_unknown_same_matter_answer_is_a_400(clerk_api, world):
    response = clerk_api.post(ORDERS, body(world, same_matter="perhaps"), format="json")
    assert response.status_code == 400 and list(response.json()) == ["same_matter"]
