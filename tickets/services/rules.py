from ..models import WorkOrderRules


def work_order_rules_seed() -> WorkOrderRules:
    """The rules row with the SPEC defaults, unless an administrator saved one already. Idempotent."""
    return WorkOrderRules.objects.order_by("pk").first() or WorkOrderRules.objects.create()
