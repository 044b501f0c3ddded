"""Major complaints (issue 9 §4) in a real browser (Playwright + Debian chromium): a hall employee's complaint
becomes major, the store manager gives the 1 h opinion, the employee drafts the declaration, support and legal
give opinions, the store manager returns it once, approves the corrected one, the hall-interface admin refers it
to the branch chief, the chief resolves it — asserting at each step the state, the clocks and the buttons present
and absent."""

import pytest
from playwright.sync_api import expect

from deadlines.policies import clock_policies_seed
from deadlines.selectors import calendar_cache_clear
from deadlines.services import calendar_seed_defaults
from escalation.models import Declaration, Interface
from tests.browser.conftest import PASSWORD
from tests.escalation.conftest import CONTENT, interfaces_seeded
from tests.factories import UserFactory, work_order_make, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(transactional_db, fast_passwords):
    calendar_cache_clear()
    world = world_build()
    calendar_seed_defaults()
    clock_policies_seed()
    interfaces_seeded()
    hall_admin = UserFactory(username="hall_admin", roles=["interface_admin"], units=[world.cs_centre])
    chief = UserFactory(username="chief", roles=["branch_major_chief"], units=[world.branch])
    Interface.objects.get(code="hall").admins.add(hall_admin)
    for user in (world.clerk, world.store_manager, world.handler, world.legal, hall_admin, chief):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return world, hall_admin, chief


def buttons(page) -> set[str]:
    return set(
        page.locator("[data-major-panel] [data-action-button]").evaluate_all(
            "els => els.map(e => e.dataset.actionButton)"
        )
    )


def clock_state(page, kind: str) -> str:
    return page.locator(f"#clocks [data-clock={kind}]").last.get_attribute("data-clock-state")


def state(order) -> str:
    return Declaration.objects.get(major__order=order).state


def test_a_hall_major_complaint_from_report_to_the_chief(people, open_as, shot):
    world, hall_admin, chief = people
    order = work_order_make(actor=world.clerk, is_major=True)  # flagged major at intake: reported to the manager
    url = f"/orders/{order.id}/"

    # the store manager gives the 1 h opinion
    manager = open_as(world.store_manager)
    manager.goto(url)
    expect(manager.locator("[data-major-panel]")).to_contain_text("重大投诉")
    assert "opinion" in buttons(manager)
    # the three major-complaint clocks run from the report (R-CLK-MAJ-*), shown like every other clock
    assert [clock_state(manager, k) for k in ("maj_opinion", "maj_declare", "maj_reply")] == ["running"] * 3
    manager.fill('[data-action-form="opinion"] textarea[name="opinion"]', "先安抚客户，按规定补偿。")
    manager.click('[data-action-button="opinion"]')
    expect(manager.locator("[data-major-opinion]")).to_contain_text("先安抚客户")
    assert "opinion" not in buttons(manager)
    assert clock_state(manager, "maj_opinion") == "met"

    # the employee ticks the checklist and drafts the declaration
    clerk = open_as(world.clerk)
    clerk.goto(url)
    assert {"classify", "declare"} <= buttons(clerk)
    clerk.locator('[data-action-form="classify"] input[name="criteria"]').first.check()
    clerk.click('[data-action-button="classify"]')
    for name, text in CONTENT.items():
        clerk.fill(f'[data-action-form="declare"] textarea[name="{name}"]', text)
    clerk.click('[data-action-button="declare"]')
    expect(clerk.locator("[data-declaration-state]")).to_have_text("草稿")
    assert {"edit", "submit"} <= buttons(clerk) and "approve" not in buttons(clerk)
    shot(clerk, "20-major-draft")

    # support and legal give their opinions (the support department from the major complaint's own page)
    def opinions():
        legal = open_as(world.legal)
        legal.goto(url)
        legal.fill('[data-action-form="opinion-legal"] textarea[name="text"]', "补偿合法合规。")
        legal.click('[data-action-button="opinion-legal"]')
        expect(legal.locator("[data-opinion=legal]").last).to_contain_text("补偿合法合规")
        support = open_as(world.handler)
        support.goto(f"/escalation/orders/{order.id}/")
        support.fill('[data-action-form="opinion-support"] textarea[name="text"]', "计费核查无误。")
        support.click('[data-action-button="opinion-support"]')
        expect(support.locator("[data-opinion=support]").last).to_contain_text("计费核查无误")

    opinions()
    clerk.goto(url)
    clerk.click('[data-action-button="submit"]')
    expect(clerk.locator("[data-declaration-state]")).to_have_text("已提交待审核")
    assert "submit" not in buttons(clerk)
    assert clock_state(clerk, "maj_declare") == "met" and clock_state(clerk, "maj_reply") == "running"

    # the store manager returns it once
    manager.goto(url)
    assert buttons(manager) == {"approve", "return_to_declarer"}
    manager.fill('[data-action-form="return_to_declarer"] textarea', "请补充沟通记录。")
    manager.click('[data-action-button="return_to_declarer"]')
    expect(manager.locator("[data-declaration-state]")).to_have_text("已退回")
    assert state(order) == "returned"
    assert clock_state(manager, "maj_reply") == "running"  # a return stops no clock

    # the employee corrects it: changed content needs fresh opinions
    clerk.goto(url)
    clerk.fill(
        '[data-action-form="edit"] textarea[name="communication"]', CONTENT["communication"] + "第四次电话沟通。"
    )
    clerk.click('[data-action-button="edit"]')
    expect(clerk.locator("[data-opinions-missing]")).to_be_visible()
    opinions()
    clerk.goto(url)
    clerk.click('[data-action-button="submit"]')
    expect(clerk.locator("[data-declaration-state]")).to_have_text("已提交待审核")

    # the store manager approves the corrected one
    manager.goto(url)
    manager.click('[data-action-button="approve"]')
    expect(manager.locator("[data-declaration-state]")).to_contain_text("审核通过")
    assert buttons(manager) == set()

    # the hall-interface admin accepts and refers it to the branch chief (from the major complaint's page)
    admin = open_as(hall_admin)
    admin.goto("/escalation/queues/interface/")
    admin.click(f"[data-order='{order.number}'] a")
    assert buttons(admin) == {"accept", "return_to_declarer"}
    admin.click('[data-action-button="accept"]')
    expect(admin.locator("[data-declaration-state]")).to_have_text("界面已受理")
    admin.fill('[data-action-form="refer"] textarea', "赔偿超出界面权限。")
    admin.click('[data-action-button="refer"]')
    expect(admin.locator("[data-declaration-state]")).to_have_text("已上报分公司总管")
    assert buttons(admin) == set()

    # the chief resolves it
    boss = open_as(chief)
    boss.goto("/escalation/queues/chief/")
    boss.click(f"[data-order='{order.number}'] a")
    assert buttons(boss) == {"resolve", "return_to_declarer"}
    boss.fill('[data-action-form="resolve"] textarea', "总管协调补偿，客户接受。")
    boss.click('[data-action-button="resolve"]')
    expect(boss.locator("[data-declaration-state]")).to_have_text("已解决")
    assert state(order) == "resolved" and buttons(boss) == {"close"}
    shot(boss, "21-major-resolved-by-chief")
