from ..models import WorkOrderRules
from ..selectors import work_order_rules


def work_order_rules_seed() -> WorkOrderRules:
    """The rules row with the SPEC defaults, unless an administrator saved one already. Idempotent."""
    rules = work_order_rules()
    if rules.pk is None:
        rules.save()
    return rules
