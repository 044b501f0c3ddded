"""Demo roster (issue 11): the demo duty staff and shift leader take turns in 12-hour shifts at 竹子林服营厅 on every
duty day of the coming weeks; the demo account manager gets a duty phone; the distributor groups a holiday
contact. Run by `load_demo_data` after the demo users exist. Idempotent: nothing is added when the hall has a
rotation already. Goes through the roster service like everything else."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from holiday_duty.models import CoveredGroup, DistributorContact, DutyHall, DutyPhone, Rotation, RotationMember
from holiday_duty.services import roster_build

CONTACTS = {
    "group-support": ("集团分销商（演示）", "刘经理", "13900000101", "group-distributor@example.com"),
    "cross-region": ("跨区渠道分销商（演示）", "黄经理", "13900000102", "cross-region-distributor@example.com"),
}


class Command(BaseCommand):
    help = "Add a demo holiday-duty roster for the demo duty staff and shift leader."

    def handle(self, *args, **options):
        hall = DutyHall.objects.filter(unit__code="hall-zhuzilin").first()
        if hall is None:
            self.stdout.write("No duty hall (load reference data first); demo roster not added.")
            return
        if hall.rotations.exists():
            self.stdout.write("The duty hall has a rotation; demo roster not added.")
            return
        self.add(hall)
        self.stdout.write(self.style.SUCCESS("Demo holiday-duty roster added."))

    @transaction.atomic
    def add(self, hall: DutyHall) -> None:
        User = get_user_model()
        staff, leader = User.objects.get(username="duty_staff"), User.objects.get(username="shift_leader")
        hall.shift_leader = hall.fallback_person = leader
        hall.save(update_fields=["shift_leader", "fallback_person"])
        today = timezone.localdate()
        anchor = timezone.make_aware(datetime.combine(today - timedelta(days=1), time(8, 30)))
        rotation = Rotation.objects.create(hall=hall, name="节假日值班（演示）", anchor=anchor,
                                           shift_length=timedelta(hours=12))  # fmt: skip
        for position, person in enumerate((staff, leader)):
            RotationMember.objects.create(rotation=rotation, position=position, person=person)
        for username, phone in (("account_manager", "13900000001"), ("account_manager_supervisor", "13900000002")):
            user = User.objects.filter(username=username).first()
            if user is not None:
                DutyPhone.objects.get_or_create(user=user, defaults={"phone": phone})
        for code, (distributor, name, phone, email) in CONTACTS.items():
            group = CoveredGroup.objects.filter(unit__code=code).first()
            if group is not None and not group.contacts.exists():
                DistributorContact.objects.create(group=group, distributor=distributor, name=name, phone=phone,
                                                  email=email)  # fmt: skip
        roster_build(hall_id=hall.id, until=timezone.now() + timedelta(days=45))
