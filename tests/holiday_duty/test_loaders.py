"""tickets' loaders (`load_reference_data`, `load_demo_data`) load the apps above through hooks
(`tickets.signals`), never by calling their commands by name: the duty hall and its clock policy come with the
reference data, the demo roster and the demo major complaints with the demo data; both stay idempotent."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from deadlines.clock_models import ClockPolicy
from escalation.models import MajorComplaint
from holiday_duty.models import CoveredGroup, DutyHall, Rotation, Shift
from tickets.signals import demo_data_loaded, reference_data_loaded

pytestmark = pytest.mark.django_db


def test_the_reference_and_demo_data_of_the_apps_above_come_through_the_hooks():
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    hall = DutyHall.objects.get(unit__code="hall-zhuzilin")
    assert CoveredGroup.objects.filter(hall=hall).exists()
    assert ClockPolicy.objects.filter(code="holiday-feedback").exists()
    assert "Holiday-duty reference data loaded" in out.getvalue()
    assert out.getvalue().rstrip().endswith("Reference data loaded.")  # the apps above load before the last line

    call_command("load_demo_data", stdout=out)
    assert Rotation.objects.filter(hall=hall).count() == 1 and Shift.objects.filter(hall=hall).exists()
    assert MajorComplaint.objects.count() == 3
    assert "Demo holiday-duty roster added." in out.getvalue()

    # idempotent, through the hooks as well
    shifts, majors = Shift.objects.count(), MajorComplaint.objects.count()
    call_command("load_reference_data", stdout=StringIO())
    call_command("load_demo_data", stdout=StringIO())
    assert (Rotation.objects.count(), Shift.objects.count(), MajorComplaint.objects.count()) == (1, shifts, majors)


@pytest.mark.parametrize(("command", "signal"), [("load_reference_data", reference_data_loaded),
                                                 ("load_demo_data", demo_data_loaded)])  # fmt: skip
def test_each_loader_sends_its_hook_with_its_output_and_verbosity(command, signal):
    heard = []

    def receiver(sender, **kwargs):
        heard.append((kwargs["stdout"], kwargs["verbosity"]))
        kwargs["stdout"].write("a receiver's line")

    if command == "load_demo_data":
        call_command("load_reference_data", stdout=StringIO())
    out = StringIO()
    signal.connect(receiver, dispatch_uid="test-loader-hook")
    try:
        call_command(command, stdout=out, verbosity=0)
    finally:
        signal.disconnect(dispatch_uid="test-loader-hook")
    assert len(heard) == 1 and heard[0][1] == 0
    assert "a receiver's line" in out.getvalue()


def test_the_loaders_of_tickets_name_no_app_above_it():
    # The layer contract (pyproject) sees imports only; a command called by name would slip past it.
    for path in Path(settings.BASE_DIR, "tickets", "management", "commands").glob("load_*.py"):
        text = path.read_text(encoding="utf-8")
        for name in ("load_escalation", "load_tariff", "load_holiday_duty", "call_command", "is_installed"):
            assert name not in text, f"{path.name} names {name}"
