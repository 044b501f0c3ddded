"""Two people acting on one declaration at once (PostgreSQL: real row locks and transactions). The reviewer's
approval and its interface admin's acceptance serialise on the declaration row: one wins, one is refused."""

from collections import Counter

import pytest

from escalation import services
from escalation.models import Declaration
from escalation.models import DeclarationState as S
from tests.tickets.test_concurrency import outcome, run_together

from .conftest import declaration_make, opinions_give

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_reviewers_approving_at_once_one_wins_one_409(world, people):
    # given a submitted declaration whose reviewer is fixed; a second reviewer holds it too (the same person
    # from two desks, or the fixed reviewer and a colleague racing: the lock decides, the state refuses)
    d = declaration_make(world)
    opinions_give(world, d)
    d = services.declaration_submit(declaration_id=d.id, actor=world.clerk)

    # when the reviewer's approval and return are posted at the same instant
    results = run_together(
        lambda: services.declaration_approve(declaration_id=d.id, actor=world.store_manager),
        lambda: services.declaration_return(declaration_id=d.id, actor=world.store_manager, reason="退回补充"),
    )

    # then exactly one happened. The loser's refusal depends on who won: after a return nothing is left to
    # approve (409); after an approval the declaration still can be returned, but only by the interface
    # administrator it now waits for, so the reviewer is refused as the wrong person (403)
    counts = outcome(results)
    assert counts["ok"] == 1
    assert counts["TransitionRefused"] + counts["PermissionDenied"] == 1
    fresh = Declaration.objects.get(pk=d.id)
    assert fresh.state in (S.APPROVED, S.RETURNED)
    assert fresh.decisions.exclude(decision="submit").count() == 1


def test_two_admins_accepting_at_once_one_wins_one_409(world, people):
    d = declaration_make(world)
    opinions_give(world, d)
    services.declaration_submit(declaration_id=d.id, actor=world.clerk)
    d = services.declaration_approve(declaration_id=d.id, actor=world.store_manager)
    results = run_together(*[lambda: services.declaration_accept(declaration_id=d.id, actor=people.hall_admin)] * 2)

    assert outcome(results) == Counter({"ok": 1, "TransitionRefused": 1})
    assert Declaration.objects.get(pk=d.id).decisions.filter(decision="accept").count() == 1


def test_the_reviewer_approving_from_two_desks_at_once_one_wins_one_409(world, people):
    # the reviewer is fixed when the step starts, so "two reviewers" of one declaration are the same person
    # posting twice (two tabs, two desks): the row lock serialises them and the second sees the new state
    d = declaration_make(world)
    opinions_give(world, d)
    d = services.declaration_submit(declaration_id=d.id, actor=world.clerk)
    results = run_together(*[lambda: services.declaration_approve(declaration_id=d.id, actor=world.store_manager)] * 2)

    assert outcome(results) == Counter({"ok": 1, "TransitionRefused": 1})
    fresh = Declaration.objects.get(pk=d.id)
    assert fresh.state == S.APPROVED and fresh.decisions.filter(decision="approve").count() == 1
