from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What the user calls each transition (and each refusable service): the 409's message names it in the
# request's language (zh-hans by default), not by its method name. The wording is the order page's.
TRANSITION_LABELS = {
    "close_on_spot": gettext_lazy("Close on the spot"),
    "dispatch": gettext_lazy("Dispatch"),
    "claim": gettext_lazy("Claim"),
    "dept_reply": gettext_lazy("Department reply"),
    "return_reply": gettext_lazy("Return the reply"),
    "approve_reply": gettext_lazy("Approve the reply"),
    "reply_customer": gettext_lazy("Final reply to the customer"),
    "approve_final_reply": gettext_lazy("Approve the final reply"),
    "callback": gettext_lazy("Callback"),
    "close": gettext_lazy("Close"),
    "redispatch": gettext_lazy("Redispatch"),
    "extension": gettext_lazy("Ask for an extension"),
    "extension_decide": gettext_lazy("Decide the extension request"),
    "contact": gettext_lazy("Log a contact"),
    "flags": gettext_lazy("Change the flags"),
    "urge": gettext_lazy("Log an urge"),
    "remind": gettext_lazy("Remind"),
    "reassign": gettext_lazy("Reassign"),
    "escalate": gettext_lazy("Escalate"),
}


def transition_label(name: str) -> str:
    return str(TRANSITION_LABELS.get(name, name))


class TransitionRefused(Exception):
    """The order is not in a state that allows this transition (or a concurrent one got there first).
    The API answers 409 Conflict; `detail` names the transition as the user knows it, in their language."""

    def __init__(self, order, transition: str, detail: str = ""):
        self.order = order
        self.transition = transition
        label = transition_label(transition)
        reason = _("“%(transition)s” is not allowed while the order is “%(state)s”.") % {
            "transition": label,
            "state": order.get_state_display(),
        }
        # A service's own reason says why; the message still names the transition refused.
        self.detail = _("%(transition)s: %(reason)s") % {"transition": label, "reason": detail} if detail else reason
        super().__init__(self.detail)
