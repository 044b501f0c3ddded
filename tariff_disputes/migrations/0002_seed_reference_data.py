"""Reference data of SPEC §5 (editable in admin afterwards): the cause taxonomy (R-TD-3), the refund multiplier
policy (R-TD-4: ×2 for confirmed wrong charges of company cause, ×1 otherwise) and the approval thresholds by
amount (R-TD-5: ≤ ¥100 store manager or green channel, ≤ ¥1,000 CS centre, above that the branch leader)."""

from django.db import migrations

from tariff_disputes.reference import CAUSES, POLICIES, THRESHOLDS

def seed(apps, schema_editor):
    reference_seed(apps)


def reference_seed(apps):
    """Get or create every row (an administrator's edits survive); `apps` is the migration's or django.apps."""
    Cause = apps.get_model("tariff_disputes", "Cause")
    MultiplierPolicy = apps.get_model("tariff_disputes", "MultiplierPolicy")
    ApprovalThreshold = apps.get_model("tariff_disputes", "ApprovalThreshold")
    made = {}
    for code, name, parent, company, position in CAUSES:
        made[code], _ = Cause.objects.get_or_create(
            code=code,
            defaults={"name": name, "parent": made.get(parent), "is_company_cause": company, "position": position},
        )
    for code, name, company, multiplier in POLICIES:
        MultiplierPolicy.objects.get_or_create(
            code=code, defaults={"name": name, "company_cause": company, "multiplier": multiplier}
        )
    for level, name, max_amount, permission, cash in THRESHOLDS:
        ApprovalThreshold.objects.get_or_create(
            level=level,
            defaults={"name": name, "max_amount": max_amount, "permission": permission, "allows_cash": cash},
        )


class Migration(migrations.Migration):
    dependencies = [("tariff_disputes", "0001_disputes_and_refunds")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
