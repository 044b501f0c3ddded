"""Reference data that every creation reads (the category tree, skill groups, the work-order rules), cached
per process (issue 12 §3: a hotline's peak must not re-read the same small tables on every order).

A save or delete in this process drops the cache at once (signals); another process (the other gunicorn
worker, the admin's) sees a change within `REFERENCE_TTL`. An id the cache does not know reloads it once,
so a category created elsewhere a moment ago is found, never refused as missing."""

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db.models.signals import post_delete, post_save

from complaints.models import ComplaintCategory, SkillGroup

from .models import WorkOrderRules

REFERENCE_TTL = 30.0  # seconds another process may keep a changed reference row


@dataclass(frozen=True)
class CategoryNode:
    id: int
    name: str
    parent_id: int | None
    is_active: bool
    top_id: int
    top_name: str
    label: str  # "top → … → leaf"
    is_leaf: bool  # no active child (R-WO-3: complaints use leaves only)


class _Cache:
    def __init__(self):
        self._lock = threading.Lock()
        self._values: dict[str, tuple[float, object]] = {}

    def get(self, key: str, load):
        now = time.monotonic()
        hit = self._values.get(key)
        if hit is not None and now - hit[0] < REFERENCE_TTL:
            return hit[1]
        value = load()
        with self._lock:
            self._values[key] = (now, value)
        return value

    def drop(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._values.clear()
            else:
                self._values.pop(key, None)


_cache = _Cache()


def reference_cache_clear(**_kwargs) -> None:
    """Forget everything (a save of any cached model; tests between cases)."""
    _cache.drop()


def _categories_load() -> dict[int, CategoryNode]:
    rows = {pk: (name, parent, active) for pk, name, parent, active in ComplaintCategory.objects.values_list(
        "id", "name", "parent_id", "is_active"
    )}  # fmt: skip
    has_active_child = {parent for _name, parent, active in rows.values() if active and parent is not None}
    nodes = {}
    for pk, (name, parent, active) in rows.items():
        path, node, depth = [], pk, 0
        while node is not None and depth < 20:
            node_name, node_parent, _active = rows.get(node, ("?", None, False))
            path.append((node, node_name))
            node, depth = node_parent, depth + 1
        top_id, top_name = path[-1]
        label = " → ".join(n for _id, n in reversed(path))
        nodes[pk] = CategoryNode(pk, name, parent, active, top_id, top_name, label, pk not in has_active_child)
    return nodes


def category_node(category_id: int | None) -> CategoryNode | None:
    """The category with its top level, path label and leaf-ness, or None when it does not exist."""
    if not category_id:
        return None
    nodes = _cache.get("categories", _categories_load)
    if category_id not in nodes:
        _cache.drop("categories")  # created elsewhere since the cache was filled? Look once more.
        nodes = _cache.get("categories", _categories_load)
    return nodes.get(category_id)


def category_labels() -> dict[int, str]:
    """Every category's "top → … → leaf" label (as `complaints.selectors.category_path_labels`)."""
    return {pk: node.label for pk, node in _cache.get("categories", _categories_load).items()}


def skill_group_for_city(city: str) -> SkillGroup | None:
    """R-WO-6: the active skill group of the city."""
    groups = _cache.get("skill_groups", lambda: {g.city: g for g in SkillGroup.objects.filter(is_active=True)})
    group = groups.get(city)
    if group is None:
        _cache.drop("skill_groups")
        group = _cache.get("skill_groups", lambda: {g.city: g for g in SkillGroup.objects.filter(is_active=True)})
        group = group.get(city)
    return group


def rules_cached() -> WorkOrderRules:
    """The work-order rules row (as `selectors.work_order_rules`), cached."""
    return _cache.get("rules", lambda: WorkOrderRules.objects.order_by("pk").first() or WorkOrderRules())


def repeat_window() -> timedelta:
    """R-SP-1 (b): how long after its closing an order may be followed by a repeat complaint."""
    return timedelta(days=rules_cached().repeat_window_days)  # "closed within 30 days" (SPEC Decision), data


def signals_connect() -> None:
    for model in (ComplaintCategory, SkillGroup, WorkOrderRules):
        post_save.connect(reference_cache_clear, sender=model, dispatch_uid=f"tickets.reference.{model.__name__}.s")
        post_delete.connect(reference_cache_clear, sender=model, dispatch_uid=f"tickets.reference.{model.__name__}.d")
