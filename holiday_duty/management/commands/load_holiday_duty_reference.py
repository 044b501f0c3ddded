"""Holiday-duty reference data (fixtures/holiday_duty.json): run by `load_reference_data` after the org tree,
roles and calendars exist. Idempotent."""

from django.core.management.base import BaseCommand

from holiday_duty.services import duty_reference_seed


class Command(BaseCommand):
    help = "Load the duty hall, covered groups, escalation waits, duty permissions and the holiday clock policy."

    def handle(self, *args, **options):
        created = duty_reference_seed()
        self.stdout.write(self.style.SUCCESS(f"Holiday-duty reference data loaded ({created} rows created)."))
