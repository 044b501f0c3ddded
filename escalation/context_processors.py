"""The major-complaint queues in the navigation (R-MAJ-6, R-UI-2): name, label and size, computed only when a
page renders the navigation (lazily), once per request."""

from functools import cached_property

from .selectors import queue_counts
from .views import QUEUE_LABELS


class EscalationNav:
    def __init__(self, user):
        self.user = user

    @cached_property
    def queues(self) -> list[tuple[str, str, int]]:
        return [(name, QUEUE_LABELS[name], count) for name, count in queue_counts(user=self.user).items()]

    # One calm entry in the top bar, not one per queue (an administrator holds all six): the sum, linking to
    # the first queue where something waits; the queue page's tabs show each queue's count.
    @cached_property
    def total(self) -> int:
        return sum(count for _name, _label, count in self.queues)

    @cached_property
    def entry(self) -> str | None:
        waiting = [name for name, _label, count in self.queues if count]
        return (waiting or [name for name, _label, _count in self.queues] or [None])[0]


def escalation(request) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"escalation_nav": EscalationNav(user)}
