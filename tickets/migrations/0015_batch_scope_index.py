"""R-SP-2 detection costs one indexed query per creation whatever the table's size (issue 12 §1, §3): a partial index
of the complaints waiting for dispatch (state accepted) by leaf category, skill group (the city) and accepted time.
The detection's range of it holds only the scope's waiting complaints of the window; before, it intersected the
window's every order with every order of the category (18,700 index entries at 300,000 orders). Small (only
waiting complaints), so its upkeep per write is small too."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0014_routing_rules"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(("order_type", "complaint"), ("state", "accepted")),
                fields=["category", "skill_group", "accepted_at"],
                name="order_batch_scope_idx",
            ),
        ),
    ]
