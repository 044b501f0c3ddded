import json

from django.conf import settings
from django.core.management.base import BaseCommand

from complaints.services import reference_seed, reply_scripts_seed
from deadlines.policies import clock_policies_seed
from deadlines.services import calendar_seed_defaults, holiday_seed_from_chinese_calendar
from org.services import org_units_seed, roles_seed
from tickets.services.rules import work_order_rules_seed
from tickets.signals import reference_data_loaded


class Command(BaseCommand):
    help = "Load reference data (roles, org units, categories, calendars, clock policies, rules). Idempotent."

    def handle(self, *args, **options):
        data = json.loads((settings.BASE_DIR / "fixtures" / "reference_data.json").read_text(encoding="utf-8"))
        roles_seed()
        org_units_seed(units=data["units"])
        reference_seed(
            categories=data["categories"], call_reasons=data["call_reasons"], business_items=data["business_items"],
            skill_groups=data["skill_groups"], category_keywords=data.get("category_keywords"),
        )  # fmt: skip
        scripts = json.loads((settings.BASE_DIR / "fixtures" / "reply_scripts.json").read_text(encoding="utf-8"))
        reply_scripts_seed(scripts=scripts["scripts"])
        calendar_seed_defaults()
        holiday_seed_from_chinese_calendar()
        clock_policies_seed()
        work_order_rules_seed()
        # The apps above this layer load theirs (holiday duty: its hall, groups, waits and clock policy) through
        # this hook, after everything above is in.
        reference_data_loaded.send(sender=self.__class__, stdout=self.stdout, verbosity=options["verbosity"])
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))
