"""Demo major complaints (issue 9 §5): one in progress per interface, so that every major-complaint queue
shows something on a fresh start. Run by `load_demo_data` after the demo users exist. Idempotent: nothing
is added when any major complaint exists. Goes through the services like everything else."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from complaints.models import ComplaintCategory
from escalation import services
from escalation.models import Criterion, Interface, MajorComplaint
from org.models import OrgUnit
from tickets import services as order_services

CONTENT = {
    "hall": dict(
        problem="客户在营业厅购买的充值卡被盗用，要求三倍赔偿并扬言向工信部申诉。",
        cause_trace="分销商渠道卡密泄露，已报公安。",
        resources_used="营业厅补偿话费方案；计费支撑部核查充值记录。",
        communication="店面经理两次面谈，客户拒绝补偿方案。",
        unresolved_reason="客户坚持三倍赔偿，超出营业厅权限。",
    ),
    "channel": dict(
        problem="授权店私自为客户办理套餐变更，客户要求退还多扣费用并公开道歉。",
        cause_trace="授权店营业员违规操作。",
        resources_used="渠道经理上门致歉，退还差额。",
        communication="客户已联系报社记者。",
        unresolved_reason="客户要求书面道歉与赔偿，渠道无权处理。",
    ),
    "group": dict(
        problem="集团客户专线中断 6 小时，客户要求按合同赔偿并威胁起诉。",
        cause_trace="光缆被市政施工挖断。",
        resources_used="客户经理协调网络部抢修，已恢复。",
        communication="客户法务已发函。",
        unresolved_reason="赔偿金额超出区域权限。",
    ),
}


class Command(BaseCommand):
    help = "Add one major complaint in progress per declaration interface (demo)."

    def handle(self, *args, **options):
        if MajorComplaint.objects.exists():
            self.stdout.write("Major complaints exist; demo major complaints not added.")
            return
        self.add()
        self.stdout.write(self.style.SUCCESS("Demo major complaints added (one per interface)."))

    @transaction.atomic
    def add(self) -> None:
        User = get_user_model()
        u = {name: User.objects.get(username=name) for name in (
            "front_line", "store_manager", "channel_manager", "channel_supervisor", "account_manager",
            "account_manager_supervisor", "interface_admin", "handler", "legal", "branch_major_chief",
        )}  # fmt: skip
        for interface in Interface.objects.all():
            interface.admins.add(u["interface_admin"])
        billing = OrgUnit.objects.get(code="dept-billing")
        criteria = list(Criterion.objects.order_by("position").values_list("id", flat=True)[:2])
        category = ComplaintCategory.objects.get(name="计费差错")
        now = timezone.now()

        def major(actor, number: str, name: str, content: str):
            order = order_services.work_order_create(
                actor=actor,
                intake=order_services.OrderIntake(
                    order_type="complaint", channel="visit", visit_confirmed=True, handling_method="transfer",
                    accepted_number=number, category_id=category.id, content=content, is_major=True,
                    received_at=now - timedelta(minutes=40), customer={"name": name, "home_city": "深圳"},
                ),
            )  # fmt: skip
            return MajorComplaint.objects.get(order=order)

        def declare(m, actor, code):
            return services.declaration_create(
                major_id=m.id, actor=actor, support_unit_id=billing.id, criterion_ids=criteria, **CONTENT[code]
            )

        def opinions(d, both=True):
            services.declaration_opinion_give(
                declaration_id=d.id, actor=u["legal"], kind="legal", text="诉求无法律依据，可按规定补偿。"
            )
            if both:
                services.declaration_opinion_give(
                    declaration_id=d.id, actor=u["handler"], kind="support", text="计费记录核查无误。"
                )

        # Hall: the store manager has given the 1 h opinion; the draft waits for the support department's opinion.
        hall = major(u["front_line"], "13900001111", "赵先生", CONTENT["hall"]["problem"])
        services.major_complaint_opinion(
            major_id=hall.id, actor=u["store_manager"], opinion="先安抚客户，按规定补偿，准备申告。",
            plan="补偿话费 100 元；如客户不接受则申告。", reply_script="您的情况我们高度重视，正在加急处理。",
        )  # fmt: skip
        opinions(declare(hall, u["front_line"], "hall"), both=False)

        # Partner channel: submitted, waiting for the regional channel supervisor's review.
        channel = major(u["channel_manager"], "13900002222", "钱女士", CONTENT["channel"]["problem"])
        d = declare(channel, u["channel_manager"], "channel")
        opinions(d)
        services.declaration_submit(declaration_id=d.id, actor=u["channel_manager"])

        # Group: approved and accepted by the interface admin, who can resolve it or refer it to the chief.
        group = major(u["account_manager"], "13900003333", "孙经理", CONTENT["group"]["problem"])
        d = declare(group, u["account_manager"], "group")
        opinions(d)
        services.declaration_submit(declaration_id=d.id, actor=u["account_manager"])
        services.declaration_approve(declaration_id=d.id, actor=u["account_manager_supervisor"])
        services.declaration_accept(declaration_id=d.id, actor=u["interface_admin"])
