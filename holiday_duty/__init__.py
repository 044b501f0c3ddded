"""Holiday duty (节假日值班, SPEC §6, R-HD-1 … R-HD-7): the duty hall's queue, rosters, the 4-hour feedback chase,
the escalation ladder, the duty log and the shift handover. Sits above tickets and deadlines and hangs on
their events (apps.py)."""
