"""Demo users (one per role of SPEC §1), a supervisor for every org unit (逐级上报, R-CLK-BREACH) and a few
orders drawn from the cases of seed 001. Idempotent: users are created once; demo orders only when the
database has no orders yet."""

import json
import os
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from complaints.models import ComplaintCategory
from org.models import OrgUnit
from org.roles import ROLES
from org.services import unit_supervisors_assign
from tickets import services
from tickets.models import WorkOrder
from tickets.signals import demo_data_loaded

# role → (unit code, display name)
DEMO_USERS = {
    "front_line": ("hall-huaqiang", "营业员 林晓"),
    "store_manager": ("hall-huaqiang", "店面经理 王敏"),
    "account_manager": ("am-south", "客户经理 陈刚"),
    "account_manager_supervisor": ("south", "客户经理主管 赵磊"),
    "channel_manager": ("cm-south", "渠道经理 孙丽"),
    "channel_supervisor": ("south", "渠道主管 周平"),
    "interface_admin": ("cs-centre", "界面管理员 吴杰"),
    "branch_major_chief": ("branch", "重大投诉总管 郑华"),
    "branch_leader": ("branch", "分公司领导 钱伟"),  # approves refunds above ¥1,000 (tariff_disputes)
    "dispatcher": ("cs-centre", "转单员 何芳"),
    "handler": ("dept-billing", "计费支撑 马骏"),
    "legal": ("dept-legal", "法律室 冯静"),
    "duty_staff": ("hall-zhuzilin", "值班员 许可"),
    "shift_leader": ("hall-zhuzilin", "值班长 邓超"),
    "qa_inspector": ("branch", "质检员 曹宇"),
    "knowledge_editor": ("cs-centre", "采编员 彭雪"),
    "admin": ("branch", "管理员 admin"),
}


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "demo-pass-2026")


class Command(BaseCommand):
    help = "Create demo users (one per role) and demo orders from the seed-001 cases."

    def handle(self, *args, **options):
        users = self.create_users()
        self.create_supervisors()
        if WorkOrder.objects.exists():
            self.stdout.write("Orders exist; demo orders not added.")
        else:
            self.create_orders(users)
        # The apps above this layer add theirs (major complaints, the duty roster) through this hook, once the
        # demo users exist.
        demo_data_loaded.send(sender=self.__class__, stdout=self.stdout, verbosity=options["verbosity"])
        self.stdout.write(self.style.SUCCESS(f"Demo users ready (password: {demo_password()})."))

    @transaction.atomic
    def create_users(self) -> dict:
        User = get_user_model()
        users = {}
        for role, (unit_code, display) in DEMO_USERS.items():
            surname, given = display.split(" ", 1)
            user, created = User.objects.get_or_create(
                username=role, defaults={"first_name": given, "last_name": surname, "email": f"{role}@example.com"}
            )
            if created:
                user.set_password(demo_password())
                user.is_staff = role in {"admin", "knowledge_editor"}
                user.is_superuser = role == "admin"
                user.save()
                user.groups.add(Group.objects.get(name=role))
                OrgUnit.objects.get(code=unit_code).members.add(user)
            users[role] = User.objects.get(pk=user.pk)  # fresh permission cache
        assert set(users) == set(ROLES)
        return users

    @transaction.atomic
    def create_supervisors(self) -> None:
        """Every unit its supervisor: the demo user of the unit's `supervisor_role` (reference data) where one
        fits (`unit_supervisors_assign`), else a demo head of the unit (user name `lead-<unit code>`)."""
        data = json.loads((settings.BASE_DIR / "fixtures" / "reference_data.json").read_text(encoding="utf-8"))
        rows = [row for row in data["units"] if row.get("supervisor_role")]
        unit_supervisors_assign(units=rows)
        User = get_user_model()
        for row in rows:
            unit = OrgUnit.objects.get(code=row["code"])
            if unit.supervisor_id:
                continue
            lead, created = User.objects.get_or_create(
                username=f"lead-{unit.code}",
                defaults={"first_name": "负责人", "last_name": unit.name, "email": f"lead-{unit.code}@example.com"},
            )
            if created:
                lead.set_password(demo_password())
                lead.save()
                lead.groups.add(Group.objects.get(name=row["supervisor_role"]))
                unit.members.add(lead)
            unit.supervisor = lead
            unit.save(update_fields=["supervisor"])

    def create_orders(self, users: dict) -> None:
        now = timezone.now()
        fee_query = ComplaintCategory.objects.get(name="话费查询与异议")
        arrears = ComplaintCategory.objects.get(name="欠费与销户争议")
        billing_error = ComplaintCategory.objects.get(name="计费差错")
        card = ComplaintCategory.objects.get(name="分销商充值卡/储值卡被盗用/遗失")
        billing = OrgUnit.objects.get(code="dept-billing")
        front, dispatcher, handler = users["front_line"], users["dispatcher"], users["handler"]

        def intake(**kw):
            base = dict(
                order_type="complaint", channel="visit", visit_confirmed=True, handling_method="transfer",
                received_at=now - timedelta(minutes=20), customer={"home_city": "深圳", "brand": "全球通"},
            )  # fmt: skip
            return services.OrderIntake(**{**base, **kw})

        # Case 1: a flip phone that did not hang up; solved on the spot by a demonstration (直接答复).
        services.work_order_create(
            actor=front,
            intake=intake(
                accepted_number="13666778765", category_id=fee_query.id, handling_method="direct_reply",
                customer={"name": "薛小姐", "home_city": "深圳", "brand": "全球通"},
                content="本月话费是近几个月平均的4倍多，前一天有几条较长通话，产生58.20元，客户称只打了几分钟。",
                direct_reply="比对主被叫清单一致；现场演示翻盖合上后仍在通话，已帮客户设置合盖挂断，客户表示感谢。",
            ),
        )  # fmt: skip
        # Case 2: a cancelled number with arrears; dispatched to billing, claimed, replied.
        order = services.work_order_create(
            actor=front,
            intake=intake(
                accepted_number="13967341014", category_id=arrears.id, urgency="urgent",
                customer={"name": "胡先生", "home_city": "深圳", "brand": "神州行"},
                content="来厅充值被告知号码已销户且有20多元欠费，客户称办理的是神州行轻松卡，不可能欠费，要求提供清单。",
                findings="号码原为客户女儿使用，女儿车祸后手机一直放在抽屉未用，客户情绪激动。",
            ),
        )  # fmt: skip
        services.work_order_dispatch(order_id=order.id, actor=dispatcher, unit_id=billing.id)
        services.work_order_claim(order_id=order.id, actor=handler)
        # Case 3: self-service terminal and billing detail disagree by 50 yuan; the customer asks for double.
        order = services.work_order_create(
            actor=front,
            intake=intake(
                accepted_number="13567383861", category_id=billing_error.id, is_repeat=False,
                customer={"name": "张小姐", "home_city": "深圳", "tier": "club", "brand": "全球通"},
                content="自助终端详单通话费50多元，计费明细100多元，相差50多元，客户认为乱扣费，要求双倍返还。",
            ),
        )  # fmt: skip
        services.work_order_dispatch(order_id=order.id, actor=dispatcher, unit_id=billing.id)
        # A recharge card bought elsewhere whose password was taken (seed 000 script scenario).
        services.work_order_create(
            actor=front,
            intake=intake(
                accepted_number="13812345678", category_id=card.id, channel="phone", visit_confirmed=False,
                customer={"name": "李先生", "home_city": "深圳", "brand": "动感地带"},
                content="在报刊亭购买的充值卡刮开后提示密码已被使用。",
            ),
        )  # fmt: skip
