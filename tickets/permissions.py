"""Who may move an order (R-SEC-1): a role (a Django permission held through a group) **and** a unit.

These predicates are given to django-fsm-2 as `permission=` callables, so `has_transition_perm`
answers both questions at once. They read only ids on the order, never query the order itself."""

from org.selectors import unit_supervisor_map, user_is_branch_level, user_scope_unit_ids

# Flags the people at the counter may set themselves (R-MAJ-1: the first-contact employee reports a major
# complaint to the supervisor; R-SP-3 越级倾向; R-SP-6 media present). The others are the dispatcher's.
COUNTER_FLAGS = frozenset({"is_major", "escalation_tendency", "is_media"})


def order_visible_to(order, user) -> bool:
    """SPEC §1: the orders of the user's units and sub-units, those they accepted, those assigned to
    them; branch-level users see all."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if order.accepted_by_id == user.id or order.assignee_id == user.id:
        return True
    if user_is_branch_level(user=user):
        return True
    scope = user_scope_unit_ids(user=user)
    return order.accepting_unit_id in scope or order.handling_unit_id in scope


def _handling_unit_member(order, user) -> bool:
    return order.handling_unit_id is not None and order.handling_unit_id in user_scope_unit_ids(user=user)


def can_dispatch(order, user) -> bool:
    return user.has_perm("tickets.dispatch_workorder") and order_visible_to(order, user)


def can_flag(order, user, names) -> bool:
    """The dispatcher may change any flag; the first-contact owner and the accepting unit's supervisor (the
    nearest one above it) only the counter flags."""
    if can_dispatch(order, user):
        return True
    if not set(names) <= COUNTER_FLAGS or not order_visible_to(order, user):
        return False
    return order.accepted_by_id == user.id or unit_supervisor_map().get(order.accepting_unit_id) == user.id


def can_claim(order, user) -> bool:
    return user.has_perm("tickets.claim_workorder") and _handling_unit_member(order, user)


def can_reply_department(order, user) -> bool:
    """Only the handler who claimed the order writes its department reply."""
    return user.has_perm("tickets.reply_department") and order.assignee_id == user.id


def can_review(order, user) -> bool:
    return user.has_perm("tickets.review_reply") and order_visible_to(order, user)


def can_reply_customer(order, user) -> bool:
    return user.has_perm("tickets.reply_customer") and order_visible_to(order, user)


def can_callback(order, user) -> bool:
    return user.has_perm("tickets.callback_workorder") and order_visible_to(order, user)


def can_log_contact(order, user) -> bool:
    return user.has_perm("tickets.log_contact") and order_visible_to(order, user)


def can_unmask(order, user) -> bool:
    return user.has_perm("tickets.unmask_number") and order_visible_to(order, user)


def can_supervise(order, user) -> bool:
    """Who may remind and escalate (issue 13 §4): the supervisors of the overdue and at-risk queues (branch-level
    staff, dispatchers, a unit's supervisor) on an order they see."""
    if not order_visible_to(order, user):
        return False
    if user_is_branch_level(user=user) or user.has_perm("tickets.dispatch_workorder"):
        return True
    return user.supervised_units.exists()


def can_reassign(order, user) -> bool:
    """改派 to another member of the handling unit: a dispatcher (any order they see), or the supervisor of the
    handling unit (the nearest one at or above it, as for breaches)."""
    if not order_visible_to(order, user) or order.handling_unit_id is None:
        return False
    if user.has_perm("tickets.dispatch_workorder"):
        return True
    return unit_supervisor_map().get(order.handling_unit_id) == user.id


def can_reassign_unit(order, user) -> bool:
    """改派 to another handling unit (back to dispatched for it): dispatchers only, as dispatching itself."""
    return can_dispatch(order, user)
