"""Major-complaint escalation (SPEC §4). Built in its own issue on top of tickets.services."""
