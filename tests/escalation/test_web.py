"""The browser side (R-UI-1, R-MAJ-6): the panel on the order page offers only what this user may do now, in
Chinese; every button is one service call; the queues list what waits, oldest due first; the navigation counts."""

import re

import pytest

from escalation.models import Declaration
from escalation.models import DeclarationState as S
from tests.factories import UserFactory, work_order_make

from .conftest import CONTENT, criteria_ids, declaration_make, major_make, opinions_give

pytestmark = pytest.mark.django_db


def buttons(html: str) -> set[str]:
    return set(re.findall(r'data-action-button="([^"]+)"', html))


def page(client, order) -> str:
    response = client.get(f"/orders/{order.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def major_page(client, order) -> str:
    response = client.get(f"/escalation/orders/{order.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def panel(html: str) -> str:
    start = html.find("data-major-panel")
    return html[start : html.find("</section>", start)] if start >= 0 else ""


def post(client, order, name, **data):
    return client.post(f"/escalation/orders/{order.pk}/do/{name}/", data)


def test_each_person_sees_only_their_buttons_through_the_life_of_a_declaration(world, people, login):
    major = major_make(world)
    order = major.order
    clerk, manager, legal, handler = (login(u) for u in (world.clerk, world.store_manager, world.legal, world.handler))

    # reported: the supervisor gives the opinion; the clerk classifies and drafts
    assert {"opinion"} <= buttons(panel(page(manager, order)))
    assert {"classify", "declare"} <= buttons(panel(page(clerk, order)))
    assert "opinion" not in buttons(panel(page(clerk, order)))
    assert "重大投诉" in page(clerk, order)

    post(manager, order, "opinion", opinion="先安抚客户。", plan="预案", reply_script="口径")
    assert post(clerk, order, "classify", criteria=criteria_ids()).status_code == 302
    post(clerk, order, "declare", **CONTENT)
    declaration = Declaration.objects.get(major=major)
    assert buttons(panel(page(clerk, order))) >= {"edit", "submit"}
    assert buttons(panel(page(legal, order))) == {"opinion-legal"}
    # the support department asked gives the support opinion, on the major complaint's own page (the order
    # page is not theirs to see); another department's handler is not asked
    assert handler.get(f"/orders/{order.pk}/").status_code == 404
    declaration.support_unit = world.dept_network
    declaration.save(update_fields=["support_unit"])
    assert handler.get(f"/escalation/orders/{order.pk}/").status_code == 404
    declaration.support_unit = world.dept_billing
    declaration.save(update_fields=["support_unit"])
    assert buttons(panel(major_page(handler, order))) == {"opinion-support"}

    # submit refused without the opinions: nothing changes, the page (400) names what is missing
    response = post(clerk, order, "submit")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-refused="submit"' in html and ("法律室" in html or "法律" in html)
    assert Declaration.objects.get(pk=declaration.pk).state == S.DRAFT

    post(legal, order, "give_opinion", kind="legal", text="合规。")
    post(handler, order, "give_opinion", kind="support", text="核查无误。")
    post(clerk, order, "submit")
    assert Declaration.objects.get(pk=declaration.pk).state == S.SUBMITTED
    assert buttons(panel(page(manager, order))) == {"approve", "return_to_declarer"}
    assert "submit" not in buttons(panel(page(clerk, order)))

    post(manager, order, "return_to_declarer", reason="补充沟通。")
    assert Declaration.objects.get(pk=declaration.pk).state == S.RETURNED
    post(clerk, order, "submit")
    post(manager, order, "approve")
    admin = login(people.hall_admin)
    assert buttons(panel(major_page(admin, order))) == {"accept", "return_to_declarer"}
    post(admin, order, "accept")
    assert buttons(panel(major_page(admin, order))) == {"refer", "resolve", "return_to_declarer"}
    post(admin, order, "refer", reason="界面无法解决。")
    chief = login(people.chief)
    assert buttons(panel(page(chief, order))) == {"resolve", "return_to_declarer"}
    post(chief, order, "resolve", resolution="总管协调解决。")
    post(chief, order, "close")
    assert Declaration.objects.get(pk=declaration.pk).state == S.CLOSED
    assert buttons(panel(page(chief, order))) == set()
    assert "申告表已关闭" in page(chief, order) or "已关闭" in page(chief, order)


def test_a_button_posted_by_someone_else_changes_nothing(world, people, login):
    d = declaration_make(world)
    opinions_give(world, d)
    order = d.major.order
    response = post(login(world.legal), order, "submit")
    assert response.status_code == 403
    assert Declaration.objects.get(pk=d.pk).state == S.DRAFT


def test_the_queues_show_what_waits_with_the_remaining_time(world, people, login):
    d = declaration_make(world)
    legal = login(world.legal)
    html = legal.get("/escalation/queues/opinions/").content.decode()
    assert d.major.order.number in html
    home = legal.get("/").content.decode()
    assert 'data-major-queue="opinions"' in home and 'data-major-count="total">1<' in home  # one nav entry
    assert legal.get("/escalation/queues/review/").status_code == 403
    opinions_give(world, d)
    assert d.major.order.number not in legal.get("/escalation/queues/opinions/").content.decode()

    manager = login(world.store_manager)
    html = manager.get("/escalation/queues/supervisor/").content.decode()
    assert d.major.order.number in html


def test_classify_is_offered_on_an_unflagged_complaint_only_to_who_may_flag_it(world, people, login):
    order = work_order_make(actor=world.clerk)
    # R-MAJ-1: the first-contact employee may report it major; a handler of another unit may not.
    assert "classify" in buttons(panel(page(login(world.clerk), order)))
    assert "classify" not in buttons(panel(page(login(world.store_manager), order)))  # not its unit's supervisor
    dispatcher = login(world.dispatcher)
    assert "classify" in buttons(panel(page(dispatcher, order)))
    assert post(dispatcher, order, "classify", criteria=criteria_ids()).status_code == 302
    order.refresh_from_db(fields=["is_major"])
    assert order.is_major and order.major_complaint.criteria.count() == 2


def test_a_refused_action_shows_the_page_again_with_the_errors_and_what_was_typed(world, people, login):
    """A refusal re-renders the page (not a redirect): 400 with the errors beside the fields named and the
    typed text kept, as tickets does for its own actions."""
    major = major_make(world)
    order = major.order
    manager = login(world.store_manager)
    response = post(manager, order, "opinion", opinion="", plan="先核查计费记录再回访", reply_script="统一口径")
    assert response.status_code == 400
    html = panel(response.content.decode())
    assert 'data-errors-for="opinion"' in html
    assert "先核查计费记录再回访" in html and "统一口径" in html
    major.refresh_from_db()
    assert major.opinion_at is None


def test_a_submit_without_opinions_answers_400_names_them_and_keeps_the_typed_text(world, people, login):
    # R-MAJ-3: no submission without the support department's and the legal office's opinions
    d = declaration_make(world)
    order = d.major.order
    clerk = login(world.clerk)
    response = post(clerk, order, "submit")
    assert response.status_code == 400
    html = panel(response.content.decode())
    refused = html[html.find('data-refused="submit"') :]
    assert "法律室" in refused and "支撑" in refused  # both missing opinions named, in Chinese
    assert Declaration.objects.get(pk=d.pk).state == S.DRAFT
    # an edit refused (an unknown criterion) keeps what the declarer typed, the error beside the checklist
    typed = {"problem": "客户称多收费用，已三次来厅", "cause_trace": "系统未同步", "criteria": ["999999"]}
    response = post(clerk, order, "edit", **typed)
    assert response.status_code == 400
    html = panel(response.content.decode())
    assert "客户称多收费用，已三次来厅" in html and "系统未同步" in html
    assert 'data-errors-for="criteria"' in html
    assert Declaration.objects.get(pk=d.pk).problem == CONTENT["problem"]


def test_a_transition_at_the_wrong_moment_answers_409_and_a_stranger_403(world, people, login):
    d = declaration_make(world)
    order = d.major.order
    response = post(login(world.store_manager), order, "approve", note="同意")
    assert response.status_code == 409
    assert "data-refusal" in response.content.decode()
    assert Declaration.objects.get(pk=d.pk).state == S.DRAFT
    # on the major complaint's own page too, for who does not see the order (the interface administrator)
    response = post(login(people.hall_admin), order, "accept")
    assert response.status_code == 409 and "data-refusal" in response.content.decode()
    opinions_give(world, d)
    assert post(login(world.legal), order, "submit").status_code == 403
    assert Declaration.objects.get(pk=d.pk).state == S.DRAFT


def test_the_supervisor_designates_the_replier_in_the_browser(world, people, login):
    # the opinion form offers the first-contact owner first, then the accepting hall's other members
    colleague = UserFactory(roles=["front_line"], units=[world.hall_south])
    stranger = UserFactory(roles=["front_line"], units=[world.hall_north])
    major = major_make(world)
    manager = login(world.store_manager)
    html = panel(page(manager, major.order))
    options = re.findall(r'<select name="replier">(.*?)</select>', html, re.S)[0]
    values = [int(v) for v in re.findall(r'value="(\d+)"', options)]
    assert values[0] == world.clerk.id and colleague.id in values and stranger.id not in values

    # a replier posted from outside the order's visibility is refused beside the field, the text kept
    answer = post(manager, major.order, "opinion", opinion="先安抚客户。", replier=stranger.id)
    assert answer.status_code == 400 and "先安抚客户。" in answer.content.decode()
    major.refresh_from_db()
    assert major.opinion_at is None
    assert post(manager, major.order, "opinion", opinion="先安抚客户。", replier=colleague.id).status_code == 302
    major.refresh_from_db()
    assert major.replier == colleague
