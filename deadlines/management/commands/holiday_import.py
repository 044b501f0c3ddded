"""Import one year's holidays and make-up days from a CSV file (SPEC §3.1, R-CAL-YEAR); the admin's import does
the same through `deadlines.services.holiday_import_apply`. Format: fixtures/holidays-2027-sample.csv."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from deadlines.services import HolidayImportInvalid, holiday_import_apply, holiday_import_plan


class Command(BaseCommand):
    help = "Import a year's holiday schedule from a CSV file (date,kind,name). The year stays draft: confirm it."

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 CSV file with the columns date,kind,name")
        parser.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")

    def handle(self, *args, file: str, dry_run: bool, **options):
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        plan = holiday_import_plan(text=text)
        if plan.ok and not dry_run:
            try:
                plan = holiday_import_apply(text=text, actor="manage.py holiday_import")
            except HolidayImportInvalid as invalid:
                plan = invalid.plan
        if plan.errors:
            for line, message in plan.errors:
                self.stderr.write(f"{file}:{line}: {message}" if line else f"{file}: {message}")
            raise CommandError(f"{len(plan.errors)} error(s): nothing imported.", returncode=2)
        for item in plan.added:
            self.stdout.write(f"+ {item.date:%Y-%m-%d} {item.kind} {item.festival}")
        for row, item in plan.changed:
            self.stdout.write(
                f"~ {item.date:%Y-%m-%d} {row.kind} {row.festival or row.name} -> {item.kind} {item.festival}"
            )
        for row in plan.removed:
            self.stdout.write(f"- {row.date:%Y-%m-%d} {row.kind} {row.festival or row.name}")
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            self.style.SUCCESS(
                f"{plan.year}: {verb} {plan.change_count} rows ({len(plan.added)} added, {len(plan.changed)} changed, "
                f"{len(plan.removed)} removed)."
                + ("" if dry_run else " Confirm the year in the admin (Holiday years) when it is complete.")
            )
        )
