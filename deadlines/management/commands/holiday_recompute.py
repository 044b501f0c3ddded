"""Rerun the recompute of running working-day clocks for holiday years (R-CAL-YEAR), e.g. when the broker was down
as a year was confirmed. Idempotent: clocks already right do not move."""

from django.core.management.base import BaseCommand

from deadlines.recompute import clocks_recompute_for_years


class Command(BaseCommand):
    help = "Recompute the due times of running working-day clocks touching the given years from their start."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int)

    def handle(self, *args, years: list[int], **options):
        moved = clocks_recompute_for_years(years=years)
        self.stdout.write(self.style.SUCCESS(f"{moved} running clocks moved."))
