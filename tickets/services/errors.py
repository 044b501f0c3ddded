from django.utils.translation import gettext as _


class TransitionRefused(Exception):
    """The order is not in a state that allows this transition (or a concurrent one got there first).
    The API answers 409 Conflict."""

    def __init__(self, order, transition: str, detail: str = ""):
        self.order = order
        self.transition = transition
        self.detail = detail or _("“%(transition)s” is not allowed while the order is “%(state)s”.") % {
            "transition": transition,
            "state": order.get_state_display(),
        }
        super().__init__(self.detail)
