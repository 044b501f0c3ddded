"""Named conditions a clock policy can refer to (R-CLK-*). They are code because they read the order
and the event; which one a policy uses is data. Adding a clock kind = a policy row (+ a condition here
when none fits) + the event that starts it."""

from collections.abc import Callable

PRIORITY_FLAGS = ("is_major", "is_repeat", "is_batch", "is_escalated")


def _priority_case(order, details) -> bool:
    """R-SP-5: major, repeat, batch and escalated complaints get the 30-minute dispatch."""
    return any(getattr(order, flag) for flag in PRIORITY_FLAGS)


CONDITIONS: dict[str, tuple[str, Callable]] = {
    "always": ("always", lambda order, details: True),
    "dispatched_kind": ("order is to be dispatched (转派/外派)", lambda order, details: order.is_dispatched_kind()),
    "priority_case": ("major / repeat / batch / escalated", _priority_case),
    "ordinary_case": ("none of major / repeat / batch / escalated", lambda o, d: not _priority_case(o, d)),
    "contact_reached": ("the logged contact reached the customer", lambda o, d: bool(d.get("contact").reached)),
    "contact_failed": (
        "the logged contact failed (outbound, not reached)",
        lambda o, d: (not d["contact"].reached) and d["contact"].direction == "outbound",
    ),
    "has_appointment": ("the order has an appointed time", lambda order, details: order.appointed_at is not None),
}

CONDITION_CHOICES = [(name, label) for name, (label, _) in CONDITIONS.items()]


def condition_holds(name: str, order, details: dict) -> bool:
    try:
        return bool(CONDITIONS[name][1](order, details))
    except (KeyError, AttributeError):
        return False
