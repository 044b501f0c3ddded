"""A user's saved views of a queue (issue 13 §3): save the filtered, sorted list under a name, delete it. Sharing
with roles or units is the administrator's, in the admin (tickets.admin_saved_views)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import SavedView
from ..models.saved_views import view_conditions_errors
from ..queues import QUEUES, SORTS
from .base import require

VIEWS_PER_USER_MAX = 50


@transaction.atomic
def saved_view_create(*, owner, queue: str, name: str, conditions: list, sort: str = "") -> SavedView:
    """A personal view of a queue the owner has; 400 naming `name`, `queue`, `conditions` or `sort`."""
    name = (name or "").strip()
    found = QUEUES.get(queue)
    errors = {
        "name": []
        if 0 < len(name) <= 60 and "\x00" not in name
        else [_("Give the view a name (up to 60 characters).")],
        "queue": [] if found is not None and found.is_orders else [_("No such queue.")],
        "conditions": view_conditions_errors(conditions),
        "sort": [] if sort in ("", *SORTS) else [_("Not a sort of this list.")],
    }
    require(errors)
    if not found.allowed(owner):
        raise PermissionDenied(_("This queue is not one of yours."))
    if SavedView.objects.filter(owner=owner).count() >= VIEWS_PER_USER_MAX:
        require({"name": [_("You have %(n)d saved views: delete one first.") % {"n": VIEWS_PER_USER_MAX}]})
    return SavedView.objects.create(owner=owner, queue=queue, name=name, conditions=conditions, sort=sort)


@transaction.atomic
def saved_view_delete(*, owner, view_id: int) -> None:
    """Delete one's own view (a shared one is the administrator's): another's answers like a missing one."""
    view = SavedView.objects.select_for_update().filter(pk=view_id, owner=owner).first()
    if view is None:
        raise SavedView.DoesNotExist
    view.delete()
