"""Hooks of this layer's loaders for the apps above it (the layer contract in pyproject: tickets imports nothing of
escalation, tariff_disputes or holiday_duty, and names none of their commands either).

- `reference_data_loaded`: sent by `manage.py load_reference_data` once this layer's reference data is in (roles,
  org units, categories, scripts, calendars with the holiday table, clock policies, work-order rules), so a
  receiver may rely on all of it.
- `demo_data_loaded`: sent by `manage.py load_demo_data` once the demo users (one per role), the units'
  supervisors and the demo orders exist.

Both are sent with `stdout` (the command's output wrapper: write to it, so `call_command(..., stdout=…)` captures
every line) and `verbosity`. Receivers run in the order their apps' `AppConfig.ready()` connected them, which is
the order of INSTALLED_APPS; each must be idempotent, like the commands that send them."""

from django.dispatch import Signal

reference_data_loaded = Signal()
demo_data_loaded = Signal()
