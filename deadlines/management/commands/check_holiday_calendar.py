"""Exit non-zero when the holiday table is missing a year (SPEC §3.1); for cron and monitoring."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from deadlines.selectors import holiday_coverage_warning


class Command(BaseCommand):
    help = "Check that the holiday calendar covers this year and, from 1 December, the coming year."

    def handle(self, *args, **options):
        warning = holiday_coverage_warning(timezone.localdate())
        if warning:
            raise CommandError(warning, returncode=1)
        self.stdout.write(self.style.SUCCESS("Holiday calendar coverage OK."))
