"""R-MAJ-2 reference data: the three declaration interfaces and the major-complaint checklist. Created when
missing, never overwritten (administrators edit them in admin afterwards); interface administrators are
people, assigned in admin (the demo data assigns its interface_admin user)."""

from django.db import migrations

INTERFACES = [
    dict(code="hall", name="服营厅界面", declaring_role="front_line", reviewing_role="store_manager", position=1),
    dict(code="channel", name="合作渠道界面", declaring_role="channel_manager", reviewing_role="channel_supervisor",
         position=2),
    dict(code="group", name="集团界面", declaring_role="account_manager", reviewing_role="account_manager_supervisor",
         position=3),
]

CRITERIA = [
    ("escalation_threat", "客户明确表示将越级投诉（工信部、通信管理局、消协等）"),
    ("media", "有媒体介入或客户扬言联系媒体"),
    ("many_customers", "影响客户众多（群体性事件）"),
    ("legal_threat", "客户扬言诉诸法律或已起诉"),
    ("large_amount", "涉及金额较大"),
    ("personal_safety", "涉及人身安全或客户情绪极端"),
    ("vip", "重要客户或敏感人物"),
    ("other", "其他可能造成重大影响的情形"),
]


def seed(apps, schema_editor):
    Interface = apps.get_model("escalation", "Interface")
    Criterion = apps.get_model("escalation", "Criterion")
    for row in INTERFACES:
        Interface.objects.get_or_create(code=row["code"], defaults=row)
    for position, (code, name) in enumerate(CRITERIA, start=1):
        Criterion.objects.get_or_create(code=code, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("escalation", "0001_major_complaints")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
