"""A hostile user over the API (R-API-1, R-SEC-1): an id in a body that names something the user may not see
answers exactly like an id that does not exist (400 naming the field); a person named in a body must be one
who may see the order; bad input is a 400 naming the field, never a 500."""

import pytest

from escalation.models import Declaration
from tests.factories import UserFactory

from .conftest import CONTENT, criteria_ids, declaration_make, major_make

pytestmark = pytest.mark.django_db
BASE = "/api/v1/escalation"
UNKNOWN = 2**40


@pytest.fixture
def stranger(world):
    """A counter employee of another hall: may classify and declare, but not see the south hall's orders."""
    return UserFactory(roles=["front_line"], units=[world.hall_north])


def test_an_order_or_major_complaint_one_may_not_see_answers_like_one_that_does_not_exist(api, world, people, stranger):
    major = major_make(world)
    api.force_authenticate(stranger)

    def classify(order_id):
        return api.post(f"{BASE}/majors/", {"order_id": order_id, "criterion_ids": criteria_ids()}, format="json")

    hidden, unknown = classify(major.order_id), classify(UNKNOWN)
    assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json())
    assert hidden.status_code == 400 and list(hidden.json()) == ["order_id"]

    def declare(major_id):
        return api.post(f"{BASE}/declarations/", {"major_id": major_id, **CONTENT}, format="json")

    hidden, unknown = declare(major.id), declare(UNKNOWN)
    assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json())
    assert hidden.status_code == 400 and list(hidden.json()) == ["major_id"]
    assert not Declaration.objects.filter(major=major).exists()  # nothing was drafted


def test_a_declaration_one_may_not_see_is_404_on_every_action(api, world, people, stranger):
    d = declaration_make(world)
    api.force_authenticate(stranger)
    for path in ("", "submit/", "approve/", "return-to-declarer/", "accept/", "refer/", "resolve/", "close/",
                 "opinions/"):  # fmt: skip
        method = api.get if not path else api.post
        assert method(f"{BASE}/declarations/{d.id}/{path}").status_code == 404, path
        assert method(f"{BASE}/declarations/{UNKNOWN}/{path}").status_code == 404, path
    assert api.patch(f"{BASE}/declarations/{d.id}/", {"problem": "改"}, format="json").status_code == 404


def test_the_designated_replier_must_be_someone_who_may_see_the_order(api, world, people, stranger):
    # given the store manager giving the 1 h opinion of a south-hall major complaint
    major = major_make(world)
    api.force_authenticate(world.store_manager)
    url = f"{BASE}/majors/{major.id}/opinion/"

    # a counter employee of another hall, an inactive user and an unknown id are all refused alike
    inactive = UserFactory(roles=["front_line"], units=[world.hall_south], is_active=False)
    answers = [api.post(url, {"opinion": "先安抚", "replier_id": who}, format="json") for who in
               (stranger.id, inactive.id, UNKNOWN)]  # fmt: skip
    assert {a.status_code for a in answers} == {400}
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert list(answers[0].json()) == ["replier_id"]

    # and the stranger was not let in through the body: the case stays invisible to them
    api.force_authenticate(stranger)
    assert api.get(f"{BASE}/majors/{major.id}/").status_code == 404

    # a colleague of the hall may be designated
    colleague = UserFactory(roles=["front_line"], units=[world.hall_south])
    api.force_authenticate(world.store_manager)
    answer = api.post(url, {"opinion": "先安抚", "replier_id": colleague.id}, format="json")
    assert answer.status_code == 200 and answer.json()["replier"] == colleague.id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"criterion_ids": "x"}, "criterion_ids"),
        ({"criterion_ids": ["x"]}, "criterion_ids.0"),
        ({"criterion_ids": [2**70]}, "criterion_ids.0"),
        ({"criterion_ids": [UNKNOWN]}, "criterion_ids"),
        ({"criterion_ids": []}, "criterion_ids"),
        ({"support_unit_id": UNKNOWN}, "support_unit_id"),
        ({"support_unit_id": "south"}, "support_unit_id"),
        ({"problem": {"a": 1}}, "problem"),
        ({"problem": "a\x00b"}, "problem"),
        ({"problem": "长" * 10001}, "problem"),
    ],
)
def test_bad_input_to_a_declaration_is_a_400_naming_the_field(api, world, people, body, field):
    d = declaration_make(world)
    api.force_authenticate(world.clerk)
    answer = api.patch(f"{BASE}/declarations/{d.id}/", body, format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.content
    assert type(d).objects.get(pk=d.id).content_version == d.content_version  # nothing changed


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"order_id": "abc"}, "order_id"),
        ({"order_id": None}, "order_id"),
        ({"interface_id": UNKNOWN}, "interface_id"),
        ({"interface_id": "hall"}, "interface_id"),
        ({"note": ["x"]}, "note"),
    ],
)
def test_bad_input_to_a_classification_is_a_400_naming_the_field(api, world, people, body, field):
    major = major_make(world)
    api.force_authenticate(world.clerk)
    answer = api.post(
        f"{BASE}/majors/", {"order_id": major.order_id, "criterion_ids": criteria_ids(), **body}, format="json"
    )
    assert answer.status_code == 400 and field in answer.json(), answer.content


def test_an_opinion_of_an_unknown_kind_or_without_text_is_a_400_naming_it(api, world, people):
    d = declaration_make(world)
    api.force_authenticate(world.legal)
    url = f"{BASE}/declarations/{d.id}/opinions/"
    assert "kind" in api.post(url, {"kind": ["legal"], "text": "x"}, format="json").json()
    assert "text" in api.post(url, {"kind": "legal", "text": "  "}, format="json").json()
    assert "text" in api.post(url, {"kind": "legal"}, format="json").json()
    assert d.opinions.count() == 0


@pytest.mark.parametrize("path", ["declarations/", "declarations/{id}/", "declarations/{id}/opinions/"])
def test_a_body_nested_too_deep_is_a_400_not_a_500(api, world, people, path):
    d = declaration_make(world)
    api.force_authenticate(world.clerk)
    deep = "[" * 5000 + "]" * 5000
    url = f"{BASE}/{path.format(id=d.id)}"
    method = api.patch if path == "declarations/{id}/" else api.post
    answer = method(url, deep, content_type="application/json")
    assert answer.status_code == 400, answer.content[:200]
