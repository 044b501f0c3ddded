"""Receivers of tickets' loader hooks (`tickets.signals`): tickets knows nothing of this app, so the demo major
complaints are added when `load_demo_data` says the demo users exist."""

from django.core.management import call_command


def demo_on_demo_data_loaded(sender, *, stdout, verbosity=1, **kwargs) -> None:
    """`tickets.signals.demo_data_loaded`: one major complaint in progress per interface (idempotent)."""
    call_command("load_escalation_demo", stdout=stdout, verbosity=verbosity)
