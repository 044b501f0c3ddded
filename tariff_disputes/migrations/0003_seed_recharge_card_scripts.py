"""R-TD-7: the recharge-card scripts (card bought at our hall vs elsewhere) as editable data: two reply scripts
(complaints.ReplyScript, R-KB-1) with the seed keys tariff_disputes.selectors.RECHARGE_SCRIPT_KEYS looks up.

The same rows are in fixtures/reply_scripts.json (`manage.py load_reference_data`). Like that loader, a script
present by key or title is never touched (an editor's wording survives), and a script is attached to its
category path; when the category tree is not loaded yet, nothing is created here (the loader creates categories
and scripts together), so a script never ends up general (shown for every category) by accident."""

from django.db import migrations

SCRIPTS = [
    {
        "key": "recharge-card-bought-at-hall",
        "title": "充值卡密码被套取：在我公司服务厅购买",
        "scenario": "充值卡-本厅购买",
        "body": "我公司服务厅在销售话费卡时，话费卡的密码涂层是完好的，现您所持的话费卡密码涂层已刮开，我们难以判断该话费卡充值的情况。在此，我们提醒您，在购买话费卡时，建议现场进行充值。",
        "guidance": "适用：客户表示在充值时听到提示密码有误，查序列号已使用，要求我公司处理。第一步：确认客户投诉的话费卡是否属于我公司服务厅销售，并根据解释口径向客户解释。第二步：解释后记录客户所反映的具体情况，在营销广场 → 数据报表 → 非常规 → 密码或充值投诉统计中记录相关的客户投诉信息。如客户强烈要求，可由店面经理根据话费争议流程酌情处理（见口径“充值卡密码被套取：客户强烈投诉，酌情给予话费补贴”）。",
        "categories": ["信息安全 → 分销商充值卡/储值卡被盗用/遗失"],
        "source": "[000] 三、充值卡被套取密码投诉的工作指引 场景一 1) 在服务厅购买",
        "sort_order": 10,
    },
    {
        "key": "recharge-card-bought-elsewhere",
        "title": "充值卡密码被套取：在非服务厅渠道购买",
        "scenario": "充值卡-非本厅购买",
        "body": "由于您的话费卡不是在我公司服务厅购买，我们难以了解您购买的情况，建议您向售卡点咨询有关具体情况。在此，我们提醒您，请尽量在我公司服务厅或正规的分销网点购买话费卡，如在一些临时商店购卡，建议现场进行充值，从而保障您的利益。",
        "guidance": "适用：客户表示在充值时听到提示密码有误，查序列号已使用，要求我公司处理。第一步：确认客户投诉的话费卡是否属于我公司服务厅销售，并根据解释口径向客户解释。第二步：解释后记录客户所反映的具体情况，在营销广场 → 数据报表 → 非常规 → 密码或充值投诉统计中记录相关的客户投诉信息。如客户强烈要求，可由店面经理根据话费争议流程酌情处理（见口径“充值卡密码被套取：客户强烈投诉，酌情给予话费补贴”）。",
        "categories": ["信息安全 → 分销商充值卡/储值卡被盗用/遗失"],
        "source": "[000] 三、充值卡被套取密码投诉的工作指引 场景一 2) 在非服务厅渠道购买",
        "sort_order": 20,
    },
]


def seed(apps, schema_editor):
    ReplyScript = apps.get_model("complaints", "ReplyScript")
    ComplaintCategory = apps.get_model("complaints", "ComplaintCategory")
    for row in SCRIPTS:
        if (
            ReplyScript.objects.filter(seed_key=row["key"]).exists()
            or ReplyScript.objects.filter(title=row["title"]).exists()
        ):
            continue
        categories = []
        for path in row["categories"]:
            node = None
            for name in path.split(" → "):
                node = ComplaintCategory.objects.filter(name=name, parent=node).first()
                if node is None:
                    break
            if node is not None:
                categories.append(node)
        if len(categories) != len(row["categories"]):
            continue
        script = ReplyScript.objects.create(
            seed_key=row["key"],
            title=row["title"],
            scenario=row["scenario"],
            body=row["body"],
            guidance=row["guidance"],
            source=row["source"],
            sort_order=row["sort_order"],
        )
        script.categories.set(categories)


class Migration(migrations.Migration):
    dependencies = [
        ("tariff_disputes", "0002_seed_reference_data"),
        ("complaints", "0002_replyscript"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
