"""Who may move a declaration (R-MAJ-4, R-SEC-1): a role (a permission held through a group) **and** being
the person fixed for the step when it started. Given to django-fsm-2 as `permission=` callables, so
`has_transition_perm` answers both at once. They read only ids on the declaration."""

STEP_PERMISSION = {
    "review": "escalation.review_declaration",
    "interface": "escalation.work_declaration",
    "chief": "escalation.resolve_as_chief",
}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_declarer(declaration, user) -> bool:
    return _active(user) and declaration.declarer_id == user.id


def is_reviewer(declaration, user) -> bool:
    return _active(user) and declaration.reviewer_id == user.id and user.has_perm(STEP_PERMISSION["review"])


def is_interface_admin(declaration, user) -> bool:
    return _active(user) and declaration.interface_admin_id == user.id and user.has_perm(STEP_PERMISSION["interface"])


def is_chief(declaration, user) -> bool:
    return _active(user) and declaration.chief_id == user.id and user.has_perm(STEP_PERMISSION["chief"])


STEP_HOLDER = {"review": is_reviewer, "interface": is_interface_admin, "chief": is_chief}


def holds_current_step(declaration, user) -> bool:
    """The person the declaration waits for in its current state."""
    check = STEP_HOLDER.get(declaration.step)
    return bool(check and check(declaration, user))


def is_resolver(declaration, user) -> bool:
    check = STEP_HOLDER.get(declaration.resolved_step)
    return bool(check and check(declaration, user))
