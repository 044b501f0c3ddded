"""The workspace navigation (the user's queues, their units), given lazily: nothing is queried unless a page
actually renders the navigation (htmx partials and the admin do not), and then once per request. The
queue sizes and the notifications badge are loaded by the page afterwards (views.queues.nav_counts)."""

from functools import cached_property

from .queues import queues_for_user


class WorkspaceNav:
    def __init__(self, request):
        self.user = request.user

    @cached_property
    def queues(self):
        return queues_for_user(user=self.user)

    @cached_property
    def units(self) -> list:
        return list(self.user.org_units.order_by("id").values_list("name", flat=True))

    @cached_property
    def may_accept(self) -> bool:
        return self.user.has_perm("tickets.add_workorder")


def workspace(request) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"workspace": WorkspaceNav(request)}
