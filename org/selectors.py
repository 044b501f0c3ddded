"""Reads of the org tree. The tree is small (hundreds of units), so a subtree is computed in memory
from one query rather than with recursive SQL."""

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser

from .models import OrgUnit


def unit_subtree_ids(*, root_ids: Iterable[int]) -> set[int]:
    """The given units and every unit below them (one query)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit_id, parent_id in OrgUnit.objects.values_list("id", "parent_id"):
        children[parent_id].append(unit_id)
    seen: set[int] = set()
    stack = list(root_ids)
    while stack:
        unit_id = stack.pop()
        if unit_id in seen:
            continue
        seen.add(unit_id)
        stack.extend(children.get(unit_id, ()))
    return seen


def user_unit_ids(*, user: AbstractBaseUser) -> set[int]:
    """The units the user belongs to directly."""
    return set(user.org_units.values_list("id", flat=True))


def user_scope_unit_ids(*, user: AbstractBaseUser) -> set[int]:
    """Units whose orders the user sees: their units and all sub-units (SPEC §1). Cached per user object."""
    cached = getattr(user, "_scope_unit_ids", None)
    if cached is None:
        cached = unit_subtree_ids(root_ids=user_unit_ids(user=user))
        user._scope_unit_ids = cached
    return cached


def user_is_branch_level(*, user: AbstractBaseUser) -> bool:
    """Branch-level staff (members of a branch unit, or holders of view_all_orders) see every order.
    Cached on the user object, which lives for one request."""
    cached = getattr(user, "_is_branch_level", None)
    if cached is None:
        cached = user.has_perm("tickets.view_all_orders") or user.org_units.filter(kind=OrgUnit.Kind.BRANCH).exists()
        user._is_branch_level = cached
    return cached


def unit_supervisor_map() -> dict[int, int | None]:
    """For every unit, the nearest supervisor at or above it (one query): who hears of a breach (逐级上报)."""
    rows = {unit_id: (parent_id, sup_id) for unit_id, parent_id, sup_id in OrgUnit.objects.values_list(
        "id", "parent_id", "supervisor_id"
    )}  # fmt: skip
    result: dict[int, int | None] = {}
    for unit_id in rows:
        node, depth, found = unit_id, 0, None
        while node is not None and depth < 50:
            parent_id, sup_id = rows.get(node, (None, None))
            if sup_id:
                found = sup_id
                break
            node, depth = parent_id, depth + 1
        result[unit_id] = found
    return result
