"""The refund-approval queue in the navigation (R-TD-5, R-UI-2): one calm entry, "资费争议" with the number of
requests waiting for this user's approval level (and below), shown only to users who approve at some level.
Computed lazily, once per request, only when a page renders the navigation."""

from functools import cached_property

from .selectors import approval_queue, user_approval_level


class TariffDisputeNav:
    def __init__(self, user):
        self.user = user

    @cached_property
    def level(self) -> int:
        return user_approval_level(user=self.user)

    @cached_property
    def approves(self) -> bool:
        return self.level > 0

    @cached_property
    def waiting(self) -> int:
        return approval_queue(user=self.user).count() if self.approves else 0


def tariff_disputes(request) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"tariff_dispute_nav": TariffDisputeNav(user)}
